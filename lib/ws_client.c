/* WebSocket client on a libuv loop (see camcast/ws_client.h).
 *
 * wslay's client event context frames what we send (masked, fresh mask per
 * frame) and handles text and control frames: pings, UTF-8 checks, the
 * close handshake. Binary frames, the FrameBundles, go around it: wslay's
 * parser copies every payload through a 4 KiB buffer of its own, a path
 * that cost 1.6 times the CPU per MB of this one (docs/performance.md, "The
 * client library"). A small splitter here reads each frame header itself;
 * text and control frames (header and payload) are handed to wslay
 * unchanged, binary payloads go straight into the message buffer. While a
 * binary payload is pending, on_alloc hands libuv the free tail of that
 * buffer, so the kernel writes the bundle where it is delivered from:
 * beyond recv, only the few KiB that arrive in the same read as a frame
 * header are copied.
 *
 * The server is not trusted: the splitter checks every frame header
 * (cc_ws_header_check: wslay would answer some bad ones with a close frame
 * without a code) and the size a text or binary message announces before
 * it buffers a byte of it.
 *
 * Lifetime: the timer handle exists from connect to the end, the TCP handle
 * from name resolution to the end. on_close is called once, after both are
 * closed and name resolution is over, so the user may free the client there.
 * A detached client (ws_client_internal.h) has neither handle.
 */
#include "camcast/ws_client.h"

#include "camcast/http_text.h"
#include "camcast/token.h"
#include "camcast/ws_guard.h"
#include "camcast/ws_handshake.h"
#include "camcast/ws_feed.h"
#include "camcast/ws_sendbuf.h"
#include "ws_client_internal.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wslay/wslay.h>


/* MinGW's GCC reads format(printf) as msvcrt's printf, which has no %zu;
 * the vsnprintf used here is MinGW's own C99 one (_GNU_SOURCE). */
#ifdef __MINGW32__
#define PRINTF_LIKE(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#else
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#endif

#define CONNECT_MS 10000   /* resolve + TCP connect + handshake */
#define CLOSE_MS 2000      /* server's close frame, then the TCP close */
#define READ_BUF 16384     /* frame headers, text and control frames */
#define HEAD_MAX 4096      /* HTTP response head */
#define MAX_DIRECT (1u << 30) /* one read straight into the message buffer */
#define NO_STATUS 1005                          /* close frame without a code */
#define CLOSE_REASON_MAX 123 /* RFC 6455 5.5: 125 bytes, 2 of them the code */
#define REQUEST_MAX 2048   /* path, host and token at their largest fit */
#define DETACHED_SENT_MAX 65536 /* what a detached client keeps of its output */

enum { OP_CONT = 0x0, OP_TEXT = 0x1, OP_BINARY = 0x2 };

typedef enum state {
    ST_IDLE,       /* created, or over and reported: may connect */
    ST_RESOLVING,
    ST_CONNECTING,
    ST_HANDSHAKE,  /* request sent, reading the response head */
    ST_OPEN,
    ST_CLOSING,    /* our close frame sent, waiting for the server's */
    ST_ENDING,     /* close handshake over, TCP shutting down */
    ST_DONE,       /* handles closing; on_close when they are */
} state;

/* Where received bytes go: the splitter's position in the frame stream. */
typedef enum rx_state { RX_HEADER, RX_BINARY, RX_FORWARD } rx_state;

struct cc_ws_client {
    uv_loop_t *loop;
    cc_ws_client_callbacks cb;
    void *arg;
    size_t max_message;
    size_t max_text;
    int rcvbuf;         /* SO_RCVBUF of new connections; 0: the system's */
    char token[CC_TOKEN_MAX + 1]; /* "" for none */
    int http_status;    /* of the last handshake response */
    bool detached;      /* no socket: ws_client_internal.h */
    cc_ws_sendbuf sent; /* a detached client's output, bounded */
    state st;
    bool reading;       /* the user's wish, applied once open */
    bool read_started;
    int open_handles;
    bool resolving;     /* uv_getaddrinfo in flight */
    uint64_t rng;       /* xorshift64* state for frame masks */

    char host[256];
    uint16_t port;
    char path[1024];
    uv_getaddrinfo_t gai;
    struct addrinfo *addrs, *next_addr;
    uv_connect_t connect;
    uv_shutdown_t shutdown;
    uv_tcp_t tcp;
    uv_timer_t timer;

    char accept[CC_WS_ACCEPT_LEN + 1]; /* Sec-WebSocket-Accept we expect */
    char head[HEAD_MAX];
    size_t head_len;

    wslay_event_context_ptr ws;
    bool in_wslay;           /* inside wslay_event_recv: no sending now */
    cc_ws_feed in;           /* bytes being fed to wslay */
    cc_ws_sendbuf out;       /* frames wslay produced, written as one */

