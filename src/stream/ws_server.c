#include "ws_server.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <wslay/wslay.h>

#include "camcast/framebundle.h"
#include "camcast/ws_feed.h"
#include "camcast/ws_guard.h"
#include "camcast/ws_sendbuf.h"
#include "assets.h"
#include "control.h"
#include "group.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "version.h"

#define MAX_HEAD 8192            /* request head larger than this: 431 */
#define READ_BUF 16384           /* per-connection read buffer */
#define MAX_CONTROL_MSG 4096     /* a control message is small JSON */
#define MAX_CONTROL_BACKLOG 65536 /* replies written but not yet sent */
#define BUNDLES_IN_FLIGHT 2
#define CLOSE_GRACE_MS 2000      /* time for the last bytes before a hard close */
#define KEEPALIVE_S 30           /* TCP keepalive: a vanished peer is noticed */
#define EPISODE_NS (10 * UINT64_C(1000000000)) /* quiet time that ends an episode */
#define RETRY_AFTER "Retry-After: 5\r\n"
#define CLOSE_POLICY 1008        /* RFC 6455 7.4.1: policy violation */
typedef enum conn_state { CONN_HTTP, CONN_WS } conn_state;

typedef struct client client;

/* A bundle write in flight: header storage and the reference it holds. */
typedef struct bundle_write {
    uv_write_t req;
    uint8_t hdr[10];
    cc_bundle *bundle;
    client *c;
} bundle_write;

/* Bytes wslay framed (hello, pongs, errors, close), sent as one write. */
typedef struct control_write {
    uv_write_t req;
    client *c;
    size_t len;
    uint8_t data[];
} control_write;

/* A limit that bites logs once per episode (its first hit after
 * EPISODE_NS without one), not once per connection; /stats counts all. */
typedef struct episode {
    uint64_t last_ns;
} episode;

struct client {
    uv_tcp_t tcp;
    uv_timer_t timer; /* handshake deadline, then close deadline */
    uv_shutdown_t shutdown;
    cc_server *srv;
    client *prev, *next;
    uint64_t id;
    char peer[64];  /* "address:port", for logs */
    char addr[48];  /* the address alone, for the per-address cap */
    conn_state state;
    bool closing;
    int open_handles;
    char reason[96];
    uint64_t since_ns;

    cc_http_request http;
    char response[1024];

    wslay_event_context_ptr ws;
    cc_ws_feed in;       /* received bytes not yet given to wslay */
    cc_ws_guard guard;   /* frame rules wslay answers badly (1002) */
    cc_ws_sendbuf out;   /* frames being assembled by wslay_event_send */
    size_t ctl_backlog;  /* control bytes written, not yet completed */
    cc_group *group;     /* its cameras and rate: the bundles it shares */

    bundle_write writes[BUNDLES_IN_FLIGHT];
    unsigned in_flight;
    uint64_t bundles_sent, bundles_skipped;
    uint64_t stalled_since_ns; /* first skip since a bundle went out; 0: none */

    uint8_t rbuf[READ_BUF];
};

struct cc_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    bool listening;
    const cc_server_config *cfg;
    cc_hello_fn hello;
    void *hello_arg;
    size_t n_cameras;
    uint64_t all_cameras;
    client *clients;
    size_t n_ws, n_http;
    uint64_t next_id;
    cc_group_set groups;
    cc_page_fn page;
    void *page_arg;
    cc_server_counters counters;
    episode ep_evict, ep_full, ep_per_address, ep_token, ep_origin, ep_host, ep_stall,
        ep_congestion;
    bool shutting_down;
    void (*shutdown_done)(void *);
    void *shutdown_arg;
};

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* True when a limit's hit starts an episode: the one to log. */
static bool episode_starts(episode *e)
{
    uint64_t now = realtime_ns();
    bool starts = e->last_ns == 0 || now - e->last_ns > EPISODE_NS;
    e->last_ns = now;
    return starts;
}

/* The subscription mask of every camera. */
static uint64_t all_of(size_t n)
{
    return n >= 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;
}

/* ---- connection lifetime ---- */

static void maybe_shutdown_done(cc_server *s)
{
    if (s->shutting_down && !s->clients && !s->listening && s->shutdown_done) {
        void (*done)(void *) = s->shutdown_done;
        s->shutdown_done = NULL;
        done(s->shutdown_arg);
    }
}

