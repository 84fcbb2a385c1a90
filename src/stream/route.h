/* What a complete HTTP request gets (docs/protocol.md, "HTTP on the same
 * port"): the access checks (host, origin, token) first, then the path, method
 * and upgrade. Pure: no I/O and no server state, so every answer is
 * unit-tested and fuzzed without a socket. Limits that depend on the live
 * server (clients connected, per address) are the server's.
 */
#ifndef CC_ROUTE_H
#define CC_ROUTE_H

#include "config/config.h"
#include "http.h"

typedef enum cc_route_action {
    CC_ROUTE_REPLY = 1, /* a plain response, then close */
    CC_ROUTE_PAGE,      /* a page from the daemon (/stats, /metrics, /healthz, ...) */
    CC_ROUTE_UPGRADE,   /* the WebSocket stream */
} cc_route_action;

typedef struct cc_route {
    cc_route_action action;
    int status;          /* REPLY: 400, 401, 403, 405, 421 or 426 */
    const char *headers; /* REPLY: extra header lines, each ending in CRLF */
    const char *body;    /* REPLY: text/plain body */
    const char *refusal; /* REPLY for access: "host", "token" or "origin"
                            (counters) */
} cc_route;

/* Decides for rq (complete) under the server settings cfg. */
void cc_route_decide(const cc_http_request *rq, const cc_server_config *cfg,
                     cc_route *out);

/* Whether origin may open the stream: on cfg's allowed_origins, or, with
 * none configured, the origin of the request's own Host (http or https),
 * a Host that cc_route_host_allowed accepts. */
bool cc_route_origin_allowed(const cc_server_config *cfg, const char *origin,
                             const char *host);

/* Whether a Host header ("" when absent) names this server: an IPv4
 * address, an IPv6 one in brackets, localhost, or a name on cfg's
 * server_names ("*": any), each with an optional port. A page that
 * re-points its own name at the daemon (DNS rebinding) sends that name:
 * refused, for every path but /healthz (docs/operations.md, "Security").
 * No Host passes: no browser leaves it out. */
bool cc_route_host_allowed(const cc_server_config *cfg, const char *host);

#endif