    rx_state rx;
    uint8_t hdr[14];         /* frame header being gathered */
    size_t hdr_len;
    uint64_t rx_left;        /* payload bytes left in the current frame */
    bool rx_fin;
    bool in_binary, in_text; /* a fragmented message is under way */
    uint64_t text_len;       /* bytes the current text message announced */
    uint8_t *msg;            /* binary message being assembled */
    size_t msg_len, msg_cap;
    char *text;              /* text message, NUL terminated for the user */
    size_t text_cap;

    bool have_result;
    int code;
    char reason[160];

    uint8_t rbuf[READ_BUF];
};

typedef struct out_write {
    uv_write_t req;
    cc_ws_client *c;
    size_t len;
    uint8_t data[];
} out_write;

static void on_timer(uv_timer_t *t);

/* ---- URL ---- */

static bool host_char_ok(char ch)
{
    return ch > ' ' && ch < 0x7f && !strchr(":/?#[]@", ch);
}

/* Host (brackets removed for IPv6) and where the rest of the URL starts. */
static int split_host(const char *s, char *host, size_t cap, const char **rest)
{
    const char *end;
    const char *start = s;
    if (*s == '[') {
        start = s + 1;
        end = strchr(start, ']');
        if (!end || end == start || memchr(start, '/', (size_t)(end - start)))
            return -EINVAL;
        *rest = end + 1;
    } else {
        end = s;
        while (host_char_ok(*end))
            end++;
        if (end == s)
            return -EINVAL;
        *rest = end;
    }
    size_t n = (size_t)(end - start);
    if (n >= cap)
        return -EINVAL;
    memcpy(host, start, n);
    host[n] = '\0';
    return 0;
}

static int parse_port(const char *s, uint16_t *port, const char **rest)
{
    unsigned long v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9' && p - s < 6)
        v = v * 10 + (unsigned long)(*p++ - '0');
    if (p == s || v == 0 || v > 65535)
        return -EINVAL;
    *port = (uint16_t)v;
    *rest = p;
    return 0;
}

int cc_ws_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
                    char *path, size_t path_cap)
{
    static const char scheme[] = "ws://";
    const char *rest;
    if (!url || strncasecmp(url, scheme, sizeof scheme - 1) != 0)
        return -EINVAL;
    if (split_host(url + sizeof scheme - 1, host, host_cap, &rest) < 0)
        return -EINVAL;
    *port = 80;
    if (*rest == ':' && parse_port(rest + 1, port, &rest) < 0)
        return -EINVAL;
    if (*rest == '\0')
        rest = "/";
    if (*rest != '/' || strlen(rest) >= path_cap)
        return -EINVAL;
    for (const char *p = rest; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return -EINVAL; /* would break the request line */
    strcpy(path, rest);
    return 0;
}

/* ---- randomness ---- */

/* The system's CSPRNG (getrandom on Linux), synchronously; portable,
 * unlike getrandom itself: the viewer also builds elsewhere. */
static int random_bytes(void *buf, size_t len)
{
    return uv_random(NULL, NULL, buf, len, 0, NULL);
}

/* xorshift64*: masks only need to be unpredictable to web intermediaries,
 * not secret; seeded from the system's generator once per client. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

/* ---- result and teardown ---- */

/* Zeroes memory that held the token; volatile, so it is not optimised
 * away (explicit_bzero is not everywhere the viewer builds). */
static void wipe(void *p, size_t len)
{
    volatile unsigned char *v = p;
    while (len--)
        *v++ = 0;
}

static void vset_result(cc_ws_client *c, int code, const char *fmt, va_list ap)
{
    if (c->have_result)
        return;
    c->have_result = true;
    c->code = code;
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
}

/* The first result wins: the server's close code, or 0 and what failed. */
PRINTF_LIKE(3, 4)
static void set_result(cc_ws_client *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_result(c, code, fmt, ap);
    va_end(ap);
}

static void maybe_report(cc_ws_client *c)
{
    if (c->st != ST_DONE || c->open_handles > 0 || c->resolving)
        return;
    c->st = ST_IDLE;
    set_result(c, 0, "connection closed");
    if (c->cb.on_close)
        c->cb.on_close(c, c->code, c->reason, c->arg); /* may free c */
}

static void on_handle_closed(uv_handle_t *h)
{
    cc_ws_client *c = h->data;
    c->open_handles--;
    maybe_report(c);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, on_handle_closed);
}

/* Ends everything now; on_close follows once libuv is done with us. */
static void teardown(cc_ws_client *c)
{
    if (c->st == ST_DONE || c->st == ST_IDLE)
        return;
    bool has_tcp = c->st > ST_RESOLVING;
    c->st = ST_DONE;
    if (c->detached)
        return; /* no handles: reported when the feeding call returns */
    if (c->resolving)
        uv_cancel((uv_req_t *)&c->gai);
    uv_freeaddrinfo(c->addrs);
    c->addrs = c->next_addr = NULL;
    if (has_tcp)
        close_handle((uv_handle_t *)&c->tcp);
    close_handle((uv_handle_t *)&c->timer);
}