static void client_free(client *c)
{
    cc_server *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->state == CONN_WS) {
        s->n_ws--;
        cc_group_leave(&s->groups, c->group);
        double secs = (double)(realtime_ns() - c->since_ns) / 1e9;
        cc_info("client #%" PRIu64 " %s disconnected: %s (%.1f s, %" PRIu64
                " bundles sent, %" PRIu64 " skipped; %zu clients)",
                c->id, c->peer, c->reason, secs, c->bundles_sent,
                c->bundles_skipped, s->n_ws);
        wslay_event_context_free(c->ws);
    } else {
        s->n_http--;
        cc_debug("connection #%" PRIu64 " %s closed: %s", c->id, c->peer, c->reason);
    }
    cc_ws_sendbuf_free(&c->out);
    free(c);
    maybe_shutdown_done(s);
}

static void on_handle_closed(uv_handle_t *h)
{
    client *c = h->data;
    if (--c->open_handles == 0)
        client_free(c);
}

static void close_handles(client *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    if (!uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    close_handles(req->data);
}

static void on_close_deadline(uv_timer_t *t)
{
    close_handles(t->data);
}

/* Lets queued bytes (a close frame, an error response) go out, then closes;
 * a peer that does not read gets CLOSE_GRACE_MS. */
static void client_close(client *c, const char *reason)
{
    if (c->closing)
        return;
    c->closing = true;
    if (reason != c->reason)
        snprintf(c->reason, sizeof c->reason, "%s", reason);
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_timer_start(&c->timer, on_close_deadline, CLOSE_GRACE_MS, 0);
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
        close_handles(c);
}

/* ---- writes ---- */

static void on_control_written(uv_write_t *req, int status)
{
    control_write *w = req->data;
    client *c = w->c;
    c->ctl_backlog -= w->len;
    free(w);
    if (status < 0)
        client_close(c, uv_strerror(status));
}

static void write_control(client *c, const void *data, size_t len)
{
    control_write *w = malloc(sizeof *w + len);
    if (!w) {
        client_close(c, "out of memory");
        return;
    }
    w->req.data = w;
    w->c = c;
    w->len = len;
    memcpy(w->data, data, len);
    uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)len);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_control_written);
    if (rc < 0) {
        free(w);
        client_close(c, uv_strerror(rc));
        return;
    }
    c->ctl_backlog += len;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data,
                          size_t len, int flags, void *user)
{
    (void)flags;
    client *c = user;
    if (cc_ws_sendbuf_append(&c->out, data, len) < 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

/* Frames everything wslay has queued and writes it in one go. Whole frames
 * only, so bundle frames never land inside a control frame. */
static void ws_flush(client *c)
{
    if (c->closing || !wslay_event_want_write(c->ws))
        return;
    c->out.len = 0;
    int rc = wslay_event_send(c->ws);
    if (c->out.len > 0)
        write_control(c, c->out.data, c->out.len);
    if (rc < 0)
        client_close(c, "websocket send failed");
    else if (c->ctl_backlog > MAX_CONTROL_BACKLOG)
        client_close(c, "not reading its replies");
}

static void queue_text(client *c, const char *text)
{
    struct wslay_event_msg msg = {WSLAY_TEXT_FRAME, (const uint8_t *)text, strlen(text)};
    int rc = wslay_event_queue_msg(c->ws, &msg);
    /* NO_MORE_MSG: a close is queued, nothing more goes out. */
    if (rc != 0 && rc != WSLAY_ERR_NO_MORE_MSG)
        client_close(c, "out of memory for a reply");
}

static void on_bundle_written(uv_write_t *req, int status)
{
    bundle_write *w = req->data;
    client *c = w->c;
    cc_bundle_unref(w->bundle);
    w->bundle = NULL;
    c->in_flight--;
    c->stalled_since_ns = 0;
    if (status < 0)
        client_close(c, uv_strerror(status));
}

/* Server-to-client frames are unmasked: FIN + binary opcode, then the
 * length in 1, 2 or 8 bytes (RFC 6455 section 5.2). */
static size_t ws_binary_header(uint8_t hdr[10], uint64_t len)
{
    hdr[0] = 0x82;
    if (len < 126) {
        hdr[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xffff) {
        hdr[1] = 126;
        hdr[2] = (uint8_t)(len >> 8);
        hdr[3] = (uint8_t)len;
        return 4;
    }
    hdr[1] = 127;
    for (int i = 0; i < 8; i++)
        hdr[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    return 10;
}

static void send_bundle(client *c, cc_bundle *b)
{
    bundle_write *w = NULL;
    for (unsigned i = 0; i < BUNDLES_IN_FLIGHT && !w; i++)
        if (!c->writes[i].bundle)
            w = &c->writes[i];
    size_t hlen = ws_binary_header(w->hdr, b->len);
    uv_buf_t bufs[2] = {
        uv_buf_init((char *)w->hdr, (unsigned)hlen),
        uv_buf_init((char *)b->data, (unsigned)b->len),
    };
    w->req.data = w;
    w->c = c;
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, bufs, 2, on_bundle_written);
    if (rc < 0) {
        client_close(c, uv_strerror(rc));
        return;
    }
    cc_bundle_ref(b);
    w->bundle = b;
    c->in_flight++;
    c->bundles_sent++;
}

/* ---- WebSocket messages from the client ---- */

/* Queues a {"type":"error"} reply; with no memory for it, none. */
static void queue_error(client *c, const char *message)
{
    char *reply = cc_control_error_new(message);
    if (reply)
        queue_text(c, reply);
    free(reply);
}

/* Moves c to the group of its new settings; the keys the message left out
 * keep theirs. A subscribe that cannot be honoured changes nothing. */
static void subscribe(client *c, const cc_control *ctl)
{
    unsigned variant = c->group->variant;
    if (ctl->has_variant) {
        int v = strcmp(ctl->variant, "full") == 0
                    ? 0 : cc_variant_find(c->srv->cfg, ctl->variant) + 1;
        if (v <= 0 && strcmp(ctl->variant, "full") != 0) {
            char shown[CC_CONTROL_TYPE_SHOWN + 1], err[96];
            cc_control_quote(ctl->variant, shown, sizeof shown);
            snprintf(err, sizeof err, "subscribe: no variant \"%s\" (see the hello)", shown);
            queue_error(c, err);
            return;
        }
        variant = (unsigned)v;
    }
    uint64_t mask = ctl->has_cameras ? ctl->cameras : c->group->mask;
    double fps = ctl->has_max_fps ? cc_group_rate(ctl->max_fps, c->srv->cfg->stream_fps)
                                  : c->group->max_fps;
    cc_group *g = cc_group_join(&c->srv->groups, mask, fps, variant);
    if (!g) {
        queue_error(c, "subscribe: out of memory");
        return;
    }
    cc_group_leave(&c->srv->groups, c->group);
    c->group = g;
}

static void handle_control(client *c, const uint8_t *msg, size_t len)
{
    char err[160], pong[64];
    cc_control ctl;
    if (cc_control_parse((const char *)msg, len, c->srv->n_cameras, &ctl, err,
                         sizeof err) < 0) {
        cc_debug("client #%" PRIu64 ": %s", c->id, err);
        queue_error(c, err);
    } else if (ctl.type == CC_CONTROL_PING) {
        if (cc_control_pong(pong, sizeof pong, realtime_ns()) > 0)
            queue_text(c, pong);
    } else {
        subscribe(c, &ctl);
    }
}

static void ws_msg_cb(wslay_event_context_ptr ctx,
                      const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    (void)ctx;
    client *c = user;
    switch (arg->opcode) {
    case WSLAY_TEXT_FRAME:
        handle_control(c, arg->msg, arg->msg_length);
        break;
    case WSLAY_BINARY_FRAME:
        queue_error(c, "binary messages are not accepted");
        break;
    case WSLAY_CONNECTION_CLOSE:
        snprintf(c->reason, sizeof c->reason, "closed by client (%u)",
                 (unsigned)arg->status_code);
        break;
    default:
        break; /* ping: wslay queues the pong itself */
    }
}

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
                          int flags, void *user)
{
    (void)flags;
    client *c = user;
    return cc_ws_feed_read(&c->in, ctx, buf, len);
}

/* Close with code and reason, then the connection. */
static void ws_fail(client *c, uint16_t code, const char *why)
{
    if (c->closing)
        return;
    wslay_event_queue_close(c->ws, code, (const uint8_t *)why, strlen(why));
    ws_flush(c);
    char reason[96];
    snprintf(reason, sizeof reason, "%s (%u)", why, (unsigned)code);
    client_close(c, reason);
}

static void ws_receive(client *c, const uint8_t *data, size_t len)
{
    size_t ok = cc_ws_guard_scan(&c->guard, data, len);
    c->in = (cc_ws_feed){data, ok};
    int rc = ok > 0 ? wslay_event_recv(c->ws) : 0;
    ws_flush(c);
    if (c->guard.code && rc == 0 && !c->closing) {
        c->srv->counters.protocol_errors++;
        ws_fail(c, (uint16_t)c->guard.code, c->guard.why);
    } else if (rc < 0) {
        c->srv->counters.protocol_errors++;
        client_close(c, "websocket protocol error");
    } else if (!wslay_event_want_read(c->ws) && !wslay_event_want_write(c->ws)) {
        /* Close handshake done (either side started it). */
        client_close(c, c->reason[0] ? c->reason : "protocol error");
    }
}

/* ---- HTTP ---- */

static void http_reply(client *c, int status, const char *extra, const char *body)
{
    int n = cc_http_response(c->response, sizeof c->response, status, extra, body);
    if (n > 0)
        write_control(c, c->response, (size_t)n);
    char reason[64];
    snprintf(reason, sizeof reason, "HTTP %d %s", status, cc_http_reason(status));
    client_close(c, reason);
}

static unsigned clients_from(const cc_server *s, const char *addr)
{
    unsigned n = 0;
    for (const client *o = s->clients; o; o = o->next)
        n += o->state == CONN_WS && !o->closing && strcmp(o->addr, addr) == 0;
    return n;
}

static int ws_start(client *c)
{
    static const struct wslay_event_callbacks callbacks = {
        .recv_callback = ws_recv_cb,
        .send_callback = ws_send_cb,
        .on_msg_recv_callback = ws_msg_cb,
    };
    if (wslay_event_context_server_init(&c->ws, &callbacks, c) != 0)
        return -ENOMEM;
    wslay_event_config_set_max_recv_msg_length(c->ws, MAX_CONTROL_MSG);
    return 0;
}

static void upgrade(client *c)
{
    cc_server *s = c->srv;
    char accept[CC_WS_ACCEPT_LEN + 1];
    if (cc_ws_accept(c->http.ws_key, accept) < 0) {
        http_reply(c, 400, "", "missing or invalid Sec-WebSocket-Key\n");
        return;
    }
    if (s->n_ws >= s->cfg->max_clients) {
        s->counters.refused_full++;
        if (episode_starts(&s->ep_full))
            cc_warn("max_clients (%u) reached: new viewers get 503 (counted in /stats)",
                    s->cfg->max_clients);
        http_reply(c, 503, RETRY_AFTER, "too many clients\n");
        return;
    }
    if (s->cfg->max_clients_per_address &&
        clients_from(s, c->addr) >= s->cfg->max_clients_per_address) {
        s->counters.refused_per_address++;
        if (episode_starts(&s->ep_per_address))
            cc_warn("max_clients_per_address (%u) reached by %s: its new connections "
                    "get 503 (counted in /stats)",
                    s->cfg->max_clients_per_address,
                    s->cfg->expose_client_addresses ? c->addr : "an address");
        http_reply(c, 503, RETRY_AFTER, "too many clients from this address\n");
        return;
    }
    /* Built now, so it tells which cameras are online now. */
    char *hello = s->hello(s->hello_arg);
    cc_group *g = hello ? cc_group_join(&s->groups, s->all_cameras, 0, 0) : NULL;
    if (!g || ws_start(c) < 0) {
        free(hello);
        cc_group_leave(&s->groups, g);
        http_reply(c, 500, "", "out of memory\n");
        return;
    }
    int n = snprintf(c->response, sizeof c->response,
                     "HTTP/1.1 101 Switching Protocols\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n"
                     "Server: camcastd/" CC_VERSION "\r\n\r\n",
                     accept);
    uv_timer_stop(&c->timer);
    s->n_http--;
    s->n_ws++;
    c->state = CONN_WS;
    cc_ws_guard_init(&c->guard);
    c->group = g;
    c->since_ns = realtime_ns();
    cc_info("client #%" PRIu64 " %s connected to %s (%zu clients)", c->id, c->peer,
            c->http.path, s->n_ws);
    write_control(c, c->response, (size_t)n);
    queue_text(c, hello);
    free(hello);
    ws_flush(c);
}

/* A write of bytes that live as long as the program (embedded assets):
 * nothing copied. */
static void on_static_written(uv_write_t *req, int status)
{
    client *c = req->data;
    free(req);
    if (status < 0)
        client_close(c, uv_strerror(status));
}

static void write_static(client *c, const void *data, size_t len)
{
    uv_write_t *req = malloc(sizeof *req);
    if (!req) {
        client_close(c, "out of memory");
        return;
    }
    req->data = c;
    uv_buf_t buf = uv_buf_init((char *)data, (unsigned)len);
    int rc = uv_write(req, (uv_stream_t *)&c->tcp, &buf, 1, on_static_written);
    if (rc < 0) {
        free(req);
        client_close(c, uv_strerror(rc));
    }
}

/* An embedded file: 304 when the client has it, gzip when it takes it. */
static void serve_asset(client *c, const cc_asset *a)
{
    bool no_store = c->http.has_query;
    if (strcmp(c->http.if_none_match, a->etag) == 0) {
        int n = cc_http_asset_head(c->response, sizeof c->response, 304, a, false, no_store);
        if (n > 0)
            write_control(c, c->response, (size_t)n);
    } else {
        bool gz = a->gzip && c->http.accepts_gzip;
        int n = cc_http_asset_head(c->response, sizeof c->response, 200, a, gz, no_store);
        if (n > 0) {
            write_control(c, c->response, (size_t)n);
            write_static(c, gz ? a->gzip : a->data, gz ? a->gzip_len : a->len);
        }
    }
    char reason[96];
    snprintf(reason, sizeof reason, "HTTP asset %.60s", a->path);
    client_close(c, reason);
}

/* A page from the daemon: head and body written as they are, then close. */
static void serve_page(client *c)
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
        http_reply(c, 404, "", "not found\n");
        return;
    }
    size_t len = page.body ? strlen(page.body) : 0;
    int n = cc_http_head(c->response, sizeof c->response, page.status,
                         page.content_type, len, "");
    if (n > 0) {
        write_control(c, c->response, (size_t)n);
        if (len > 0)
            write_control(c, page.body, len);
    }
    free(page.body);
    char reason[96];
    snprintf(reason, sizeof reason, "HTTP %d for %.60s", page.status, c->http.path);
    client_close(c, reason);
}

