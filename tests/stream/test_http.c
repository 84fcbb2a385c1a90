#include "stream/http.h"

#include "stream/assets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MAX_HEAD 8192

/* The header set Chrome sends for new WebSocket("ws://localhost:8765/stream"). */
static const char chrome_head[] =
    "GET /stream HTTP/1.1\r\n"
    "Host: localhost:8765\r\n"
    "Connection: Upgrade\r\n"
    "Pragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
    "Upgrade: websocket\r\n"
    "Origin: http://localhost:8080\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "\r\n";

/* Feeds text in chunks of at most chunk bytes, as a socket might deliver
 * it; returns the total consumed or -1. */
static ssize_t feed_chunked(cc_http_request *rq, const char *text, size_t len,
                            size_t chunk)
{
    size_t total = 0;
    while (total < len) {
        size_t n = len - total < chunk ? len - total : chunk;
        ssize_t used = cc_http_request_feed(rq, text + total, n);
        if (used < 0)
            return -1;
        total += (size_t)used;
        if ((size_t)used < n)
            break;
    }
    return (ssize_t)total;
}

static ssize_t feed_str(cc_http_request *rq, const char *text)
{
    return cc_http_request_feed(rq, text, strlen(text));
}

static void check_chrome(const cc_http_request *rq)
{
    CHECK(rq->complete);
    CHECK_EQ_INT(rq->error_status, 0);
    CHECK_EQ_INT(rq->method, HTTP_GET);
    CHECK_STR_CONTAINS(rq->path, "/stream");
    CHECK_EQ_INT(strlen(rq->path), strlen("/stream"));
    CHECK(rq->upgrade_websocket);
    CHECK(strcmp(rq->ws_key, "dGhlIHNhbXBsZSBub25jZQ==") == 0);
    CHECK_EQ_INT(rq->ws_version, 13);
}

/* Upgrade request with the given Connection and Upgrade lines ("" = none). */
static bool upgrade_with(const char *connection, const char *upgrade)
{
    char head[512];
    snprintf(head, sizeof head,
             "GET /stream HTTP/1.1\r\nHost: x\r\n%s%s"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n",
             connection, upgrade);
    cc_http_request rq;
    cc_http_request_init(&rq, MAX_HEAD);
    CHECK_EQ_INT(feed_str(&rq, head), strlen(head));
    CHECK(rq.complete);
    return rq.upgrade_websocket;
}

static int request_error(const char *text, size_t len, size_t chunk)
{
    cc_http_request rq;
    cc_http_request_init(&rq, MAX_HEAD);
    CHECK_EQ_INT(feed_chunked(&rq, text, len, chunk), -1);
    CHECK(!rq.complete);
    /* A failed request stays failed. */
    CHECK_EQ_INT(feed_str(&rq, "\r\n"), -1);
    return rq.error_status;
}