static void fail(cc_ws_client *c, const char *fmt, const char *detail)
{
    set_result(c, 0, fmt, detail);
    teardown(c);
}

/* ---- sending ---- */

static void on_written(uv_write_t *req, int status)
{
    out_write *w = req->data;
    cc_ws_client *c = w->c;
    wipe(w->data, w->len); /* the handshake request holds the token */
    free(w);
    if (status < 0 && status != UV_ECANCELED)
        fail(c, "send: %s", uv_strerror(status));
}

/* A detached client keeps the newest of its output instead. */
static int record_bytes(cc_ws_client *c, const void *data, size_t len)
{
    if (len > DETACHED_SENT_MAX)
        return 0;
    if (c->sent.len + len > DETACHED_SENT_MAX)
        c->sent.len = 0;
    return cc_ws_sendbuf_append(&c->sent, data, len);
}

static int write_bytes(cc_ws_client *c, const void *data, size_t len)
{
    if (c->detached)
        return record_bytes(c, data, len);
    out_write *w = malloc(sizeof *w + len);
    if (!w)
        return -ENOMEM;
    w->req.data = w;
    w->c = c;
    w->len = len;
    memcpy(w->data, data, len);
    uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)len);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written);
    if (rc < 0)
        free(w);
    return rc;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data,
                          size_t len, int flags, void *user)
{
    (void)flags;
    cc_ws_client *c = user;
    return cc_ws_sendbuf_wslay(&c->out, ctx, data, len);
}

static int ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
                         void *user)
{
    (void)ctx;
    cc_ws_client *c = user;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t r = next_random(&c->rng);
        memcpy(buf + i, &r, len - i < 8 ? len - i : 8);
    }
    return 0;
}

/* Frames what wslay has queued and writes it as one buffer. Not from
 * inside wslay_event_recv: the caller flushes when it returns. */
static void ws_flush(cc_ws_client *c)
{
    if (c->in_wslay || c->st == ST_DONE || !wslay_event_want_write(c->ws))
        return;
    c->out.len = 0;
    int rc = wslay_event_send(c->ws);
    if (rc != 0) {
        fail(c, "%s", rc == WSLAY_ERR_NOMEM ? "out of memory" : "websocket send failed");
        return;
    }
    if (c->out.len > 0 && (rc = write_bytes(c, c->out.data, c->out.len)) < 0)
        fail(c, "send: %s", uv_strerror(rc));
}

/* ---- closing ---- */

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    teardown(req->data);
}

/* After the close handshake: let our last frame go out, then close. */
static void end_tcp(cc_ws_client *c)
{
    if (c->detached) {
        teardown(c);
        return;
    }
    c->st = ST_ENDING;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->read_started = false;
    if (!uv_is_active((uv_handle_t *)&c->timer))
        uv_timer_start(&c->timer, on_timer, CLOSE_MS, 0);
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
        teardown(c);
}

/* Sends what is queued; ends the connection once wslay reads no more (the
 * server's close frame came, or the server broke the protocol). */
static void progress(cc_ws_client *c)
{
    ws_flush(c);
    if ((c->st != ST_OPEN && c->st != ST_CLOSING) || c->in_wslay)
        return;
    if (wslay_event_get_read_enabled(c->ws))
        return;
    if (!wslay_event_get_close_received(c->ws))
        set_result(c, 0, "invalid data from the server (sent close %u)",
                   (unsigned)wslay_event_get_status_code_sent(c->ws));
    end_tcp(c);
}

/* A protocol violation found by the splitter: close frame with code, then
 * end without waiting for the server (as wslay does for its own). */
PRINTF_LIKE(3, 4)
static void fail_ws(cc_ws_client *c, uint16_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_result(c, 0, fmt, ap);
    va_end(ap);
    wslay_event_queue_close(c->ws, code, NULL, 0);
    wslay_event_shutdown_read(c->ws);
    progress(c);
}

/* ---- receiving WebSocket frames ---- */

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
                          int flags, void *user)
{
    (void)flags;
    cc_ws_client *c = user;
    return cc_ws_feed_read(&c->in, ctx, buf, len);
}

static void deliver_text(cc_ws_client *c, const uint8_t *msg, size_t len)
{
    if (c->st != ST_OPEN || !c->cb.on_text)
        return;
    if (len + 1 > c->text_cap) {
        char *p = realloc(c->text, len + 1);
        if (!p) {
            fail_ws(c, WSLAY_CODE_INTERNAL_SERVER_ERROR, "%s", "out of memory");
            return;
        }
        c->text = p;
        c->text_cap = len + 1;
    }
    if (len > 0) /* wslay passes NULL for an empty message */
        memcpy(c->text, msg, len);
    c->text[len] = '\0';
    c->cb.on_text(c, c->text, len, c->arg);
}

