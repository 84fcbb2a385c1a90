#include "net.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "reply.h"

/* Largest bundle accepted, whatever the hello says: dozens of big cameras
 * at high JPEG quality. Each hello lowers it to what its cameras can send
 * (hold_to_hello); before one, only text is expected. */
#define MAX_MESSAGE (256u << 20)

static void on_retry(uv_timer_t *t);

static void schedule_retry(cc_net_conn *c, const char *reason)
{
    uint32_t delay = cc_reconnect_closed(&c->rc);
    cc_session_set_waiting(c->session, reason, delay, SDL_GetTicks64() + delay);
    cc_vlog_info("%soffline (%s): next attempt in %.1f s (attempt %u)", c->tag, reason,
                 delay / 1000.0, (unsigned)c->rc.attempts + 1);
    uv_timer_start(&c->retry, on_retry, delay, 0);
}

static void connect_now(cc_net_conn *c)
{
    cc_reconnect_connecting(&c->rc);
    cc_session_set_state(c->session, CC_CONN_CONNECTING);
    int rc = cc_ws_client_connect(c->client, c->url);
    if (rc < 0) {
        char reason[96];
        snprintf(reason, sizeof reason, "connect: %s", uv_strerror(rc));
        schedule_retry(c, reason);
        return;
    }
    c->active = true;
}

static void on_retry(uv_timer_t *t)
{
    cc_net_conn *c = t->data;
    if (!c->net->stopping)
        connect_now(c);
}

static void on_open(cc_ws_client *client, void *arg)
{
    (void)client;
    cc_net_conn *c = arg;
    cc_reconnect_opened(&c->rc);
    cc_session_set_state(c->session, CC_CONN_OPEN);
    /* A new connection: whether this server takes variants is to be seen
     * (a refusal holds for the connection, also across a reload's hello). */
    c->variants_off = false;
    c->hello_seen = false;
    cc_ws_client_set_max_message(c->client, CC_WS_CLIENT_MAX_TEXT);
    c->window_on = false;
    c->acked = 0;
    cc_vlog_info("%sconnected to %s", c->tag, c->url);
}

static void log_hello(const cc_net_conn *c, const cc_hello *h)
{
    cc_vlog_info("%shello from %s: %zu cameras at %.0f fps", c->tag,
                 h->server[0] ? h->server : "server", h->n_cameras, h->stream_fps);
    for (size_t i = 0; i < h->n_cameras; i++) {
        const cc_hello_camera *cam = &h->cameras[i];
        cc_vlog_info("%s  camera %u %s: %ux%u %s%s", c->tag, cam->index, cam->name,
                     (unsigned)cam->width, (unsigned)cam->height, cam->pixel_format,
                     cam->online ? "" : " (offline)");
    }
    if (h->n_variants) {
        char names[256] = "";
        size_t len = 0;
        for (size_t i = 0; i < h->n_variants && len < sizeof names; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
                                    i ? ", " : "", h->variants[i].name);
        cc_vlog_info("%s  variants: %s", c->tag, names);
    }
    if (h->n_cameras > CC_MAX_TILES)
        cc_vlog_warn("%sshowing the first %d of %zu cameras", c->tag, CC_MAX_TILES,
                     h->n_cameras);
}

/* ---- variants (protocol 1.1) ---- */

/* Asks the server for the variant the render thread wants for this
 * connection's hello, if that is not what it was asked last. */
static void sync_variant(cc_net_conn *c)
{
    if (c->rc.state != CC_CONN_STREAMING)
        return;
    char want[CC_HELLO_VARIANT_NAME_CAP];
    uint64_t gen = cc_session_wanted_variant(c->session, want);
    if (gen != c->gen || !want[0] || !strcmp(want, c->asked))
        return; /* a wish for an older hello, none yet, or asked already */
    /* After a refusal only "full" is asked for: every server has it, and a
     * camera shown alone must not stay on a variant the server kept. */
    if (c->variants_off && strcmp(want, "full") != 0)
        return;
    /* Names are [A-Za-z0-9_.-] (hello.c): nothing to escape. */
    char msg[96];
    snprintf(msg, sizeof msg, "{\"type\":\"subscribe\",\"variant\":\"%s\"}", want);
    int rc = cc_ws_client_send_text(c->client, msg);
    if (rc < 0) {
        cc_vlog_warn("%ssubscribe to variant %s: %s", c->tag, want, uv_strerror(rc));
        return; /* the connection is going; the next one asks again */
    }
    memcpy(c->prev, c->asked, sizeof c->prev);
    memcpy(c->asked, want, sizeof c->asked);
    cc_session_set_variant(c->session, want);
    cc_vlog_info("%ssubscribed to variant %s", c->tag, want);
}

