/* Tests for route.c and the access fields of http.c: what each request
 * gets, with and without a token, an origin allowlist and server_names. */
#include "stream/route.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

#define TOKEN "abcdefghijklmnop0123456789-._~+/="

/* Parses head (one piece, then byte by byte: the same result). */
static void parse(cc_http_request *rq, const char *head)
{
    cc_http_request_init(rq, 8192);
    CHECK_EQ_INT(cc_http_request_feed(rq, head, strlen(head)), strlen(head));
    CHECK(rq->complete);
    cc_http_request one;
    cc_http_request_init(&one, 8192);
    for (size_t i = 0; i < strlen(head); i++)
        cc_http_request_feed(&one, head + i, 1);
    CHECK(one.complete);
    CHECK_EQ_INT(one.token_given, rq->token_given);
    CHECK_EQ_INT(one.token_len, rq->token_len);
    CHECK_EQ_INT(strcmp(one.token, rq->token), 0);
    CHECK_EQ_INT(strcmp(one.origin, rq->origin), 0);
    CHECK_EQ_INT(strcmp(one.host, rq->host), 0);
}

static cc_route decide(const char *head, const cc_server_config *cfg)
{
    cc_http_request rq;
    parse(&rq, head);
    cc_route r;
    cc_route_decide(&rq, cfg, &r);
    return r;
}

/* A server whose server_names are names. */
static cc_server_config named(const char *names)
{
    cc_server_config cfg = {0};
    snprintf(cfg.server_names, sizeof cfg.server_names, "%s", names);
    return cfg;
}

#define UPGRADE(target, extra)                                               \
    "GET " target " HTTP/1.1\r\nHost: cam:8765\r\nUpgrade: websocket\r\n"   \
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" \
    "Sec-WebSocket-Version: 13\r\n" extra "\r\n"

static void test_fields(void)
{
    cc_http_request rq;
    parse(&rq, "GET /stats?a=1&token=abc%2Bdef%3D&b HTTP/1.1\r\nHost: cam:8765\r\n"
               "Origin: http://cam:8765\r\n\r\n");
    CHECK_EQ_INT(strcmp(rq.path, "/stats"), 0);
    CHECK_EQ_INT(strcmp(rq.host, "cam:8765"), 0);
    CHECK(rq.has_origin);
    CHECK_EQ_INT(strcmp(rq.origin, "http://cam:8765"), 0);
    CHECK(rq.token_given);
    CHECK_EQ_INT(strcmp(rq.token, "abc+def="), 0);

    /* The header wins over the query. */
    parse(&rq, "GET /?token=fromquery HTTP/1.1\r\nAuthorization: Bearer  fromheader\r\n\r\n");
    CHECK_EQ_INT(strcmp(rq.token, "fromheader"), 0);
    /* Another scheme is an offer that fails, not no offer. */
    parse(&rq, "GET / HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n");
    CHECK(rq.token_given);
    CHECK_EQ_INT(rq.token_len, 0);
    /* No token anywhere; a fragment is not the query. */
    parse(&rq, "GET /x#token=no HTTP/1.1\r\n\r\n");
    CHECK(!rq.token_given);
    CHECK(!rq.has_origin);
    /* Longer than any token: kept unequal. */
    char head[2048], longtok[400];
    memset(longtok, 'a', sizeof longtok - 1);
    longtok[sizeof longtok - 1] = '\0';
    snprintf(head, sizeof head, "GET /?token=%s HTTP/1.1\r\n\r\n", longtok);
    parse(&rq, head);
    CHECK(rq.token_given);
    CHECK(rq.token_len > CC_TOKEN_MAX);
}

static void test_open_server(void)
{
    cc_server_config cfg = named("cam");
    CHECK_EQ_INT(decide(UPGRADE("/stream", ""), &cfg).action, CC_ROUTE_UPGRADE);
    CHECK_EQ_INT(decide(UPGRADE("/", ""), &cfg).action, CC_ROUTE_UPGRADE);
    CHECK_EQ_INT(decide("GET /stats HTTP/1.1\r\n\r\n", &cfg).action, CC_ROUTE_PAGE);
    cc_route r = decide("GET /stream HTTP/1.1\r\n\r\n", &cfg);
    CHECK_EQ_INT(r.status, 426);
    r = decide("POST /stream HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &cfg);
    CHECK_EQ_INT(r.status, 405);
    /* Same origin (http or https through a proxy keeping Host). */
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Origin: http://cam:8765\r\n"), &cfg).action,
                 CC_ROUTE_UPGRADE);
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Origin: https://CAM:8765\r\n"), &cfg).action,
                 CC_ROUTE_UPGRADE);
}

