/* The HTTP request head parser, then the router, on any bytes.
 *
 * Input: byte 0 seeds the chunk sizes, byte 1 picks the head limit, the
 * rest is what a client sends. The head is parsed whole, in chunks drawn
 * from byte 0, and one byte at a time: a socket may cut it anywhere, so all
 * three must give the same request, error and end of head. A complete head
 * is then routed under three server settings (open, no server_names; a
 * token, an origin list and a server name; a token, any origin and any
 * name): only an allowed Host (a plain one: an address, localhost or a
 * listed name) opens anything but /healthz, only the right token does, and
 * only an allowed Origin opens anything at all.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "camcast/ws_handshake.h"
#include "fuzz_check.h"
#include "stream/http.h"
#include "stream/route.h"

#define SERVER_MAX_HEAD 8192 /* server.c MAX_HEAD */

typedef struct outcome {
    ssize_t end;    /* bytes of the stream the head took; -1 on error */
    cc_http_request rq;
} outcome;

/* Feeds data in chunks of next_chunk() bytes as the server does: stop at an
 * error or at the end of the head. */
static void parse(const uint8_t *data, size_t len, size_t max_head,
                  uint32_t seed, size_t fixed_chunk, outcome *out)
{
    cc_http_request *rq = &out->rq;
    cc_http_request_init(rq, max_head);
    size_t pos = 0;
    out->end = 0;
    while (pos < len) {
        size_t n = fixed_chunk ? fixed_chunk : 1 + fuzz_next(&seed) % 64;
        if (n > len - pos)
            n = len - pos;
        ssize_t used = cc_http_request_feed(rq, (const char *)data + pos, n);
        if (used < 0) {
            FUZZ_CHECK(rq->error_status == 400 || rq->error_status == 431);
            out->end = -1;
            return;
        }
        FUZZ_CHECK((size_t)used <= n);
        if (rq->complete) {
            out->end = (ssize_t)(pos + (size_t)used);
            return;
        }
        FUZZ_CHECK((size_t)used == n); /* an incomplete head takes it all */
        pos += n;
    }
    out->end = (ssize_t)pos;
}

/* The parsed fields, NUL-terminated where they are strings. */
static void check_fields(const cc_http_request *rq)
{
    FUZZ_CHECK(memchr(rq->path, '\0', sizeof rq->path));
    FUZZ_CHECK(memchr(rq->ws_key, '\0', sizeof rq->ws_key));
    FUZZ_CHECK(memchr(rq->host, '\0', sizeof rq->host));
    FUZZ_CHECK(memchr(rq->origin, '\0', sizeof rq->origin));
    FUZZ_CHECK(memchr(rq->if_none_match, '\0', sizeof rq->if_none_match));
    FUZZ_CHECK(memchr(rq->token, '\0', sizeof rq->token));
    FUZZ_CHECK(rq->token_len <= sizeof rq->token);
    FUZZ_CHECK(strcspn(rq->path, "?#") == strlen(rq->path));
    FUZZ_CHECK(rq->ws_version >= 0 && rq->ws_version <= 255);
}

static bool same_string(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static void check_same(const outcome *a, const outcome *b)
{
    FUZZ_CHECK(a->end == b->end);
    FUZZ_CHECK(a->rq.complete == b->rq.complete);
    FUZZ_CHECK(a->rq.error_status == b->rq.error_status);
    if (!a->rq.complete)
        return;
    FUZZ_CHECK(a->rq.method == b->rq.method);
    FUZZ_CHECK(same_string(a->rq.path, b->rq.path));
    FUZZ_CHECK(a->rq.has_query == b->rq.has_query);
    FUZZ_CHECK(a->rq.upgrade_websocket == b->rq.upgrade_websocket);
    FUZZ_CHECK(same_string(a->rq.ws_key, b->rq.ws_key));
    FUZZ_CHECK(a->rq.ws_version == b->rq.ws_version);
    FUZZ_CHECK(same_string(a->rq.host, b->rq.host));
    FUZZ_CHECK(same_string(a->rq.origin, b->rq.origin));
    FUZZ_CHECK(a->rq.has_origin == b->rq.has_origin);
    FUZZ_CHECK(same_string(a->rq.if_none_match, b->rq.if_none_match));
    FUZZ_CHECK(a->rq.accepts_gzip == b->rq.accepts_gzip);
    FUZZ_CHECK(a->rq.token_given == b->rq.token_given);
    FUZZ_CHECK(a->rq.token_len == b->rq.token_len);
    FUZZ_CHECK(memcmp(a->rq.token, b->rq.token, sizeof a->rq.token) == 0);
}

#define TOKEN "s3cr3t-t0ken-0123456789"

static void check_reply(const cc_route *r)
{
    FUZZ_CHECK(r->status == 400 || r->status == 401 || r->status == 403 ||
               r->status == 405 || r->status == 421 || r->status == 426);
    FUZZ_CHECK(r->headers && r->body);
    size_t n = strlen(r->headers);
    FUZZ_CHECK(n == 0 || (n >= 2 && strcmp(r->headers + n - 2, "\r\n") == 0));
    char buf[1024];
    FUZZ_CHECK(cc_http_response(buf, sizeof buf, r->status, r->headers, r->body) > 0);
}

/* Unless server_names is "*" (any Host), a Host let in is plain, and a
 * name in it is localhost or listed: an address is hex digits, '.', ':'
 * and brackets. */
static void check_host(const char *host, const cc_server_config *cfg)
{
    if (strchr(cfg->server_names, '*'))
        return;
    FUZZ_CHECK(strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                            "0123456789.:[]-") == strlen(host));
    size_t name = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
    bool address = strspn(host, "0123456789abcdefABCDEF.:[]") >= name;
    bool named = (name == 9 && strncasecmp(host, "localhost", 9) == 0) ||
                 (name == 12 && strncasecmp(host, "cams.example", 12) == 0 &&
                  strstr(cfg->server_names, "cams.example"));
    FUZZ_CHECK(address || named);
}