/* ---- flow control (protocol 1.2) ---- */

static void ask_window(cc_net_conn *c)
{
    char msg[64];
    snprintf(msg, sizeof msg, "{\"type\":\"subscribe\",\"window\":%u}", c->window);
    if (cc_ws_client_send_text(c->client, msg) < 0)
        return; /* the connection is going; the next one asks again */
    c->window_on = true;
    cc_vlog_info("%sflow control: window %u", c->tag, c->window);
}

/* The newest bundle the decode thread took on this connection, if not
 * acknowledged yet (one ack covers those before it). */
static void send_ack(cc_net_conn *c)
{
    if (!c->window_on || c->rc.state != CC_CONN_STREAMING)
        return;
    uint64_t gen, seq;
    cc_session_taken(c->session, &gen, &seq);
    if (gen < c->conn_gen || seq <= c->acked)
        return; /* of an earlier connection, or acknowledged already */
    if (cc_ws_client_send_ack(c->client, seq) == 0)
        c->acked = seq;
}

/* An error reply while a subscribe may be pending: the server keeps its
 * previous settings, and is asked for no more variants on this connection
 * (it would refuse again, a log line per layout change). A refused window
 * means no acks on this connection. */
static void on_error_reply(cc_net_conn *c, const char *message)
{
    if (strstr(message, "\"window\"") || !strncmp(message, "ack:", 4)) {
        cc_vlog_warn("%sthe server says: %s; no flow control on this connection", c->tag,
                     message);
        c->window_on = false;
        return;
    }
    if (!strcmp(c->asked, c->prev)) {
        cc_vlog_warn("%sthe server says: %s", c->tag, message);
        return;
    }
    cc_vlog_warn("%sthe server refused variant %s (%s): it keeps %s, and is asked "
                 "for no other variant than full on this connection", c->tag,
                 c->asked, message, c->prev[0] ? c->prev : "what it sent");
    c->variants_off = true;
    memcpy(c->asked, c->prev, sizeof c->asked);
    cc_session_set_variant(c->session, c->asked);
}

/* ---- the clock (ping/pong, clock.h) ---- */

static void on_ping(uv_timer_t *t);

static void ping_later(cc_net_conn *c, uint64_t ms)
{
    uv_timer_start(&c->ping, on_ping, ms, 0);
}

static void on_ping(uv_timer_t *t)
{
    cc_net_conn *c = t->data;
    if (c->rc.state != CC_CONN_STREAMING || c->net->stopping)
        return;
    if (c->clock.waiting) { /* the pong did not come in time */
        cc_clock_ping_lost(&c->clock);
        ping_later(c, cc_clock_next_ms(&c->clock, SDL_GetTicks64()));
        return;
    }
    uint64_t sent = cc_wall_ns();
    if (cc_ws_client_send_text(c->client, "{\"type\":\"ping\"}") < 0)
        return; /* the connection is going; the next hello starts over */
    cc_clock_ping_sent(&c->clock, sent);
    ping_later(c, CC_CLOCK_PONG_TIMEOUT_MS);
}

static void on_pong(cc_net_conn *c, uint64_t server_ns)
{
    uint64_t recv = cc_wall_ns();
    if (!c->ping_clock || !c->clock.waiting)
        return; /* not asked, or counted lost already */
    cc_clock_pong(&c->clock, recv, server_ns);
    bool had = c->clock.have;
    int64_t offset = c->clock.offset_ns;
    uint64_t rtt = c->clock.rtt_ns;
    ping_later(c, cc_clock_next_ms(&c->clock, SDL_GetTicks64()));
    const cc_clock_sync *k = &c->clock;
    if (!k->have || (had && k->offset_ns == offset && k->rtt_ns == rtt))
        return;
    cc_session_set_clock(c->session, true, k->offset_ns, k->rtt_ns);
    if (!c->clock_logged)
        cc_vlog_info("%sclock offset %+.1f ms (+-%.1f ms): latency on the server's clock",
                     c->tag, (double)k->offset_ns / 1e6, (double)k->rtt_ns / 2e6);
    else
        cc_vlog_debug("%sclock offset %+.3f ms (+-%.3f ms)", c->tag,
                      (double)k->offset_ns / 1e6, (double)k->rtt_ns / 2e6);
    c->clock_logged = true;
}

/* ---- messages ---- */

/* The largest bundle h's cameras can make (every entry at its camera's
 * size, the most plausible JPEG of it), so that a server cannot make the
 * viewer buffer more than its own hello allows. Text stays at its cap. */
