/* An HTTP request on the stream's port: routed (route.h), then answered
 * with the page and its assets, a page of the daemon's (/stats, /metrics,
 * /healthz), a refusal, or an upgrade to a WebSocket session. Every answer
 * but an upgrade closes the connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "control.h"
#include "log.h"
#include "route.h"
#include "server_internal.h"

void cc_http_serve_reply(cc_client *c, int status, const char *extra, const char *body)
{
    int n = cc_http_response(c->response, sizeof c->response, status, extra, body);
    if (n > 0)
        cc_client_write(c, c->response, (size_t)n);
    char reason[64];
    snprintf(reason, sizeof reason, "HTTP %d %s", status, cc_http_reason(status));
    cc_client_close(c, reason);
}

/* An embedded file: 304 when the client has it, gzip when it takes it. */
static void serve_asset(cc_client *c, const cc_asset *a)
{
    bool no_store = c->http.has_query;
    if (strcmp(c->http.if_none_match, a->etag) == 0) {
        int n = cc_http_asset_head(c->response, sizeof c->response, 304, a, false, no_store);
        if (n > 0)
            cc_client_write(c, c->response, (size_t)n);
    } else {
        bool gz = a->gzip && c->http.accepts_gzip;
        int n = cc_http_asset_head(c->response, sizeof c->response, 200, a, gz, no_store);
        if (n > 0) {
            cc_client_write(c, c->response, (size_t)n);
            cc_client_write_static(c, gz ? a->gzip : a->data, gz ? a->gzip_len : a->len);
        }
    }
    char reason[96];
    snprintf(reason, sizeof reason, "HTTP asset %.60s", a->path);
    cc_client_close(c, reason);
}

/* A page from the daemon: head and body written as they are, then close. */
static void serve_page(cc_client *c)
{
    cc_server *s = c->srv;
    cc_http_page page = {0};
    const cc_asset *asset = c->http.method == HTTP_GET ? cc_asset_find(c->http.path) : NULL;
    if (asset) {
        serve_asset(c, asset);
        return;
    }
    if (c->http.method != HTTP_GET || !s->page ||
        s->page(c->http.path, &page, s->page_arg) < 0) {
        cc_http_serve_reply(c, 404, "", "not found\n");
        return;
    }
    size_t len = page.body ? strlen(page.body) : 0;
    int n = cc_http_head(c->response, sizeof c->response, page.status,
                         page.content_type, len, "");
    if (n > 0) {
        cc_client_write(c, c->response, (size_t)n);
        if (len > 0)
            cc_client_write(c, page.body, len);
    }
    free(page.body);
    char reason[96];
    snprintf(reason, sizeof reason, "HTTP %d for %.60s", page.status, c->http.path);
    cc_client_close(c, reason);
}

/* Counts an access refusal; logs the first of an episode. The token is
 * never logged, given or expected; a Host is, quoted plain (it names what
 * to add to server_names). */
static void count_refusal(cc_client *c, const char *refusal)
{
    cc_server *s = c->srv;
    bool token = strcmp(refusal, "token") == 0, host = strcmp(refusal, "host") == 0;
    char why[192], shown[CC_CONTROL_TYPE_SHOWN * 2];
    if (token) {
        s->counters.refused_token++;
        snprintf(why, sizeof why, "%s",
                 c->http.token_given ? "wrong access token" : "no access token");
    } else if (host) {
        s->counters.refused_host++;
        cc_control_quote(c->http.host, shown, sizeof shown);
        snprintf(why, sizeof why, "Host \"%s\" is not a name of this server "
                 "(add it to [server] server_names)", shown);
    } else {
        s->counters.refused_origin++;
        snprintf(why, sizeof why, "origin not allowed");
    }
    if (cc_episode_starts(token ? &s->ep_token : host ? &s->ep_host : &s->ep_origin))
        cc_warn("refused %s: %s (further refusals counted in /stats)", c->peer, why);
}

static void route(cc_client *c)
{
    cc_route r;
    cc_route_decide(&c->http, c->srv->cfg, &r);
    if (r.refusal)
        count_refusal(c, r.refusal);
    if (r.action == CC_ROUTE_PAGE)
        serve_page(c);
    else if (r.action == CC_ROUTE_UPGRADE)
        cc_session_upgrade(c);
    else
        cc_http_serve_reply(c, r.status, r.headers, r.body);
}

void cc_http_serve_receive(cc_client *c, const char *data, size_t len)
{
    ssize_t used = cc_http_request_feed(&c->http, data, len);
    if (used < 0) {
        cc_http_serve_reply(c, c->http.error_status, "",
                            c->http.error_status == 431 ? "request header too large\n"
                                                        : "bad request\n");
        return;
    }
    if (!c->http.complete)
        return;
    route(c);
    /* Frames sent right behind the request head belong to the WebSocket. */
    if (c->state == CONN_WS && !c->closing && (size_t)used < len)
        cc_session_receive(c, (const uint8_t *)data + used, len - (size_t)used);
}