/* Counts an access refusal; logs the first of an episode. The token is
 * never logged, given or expected; a Host is, quoted plain (it names what
 * to add to server_names). */
static void count_refusal(client *c, const char *refusal)
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
    if (episode_starts(token ? &s->ep_token : host ? &s->ep_host : &s->ep_origin))
        cc_warn("refused %s: %s (further refusals counted in /stats)", c->peer, why);
}

static void route(client *c)
{
    cc_route r;
    cc_route_decide(&c->http, c->srv->cfg, &r);
    if (r.refusal)
        count_refusal(c, r.refusal);
    if (r.action == CC_ROUTE_PAGE)
        serve_page(c);
    else if (r.action == CC_ROUTE_UPGRADE)
        upgrade(c);
    else
        http_reply(c, r.status, r.headers, r.body);
}

static void http_receive(client *c, const char *data, size_t len)
{
    ssize_t used = cc_http_request_feed(&c->http, data, len);
    if (used < 0) {
        http_reply(c, c->http.error_status, "",
                   c->http.error_status == 431 ? "request header too large\n"
                                               : "bad request\n");
        return;
    }
    if (!c->http.complete)
        return;
    route(c);
    /* Frames sent right behind the request head belong to the WebSocket. */
    if (c->state == CONN_WS && !c->closing && (size_t)used < len)
        ws_receive(c, (const uint8_t *)data + used, len - (size_t)used);
}

