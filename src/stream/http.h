/* HTTP/1.1 request heads (libhttp-parser) and the WebSocket handshake.
 *
 * Just enough HTTP for one port that serves WebSocket upgrades and small
 * plain responses. Every request is answered and the connection closed,
 * except a valid upgrade.
 */
#ifndef CC_HTTP_H
#define CC_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "camcast/token.h"
#include "camcast/ws_handshake.h"

#define CC_HTTP_PATH_MAX 256
#define CC_HTTP_QUERY_MAX 1024 /* a longer query is cut: its token is then wrong */
#define CC_HTTP_VALUE_MAX 256  /* Host and Origin */

typedef struct cc_http_request {
    http_parser parser;
    size_t max_head;       /* bytes allowed for request line + headers */
    size_t head_bytes;
    bool complete;         /* the whole head was parsed */
    int error_status;      /* 400 or 431 when feeding failed */
    /* parsed */
    unsigned method;       /* enum http_method */
    char path[CC_HTTP_PATH_MAX]; /* URL path without the query */
    bool has_query;              /* the URL has a query: it may hold a token */
    bool upgrade_websocket;      /* Upgrade: websocket and Connection: upgrade */
    char ws_key[64];             /* Sec-WebSocket-Key, "" if absent */
    int ws_version;              /* Sec-WebSocket-Version, 0 if absent */
    char host[CC_HTTP_VALUE_MAX];   /* Host, "" if absent */
    char origin[CC_HTTP_VALUE_MAX]; /* Origin, "" if absent */
    bool has_origin;
    char if_none_match[64];         /* If-None-Match, "" if absent or long */
    bool accepts_gzip;              /* Accept-Encoding lists gzip */
    /* The access token offered: "Authorization: Bearer T", else the query
     * parameter token=T (percent-decoded). A value too long or not Bearer
     * is kept as given (cut), so it compares unequal. */
    bool token_given;
    char token[CC_TOKEN_MAX + 1];
    size_t token_len;
    /* private: the query string, the header being parsed */
    char query[CC_HTTP_QUERY_MAX];
    size_t query_len;
    bool query_done;
    char field[64];
    size_t field_len;
    char value[512];         /* Authorization: "Bearer " + a token */
    size_t value_len;
    bool in_value;
} cc_http_request;

void cc_http_request_init(cc_http_request *rq, size_t max_head);
/* Feeds received bytes. Returns the number of bytes consumed (bytes after
 * the end of the head are left, e.g. early WebSocket frames), or -1 with
 * rq->error_status set (400 malformed, 431 head larger than max_head). */
ssize_t cc_http_request_feed(cc_http_request *rq, const char *data, size_t len);

/* Writes a whole response with "Connection: close", Content-Type text/plain
 * and Content-Length. extra_headers: "" or lines each ending in "\r\n".
 * Returns the length, or -1 if it does not fit. */
int cc_http_response(char *buf, size_t cap, int status, const char *extra_headers,
                     const char *body);
const char *cc_http_reason(int status);
/* Writes only the head of a response (status line, headers, blank line),
 * for a body sent separately. Returns the length or -1. */
int cc_http_head(char *buf, size_t cap, int status, const char *content_type,
                 size_t content_length, const char *extra_headers);

/* The head of an embedded file's response (stream/assets.h): its type,
 * ETag, Cache-Control, and Content-Encoding: gzip when gzip. 304 has no
 * body. Cache-Control is "no-cache" (revalidated, so a new build is seen
 * at once), or "no-store" when the URL had a query (no_store): a page
 * opened with ?token= (or another daemon's token in ?add=) is kept in no
 * cache, where the URL with its token would be the key. The page (HTML)
 * also gets its Content-Security-Policy and "Referrer-Policy:
 * no-referrer", so its URL never leaves it in a Referer. */
struct cc_asset;
int cc_http_asset_head(char *buf, size_t cap, int status, const struct cc_asset *a,
                       bool gzip, bool no_store);

/* A page the daemon serves on the stream's port (/stats, /metrics, ...). */
typedef struct cc_http_page {
    int status;
    const char *content_type;
    char *body; /* malloc'd; the server frees it */
} cc_http_page;

/* Fills page for a GET of path and returns 0, or returns -ENOENT (404). */
typedef int (*cc_page_fn)(const char *path, cc_http_page *page, void *arg);

#endif