/* The server's text as plain, printable ASCII, cut to cap - 1 bytes:
 * whatever it sends, the reason reaches logs and terminals as one harmless
 * line (no escape sequences, no line breaks). */
static void plain_text(char *out, size_t cap, const uint8_t *text, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = text[i] >= 0x20 && text[i] < 0x7f ? (char)text[i] : '?';
    out[n] = '\0';
}

/* wslay sees text and control frames only. */
static void ws_msg_cb(wslay_event_context_ptr ctx,
                      const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    (void)ctx;
    cc_ws_client *c = user;
    if (arg->opcode == WSLAY_TEXT_FRAME) {
        deliver_text(c, arg->msg, arg->msg_length);
    } else if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
        size_t n = arg->msg_length > 2 ? arg->msg_length - 2 : 0;
        int code = arg->status_code ? arg->status_code : NO_STATUS;
        char reason[CLOSE_REASON_MAX + 1];
        plain_text(reason, sizeof reason, n ? arg->msg + 2 : NULL, n);
        set_result(c, code, "%s", reason);
    }
}

static void feed_wslay(cc_ws_client *c, const uint8_t *data, size_t len)
{
    c->in = (cc_ws_feed){data, len};
    c->in_wslay = true;
    int rc = wslay_event_recv(c->ws);
    c->in_wslay = false;
    if (rc != 0)
        fail_ws(c, WSLAY_CODE_INTERNAL_SERVER_ERROR, "%s",
                rc == WSLAY_ERR_NOMEM ? "out of memory" : "websocket receive failed");
}

/* Room for a message of total bytes; grows only, by doubling. Allocated
 * even for an empty message: on_binary never gets a NULL buffer. */
static int reserve(cc_ws_client *c, size_t total)
{
    if (c->msg && total <= c->msg_cap)
        return 0;
    size_t cap = c->msg_cap ? c->msg_cap : 65536;
    if (cap > c->max_message)
        cap = c->max_message;
    while (cap < total)
        cap = cap > c->max_message / 2 ? c->max_message : cap * 2;
    uint8_t *p = realloc(c->msg, cap);
    if (!p)
        return -ENOMEM;
    c->msg = p;
    c->msg_cap = cap;
    return 0;
}

static void end_binary_frame(cc_ws_client *c)
{
    c->rx = RX_HEADER;
    if (!c->rx_fin)
        return;
    size_t len = c->msg_len;
    c->msg_len = 0;
    if (c->st == ST_OPEN && c->cb.on_binary)
        c->cb.on_binary(c, c->msg, len, c->arg);
}

static void start_binary(cc_ws_client *c, unsigned opcode, bool fin, uint64_t len)
{
    if (c->hdr[0] & 0x70 || c->hdr[1] & 0x80) {
        fail_ws(c, WSLAY_CODE_PROTOCOL_ERROR, "%s", "server sent a masked or RSV frame");
        return;
    }
    size_t have = opcode == OP_BINARY ? 0 : c->msg_len;
    if (have > c->max_message || len > c->max_message - have) {
        fail_ws(c, WSLAY_CODE_MESSAGE_TOO_BIG,
                "message larger than max_message (%zu bytes): closed with 1009",
                c->max_message);
        return;
    }
    if (reserve(c, have + (size_t)len) < 0) {
        fail_ws(c, WSLAY_CODE_INTERNAL_SERVER_ERROR, "%s", "out of memory");
        return;
    }
    c->msg_len = have;
    c->in_binary = !fin;
    c->rx_fin = fin;
    c->rx_left = len;
    c->rx = RX_BINARY;
    if (len == 0)
        end_binary_frame(c);
}

/* Text, control and invalid frames go to wslay whole, header first; a text
 * message that would grow past max_text goes nowhere (wslay would buffer
 * it). */
static void start_forward(cc_ws_client *c, unsigned opcode, bool fin, uint64_t len)
{
    if (opcode == OP_TEXT || (opcode == OP_CONT && c->in_text)) {
        uint64_t have = opcode == OP_TEXT ? 0 : c->text_len;
        if (len > c->max_text - have) {
            fail_ws(c, WSLAY_CODE_MESSAGE_TOO_BIG,
                    "text message from the server over %zu bytes: closed with 1009",
                    c->max_text);
            return;
        }
        c->text_len = have + len;
        c->in_text = !fin;
    }
    c->rx_left = len;
    c->rx = len ? RX_FORWARD : RX_HEADER;
    feed_wslay(c, c->hdr, c->hdr_len);
}