/* ---- libuv plumbing ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    client *c = h->data;
    *buf = uv_buf_init((char *)c->rbuf, sizeof c->rbuf);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    client *c = stream->data;
    if (nread == 0 || c->closing)
        return;
    if (nread < 0) {
        const char *why = nread == UV_EOF ? "connection closed by client"
                                          : uv_strerror((int)nread);
        close_handles(c);
        if (!c->reason[0])
            snprintf(c->reason, sizeof c->reason, "%s", why);
        c->closing = true;
        return;
    }
    if (c->state == CONN_HTTP)
        http_receive(c, buf->base, (size_t)nread);
    else
        ws_receive(c, (const uint8_t *)buf->base, (size_t)nread);
}

static void on_handshake_deadline(uv_timer_t *t)
{
    client *c = t->data;
    c->srv->counters.handshake_timeouts++;
    http_reply(c, 408, "", "request head not received in time\n");
}

static void peer_name(uv_tcp_t *tcp, char *out, size_t cap, char *addr, size_t addr_cap)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        }
    }
    snprintf(out, cap, "%s:%d", host, port);
    snprintf(addr, addr_cap, "%s", host);
}

/* The oldest connection that has not finished its request head. The list
 * is newest first, so it is the last such. */
static client *oldest_pending(cc_server *s, const client *except)
{
    client *found = NULL;
    for (client *c = s->clients; c; c = c->next)
        if (c->state == CONN_HTTP && !c->closing && c != except)
            found = c;
    return found;
}