static void test_origin(void)
{
    cc_server_config cfg = named("cam");
    const char *evil = UPGRADE("/stream", "Origin: http://evil.example\r\n");
    cc_route r = decide(evil, &cfg);
    CHECK_EQ_INT(r.action, CC_ROUTE_REPLY);
    CHECK_EQ_INT(r.status, 403);
    CHECK_EQ_INT(strcmp(r.refusal, "origin"), 0);
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Origin: http://cam:8766\r\n"), &cfg).status, 403);
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Origin: null\r\n"), &cfg).status, 403);
    /* Pages too: a foreign page must not read /stats either. */
    CHECK_EQ_INT(decide("GET /stats HTTP/1.1\r\nOrigin: http://evil.example\r\n\r\n", &cfg)
                     .status, 403);

    snprintf(cfg.allowed_origins, sizeof cfg.allowed_origins,
             "https://a.example http://b:8080");
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Origin: http://b:8080\r\n"), &cfg).action,
                 CC_ROUTE_UPGRADE);
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Origin: https://a.example\r\n"), &cfg).action,
                 CC_ROUTE_UPGRADE);
    /* A list replaces the same-origin default; prefixes do not match. */
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Origin: http://cam:8765\r\n"), &cfg).status, 403);
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Origin: http://b:80800\r\n"), &cfg).status, 403);
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Origin: https://a.example.evil\r\n"), &cfg).status,
                 403);
    /* Native clients send no Origin. */
    CHECK_EQ_INT(decide(UPGRADE("/stream", ""), &cfg).action, CC_ROUTE_UPGRADE);

    snprintf(cfg.allowed_origins, sizeof cfg.allowed_origins, "*");
    CHECK_EQ_INT(decide(evil, &cfg).action, CC_ROUTE_UPGRADE);
}

static void test_token(void)
{
    cc_server_config cfg = named("cam");
    snprintf(cfg.token, sizeof cfg.token, "%s", TOKEN);
    cc_route r = decide(UPGRADE("/stream", ""), &cfg);
    CHECK_EQ_INT(r.status, 401);
    CHECK_STR_CONTAINS(r.headers, "WWW-Authenticate: Bearer");
    CHECK_STR_CONTAINS(r.body, "access token required");
    CHECK_EQ_INT(strcmp(r.refusal, "token"), 0);
    r = decide(UPGRADE("/stream", "Authorization: Bearer abcdefghijklmnop0123456789\r\n"),
               &cfg);
    CHECK_EQ_INT(r.status, 401);
    CHECK_STR_CONTAINS(r.body, "wrong access token");
    /* One character more or less is wrong too. */
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Authorization: Bearer " TOKEN "x\r\n"), &cfg)
                     .status, 401);
    CHECK_EQ_INT(decide(UPGRADE("/stream?token=" TOKEN, ""), &cfg).status, 401); /* '+' */
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Authorization: Bearer " TOKEN "\r\n"), &cfg)
                     .action, CC_ROUTE_UPGRADE);
    CHECK_EQ_INT(decide(UPGRADE("/stream?token=abcdefghijklmnop0123456789-._~%2B%2F%3D", ""),
                        &cfg).action, CC_ROUTE_UPGRADE);
    /* Every page needs it, but /healthz and the page's own files (the
     * same for everyone: loaded without it, never cached with it). */
    CHECK_EQ_INT(decide("GET / HTTP/1.1\r\n\r\n", &cfg).status, 401);
    CHECK_EQ_INT(decide("GET /camcast.js HTTP/1.1\r\n\r\n", &cfg).action, CC_ROUTE_PAGE);
    CHECK_EQ_INT(decide("GET /decode-worker.js HTTP/1.1\r\n\r\n", &cfg).action,
                 CC_ROUTE_PAGE);
    CHECK_EQ_INT(decide("POST /camcast.js HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &cfg)
                     .status, 401);
    CHECK_EQ_INT(decide("GET /stats HTTP/1.1\r\n\r\n", &cfg).status, 401);
    CHECK_EQ_INT(decide("GET /metrics HTTP/1.1\r\n\r\n", &cfg).status, 401);
    CHECK_EQ_INT(decide("GET /nothing HTTP/1.1\r\n\r\n", &cfg).status, 401);
    CHECK_EQ_INT(decide("GET /healthz HTTP/1.1\r\n\r\n", &cfg).action, CC_ROUTE_PAGE);
    CHECK_EQ_INT(decide("GET /healthz HTTP/1.1\r\nOrigin: http://evil.example\r\n\r\n", &cfg)
                     .action, CC_ROUTE_PAGE);
    /* The origin is judged first: a foreign page learns nothing of the token. */
    CHECK_EQ_INT(decide(UPGRADE("/stream", "Origin: http://evil.example\r\n"
                                           "Authorization: Bearer " TOKEN "\r\n"), &cfg)
                     .status, 403);
}

static bool host_ok(const cc_server_config *cfg, const char *host)
{
    return cc_route_host_allowed(cfg, host);
}

/* DNS rebinding: a page of evil.example whose name now points at the
 * daemon sends its own name as Host (and as Origin). */