static void start_frame(cc_ws_client *c)
{
    const char *why;
    if (cc_ws_header_check(c->hdr, &why) != 0) {
        fail_ws(c, CC_WS_CLOSE_PROTOCOL_ERROR,
                "protocol error from the server: %s: closed with 1002", why);
        return;
    }
    unsigned opcode = c->hdr[0] & 0x0f;
    bool fin = c->hdr[0] & 0x80;
    uint64_t len = cc_ws_header_payload(c->hdr);
    bool data_frame = opcode == OP_TEXT || opcode == OP_BINARY;
    if (c->in_binary && data_frame) {
        /* wslay never saw the fragmented binary message: check it here. */
        fail_ws(c, WSLAY_CODE_PROTOCOL_ERROR, "%s", "new message inside a fragmented one");
        return;
    }
    bool binary = (opcode == OP_BINARY && !c->in_text) ||
                  (opcode == OP_CONT && c->in_binary);
    if (binary)
        start_binary(c, opcode, fin, len);
    else
        start_forward(c, opcode, fin, len);
}

static size_t rx_header(cc_ws_client *c, const uint8_t *data, size_t len)
{
    size_t used = 0;
    for (;;) {
        size_t want = c->hdr_len < 2 ? 2 : cc_ws_header_size(c->hdr);
        if (c->hdr_len == want) {
            start_frame(c);
            c->hdr_len = 0;
            return used;
        }
        if (used == len)
            return used;
        size_t n = want - c->hdr_len < len - used ? want - c->hdr_len : len - used;
        memcpy(c->hdr + c->hdr_len, data + used, n);
        c->hdr_len += n;
        used += n;
    }
}

static size_t rx_binary(cc_ws_client *c, const uint8_t *data, size_t len)
{
    size_t n = c->rx_left < len ? (size_t)c->rx_left : len;
    uint8_t *dst = c->msg + c->msg_len;
    if (data != dst) /* else the kernel already put it there (on_alloc) */
        memcpy(dst, data, n);
    c->msg_len += n;
    c->rx_left -= n;
    if (c->rx_left == 0)
        end_binary_frame(c);
    return n;
}

static size_t rx_forward(cc_ws_client *c, const uint8_t *data, size_t len)
{
    size_t n = c->rx_left < len ? (size_t)c->rx_left : len;
    c->rx_left -= n;
    if (c->rx_left == 0)
        c->rx = RX_HEADER;
    feed_wslay(c, data, n);
    return n;
}

static bool rx_active(const cc_ws_client *c)
{
    return (c->st == ST_OPEN || c->st == ST_CLOSING) &&
           wslay_event_get_read_enabled(c->ws);
}

static void ws_receive(cc_ws_client *c, const uint8_t *data, size_t len)
{
    while (len > 0 && rx_active(c)) {
        size_t used;
        switch (c->rx) {
        case RX_HEADER: used = rx_header(c, data, len); break;
        case RX_BINARY: used = rx_binary(c, data, len); break;
        default: used = rx_forward(c, data, len); break;
        }
        data += used;
        len -= used;
    }
    progress(c);
}

/* ---- handshake ---- */

static int send_request(cc_ws_client *c)
{
    uint8_t raw[CC_WS_KEY_RAW];
    char key[CC_WS_KEY_LEN + 1];
    int rc = random_bytes(raw, sizeof raw);
    if (rc < 0)
        return rc;
    cc_ws_key(raw, key);
    cc_ws_accept(key, c->accept); /* a key we made is valid */

    bool v6 = strchr(c->host, ':') != NULL;
    char port[8] = "";
    if (c->port != 80)
        snprintf(port, sizeof port, ":%u", (unsigned)c->port);
    bool auth = c->token[0] != '\0';
    char req[REQUEST_MAX];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\n"
                     "Host: %s%s%s%s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "%s%s%s"
                     "User-Agent: camcast-client\r\n\r\n",
                     c->path, v6 ? "[" : "", c->host, v6 ? "]" : "", port, key,
                     auth ? "Authorization: Bearer " : "", c->token, auth ? "\r\n" : "");
    rc = n < 0 || (size_t)n >= sizeof req ? -EINVAL : write_bytes(c, req, (size_t)n);
    wipe(req, sizeof req);
    return rc;
}

typedef struct response {
    int status;
    bool upgrade, connection, accept_ok, extension;
} response;

static void use_header(const cc_ws_client *c, char *line, response *r)
{
    char *colon = strchr(line, ':');
    if (!colon)
        return;
    *colon = '\0';
    char *value = colon + 1 + strspn(colon + 1, " \t");
    size_t n = strlen(value);
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        value[--n] = '\0';
    if (strcasecmp(line, "Upgrade") == 0)
        r->upgrade = cc_http_list_has(value, "websocket");
    else if (strcasecmp(line, "Connection") == 0)
        r->connection = cc_http_list_has(value, "upgrade");
    else if (strcasecmp(line, "Sec-WebSocket-Accept") == 0)
        r->accept_ok = strcmp(value, c->accept) == 0;
    else if (strcasecmp(line, "Sec-WebSocket-Extensions") == 0)
        r->extension = true;
}