/* What cc_route_decide answers, against what the settings allow. */
static void check_route(const cc_http_request *rq, const cc_server_config *cfg)
{
    cc_route r;
    memset(&r, 0, sizeof r);
    cc_route_decide(rq, cfg, &r);
    bool refused = r.action == CC_ROUTE_REPLY &&
                   (r.status == 401 || r.status == 403 || r.status == 421);
    bool healthz = strcmp(rq->path, "/healthz") == 0;
    bool token_ok = rq->token_given && cc_token_equal(cfg->token, rq->token, rq->token_len);
    if (r.action == CC_ROUTE_REPLY)
        check_reply(&r);
    else
        FUZZ_CHECK(r.action == CC_ROUTE_PAGE || r.action == CC_ROUTE_UPGRADE);
    if (refused)
        FUZZ_CHECK(r.refusal && (strcmp(r.refusal, "token") == 0 ||
                                 strcmp(r.refusal, "origin") == 0 ||
                                 strcmp(r.refusal, "host") == 0));
    if (!refused && !healthz) {
        FUZZ_CHECK(cc_route_host_allowed(cfg, rq->host));
        check_host(rq->host, cfg);
        FUZZ_CHECK(!cfg->token[0] || token_ok);
        FUZZ_CHECK(!rq->has_origin ||
                   cc_route_origin_allowed(cfg, rq->origin, rq->host));
    }
    if (r.action == CC_ROUTE_UPGRADE) {
        FUZZ_CHECK(rq->method == HTTP_GET && rq->upgrade_websocket && rq->ws_version == 13);
        FUZZ_CHECK(strcmp(rq->path, "/stream") == 0 || strcmp(rq->path, "/") == 0);
    }
}

/* What the server does with a complete head. */
static void use_request(const cc_http_request *rq)
{
    char accept[CC_WS_ACCEPT_LEN + 1];
    if (rq->upgrade_websocket && cc_ws_accept(rq->ws_key, accept) == 0)
        FUZZ_CHECK(strlen(accept) == CC_WS_ACCEPT_LEN);

    static cc_server_config plain, listed, any; /* zeroed: no token, no list */
    strcpy(listed.token, TOKEN);
    strcpy(listed.allowed_origins, "https://cams.example:8443 null");
    strcpy(listed.server_names, "cams.example");
    strcpy(any.token, TOKEN);
    strcpy(any.allowed_origins, " *");
    strcpy(any.server_names, "*");
    check_route(rq, &plain);
    check_route(rq, &listed);
    check_route(rq, &any);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint32_t seed = data[0];
    /* Mostly the server's limit; sometimes a small one, to reach 431. */
    size_t max_head = data[1] < 192 ? SERVER_MAX_HEAD : 16 + (size_t)(data[1] - 192) * 16;
    data += 2;
    size -= 2;

    static outcome whole, chunked, bytes; /* large: off the stack */
    parse(data, size, max_head, seed, size ? size : 1, &whole);
    parse(data, size, max_head, seed, 0, &chunked);
    parse(data, size, max_head, seed, 1, &bytes);
    check_same(&whole, &chunked);
    check_same(&whole, &bytes);
    if (whole.rq.complete) {
        check_fields(&whole.rq);
        use_request(&whole.rq);
    }
    return 0;
}
