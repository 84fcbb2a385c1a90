#include "route.h"

#include "assets.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

/* Origin "SCHEME://HOST" with SCHEME http or https, against a Host header:
 * the page's own origin, directly or behind a TLS proxy that keeps Host. */
static bool same_origin(const char *origin, const char *host)
{
    if (!host[0])
        return false;
    const char *rest = strncasecmp(origin, "http://", 7) == 0    ? origin + 7
                       : strncasecmp(origin, "https://", 8) == 0 ? origin + 8
                                                                 : NULL;
    return rest && strcasecmp(rest, host) == 0;
}

/* Whether the space-separated list holds name (n bytes, any case) or "*". */
static bool listed(const char *list, const char *name, size_t n)
{
    for (const char *p = list + strspn(list, " \t"); *p;) {
        size_t k = strcspn(p, " \t");
        if ((k == 1 && p[0] == '*') || (k == n && strncasecmp(p, name, n) == 0))
            return true;
        p += k;
        p += strspn(p, " \t");
    }
    return false;
}

bool cc_route_origin_allowed(const cc_server_config *cfg, const char *origin,
                             const char *host)
{
    if (!cfg->allowed_origins[0])
        return same_origin(origin, host) && cc_route_host_allowed(cfg, host);
    return listed(cfg->allowed_origins, origin, strlen(origin));
}

/* A port after the name: ":" and at most 5 digits (RFC 9110 7.2 allows
 * none after the colon). */
static bool port_ok(const char *p)
{
    if (*p == '\0')
        return true;
    if (*p++ != ':' || strlen(p) > 5)
        return false;
    return strspn(p, "0123456789") == strlen(p);
}

bool cc_route_host_allowed(const cc_server_config *cfg, const char *host)
{
    if (!host[0])
        return true; /* not a browser: it always sends Host */
    char name[CC_HTTP_VALUE_MAX];
    unsigned char addr[sizeof(struct in6_addr)];
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        size_t n = end ? (size_t)(end - host - 1) : 0;
        if (!end || !port_ok(end + 1) || n == 0 || n >= sizeof name)
            return false;
        memcpy(name, host + 1, n);
        name[n] = '\0';
        return inet_pton(AF_INET6, name, addr) == 1;
    }
    size_t n = strcspn(host, ":");
    if (n == 0 || !port_ok(host + n))
        return false;
    memcpy(name, host, n); /* n < strlen(host) + 1 <= sizeof name */
    name[n] = '\0';
    /* The listen address is an IP address (config.c): one of these. */
    return inet_pton(AF_INET, name, addr) == 1 || strcasecmp(name, "localhost") == 0 ||
           listed(cfg->server_names, name, n);
}

static void reply(cc_route *out, int status, const char *headers, const char *body)
{
    *out = (cc_route){.action = CC_ROUTE_REPLY, .status = status, .headers = headers,
                      .body = body};
}

/* The page's scripts and styles: the same for everyone, loaded without
 * the token so that it never lands in a cache or a log with their URLs.
 * The page itself ("/") is the token's, as everything else. */
static bool public_file(const cc_http_request *rq)
{
    return rq->method == HTTP_GET && strcmp(rq->path, "/") != 0 && cc_asset_find(rq->path);
}

/* 421, 403 or 401 for a request that may not have what it asks; false
 * when it may. /healthz is open to all: load balancers and probes carry no
 * token and may send any Host; it tells only whether the cameras are up.
 * The Host first: a page of another name (DNS rebinding) learns nothing,
 * not even whether a token is wanted. */
static bool refused(const cc_http_request *rq, const cc_server_config *cfg, cc_route *out)
{
    if (strcmp(rq->path, "/healthz") == 0)
        return false;
    if (!cc_route_host_allowed(cfg, rq->host)) {
        reply(out, 421, "", "this server does not answer to that host name "
                            "(see [server] server_names)\n");
        out->refusal = "host";
        return true;
    }
    if (rq->has_origin && !cc_route_origin_allowed(cfg, rq->origin, rq->host)) {
        reply(out, 403, "", "origin not allowed\n");
        out->refusal = "origin";
        return true;
    }
    if (cfg->token[0] && !public_file(rq) &&
        !(rq->token_given && cc_token_equal(cfg->token, rq->token, rq->token_len))) {
        reply(out, 401, "WWW-Authenticate: Bearer realm=\"camcastd\"\r\n",
              rq->token_given ? "wrong access token\n" : "access token required\n");
        out->refusal = "token";
        return true;
    }
    return false;
}

void cc_route_decide(const cc_http_request *rq, const cc_server_config *cfg,
                     cc_route *out)
{
    if (refused(rq, cfg, out))
        return;
    bool root = strcmp(rq->path, "/") == 0;
    bool stream = strcmp(rq->path, "/stream") == 0 || (root && rq->upgrade_websocket);
    if (!stream) /* "/" without an upgrade is the browser page */
        *out = (cc_route){.action = CC_ROUTE_PAGE};
    else if (rq->method != HTTP_GET)
        reply(out, 405, "Allow: GET\r\n", "use GET with a WebSocket upgrade\n");
    else if (!rq->upgrade_websocket)
        reply(out, 426, "Upgrade: websocket\r\nConnection: Upgrade\r\n",
              "this is a WebSocket endpoint: connect with a WebSocket client\n");
    else if (rq->ws_version != 13)
        reply(out, 426, "Sec-WebSocket-Version: 13\r\n",
              "unsupported WebSocket version: use 13\n");
    else
        *out = (cc_route){.action = CC_ROUTE_UPGRADE};
}