/* Idle sockets must not lock viewers out: at the cap, a new connection
 * takes the place of the oldest one still sending its request head. */
static void evict_oldest_pending(cc_server *s, client *newcomer)
{
    client *old = oldest_pending(s, newcomer);
    if (!old)
        return;
    s->counters.evicted_pending++;
    if (episode_starts(&s->ep_evict))
        cc_warn("max_pending (%u) connections without a complete request: closing "
                "the oldest for each new one (counted in /stats)",
                s->cfg->max_pending);
    snprintf(old->reason, sizeof old->reason, "evicted: request head incomplete");
    old->closing = true;
    uv_read_stop((uv_stream_t *)&old->tcp);
    close_handles(old);
}

/* tcp_congestion: bbr paces, which costs CPU on loopback and can help on
 * a real network (docs/performance.md). A name the kernel lacks is logged
 * once per episode and the system's stays. */
static void set_congestion(client *c)
{
    const char *name = c->srv->cfg->tcp_congestion;
    uv_os_fd_t fd;
    if (!name[0] || uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0)
        return;
    if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, (socklen_t)strlen(name)) < 0 &&
        episode_starts(&c->srv->ep_congestion))
        cc_warn("tcp_congestion '%s': %s (the system's is used)", name, strerror(errno));
}

/* Socket options; a failure costs a feature, not the connection. */
static void tune_socket(client *c)
{
    int rc = uv_tcp_nodelay(&c->tcp, 1);
    if (rc == 0)
        rc = uv_tcp_keepalive(&c->tcp, 1, KEEPALIVE_S);
    if (rc < 0)
        cc_debug("connection #%" PRIu64 ": socket options: %s", c->id, uv_strerror(rc));
    set_congestion(c);
}