static void test_host(void)
{
    cc_server_config cfg = named("cams.example Line-2.local");
    static const char *const good[] = {
        "", "127.0.0.1", "127.0.0.1:8765", "10.1.2.3:80", "[::1]", "[::1]:8765",
        "[fe80::1]:1", "[::ffff:10.0.0.1]:8765", "localhost", "LOCALHOST:8765",
        "cams.example", "cams.example:8765", "CAMS.EXAMPLE:443", "line-2.local:",
    };
    static const char *const bad[] = {
        "evil.example", "evil.example:8765", "cams.example.evil:8765", "example",
        "cams.exampl", "localhost.evil:8765", "127.0.0.1.evil", "127.1:8765", "::1",
        "[::1", "[]:8765", "[evil.example]:8765", "[::1]x", "127.0.0.1:8765:1",
        "127.0.0.1:http", "127.0.0.1:123456", ":8765", "[fe80::1%25eth0]:8765",
        "0x7f.0.0.1", "cams.example :8765",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(host_ok(&cfg, good[i]) || (fprintf(stderr, "  refused %s\n", good[i]), 0));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!host_ok(&cfg, bad[i]) || (fprintf(stderr, "  accepted %s\n", bad[i]), 0));

    /* Every path but /healthz, before the origin and the token. */
    snprintf(cfg.token, sizeof cfg.token, "%s", TOKEN);
    static const char *const paths[] = {"/", "/stats", "/metrics", "/camcast.js", "/nothing"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char head[256];
        snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: evil.example:8765\r\n"
                 "Authorization: Bearer " TOKEN "\r\n\r\n", paths[i]);
        cc_route r = decide(head, &cfg);
        CHECK_EQ_INT(r.status, 421);
        CHECK_EQ_INT(strcmp(r.refusal, "host"), 0);
    }
    const char *rebound = "GET /stream HTTP/1.1\r\nHost: evil.example:8765\r\n"
                          "Origin: http://evil.example:8765\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n";
    CHECK_EQ_INT(decide(rebound, &cfg).status, 421);
    CHECK_EQ_INT(decide("GET /healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n", &cfg).action,
                 CC_ROUTE_PAGE);
    /* An allowlist of origins does not lift it: same-origin GETs carry no
     * Origin to check. */
    cfg.token[0] = '\0';
    snprintf(cfg.allowed_origins, sizeof cfg.allowed_origins, "http://evil.example:8765");
    CHECK_EQ_INT(decide("GET /stats HTTP/1.1\r\nHost: evil.example:8765\r\n\r\n", &cfg)
                     .status, 421);
    /* "*" answers to any name (behind a proxy that checks Host itself). */
    cc_server_config any = named("*");
    CHECK(host_ok(&any, "evil.example:8765"));
    CHECK(!host_ok(&any, "evil.example:port"));
    /* Without server_names: addresses and localhost only. */
    cc_server_config none = named("");
    CHECK(host_ok(&none, "127.0.0.1:8765") && host_ok(&none, "localhost"));
    CHECK(!host_ok(&none, "cams.example"));
}

/* The default origin check compares against an allowed Host: its own. */
static void test_origin_against_host(void)
{
    cc_server_config cfg = named("cams.example");
    CHECK(cc_route_origin_allowed(&cfg, "http://127.0.0.1:8765", "127.0.0.1:8765"));
    CHECK(cc_route_origin_allowed(&cfg, "https://cams.example", "cams.example"));
    CHECK(cc_route_origin_allowed(&cfg, "http://[::1]:8765", "[::1]:8765"));
    CHECK(!cc_route_origin_allowed(&cfg, "http://evil.example:8765", "evil.example:8765"));
    CHECK(!cc_route_origin_allowed(&cfg, "http://localhost:8765", "127.0.0.1:8765"));
    CHECK(!cc_route_origin_allowed(&cfg, "http://127.0.0.1:9000", "127.0.0.1:8765"));
    CHECK(!cc_route_origin_allowed(&cfg, "http://127.0.0.1:8765", ""));
}

static void test_token_equal(void)
{
    CHECK(cc_token_equal(TOKEN, TOKEN, strlen(TOKEN)));
    CHECK(!cc_token_equal(TOKEN, TOKEN, strlen(TOKEN) - 1));
    CHECK(!cc_token_equal(TOKEN, "", 0));
    char longer[CC_TOKEN_MAX + 10];
    memset(longer, 'a', sizeof longer);
    CHECK(!cc_token_equal(TOKEN, longer, sizeof longer));
    CHECK(cc_token_valid(TOKEN, strlen(TOKEN)));
    CHECK(!cc_token_valid("abcdefghijklmnop=q", 18)); /* '=' only at the end */
    CHECK(!cc_token_valid("================", 16));
    CHECK(!cc_token_valid("abcdefghijklmno", 15));
}

int main(void)
{
    RUN(test_fields);
    RUN(test_open_server);
    RUN(test_origin);
    RUN(test_token);
    RUN(test_host);
    RUN(test_origin_against_host);
    RUN(test_token_equal);
    return CHECK_DONE();
}