/* head: the whole response head, NUL terminated, modified in place. */
static const char *check_response(const cc_ws_client *c, char *head, int *status)
{
    response r = {0};
    char *save = NULL;
    char *line = strtok_r(head, "\r\n", &save);
    if (!line || sscanf(line, "HTTP/1.%*1[01] %3d", &r.status) != 1)
        return "malformed HTTP response";
    *status = r.status;
    if (r.status == 401)
        return c->token[0] ? "wrong access token (HTTP 401)"
                           : "server wants an access token (HTTP 401)";
    if (r.status != 101)
        return NULL; /* reported with the status */
    while ((line = strtok_r(NULL, "\r\n", &save)))
        use_header(c, line, &r);
    if (!r.upgrade || !r.connection)
        return "no Upgrade: websocket in the 101 response";
    if (!r.accept_ok)
        return "bad Sec-WebSocket-Accept";
    if (r.extension)
        return "server chose a WebSocket extension we did not offer";
    return "";
}

static void apply_reading(cc_ws_client *c);

static void open_ws(cc_ws_client *c)
{
    c->st = ST_OPEN;
    uv_timer_stop(&c->timer);
    apply_reading(c);
    if (c->cb.on_open)
        c->cb.on_open(c, c->arg);
}

static void handshake_receive(cc_ws_client *c, const uint8_t *data, size_t len)
{
    size_t before = c->head_len;
    size_t n = len < HEAD_MAX - 1 - before ? len : HEAD_MAX - 1 - before;
    memcpy(c->head + before, data, n);
    c->head_len += n;
    c->head[c->head_len] = '\0';
    char *end = strstr(c->head + (before > 3 ? before - 3 : 0), "\r\n\r\n");
    if (!end) {
        if (c->head_len == HEAD_MAX - 1)
            fail(c, "%s", "HTTP response head too large");
        return;
    }
    size_t used = (size_t)(end + 4 - c->head) - before;
    end[2] = '\0';
    int status = 0;
    const char *why = check_response(c, c->head, &status);
    c->http_status = status;
    if (!why) {
        char text[16];
        snprintf(text, sizeof text, "%d", status);
        fail(c, "HTTP %s", text);
    } else if (*why) {
        fail(c, "%s", why);
    } else {
        open_ws(c);
        /* The hello usually comes in the same read as the response. */
        ws_receive(c, data + used, len - used);
    }
}

/* ---- libuv plumbing ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    cc_ws_client *c = h->data;
    if (c->rx == RX_BINARY && c->rx_left > 0 && c->st >= ST_OPEN) {
        size_t n = c->rx_left < MAX_DIRECT ? (size_t)c->rx_left : MAX_DIRECT;
        *buf = uv_buf_init((char *)c->msg + c->msg_len, (unsigned)n);
        return;
    }
    *buf = uv_buf_init((char *)c->rbuf, sizeof c->rbuf);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    cc_ws_client *c = stream->data;
    if (nread == 0)
        return;
    if (nread < 0) {
        fail(c, "%s", nread == UV_EOF ? "connection closed by the server"
                                      : uv_strerror((int)nread));
        return;
    }
    if (c->st == ST_HANDSHAKE)
        handshake_receive(c, (const uint8_t *)buf->base, (size_t)nread);
    else if (c->st == ST_OPEN || c->st == ST_CLOSING)
        ws_receive(c, (const uint8_t *)buf->base, (size_t)nread);
}

/* The handshake is always read; then the user's choice, except that a
 * closing client must read to see the server's close frame. */
static void apply_reading(cc_ws_client *c)
{
    if (c->detached)
        return;
    bool want = c->st == ST_HANDSHAKE || c->st == ST_CLOSING ||
                (c->st == ST_OPEN && c->reading);
    if (want == c->read_started)
        return;
    int rc = want ? uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read)
                  : uv_read_stop((uv_stream_t *)&c->tcp);
    if (rc < 0)
        fail(c, "read: %s", uv_strerror(rc));
    else
        c->read_started = want;
}

static void on_timer(uv_timer_t *t)
{
    cc_ws_client *c = t->data;
    if (c->st == ST_CLOSING)
        set_result(c, 0, "no close frame from the server within %d ms", CLOSE_MS);
    else if (c->st < ST_OPEN)
        set_result(c, 0, "not connected to %s within %d ms", c->host, CONNECT_MS);
    teardown(c);
}

static void connect_next(cc_ws_client *c);

static void on_tcp_closed_retry(uv_handle_t *h)
{
    cc_ws_client *c = h->data;
    c->open_handles--;
    if (c->st == ST_CONNECTING)
        connect_next(c);
    else
        maybe_report(c);
}