/* "GET <path> HTTP/1.1" plus a Host header, in buf. */
static const char *get_head(char *buf, size_t cap, const char *path)
{
    snprintf(buf, cap, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    return buf;
}

static void test_ws_accept_rfc_example(void)
{
    char out[CC_WS_ACCEPT_LEN + 1];
    memset(out, 'x', sizeof out);
    CHECK_EQ_INT(cc_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
    CHECK(strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
}

static void test_ws_accept_invalid_keys(void)
{
    char out[CC_WS_ACCEPT_LEN + 1];
    CHECK_EQ_INT(cc_ws_accept("", out), -EINVAL);
    CHECK_EQ_INT(cc_ws_accept("abc", out), -EINVAL);
    CHECK_EQ_INT(cc_ws_accept("AAECAwQFBgcICQoLDA0O", out), -EINVAL); /* 15 bytes */
    CHECK_EQ_INT(cc_ws_accept("AAECAwQFBgcICQoLDA0ODxAR", out), -EINVAL); /* 18 */
    CHECK_EQ_INT(cc_ws_accept("!!!!!!!!!!!!!!!!!!!!!!==", out), -EINVAL);
    CHECK_EQ_INT(cc_ws_accept("dGhlIHNhbXBsZSBub25jZQ== ", out), -EINVAL);
    CHECK_EQ_INT(cc_ws_accept("AAECAwQFBgcICQoLDA0ODw==", out), 0); /* 16 */
}

static void test_chrome_one_piece(void)
{
    cc_http_request rq;
    cc_http_request_init(&rq, MAX_HEAD);
    CHECK_EQ_INT(feed_str(&rq, chrome_head), strlen(chrome_head));
    check_chrome(&rq);
    CHECK_EQ_INT(rq.head_bytes, strlen(chrome_head));
}

static void test_chrome_byte_by_byte(void)
{
    cc_http_request rq;
    cc_http_request_init(&rq, MAX_HEAD);
    size_t len = strlen(chrome_head);
    for (size_t i = 0; i < len; i++) {
        CHECK(!rq.complete);
        CHECK_EQ_INT(cc_http_request_feed(&rq, chrome_head + i, 1), 1);
    }
    check_chrome(&rq);
}

static void test_query_stripped(void)
{
    char head[512];
    const char *paths[] = {"/stream?x=1", "/stream?", "/stream#frag",
                           "/stream?a=/b?c#d"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        for (size_t chunk = 1; chunk <= 512; chunk *= 8) {
            cc_http_request rq;
            cc_http_request_init(&rq, MAX_HEAD);
            get_head(head, sizeof head, paths[i]);
            CHECK_EQ_INT(feed_chunked(&rq, head, strlen(head), chunk),
                         strlen(head));
            CHECK(rq.complete);
            CHECK(strcmp(rq.path, "/stream") == 0);
        }
    }
}

static void test_long_path_and_query(void)
{
    char path[2048], head[4096];
    cc_http_request rq;

    /* A long query is ignored when the path itself fits, also when it
     * arrives in pieces. */
    strcpy(path, "/s?");
    memset(path + 3, 'q', 1500);
    path[1503] = '\0';
    get_head(head, sizeof head, path);
    for (size_t chunk = 1; chunk <= 4096; chunk *= 64) {
        cc_http_request_init(&rq, MAX_HEAD);
        CHECK_EQ_INT(feed_chunked(&rq, head, strlen(head), chunk), strlen(head));
        CHECK(strcmp(rq.path, "/s") == 0);
    }

    /* The longest path that fits, then one byte more. */
    path[0] = '/';
    memset(path + 1, 'p', CC_HTTP_PATH_MAX - 2);
    path[CC_HTTP_PATH_MAX - 1] = '\0';
    cc_http_request_init(&rq, MAX_HEAD);
    get_head(head, sizeof head, path);
    CHECK_EQ_INT(feed_str(&rq, head), strlen(head));
    CHECK(strcmp(rq.path, path) == 0);

    strcat(path, "p");
    get_head(head, sizeof head, path);
    CHECK_EQ_INT(request_error(head, strlen(head), 1), 400);
    CHECK_EQ_INT(request_error(head, strlen(head), 4096), 400);
}

static void test_connection_and_upgrade_headers(void)
{
    CHECK(upgrade_with("Connection: Upgrade\r\n", "Upgrade: websocket\r\n"));
    CHECK(upgrade_with("Connection: keep-alive, Upgrade\r\n",
                       "Upgrade: websocket\r\n"));
    CHECK(upgrade_with("connection: upgrade\r\n", "UPGRADE: WebSocket\r\n"));
    CHECK(upgrade_with("Connection: Upgrade\r\n", "Upgrade: h2c, websocket\r\n"));
    CHECK(!upgrade_with("Connection: Upgrade\r\n", ""));
    CHECK(!upgrade_with("", "Upgrade: websocket\r\n"));
    CHECK(!upgrade_with("Connection: keep-alive\r\n", "Upgrade: websocket\r\n"));
    CHECK(!upgrade_with("Connection: Upgrade\r\n", "Upgrade: h2c\r\n"));
    CHECK(!upgrade_with("Connection: Upgrade\r\n", "Upgrade: websockets\r\n"));
}

static void test_plain_get(void)
{
    const char *head = "GET / HTTP/1.1\r\n\r\n";
    cc_http_request rq;
    cc_http_request_init(&rq, MAX_HEAD);
    CHECK_EQ_INT(feed_str(&rq, head), strlen(head));
    CHECK(rq.complete);
    CHECK_EQ_INT(rq.method, HTTP_GET);
    CHECK(strcmp(rq.path, "/") == 0);
    CHECK(!rq.upgrade_websocket);
    CHECK(strcmp(rq.ws_key, "") == 0);
    CHECK_EQ_INT(rq.ws_version, 0);
}

static void test_other_method(void)
{
    const char *head = "HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n";
    cc_http_request rq;
    cc_http_request_init(&rq, MAX_HEAD);
    CHECK_EQ_INT(feed_str(&rq, head), strlen(head));
    CHECK(rq.complete);
    CHECK_EQ_INT(rq.method, HTTP_HEAD);
}

static void test_bytes_after_head_left(void)
{
    /* A masked WebSocket text frame sent right behind the head. */
    const char frame[6] = {(char)0x81, (char)0x80, 'm', 'a', 's', 'k'};
    char buf[sizeof chrome_head + sizeof frame];
    size_t head_len = strlen(chrome_head);
    memcpy(buf, chrome_head, head_len);
    memcpy(buf + head_len, frame, sizeof frame);

    cc_http_request rq;
    cc_http_request_init(&rq, MAX_HEAD);
    CHECK_EQ_INT(cc_http_request_feed(&rq, buf, head_len + sizeof frame),
                 head_len);
    check_chrome(&rq);
    /* Once complete, nothing more is taken. */
    CHECK_EQ_INT(cc_http_request_feed(&rq, frame, sizeof frame), 0);

    /* Same for a plain request followed by a pipelined one. */
    const char *two = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    cc_http_request_init(&rq, MAX_HEAD);
    CHECK_EQ_INT(feed_str(&rq, two), strlen("GET /a HTTP/1.1\r\n\r\n"));
    CHECK(strcmp(rq.path, "/a") == 0);
}

static void test_body_left(void)
{
    const char *head = "POST /stream HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
    char buf[128];
    snprintf(buf, sizeof buf, "%shello", head);
    cc_http_request rq;
    cc_http_request_init(&rq, MAX_HEAD);
    CHECK_EQ_INT(feed_str(&rq, buf), strlen(head));
    CHECK(rq.complete);
    CHECK_EQ_INT(rq.method, HTTP_POST);
}

static void test_garbage(void)
{
    const char *hello = "HELLO\r\n\r\n";
    const char tls[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (char)0xfc};
    const char *no_colon = "GET / HTTP/1.1\r\nBad Header\r\n\r\n";
    CHECK_EQ_INT(request_error(hello, strlen(hello), 64), 400);
    CHECK_EQ_INT(request_error(hello, strlen(hello), 1), 400);
    CHECK_EQ_INT(request_error(tls, sizeof tls, 64), 400);
    CHECK_EQ_INT(request_error(no_colon, strlen(no_colon), 64), 400);
}

static void test_bad_ws_headers(void)
{
    char key[200], head[512];
    memset(key, 'k', 100);
    key[100] = '\0';
    snprintf(head, sizeof head, "GET / HTTP/1.1\r\nSec-WebSocket-Key: %s\r\n\r\n",
             key);
    CHECK_EQ_INT(request_error(head, strlen(head), 512), 400);
    CHECK_EQ_INT(request_error(head, strlen(head), 7), 400);

    /* Too long to hold, so not read as a truncated "000...0" either. */
    char zeros[300];
    memset(zeros, '0', sizeof zeros - 3);
    strcpy(zeros + sizeof zeros - 3, "13");
    snprintf(head, sizeof head,
             "GET / HTTP/1.1\r\nSec-WebSocket-Version: %s\r\n\r\n", zeros);
    CHECK_EQ_INT(request_error(head, strlen(head), 512), 400);

    const char *bad[] = {
        "GET / HTTP/1.1\r\nSec-WebSocket-Version: abc\r\n\r\n",
        "GET / HTTP/1.1\r\nSec-WebSocket-Version: 13x\r\n\r\n",
        "GET / HTTP/1.1\r\nSec-WebSocket-Version: -13\r\n\r\n",
        "GET / HTTP/1.1\r\nSec-WebSocket-Version: 99999999999999999999\r\n\r\n",
        "GET / HTTP/1.1\r\nSec-WebSocket-Key: a\r\nSec-WebSocket-Key: b\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(request_error(bad[i], strlen(bad[i]), 512), 400);
}

static void test_header_values(void)
{
    char cookie[1200], head[2048];
    memset(cookie, 'c', 1000);
    cookie[1000] = '\0';
    /* Padding around values is trimmed, an empty value does not merge two
     * headers, a long value of a header we ignore is fine. */
    snprintf(head, sizeof head,
             "GET /stream HTTP/1.1\r\n"
             "X-Empty:\r\n"
             "Connection: Upgrade\r\n"
             "Cookie: %s\r\n"
             "X-Very-Long-Header-Name-That-Does-Not-Fit-Into-The-Field-Buffer-At-All: 1\r\n"
             "Upgrade:  websocket \r\n"
             "Sec-WebSocket-Key: \t dGhlIHNhbXBsZSBub25jZQ== \t\r\n"
             "Sec-WebSocket-Version:  13  \r\n\r\n",
             cookie);
    for (size_t chunk = 1; chunk <= 4096; chunk *= 4) {
        cc_http_request rq;
        cc_http_request_init(&rq, MAX_HEAD);
        CHECK_EQ_INT(feed_chunked(&rq, head, strlen(head), chunk), strlen(head));
        check_chrome(&rq);
    }
}

static void test_head_too_large(void)
{
    char big[12 * 1024];
    int n = snprintf(big, sizeof big, "GET / HTTP/1.1\r\nX-Big: ");
    memset(big + n, 'b', 10 * 1024);
    strcpy(big + n + 10 * 1024, "\r\n\r\n");
    size_t len = strlen(big);
    CHECK_EQ_INT(request_error(big, len, len), 431);
    CHECK_EQ_INT(request_error(big, len, 100), 431);
    CHECK_EQ_INT(request_error(big, len, 1), 431);
    /* Not yet complete when max_head bytes were fed in one piece. */
    CHECK_EQ_INT(request_error(big, MAX_HEAD + 1, MAX_HEAD + 1), 431);
}

static void test_head_at_limit(void)
{
    size_t len = strlen(chrome_head);
    cc_http_request rq;

    cc_http_request_init(&rq, len);
    CHECK_EQ_INT(feed_chunked(&rq, chrome_head, len, 10), len);
    check_chrome(&rq);

    /* Exactly max_head bytes of an unfinished head: still waiting. */
    cc_http_request_init(&rq, len);
    CHECK_EQ_INT(feed_chunked(&rq, chrome_head, len - 1, 10), len - 1);
    CHECK(!rq.complete);

    cc_http_request_init(&rq, len - 1);
    CHECK_EQ_INT(feed_chunked(&rq, chrome_head, len, 10), -1);
    CHECK_EQ_INT(rq.error_status, 431);
}

static void test_incomplete_head_waits(void)
{
    const char *part1 = "GET /stream HTTP/1.1\r\nHost: x\r\nUpgr";
    const char *part2 = "ade: websocket\r\nConnection: Upgrade\r\n\r";
    cc_http_request rq;
    cc_http_request_init(&rq, MAX_HEAD);
    CHECK_EQ_INT(feed_str(&rq, part1), strlen(part1));
    CHECK(!rq.complete);
    CHECK_EQ_INT(rq.error_status, 0);
    CHECK_EQ_INT(feed_str(&rq, part2), strlen(part2));
    CHECK(!rq.complete);
    CHECK_EQ_INT(feed_str(&rq, "\n"), 1);
    CHECK(rq.complete);
    CHECK(rq.upgrade_websocket);
    CHECK_EQ_INT(cc_http_request_feed(&rq, "", 0), 0);
}

static void test_response_404(void)
{
    static const char expect[] = "HTTP/1.1 404 Not Found\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n"
                                 "Content-Length: 10\r\n"
                                 "Cache-Control: no-store\r\n"
                                 "Connection: close\r\n"
                                 "\r\n"
                                 "not found\n";
    char buf[256];
    CHECK_EQ_INT(cc_http_response(buf, sizeof buf, 404, "", "not found\n"),
                 strlen(expect));
    CHECK(strcmp(buf, expect) == 0);
}

static void test_response_extra_headers(void)
{
    char buf[256];
    int n = cc_http_response(buf, sizeof buf, 426, "Sec-WebSocket-Version: 13\r\n",
                             "");
    CHECK_EQ_INT(n, strlen(buf));
    CHECK_STR_CONTAINS(buf, "HTTP/1.1 426 Upgrade Required\r\n");
    CHECK_STR_CONTAINS(buf, "Content-Length: 0\r\n");
    CHECK_STR_CONTAINS(buf, "Connection: close\r\nSec-WebSocket-Version: 13\r\n\r\n");
    CHECK_EQ_INT(buf[n - 1], '\n');
}

static void test_response_too_small(void)
{
    char buf[256];
    int n = cc_http_response(buf, sizeof buf, 404, "", "not found\n");
    CHECK(n > 0);
    CHECK_EQ_INT(cc_http_response(buf, 16, 404, "", "not found\n"), -1);
    /* The terminating NUL must fit too. */
    CHECK_EQ_INT(cc_http_response(buf, (size_t)n, 404, "", "not found\n"), -1);
    CHECK_EQ_INT(cc_http_response(buf, (size_t)n + 1, 404, "", "not found\n"), n);
    CHECK_EQ_INT(cc_http_response(NULL, 0, 404, "", "not found\n"), -1);
}

/* An asset's head: cached but revalidated, or kept nowhere when its URL
 * had a query (a token); the page's security headers on the page only. */
static void test_asset_head(void)
{
    static const unsigned char text[] = "x";
    const cc_asset js = {"/a.js", "text/javascript; charset=utf-8", text, 1, NULL, 0,
                         "\"e1\""};
    const cc_asset page = {"/", "text/html; charset=utf-8", text, 1, NULL, 0, "\"e2\""};
    char buf[1024];
    CHECK(cc_http_asset_head(buf, sizeof buf, 200, &js, false, false) > 0);
    CHECK_STR_CONTAINS(buf, "Cache-Control: no-cache\r\n");
    CHECK_STR_CONTAINS(buf, "ETag: \"e1\"\r\n");
    CHECK(!strstr(buf, "Content-Security-Policy") && !strstr(buf, "no-store"));
    CHECK(cc_http_asset_head(buf, sizeof buf, 200, &page, false, true) > 0);
    CHECK_STR_CONTAINS(buf, "Cache-Control: no-store\r\n");
    CHECK_STR_CONTAINS(buf, "Content-Security-Policy: default-src 'self'");
    CHECK_STR_CONTAINS(buf, "Referrer-Policy: no-referrer\r\n");
    CHECK(!strstr(buf, "no-cache"));
    CHECK(cc_http_asset_head(buf, sizeof buf, 304, &page, false, false) > 0);
    CHECK_STR_CONTAINS(buf, "HTTP/1.1 304 Not Modified\r\n");
    CHECK(!strstr(buf, "Content-Length"));
}

/* A query, even an empty one after '?', marks the URL; a fragment not. */
static void test_has_query(void)
{
    static const struct {
        const char *head;
        bool query;
    } cases[] = {
        {"GET /?token=abc HTTP/1.1\r\n\r\n", true},
        {"GET /?add=ws%3A%2F%2Fb HTTP/1.1\r\n\r\n", true},
        {"GET / HTTP/1.1\r\n\r\n", false},
        {"GET /? HTTP/1.1\r\n\r\n", false},
        {"GET /x#a=b HTTP/1.1\r\n\r\n", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cc_http_request rq;
        cc_http_request_init(&rq, MAX_HEAD);
        CHECK(cc_http_request_feed(&rq, cases[i].head, strlen(cases[i].head)) > 0);
        CHECK_EQ_INT(rq.has_query, cases[i].query);
    }
}

static void test_reasons(void)
{
    CHECK(strcmp(cc_http_reason(101), "Switching Protocols") == 0);
    CHECK(strcmp(cc_http_reason(200), "OK") == 0);
    CHECK(strcmp(cc_http_reason(400), "Bad Request") == 0);
    CHECK(strcmp(cc_http_reason(405), "Method Not Allowed") == 0);
    CHECK(strcmp(cc_http_reason(431), "Request Header Fields Too Large") == 0);
    CHECK(strcmp(cc_http_reason(500), "Internal Server Error") == 0);
    CHECK(strcmp(cc_http_reason(503), "Service Unavailable") == 0);
    CHECK(strcmp(cc_http_reason(418), "Unknown") == 0);
}

int main(void)
{
    RUN(test_ws_accept_rfc_example);
    RUN(test_ws_accept_invalid_keys);
    RUN(test_chrome_one_piece);
    RUN(test_chrome_byte_by_byte);
    RUN(test_query_stripped);
    RUN(test_long_path_and_query);
    RUN(test_connection_and_upgrade_headers);
    RUN(test_plain_get);
    RUN(test_other_method);
    RUN(test_bytes_after_head_left);
    RUN(test_body_left);
    RUN(test_garbage);
    RUN(test_bad_ws_headers);
    RUN(test_header_values);
    RUN(test_head_too_large);
    RUN(test_head_at_limit);
    RUN(test_incomplete_head_waits);
    RUN(test_response_404);
    RUN(test_response_extra_headers);
    RUN(test_response_too_small);
    RUN(test_asset_head);
    RUN(test_has_query);
    RUN(test_reasons);
    return CHECK_DONE();
}
