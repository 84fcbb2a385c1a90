/* The one TCP port's connections: accept, limits and eviction, socket
 * options, writes and closing; listening and shutdown. What a connection
 * says is handled by http_serve.c, then ws_session.c; the tick's bundles
 * reach clients through fanout.c (server_internal.h).
 */
#include "server.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "server_internal.h"
#include "clock.h"

#define MAX_HEAD 8192       /* request head larger than this: 431 */
#define CLOSE_GRACE_MS 2000 /* time for the last bytes before a hard close */
/* TCP keepalive: a peer that vanished while idle is noticed after the
 * first probe and KEEPALIVE_PROBES unanswered ones, a minute in all
 * (Linux's defaults, 75 s x 9 after libuv's idle time, took 12 min). */
#define KEEPALIVE_S 30
#define KEEPALIVE_INTERVAL_S 10
#define KEEPALIVE_PROBES 3
#define EPISODE_NS (10 * UINT64_C(1000000000)) /* quiet time that ends an episode */

bool cc_episode_starts(cc_episode *e)
{
    uint64_t now = cc_realtime_ns();
    bool starts = e->last_ns == 0 || now - e->last_ns > EPISODE_NS;
    e->last_ns = now;
    return starts;
}

uint64_t cc_all_cameras(size_t n)
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

static void client_free(cc_client *c)
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
        double secs = (double)(cc_realtime_ns() - c->since_ns) / 1e9;
        cc_info("client #%" PRIu64 " %s disconnected: %s (%.1f s, %" PRIu64
                " bundles sent, %" PRIu64 " skipped; %zu clients)",
                c->id, c->peer, c->reason, secs, c->bundles_sent,
                c->bundles_skipped, s->n_ws);
        cc_session_end(c);
    } else {
        s->n_http--;
        cc_api_end(c);
        cc_debug("connection #%" PRIu64 " %s closed: %s", c->id, c->peer, c->reason);
    }
    cc_ws_sendbuf_destroy(&c->out);
    free(c);
    maybe_shutdown_done(s);
}

static void on_handle_closed(uv_handle_t *h)
{
    cc_client *c = h->data;
    if (--c->open_handles == 0)
        client_free(c);
}