/* Connections still sending their request head (closing ones are on
 * their way out and do not count). */
static size_t pending_count(const cc_server *s)
{
    size_t n = 0;
    for (const client *c = s->clients; c; c = c->next)
        n += c->state == CONN_HTTP && !c->closing;
    return n;
}

static void on_connection(uv_stream_t *listener, int status)
{
    cc_server *s = listener->data;
    if (status < 0) {
        cc_warn("accept: %s", uv_strerror(status));
        return;
    }
    client *c = calloc(1, sizeof *c);
    if (!c) {
        cc_warn("accept: out of memory");
        return;
    }
    c->srv = s;
    c->id = ++s->next_id;
    c->tcp.data = c;
    c->timer.data = c;
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->timer);
    c->open_handles = 2;
    c->next = s->clients;
    if (s->clients)
        s->clients->prev = c;
    s->clients = c;
    s->n_http++;
    int rc = uv_accept(listener, (uv_stream_t *)&c->tcp);
    if (rc < 0) {
        snprintf(c->reason, sizeof c->reason, "accept: %s", uv_strerror(rc));
        c->closing = true;
        close_handles(c);
        return;
    }
    peer_name(&c->tcp, c->peer, sizeof c->peer, c->addr, sizeof c->addr);
    if (pending_count(s) > s->cfg->max_pending)
        evict_oldest_pending(s, c);
    tune_socket(c);
    cc_http_request_init(&c->http, MAX_HEAD);
    uint64_t ms = (uint64_t)(s->cfg->handshake_timeout_s * 1000);
    rc = uv_timer_start(&c->timer, on_handshake_deadline, ms, 0);
    if (rc == 0)
        rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc < 0) {
        snprintf(c->reason, sizeof c->reason, "start: %s", uv_strerror(rc));
        c->closing = true;
        close_handles(c);
    }
}