static void hold_to_hello(cc_net_conn *c, const cc_hello *h)
{
    size_t bound = cc_fb_bundle_size(0, 0);
    for (size_t i = 0; i < h->n_cameras; i++)
        bound = cc_fb_bound_add(bound, h->cameras[i].width, h->cameras[i].height,
                                MAX_MESSAGE);
    cc_ws_client_set_max_message(c->client, bound > CC_WS_CLIENT_MAX_TEXT
                                                ? bound : CC_WS_CLIENT_MAX_TEXT);
}

static void on_hello(cc_net_conn *c, cc_hello *h)
{
    log_hello(c, h);
    hold_to_hello(c, h);
    /* A second hello on one connection (a reload) may leave the server on
     * the variant it was sending, or not: then the next wish is sent
     * whatever it is. Without variants there is nothing to ask. */
    bool unknown = c->hello_seen && h->n_variants > 0;
    bool first = !c->hello_seen, window = h->offers_window;
    c->hello_seen = true;
    c->gen = cc_session_set_hello(c->session, h);
    if (first)
        c->conn_gen = c->gen;
    cc_reconnect_streaming(&c->rc);
    cc_session_set_state(c->session, CC_CONN_STREAMING);
    snprintf(c->asked, sizeof c->asked, "%s", unknown ? "" : "full");
    memcpy(c->prev, c->asked, sizeof c->prev);
    sync_variant(c);
    if (first && window && c->window)
        ask_window(c);
    if (c->ping_clock) {
        /* Maybe another server behind the same URL: measure again. */
        cc_clock_sync_reset(&c->clock);
        cc_session_set_clock(c->session, false, 0, 0);
        c->clock_logged = false;
        ping_later(c, CC_CLOCK_SPACING_MS);
    }
}

static void on_text(cc_ws_client *client, const char *msg, size_t len, void *arg)
{
    (void)client;
    cc_net_conn *c = arg;
    cc_hello h;
    char err[160];
    int rc = cc_hello_parse(&h, msg, len, err, sizeof err);
    if (rc == -ENOMSG) {
        cc_reply r;
        cc_reply_parse(&r, msg, len);
        if (r.type == CC_REPLY_PONG)
            on_pong(c, r.time_ns);
        else if (r.type == CC_REPLY_ERROR)
            on_error_reply(c, r.message);
        else
            cc_vlog_debug("%sserver says: %.200s", c->tag, msg);
        return;
    }
    if (rc) {
        /* Nothing to lay out without a hello: retry later, with backoff. */
        cc_vlog_error("%s%s", c->tag, err);
        cc_ws_client_close(c->client, 1002);
        return;
    }
    on_hello(c, &h);
}

static void on_binary(cc_ws_client *client, const uint8_t *msg, size_t len, void *arg)
{
    (void)client;
    cc_net_conn *c = arg;
    if (c->rc.state != CC_CONN_STREAMING) {
        if (cc_vlog_sample(++c->early))
            cc_vlog_warn("%sbundle before the hello ignored (%" PRIu64 " so far)",
                         c->tag, c->early);
        return;
    }
    if (cc_raw_bundle_set(c->slot, msg, len)) {
        cc_vlog_warn("%sout of memory for a %zu byte bundle: skipped", c->tag, len);
        return;
    }
    c->slot->gen = c->gen;
    c->slot->recv_ns = cc_wall_ns();
    void *slot = c->slot;
    cc_mailbox_post(c->out, &slot);
    c->slot = slot;
}

/* ---- closing ---- */

static void close_loop_handles(cc_net *n)
{
    for (size_t i = 0; i < n->n; i++) {
        uv_close((uv_handle_t *)&n->conns[i].retry, NULL);
        uv_close((uv_handle_t *)&n->conns[i].ping, NULL);
    }
    uv_close((uv_handle_t *)&n->wake, NULL);
}

static bool any_active(const cc_net *n)
{
    for (size_t i = 0; i < n->n; i++)
        if (n->conns[i].active)
            return true;
    return false;
}

static void on_close(cc_ws_client *client, int code, const char *reason, void *arg)
{
    cc_net_conn *c = arg;
    cc_net *n = c->net;
    c->active = false;
    uv_timer_stop(&c->ping);
    if (n->stopping) {
        if (!any_active(n))
            close_loop_handles(n);
        return;
    }
    char why[192];
    if (code)
        snprintf(why, sizeof why, "closed by the server, code %d%s%s", code,
                 reason[0] ? ": " : "", reason);
    else if (cc_ws_client_http_status(client) == 401 && !n->has_token)
        snprintf(why, sizeof why, "%s: give --token-file", reason);
    else
        snprintf(why, sizeof why, "%s", reason);
    /* A 401 retries with the same backoff as any failure: the server may
     * be given the token meanwhile, and is never asked more often. */
    schedule_retry(c, why);
}