static void connect_failed(cc_ws_client *c, int err)
{
    if (!c->next_addr) {
        set_result(c, 0, "connect to %s port %u: %s", c->host, (unsigned)c->port,
                   uv_strerror(err));
        teardown(c);
        return;
    }
    /* A socket whose connect failed cannot connect again: a new one. */
    uv_close((uv_handle_t *)&c->tcp, on_tcp_closed_retry);
}

static void on_connected(uv_connect_t *req, int status)
{
    cc_ws_client *c = req->data;
    if (c->st != ST_CONNECTING)
        return;
    if (status < 0) {
        connect_failed(c, status);
        return;
    }
    uv_freeaddrinfo(c->addrs);
    c->addrs = c->next_addr = NULL;
    uv_tcp_nodelay(&c->tcp, 1);
    c->st = ST_HANDSHAKE;
    int rc = send_request(c);
    if (rc < 0)
        fail(c, "send: %s", uv_strerror(rc));
    else
        apply_reading(c);
}

static void connect_next(cc_ws_client *c)
{
    struct addrinfo *ai = c->next_addr;
    c->next_addr = ai->ai_next;
    /* The socket now, not at connect: its receive buffer goes first. */
    int rc = uv_tcp_init_ex(c->loop, &c->tcp, (unsigned)ai->ai_family);
    if (rc < 0) { /* no socket (EMFILE...): no handle to close either */
        set_result(c, 0, "socket: %s", uv_strerror(rc));
        c->st = ST_RESOLVING;
        teardown(c);
        return;
    }
    c->tcp.data = c;
    c->open_handles++;
    c->read_started = false;
    c->connect.data = c;
    int bytes = c->rcvbuf;
    if (bytes > 0)
        rc = uv_recv_buffer_size((uv_handle_t *)&c->tcp, &bytes);
    if (rc == 0)
        rc = uv_tcp_connect(&c->connect, &c->tcp, ai->ai_addr, on_connected);
    if (rc < 0)
        connect_failed(c, rc);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    cc_ws_client *c = req->data;
    c->resolving = false;
    if (c->st != ST_RESOLVING) {
        uv_freeaddrinfo(res);
        maybe_report(c);
        return;
    }
    if (status < 0 || !res) {
        set_result(c, 0, "resolve %s: %s", c->host,
                   uv_strerror(status < 0 ? status : UV_EAI_NONAME));
        uv_freeaddrinfo(res);
        teardown(c);
        return;
    }
    c->addrs = c->next_addr = res;
    c->st = ST_CONNECTING;
    connect_next(c);
}

/* ---- public API ---- */

int cc_ws_client_new(cc_ws_client **out, uv_loop_t *loop,
                     const cc_ws_client_callbacks *cb, void *arg,
                     size_t max_message)
{
    if (!loop || !cb || max_message == 0)
        return -EINVAL;
    cc_ws_client *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    int rc = random_bytes(&c->rng, sizeof c->rng);
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->rng |= 1; /* xorshift's state must not be 0 */
    c->loop = loop;
    c->cb = *cb;
    c->arg = arg;
    c->max_message = max_message;
    c->max_text = max_message < CC_WS_CLIENT_MAX_TEXT ? max_message : CC_WS_CLIENT_MAX_TEXT;
    c->reading = true;
    *out = c;
    return 0;
}

int cc_ws_client_set_max_text(cc_ws_client *c, size_t max_text)
{
    if (max_text == 0)
        return -EINVAL;
    c->max_text = max_text < c->max_message ? max_text : c->max_message;
    return 0;
}

int cc_ws_client_set_max_message(cc_ws_client *c, size_t max_message)
{
    if (max_message == 0)
        return -EINVAL;
    c->max_message = max_message;
    if (c->max_text > max_message)
        c->max_text = max_message;
    return 0;
}

int cc_ws_client_set_recv_buffer(cc_ws_client *c, int bytes)
{
    if (bytes < 0)
        return -EINVAL;
    c->rcvbuf = bytes;
    return 0;
}

int cc_ws_client_set_token(cc_ws_client *c, const char *token)
{
    if (!token) {
        wipe(c->token, sizeof c->token);
        return 0;
    }
    size_t len = strnlen(token, CC_TOKEN_MAX + 1);
    if (!cc_token_valid(token, len))
        return -EINVAL;
    memcpy(c->token, token, len + 1);
    return 0;
}

int cc_ws_client_http_status(const cc_ws_client *c)
{
    return c->http_status;
}