/* ---- fan-out ---- */

/* Bytes written to c that have not left this host: libuv's queue and the
 * kernel's unsent part of the socket (SIOCOUTQNSD; data sent and not yet
 * acknowledged is on its way and does not count). */
static size_t unsent_bytes(client *c)
{
    size_t queued = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
    uv_os_fd_t fd;
    int kernel = 0;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 && ioctl(fd, SIOCOUTQNSD, &kernel) < 0)
        kernel = 0;
    return queued + (size_t)(kernel > 0 ? kernel : 0);
}

/* Newest wins down to the socket: a client still holding more than the
 * bound of earlier bundles unsent is skipped, so what it gets next is
 * fresh instead of queued behind them. The bound: send_queue_bound, or by
 * default half of this bundle (a client at half the stream's bytes/s then
 * gets every other bundle, each as fresh as its link allows). */
static bool behind(client *c, size_t bundle_len)
{
    if (c->in_flight >= BUNDLES_IN_FLIGHT)
        return true;
    size_t bound = c->srv->cfg->send_queue_bound;
    if (bound == 0)
        bound = bundle_len / 2;
    return unsent_bytes(c) > bound;
}

/* A client that has taken no bundle for stall_timeout is not reading: its
 * slot goes back to the pool (1008). */
static void check_stall(client *c)
{
    cc_server *s = c->srv;
    uint64_t now = realtime_ns();
    if (c->stalled_since_ns == 0) {
        c->stalled_since_ns = now;
        return;
    }
    double limit = s->cfg->stall_timeout_s;
    if (limit <= 0 || (double)(now - c->stalled_since_ns) < limit * 1e9)
        return;
    s->counters.closed_stalled++;
    if (episode_starts(&s->ep_stall))
        cc_warn("client #%" PRIu64 " read nothing for %.0f s: closing it (1008); "
                "further ones counted in /stats",
                c->id, limit);
    ws_fail(c, CLOSE_POLICY, "not reading");
}

void cc_server_plan_tick(cc_server *s, uint64_t *due, uint64_t *held, size_t n_variants)
{
    cc_group_plan(&s->groups, due, held, n_variants, s->cfg->stream_fps);
}

void cc_server_broadcast(cc_server *s, cc_bundle *const *b, size_t n_variants)
{
    cc_group_tick(&s->groups, b, n_variants);
    for (client *c = s->clients; c; c = c->next) {
        if (c->state != CONN_WS || c->closing || wslay_event_get_close_sent(c->ws))
            continue;
        cc_bundle *mine = c->group->now;
        if (!mine && !c->group->failed)
            continue; /* not a tick of its rate */
        if (!mine || behind(c, mine->len)) {
            c->bundles_skipped++;
            check_stall(c);
            continue;
        }
        send_bundle(c, mine);
    }
    cc_group_tick_end(&s->groups);
}

/* ---- server ---- */

int cc_server_new(cc_server **out, uv_loop_t *loop, const cc_server_config *cfg,
                  cc_hello_fn hello, void *hello_arg, size_t n_cameras)
{
    cc_server *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->hello = hello;
    s->hello_arg = hello_arg;
    s->loop = loop;
    s->cfg = cfg;
    s->n_cameras = n_cameras;
    s->all_cameras = all_of(n_cameras);
    cc_group_set_init(&s->groups);
    *out = s;
    return 0;
}

static int bind_addr(const cc_server_config *cfg, struct sockaddr_storage *ss)
{
    if (strchr(cfg->listen, ':'))
        return uv_ip6_addr(cfg->listen, cfg->port, (struct sockaddr_in6 *)ss);
    return uv_ip4_addr(cfg->listen, cfg->port, (struct sockaddr_in *)ss);
}

int cc_server_listen(cc_server *s, char *url, size_t cap)
{
    struct sockaddr_storage ss;
    int rc = bind_addr(s->cfg, &ss);
    if (rc < 0)
        return rc;
    uv_tcp_init(s->loop, &s->listener);
    s->listener.data = s;
    s->listening = true;
    rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
    if (rc < 0)
        return rc;
    int len = sizeof ss;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len);
    int port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
    bool v6 = strchr(s->cfg->listen, ':') != NULL;
    snprintf(url, cap, "ws://%s%s%s:%d/stream", v6 ? "[" : "", s->cfg->listen,
             v6 ? "]" : "", port);
    return 0;
}