static void on_wake(uv_async_t *a)
{
    cc_net *n = a->data;
    if (!SDL_AtomicGet(&n->stop)) {
        for (size_t i = 0; i < n->n; i++) {
            sync_variant(&n->conns[i]);
            send_ack(&n->conns[i]);
        }
        return;
    }
    if (n->stopping)
        return;
    n->stopping = true;
    for (size_t i = 0; i < n->n; i++) {
        cc_net_conn *c = &n->conns[i];
        uv_timer_stop(&c->retry);
        uv_timer_stop(&c->ping);
        if (c->active)
            cc_ws_client_close(c->client, 1000); /* on_close ends the loop */
    }
    if (!any_active(n))
        close_loop_handles(n);
}

static int thread_main(void *arg)
{
    cc_net *n = arg;
    for (size_t i = 0; i < n->n; i++)
        connect_now(&n->conns[i]);
    uv_run(&n->loop, UV_RUN_DEFAULT);
    return 0;
}

/* ---- setup ---- */

static void free_clients(cc_net *n)
{
    for (size_t i = 0; i < n->n; i++)
        if (n->conns[i].client)
            cc_ws_client_free(n->conns[i].client);
}

/* After the handles were made: closes them and the loop. */
static void undo_loop(cc_net *n)
{
    close_loop_handles(n);
    uv_run(&n->loop, UV_RUN_DEFAULT);
    free_clients(n);
    uv_loop_close(&n->loop);
}

static int setup_conn(cc_net *n, cc_net_conn *c, const cc_net_target *t,
                      const char *token)
{
    static const cc_ws_client_callbacks callbacks = {
        .on_open = on_open,
        .on_text = on_text,
        .on_binary = on_binary,
        .on_close = on_close,
    };
    c->net = n;
    c->url = t->url;
    if (t->label && t->label[0])
        snprintf(c->tag, sizeof c->tag, "%s: ", t->label);
    c->ping_clock = t->ping_clock;
    c->window = t->window;
    c->session = t->session;
    c->out = t->out;
    c->slot = t->slot;
    snprintf(c->asked, sizeof c->asked, "full");
    snprintf(c->prev, sizeof c->prev, "full");
    cc_reconnect_init(&c->rc, CC_NET_RETRY_MIN_MS, CC_NET_RETRY_MAX_MS);
    uv_timer_init(&n->loop, &c->retry);
    uv_timer_init(&n->loop, &c->ping);
    c->retry.data = c->ping.data = c;
    int rc = cc_ws_client_new(&c->client, &n->loop, &callbacks, c, MAX_MESSAGE);
    if (rc < 0) {
        c->client = NULL;
        return rc;
    }
    if (token && (rc = cc_ws_client_set_token(c->client, token)) < 0)
        return rc;
    return 0;
}

int cc_net_start(cc_net *n, const cc_net_target *targets, size_t count,
                 const char *token)
{
    memset(n, 0, sizeof *n);
    if (count == 0 || count > CC_NET_MAX_CONNS)
        return -EINVAL;
    n->has_token = token != NULL;
    int rc = uv_loop_init(&n->loop);
    if (rc < 0)
        return rc;
    uv_async_init(&n->loop, &n->wake, on_wake);
    n->wake.data = n;
    n->n = count;
    for (size_t i = 0; i < count; i++) {
        rc = setup_conn(n, &n->conns[i], &targets[i], token);
        if (rc < 0) {
            n->n = i + 1; /* its timers exist too */
            undo_loop(n);
            return rc;
        }
    }
    /* The handles were made here; from now on only the thread uses them
     * (and uv_async_send, from any thread). */
    SDL_AtomicSet(&n->kickable, 1);
    n->thread = SDL_CreateThread(thread_main, "camcast-net", n);
    if (!n->thread) {
        SDL_AtomicSet(&n->kickable, 0);
        undo_loop(n);
        return -ENOMEM;
    }
    return 0;
}

void cc_net_kick(cc_net *n)
{
    if (SDL_AtomicGet(&n->kickable))
        uv_async_send(&n->wake);
}

void cc_net_stop(cc_net *n)
{
    if (!n->thread)
        return;
    SDL_AtomicSet(&n->stop, 1);
    uv_async_send(&n->wake);
    SDL_AtomicSet(&n->kickable, 0);
    SDL_WaitThread(n->thread, NULL);
    n->thread = NULL;
    free_clients(n);
    uv_loop_close(&n->loop);
}
