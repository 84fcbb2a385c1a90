#include "route.h"

#include <string.h>
#include <strings.h>

static bool equal_n(const char *a, size_t n, const char *b)
{
    return strlen(b) == n && strncasecmp(a, b, n) == 0;
}

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

bool cc_route_origin_allowed(const cc_server_config *cfg, const char *origin,
                             const char *host)
{
    const char *list = cfg->allowed_origins;
    if (!list[0])
        return same_origin(origin, host);
    for (const char *p = list + strspn(list, " \t"); *p;) {
        size_t n = strcspn(p, " \t");
        if ((n == 1 && p[0] == '*') || equal_n(p, n, origin))
            return true;
        p += n;
        p += strspn(p, " \t");
    }
    return false;
}

static void reply(cc_route *out, int status, const char *headers, const char *body)
{
    *out = (cc_route){.action = CC_ROUTE_REPLY, .status = status, .headers = headers,
                      .body = body};
}

bool cc_route_may_control(const cc_http_request *rq, const cc_server_config *cfg)
{
    return cfg->control_token[0] && rq->token_given &&
           cc_token_equal(cfg->control_token, rq->token, rq->token_len);
}

/* With a viewing token, either token lets a request watch. */
static bool may_view(const cc_http_request *rq, const cc_server_config *cfg)
{
    return !cfg->token[0] ||
           (rq->token_given && cc_token_equal(cfg->token, rq->token, rq->token_len)) ||
           cc_route_may_control(rq, cfg);
}

/* 401 or 403 for a request that may not have what it asks; false when it
 * may. /healthz is open to all: load balancers and probes carry no token. */
static bool refused(const cc_http_request *rq, const cc_server_config *cfg, cc_route *out)
{
    if (strcmp(rq->path, "/healthz") == 0)
        return false;
    if (rq->has_origin && !cc_route_origin_allowed(cfg, rq->origin, rq->host)) {
        reply(out, 403, "", "origin not allowed\n");
        out->refusal = "origin";
        return true;
    }
    if (!may_view(rq, cfg)) {
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
    if (strncmp(rq->path, "/api/", 5) == 0 || strcmp(rq->path, "/api") == 0)
        *out = (cc_route){.action = CC_ROUTE_API};
    else if (!stream) /* "/" without an upgrade is the browser page */
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