/* Close 1001, then the connection. */
static void going_away(client *c, const char *why)
{
    if (c->closing)
        return;
    if (c->state == CONN_WS) {
        wslay_event_queue_close(c->ws, WSLAY_CODE_GOING_AWAY, (const uint8_t *)why,
                                strlen(why));
        ws_flush(c);
    }
    client_close(c, why);
}

static void on_listener_closed(uv_handle_t *h)
{
    cc_server *s = h->data;
    s->listening = false;
    maybe_shutdown_done(s);
}

void cc_server_shutdown(cc_server *s, void (*done)(void *), void *arg)
{
    s->shutting_down = true;
    s->shutdown_done = done;
    s->shutdown_arg = arg;
    if (s->listening && !uv_is_closing((uv_handle_t *)&s->listener))
        uv_close((uv_handle_t *)&s->listener, on_listener_closed);
    for (client *c = s->clients; c; c = c->next)
        going_away(c, "server shutting down");
    maybe_shutdown_done(s);
}

/* A subscription in the old camera indexes, in the new ones. */
static uint64_t remap(uint64_t mask, const int *old_to_new, size_t n_old)
{
    uint64_t out = 0;
    for (size_t i = 0; i < n_old; i++)
        if ((mask & (UINT64_C(1) << i)) && old_to_new[i] >= 0)
            out |= UINT64_C(1) << old_to_new[i];
    return out;
}

typedef struct remapping {
    uint64_t old_all, new_all;
    const int *old_to_new;
    size_t n_old;
} remapping;

/* Every camera stays every camera; a subset follows its cameras. */
static uint64_t remapped(uint64_t old, void *arg)
{
    const remapping *r = arg;
    return old == r->old_all ? r->new_all : remap(old, r->old_to_new, r->n_old);
}

void cc_server_cameras_changed(cc_server *s, size_t n_cameras, const int *old_to_new,
                               size_t n_old)
{
    remapping r = {s->all_cameras, all_of(n_cameras), old_to_new, n_old};
    s->n_cameras = n_cameras;
    s->all_cameras = r.new_all;
    char *hello = s->hello(s->hello_arg);
    for (client *c = s->clients; c; c = c->next) {
        if (c->state != CONN_WS || c->closing)
            continue;
        if (c->group->mask != 0 && remapped(c->group->mask, &r) == 0) {
            going_away(c, "its cameras were removed by a reload");
            continue;
        }
        if (hello) {
            queue_text(c, hello);
            ws_flush(c);
        }
    }
    cc_group_remap(&s->groups, remapped, &r);
    free(hello);
}

void cc_server_variants_changed(cc_server *s, const int *old_to_new, size_t n_old)
{
    cc_group_remap_variants(&s->groups, old_to_new, n_old);
}

void cc_server_set_pages(cc_server *s, cc_page_fn fn, void *arg)
{
    s->page = fn;
    s->page_arg = arg;
}

void cc_server_foreach_client(const cc_server *s,
                              void (*fn)(const cc_client_info *info, void *arg),
                              void *arg)
{
    for (const client *c = s->clients; c; c = c->next) {
        if (c->state != CONN_WS)
            continue;
        cc_client_info info = {
            .id = c->id,
            .peer = s->cfg->expose_client_addresses ? c->peer : NULL,
            .since_ns = c->since_ns,
            .bundles_sent = c->bundles_sent,
            .bundles_skipped = c->bundles_skipped,
            .queued_bytes = uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp),
            .cameras = c->group->mask,
            .variant = c->group->variant,
            .max_fps = c->group->max_fps,
        };
        fn(&info, arg);
    }
}

size_t cc_server_client_count(const cc_server *s)
{
    return s->n_ws;
}

cc_server_counters cc_server_get_counters(const cc_server *s)
{
    cc_server_counters k = s->counters;
    k.pending = pending_count(s);
    return k;
}

void cc_server_free(cc_server *s)
{
    if (!s)
        return;
    cc_group_set_destroy(&s->groups);
    free(s);
}