static int reset_ws(cc_ws_client *c)
{
    static const struct wslay_event_callbacks callbacks = {
        .recv_callback = ws_recv_cb,
        .send_callback = ws_send_cb,
        .genmask_callback = ws_genmask_cb,
        .on_msg_recv_callback = ws_msg_cb,
    };
    wslay_event_context_free(c->ws);
    c->ws = NULL;
    if (wslay_event_context_client_init(&c->ws, &callbacks, c) != 0)
        return -ENOMEM;
    /* wslay sees text and control frames only; the splitter checks first. */
    wslay_event_config_set_max_recv_msg_length(c->ws, c->max_text);
    c->rx = RX_HEADER;
    c->hdr_len = 0;
    c->msg_len = 0;
    c->in_binary = c->in_text = false;
    c->text_len = 0;
    c->head_len = 0;
    c->http_status = 0;
    c->have_result = false;
    c->code = 0;
    c->reason[0] = '\0';
    return 0;
}

int cc_ws_client_connect(cc_ws_client *c, const char *url)
{
    if (c->st != ST_IDLE)
        return -EALREADY;
    int rc = cc_ws_url_parse(url, c->host, sizeof c->host, &c->port, c->path,
                             sizeof c->path);
    if (rc < 0)
        return rc;
    c->detached = false;
    rc = reset_ws(c);
    if (rc < 0)
        return rc;
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)c->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    c->gai.data = c;
    rc = uv_getaddrinfo(c->loop, &c->gai, on_resolved, c->host, service, &hints);
    if (rc < 0)
        return rc;
    c->resolving = true;
    c->st = ST_RESOLVING;
    uv_timer_init(c->loop, &c->timer);
    c->timer.data = c;
    c->open_handles = 1;
    uv_timer_start(&c->timer, on_timer, CONNECT_MS, 0);
    return 0;
}

int cc_ws_client_send_text(cc_ws_client *c, const char *text)
{
    if (c->st != ST_OPEN)
        return -ENOTCONN;
    struct wslay_event_msg msg = {WSLAY_TEXT_FRAME, (const uint8_t *)text,
                                  strlen(text)};
    int rc = wslay_event_queue_msg(c->ws, &msg);
    if (rc != 0)
        return rc == WSLAY_ERR_NOMEM ? -ENOMEM : -EPIPE;
    ws_flush(c);
    return 0;
}

int cc_ws_client_send_ack(cc_ws_client *c, uint64_t seq)
{
    char msg[64];
    snprintf(msg, sizeof msg, "{\"type\":\"ack\",\"seq\":%" PRIu64 "}", seq);
    return cc_ws_client_send_text(c, msg);
}

void cc_ws_client_set_reading(cc_ws_client *c, bool reading)
{
    c->reading = reading;
    if (c->st == ST_OPEN)
        apply_reading(c);
}

void cc_ws_client_close(cc_ws_client *c, uint16_t code)
{
    if (c->st == ST_RESOLVING || c->st == ST_CONNECTING || c->st == ST_HANDSHAKE) {
        set_result(c, 0, "closed before the connection was open");
        teardown(c);
        return;
    }
    if (c->st != ST_OPEN)
        return;
    c->st = ST_CLOSING;
    wslay_event_queue_close(c->ws, code, NULL, 0);
    if (!c->detached)
        uv_timer_start(&c->timer, on_timer, CLOSE_MS, 0);
    apply_reading(c);
    progress(c);
}

void cc_ws_client_free(cc_ws_client *c)
{
    if (!c)
        return;
    /* Handles still open would point into freed memory. */
    assert(c->st == ST_IDLE && c->open_handles == 0 && !c->resolving);
    wslay_event_context_free(c->ws);
    cc_ws_sendbuf_destroy(&c->out);
    cc_ws_sendbuf_destroy(&c->sent);
    free(c->msg);
    free(c->text);
    wipe(c->token, sizeof c->token);
    free(c);
}

/* ---- without a socket (ws_client_internal.h) ---- */

int cc_ws_client_open_detached(cc_ws_client *c)
{
    if (c->st != ST_IDLE)
        return -EALREADY;
    int rc = reset_ws(c);
    if (rc < 0)
        return rc;
    c->detached = true;
    c->sent.len = 0;
    c->http_status = 101;
    c->st = ST_OPEN;
    if (c->cb.on_open)
        c->cb.on_open(c, c->arg);
    return 0;
}

void cc_ws_client_receive(cc_ws_client *c, const uint8_t *data, size_t len)
{
    if (!c->detached)
        return;
    if (c->st == ST_OPEN || c->st == ST_CLOSING)
        ws_receive(c, data, len);
    maybe_report(c); /* last: on_close may free c */
}

void cc_ws_client_end_detached(cc_ws_client *c)
{
    if (!c->detached)
        return;
    set_result(c, 0, "%s", "detached client ended");
    teardown(c);
    maybe_report(c);
}

const uint8_t *cc_ws_client_sent(const cc_ws_client *c, size_t *len)
{
    *len = c->sent.len;
    return c->sent.data;
}
