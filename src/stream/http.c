/* HTTP/1.1 request heads and the WebSocket handshake (see http.h).
 *
 * Feeding stops at the end of the head: cc_http_request_feed() asks
 * http_parser to skip any body and pauses it when the message completes, so
 * bytes after the head (a body, early WebSocket frames) are left unconsumed.
 */
#include "http.h"

#include "assets.h"
#include "camcast/http_text.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#define WS_VERSION_MAX 255  /* RFC 6455 section 11.3.5 */
/* The page: its own scripts only, WebSockets to any daemon (a view over
 * several), never framed by another site; its URL may hold the token, so
 * no Referer leaves it. */
#define PAGE_HEADERS                                                          \
    "Content-Security-Policy: default-src 'self'; connect-src 'self' ws: wss:; " \
    "img-src 'self' blob: data:; worker-src 'self' blob:; "                     \
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'\r\n"            \
    "Referrer-Policy: no-referrer\r\n"


/* Records why feeding failed; the -1 also aborts http_parser from inside a
 * callback. */
static int fail(cc_http_request *rq, int status)
{
    rq->error_status = status;
    return -1;
}

/* Appends what fits (NUL terminated) but counts every byte, so *len >= cap
 * tells that the text was truncated. */
static void append(char *buf, size_t cap, size_t *len, const char *at, size_t n)
{
    if (*len + 1 < cap) {
        size_t k = n < cap - 1 - *len ? n : cap - 1 - *len;
        memcpy(buf + *len, at, k);
        buf[*len + k] = '\0';
    }
    *len += n;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static char *trim(char *s)
{
    while (is_ows(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_ows(s[n - 1]))
        n--;
    s[n] = '\0';
    return s;
}

static int use_upgrade(cc_http_request *rq, const char *value)
{
    /* Only half of the condition; on_headers_complete() adds Connection. */
    if (cc_http_list_has(value, "websocket"))
        rq->upgrade_websocket = true;
    return 0;
}

static int use_key(cc_http_request *rq, const char *value)
{
    /* RFC 6455 4.1: the key must not appear more than once. */
    if (rq->ws_key[0] != '\0' || strlen(value) >= sizeof rq->ws_key)
        return fail(rq, 400);
    strcpy(rq->ws_key, value);
    return 0;
}

/* Host and Origin are compared whole: a cut value could match wrongly. */
static int copy_whole(cc_http_request *rq, char *dst, size_t cap, const char *value)
{
    size_t n = strlen(value);
    if (n >= cap)
        return fail(rq, 400);
    memcpy(dst, value, n + 1);
    return 0;
}

static int use_host(cc_http_request *rq, const char *value)
{
    return copy_whole(rq, rq->host, sizeof rq->host, value);
}

static int use_origin(cc_http_request *rq, const char *value)
{
    rq->has_origin = true;
    return copy_whole(rq, rq->origin, sizeof rq->origin, value);
}

/* Only for a 304: a value too long to be one of our ETags is ignored. */
static int use_if_none_match(cc_http_request *rq, const char *value)
{
    if (strlen(value) < sizeof rq->if_none_match)
        strcpy(rq->if_none_match, value);
    return 0;
}

static int use_accept_encoding(cc_http_request *rq, const char *value)
{
    rq->accepts_gzip = cc_http_list_has(value, "gzip");
    return 0;
}

static void set_token(cc_http_request *rq, const char *t, size_t n)
{
    rq->token_given = true;
    rq->token_len = n < sizeof rq->token ? n : sizeof rq->token - 1;
    memcpy(rq->token, t, rq->token_len);
    rq->token[rq->token_len] = '\0';
    if (n > rq->token_len)
        rq->token_len = sizeof rq->token; /* too long: never equal */
}

/* "Bearer T" (RFC 6750 2.1); any other scheme is an offer that fails. */
static int use_authorization(cc_http_request *rq, const char *value)
{
    if (strncasecmp(value, "Bearer ", 7) != 0) {
        set_token(rq, "", 0);
        return 0;
    }
    const char *t = value + 7 + strspn(value + 7, " ");
    set_token(rq, t, strlen(t));
    return 0;
}

static int use_version(cc_http_request *rq, const char *value)
{
    char *end;
    /* At most 3 digits (<= 255): a long run of zeros is not read as 13. */
    if (value[0] < '0' || value[0] > '9' || strlen(value) > 3)
        return fail(rq, 400);
    long version = strtol(value, &end, 10);
    if (*end != '\0' || version > WS_VERSION_MAX)
        return fail(rq, 400);
    rq->ws_version = (int)version;
    return 0;
}

/* Connection is not here: http_parser already splits it into tokens and
 * sets F_CONNECTION_UPGRADE. */
static const struct {
    const char *name;
    int (*use)(cc_http_request *rq, const char *value);
} known_headers[] = {
    {"Upgrade", use_upgrade},
    {"Sec-WebSocket-Key", use_key},
    {"Sec-WebSocket-Version", use_version},
    {"Host", use_host},
    {"Origin", use_origin},
    {"Authorization", use_authorization},
    {"If-None-Match", use_if_none_match},
    {"Accept-Encoding", use_accept_encoding},
};

static int use_header(cc_http_request *rq)
{
    for (size_t i = 0; i < sizeof known_headers / sizeof known_headers[0]; i++) {
        if (strcasecmp(rq->field, known_headers[i].name) != 0)
            continue;
        /* A truncated value would be misread: only an error where it
         * matters. */
        if (rq->value_len >= sizeof rq->value)
            return fail(rq, 400);
        return known_headers[i].use(rq, trim(rq->value));
    }
    return 0;
}

static int end_header(cc_http_request *rq)
{
    /* A truncated name is longer than any we know. */
    int rc = rq->field_len < sizeof rq->field ? use_header(rq) : 0;
    rq->field[0] = rq->value[0] = '\0';
    rq->field_len = rq->value_len = 0;
    rq->in_value = false;
    return rc;
}

/* How many bytes of this URL piece belong in rq->path: up to and including
 * a '?' or '#'. That kept character marks the end of the path for later
 * pieces and is cut off when the head is complete. */
static size_t path_part(const char *at, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (at[i] == '?' || at[i] == '#')
            return i + 1;
    }
    return len;
}

/* The query, up to a '#'; what does not fit is counted, not kept. */
static void query_part(cc_http_request *rq, const char *at, size_t len)
{
    if (rq->query_done)
        return;
    size_t n = 0;
    while (n < len && at[n] != '#')
        n++;
    append(rq->query, sizeof rq->query, &rq->query_len, at, n);
    rq->query_done = n < len; /* a fragment follows */
}

static int on_url(http_parser *parser, const char *at, size_t len)
{
    cc_http_request *rq = parser->data;
    size_t have = strlen(rq->path);
    if (have > 0 && rq->path[have - 1] == '#')
        return 0;
    if (have > 0 && rq->path[have - 1] == '?') {
        query_part(rq, at, len);
        return 0;
    }
    size_t n = path_part(at, len);
    if (have + n >= sizeof rq->path)
        return fail(rq, 400);
    memcpy(rq->path + have, at, n);
    rq->path[have + n] = '\0';
    if (n < len && at[n - 1] == '?')
        query_part(rq, at + n, len - n);
    return 0;
}

/* token=T from the query, when no Authorization header gave one. */
static void query_token(cc_http_request *rq)
{
    char t[CC_TOKEN_MAX + 1];
    long n = cc_query_value(rq->query, "token", t, sizeof t);
    if (n >= 0)
        set_token(rq, t, (size_t)n);
}

/* Names and values may arrive in several pieces; a name piece after a value
 * starts the next header. */
static int on_header_field(http_parser *parser, const char *at, size_t len)
{
    cc_http_request *rq = parser->data;
    if (rq->in_value && end_header(rq) != 0)
        return -1;
    append(rq->field, sizeof rq->field, &rq->field_len, at, len);
    return 0;
}

static int on_header_value(http_parser *parser, const char *at, size_t len)
{
    cc_http_request *rq = parser->data;
    rq->in_value = true;
    append(rq->value, sizeof rq->value, &rq->value_len, at, len);
    return 0;
}

static int on_headers_complete(http_parser *parser)
{
    cc_http_request *rq = parser->data;
    if (rq->in_value && end_header(rq) != 0)
        return -1;
    rq->path[strcspn(rq->path, "?#")] = '\0';
    rq->has_query = rq->query_len > 0;
    if (!rq->token_given)
        query_token(rq);
    rq->method = parser->method;
    rq->upgrade_websocket =
        rq->upgrade_websocket && (parser->flags & F_CONNECTION_UPGRADE);
    rq->complete = true;
    return 1; /* no body: it is left to the caller, unconsumed */
}

/* Reached right after the head (the body is skipped). Pausing makes
 * http_parser_execute() return here instead of parsing on. */
static int on_message_complete(http_parser *parser)
{
    http_parser_pause(parser, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_message_complete = on_message_complete,
};

void cc_http_request_init(cc_http_request *rq, size_t max_head)
{
    memset(rq, 0, sizeof *rq);
    http_parser_init(&rq->parser, HTTP_REQUEST);
    rq->parser.data = rq;
    rq->max_head = max_head;
}

ssize_t cc_http_request_feed(cc_http_request *rq, const char *data, size_t len)
{
    if (rq->error_status != 0)
        return -1;
    if (rq->complete || len == 0)
        return 0;
    /* Never give the parser more than the head may still take: bytes past
     * max_head either follow a complete head or make it too large. */
    size_t room = rq->max_head - rq->head_bytes;
    size_t n = len < room ? len : room;
    if (n == 0)
        return fail(rq, 431);
    size_t used = http_parser_execute(&rq->parser, &settings, data, n);
    rq->head_bytes += used;
    enum http_errno err = HTTP_PARSER_ERRNO(&rq->parser);
    if (err == HPE_PAUSED)
        return (ssize_t)used;
    if (err != HPE_OK) {
        if (rq->error_status != 0)
            return -1;
        return fail(rq, err == HPE_HEADER_OVERFLOW ? 431 : 400);
    }
    if (n < len)
        return fail(rq, 431);
    return (ssize_t)used;
}

const char *cc_http_reason(int status)
{
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 421: return "Misdirected Request";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

int cc_http_head(char *buf, size_t cap, int status, const char *content_type,
                 size_t content_length, const char *extra_headers)
{
    int n = snprintf(buf, cap,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %zu\r\n"
                     "Cache-Control: no-store\r\n"
                     "Connection: close\r\n"
                     "%s\r\n",
                     status, cc_http_reason(status), content_type, content_length,
                     extra_headers);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int cc_http_response(char *buf, size_t cap, int status, const char *extra_headers,
                     const char *body)
{
    size_t len = strlen(body);
    int n = cc_http_head(buf, cap, status, "text/plain; charset=utf-8", len,
                         extra_headers);
    if (n < 0 || (size_t)n + len >= cap)
        return -1;
    memcpy(buf + n, body, len + 1);
    return n + (int)len;
}

int cc_http_asset_head(char *buf, size_t cap, int status, const cc_asset *a, bool gzip,
                       bool no_store)
{
    bool page = strncmp(a->content_type, "text/html", 9) == 0;
    /* A 304 has no body and, here, no length (RFC 9110 8.6). */
    char length[48] = "";
    if (status != 304)
        snprintf(length, sizeof length, "Content-Length: %zu\r\n",
                 gzip ? a->gzip_len : a->len);
    int n = snprintf(buf, cap,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: %s\r\n"
                     "%s"
                     "ETag: %s\r\n"
                     "Cache-Control: %s\r\n"
                     "%s"
                     "%s"
                     "Vary: Accept-Encoding\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Connection: close\r\n\r\n",
                     status, cc_http_reason(status), a->content_type, length, a->etag,
                     no_store ? "no-store" : "no-cache",
                     gzip ? "Content-Encoding: gzip\r\n" : "", page ? PAGE_HEADERS : "");
    return n < 0 || (size_t)n >= cap ? -1 : n;
}