static void close_handles(cc_client *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    if (!uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

/* After the last bytes and our FIN, the socket stays open, reading and
 * discarding, until the peer's FIN or CLOSE_GRACE_MS: a close with unread
 * bytes (an ack or pong in flight, the peer's own close frame) sends RST,
 * and a peer that gets RST may drop what it had not yet read, our close
 * frame with it (Windows does: the viewer under Wine saw "connection reset"
 * instead of 1001). */
static void on_shutdown(uv_shutdown_t *req, int status)
{
    if (status < 0)
        close_handles(req->data);
}

static void on_close_deadline(uv_timer_t *t)
{
    close_handles(t->data);
}

void cc_client_close(cc_client *c, const char *reason)
{
    if (c->closing)
        return;
    c->closing = true;
    if (reason != c->reason)
        snprintf(c->reason, sizeof c->reason, "%s", reason);
    uv_timer_start(&c->timer, on_close_deadline, CLOSE_GRACE_MS, 0);
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
        close_handles(c);
}

/* ---- writes ---- */

/* Bytes written as one copy (replies, control frames). */
typedef struct control_write {
    uv_write_t req;
    cc_client *c;
    size_t len;
    uint8_t data[];
} control_write;

static void on_control_written(uv_write_t *req, int status)
{
    control_write *w = req->data;
    cc_client *c = w->c;
    c->ctl_backlog -= w->len;
    free(w);
    if (status < 0)
        cc_client_close(c, uv_strerror(status));
}

void cc_client_write(cc_client *c, const void *data, size_t len)
{
    control_write *w = malloc(sizeof *w + len);
    if (!w) {
        cc_client_close(c, "out of memory");
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
        cc_client_close(c, uv_strerror(rc));
        return;
    }
    c->ctl_backlog += len;
}

static void on_static_written(uv_write_t *req, int status)
{
    cc_client *c = req->data;
    free(req);
    if (status < 0)
        cc_client_close(c, uv_strerror(status));
}

void cc_client_write_static(cc_client *c, const void *data, size_t len)
{
    uv_write_t *req = malloc(sizeof *req);
    if (!req) {
        cc_client_close(c, "out of memory");
        return;
    }
    req->data = c;
    uv_buf_t buf = uv_buf_init((char *)data, (unsigned)len);
    int rc = uv_write(req, (uv_stream_t *)&c->tcp, &buf, 1, on_static_written);
    if (rc < 0) {
        free(req);
        cc_client_close(c, uv_strerror(rc));
    }
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    cc_client *c = h->data;
    *buf = uv_buf_init((char *)c->rbuf, sizeof c->rbuf);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    cc_client *c = stream->data;
    if (nread == 0)
        return;
    if (c->closing) {            /* lingering (on_shutdown): the peer's FIN ends it */
        if (nread < 0)
            close_handles(c);
        return;
    }
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
        cc_http_serve_receive(c, buf->base, (size_t)nread);
    else
        cc_session_receive(c, (const uint8_t *)buf->base, (size_t)nread);
}

static void on_handshake_deadline(uv_timer_t *t)
{
    cc_client *c = t->data;
    c->srv->counters.handshake_timeouts++;
    cc_http_serve_reply(c, 408, "", "request head not received in time\n");
}

/* ---- accepting ---- */

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
static cc_client *oldest_pending(cc_server *s, const cc_client *except)
{
    cc_client *found = NULL;
    for (cc_client *c = s->clients; c; c = c->next)
        if (c->state == CONN_HTTP && !c->closing && !c->api_waiting && c != except)
            found = c;
    return found;
}

/* Idle sockets must not lock viewers out: at the cap, a new connection
 * takes the place of the oldest one still sending its request head. */
static void evict_oldest_pending(cc_server *s, cc_client *newcomer)
{
    cc_client *old = oldest_pending(s, newcomer);
    if (!old)
        return;
    s->counters.evicted_pending++;
    if (cc_episode_starts(&s->ep_evict))
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
static void set_congestion(cc_client *c)
{
    const char *name = c->srv->cfg->tcp_congestion;
    uv_os_fd_t fd;
    if (!name[0] || uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0)
        return;
    if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, (socklen_t)strlen(name)) < 0 &&
        cc_episode_starts(&c->srv->ep_congestion))
        cc_warn("tcp_congestion '%s': %s (the system's is used)", name, strerror(errno));
}

/* Socket options; a failure costs a feature, not the connection. */
static void tune_socket(cc_client *c)
{
    int rc = uv_tcp_nodelay(&c->tcp, 1);
    if (rc == 0)
        rc = uv_tcp_keepalive(&c->tcp, 1, KEEPALIVE_S);
    uv_os_fd_t fd;
    if (rc == 0)
        rc = uv_fileno((uv_handle_t *)&c->tcp, &fd);
    int interval = KEEPALIVE_INTERVAL_S, probes = KEEPALIVE_PROBES;
    if (rc == 0 &&
        (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval) < 0 ||
         setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes) < 0))
        rc = -errno;
    if (rc < 0)
        cc_debug("connection #%" PRIu64 ": socket options: %s", c->id, uv_strerror(rc));
    set_congestion(c);
}

/* Connections still sending their request (closing ones are on their way
 * out, and /api requests waiting for a camera are bounded apart: neither
 * counts). */
static size_t pending_count(const cc_server *s)
{
    size_t n = 0;
    for (const cc_client *c = s->clients; c; c = c->next)
        n += c->state == CONN_HTTP && !c->closing && !c->api_waiting;
    return n;
}

static void on_connection(uv_stream_t *listener, int status)
{
    cc_server *s = listener->data;
    if (status < 0) {
        cc_warn("accept: %s", uv_strerror(status));
        return;
    }
    cc_client *c = calloc(1, sizeof *c);
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

/* ---- the server ---- */

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
    s->all_cameras = cc_all_cameras(n_cameras);
    cc_group_set_init(&s->groups);
    cc_fanout_init(s);
    cc_api_init(s);
    int rc = cc_camctl_init(s);
    if (rc < 0) {
        cc_group_set_destroy(&s->groups);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

cc_tick_reader *cc_server_reader(cc_server *s)
{
    return &s->reader;
}

cc_tick_reader *cc_server_snapshot_reader(cc_server *s)
{
    return &s->snaps.reader;
}

int cc_server_set_cameras(cc_server *s, cc_camera *cams, size_t n)
{
    /* Requests wait for cameras by index: those indexes are going. */
    cc_snapshots_fail_all(&s->snaps);
    return cc_camctl_set_cameras(s, cams, n);
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
    cc_camctl_close(s);
    if (s->listening && !uv_is_closing((uv_handle_t *)&s->listener))
        uv_close((uv_handle_t *)&s->listener, on_listener_closed);
    for (cc_client *c = s->clients; c; c = c->next)
        cc_session_going_away(c, "server shutting down");
    maybe_shutdown_done(s);
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
    for (const cc_client *c = s->clients; c; c = c->next) {
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
            .window = c->window.size,
            .bundles_withheld = c->bundles_withheld,
            .acks_refused = c->acks_refused,
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
    cc_camctl_free(s);
    cc_group_set_destroy(&s->groups);
    free(s);
}
