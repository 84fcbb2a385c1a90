#include "net.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"

/* Largest bundle accepted: dozens of big cameras at high JPEG quality. */
#define MAX_MESSAGE (256u << 20)

static void on_retry(uv_timer_t *t);

static void schedule_retry(cc_net *n, const char *reason)
{
    uint32_t delay = cc_reconnect_closed(&n->rc);
    cc_session_set_waiting(n->session, reason, delay, SDL_GetTicks64() + delay);
    cc_vlog_info("offline (%s): next attempt in %.1f s (attempt %u)", reason,
                 delay / 1000.0, (unsigned)n->rc.attempts + 1);
    uv_timer_start(&n->retry, on_retry, delay, 0);
}

static void connect_now(cc_net *n)
{
    cc_reconnect_connecting(&n->rc);
    cc_session_set_state(n->session, CC_CONN_CONNECTING);
    int rc = cc_ws_client_connect(n->client, n->url);
    if (rc < 0) {
        char reason[96];
        snprintf(reason, sizeof reason, "connect: %s", uv_strerror(rc));
        schedule_retry(n, reason);
        return;
    }
    n->active = true;
}

static void on_retry(uv_timer_t *t)
{
    cc_net *n = t->data;
    if (!n->stopping)
        connect_now(n);
}

static void on_open(cc_ws_client *c, void *arg)
{
    (void)c;
    cc_net *n = arg;
    cc_reconnect_opened(&n->rc);
    cc_session_set_state(n->session, CC_CONN_OPEN);
    cc_vlog_info("connected to %s", n->url);
}

static void log_hello(const cc_hello *h)
{
    cc_vlog_info("hello from %s: %zu cameras at %.0f fps",
                 h->server[0] ? h->server : "server", h->n_cameras, h->stream_fps);
    for (size_t i = 0; i < h->n_cameras; i++) {
        const cc_hello_camera *c = &h->cameras[i];
        cc_vlog_info("  camera %u %s: %ux%u %s%s", c->index, c->name,
                     (unsigned)c->width, (unsigned)c->height, c->pixel_format,
                     c->online ? "" : " (offline)");
    }
    if (h->n_cameras > CC_MAX_TILES)
        cc_vlog_warn("showing the first %d of %zu cameras", CC_MAX_TILES,
                     h->n_cameras);
}

static void on_text(cc_ws_client *c, const char *msg, size_t len, void *arg)
{
    (void)c;
    cc_net *n = arg;
    cc_hello h;
    char err[160];
    int rc = cc_hello_parse(&h, msg, len, err, sizeof err);
    if (rc == -ENOMSG) {
        /* Replies to control messages: nothing the viewer acts on. */
        cc_vlog_debug("server says: %.200s", msg);
        return;
    }
    if (rc) {
        /* Nothing to lay out without a hello: retry later, with backoff. */
        cc_vlog_error("%s", err);
        cc_ws_client_close(n->client, 1002);
        return;
    }
    log_hello(&h);
    n->gen = cc_session_set_hello(n->session, &h);
    cc_reconnect_streaming(&n->rc);
    cc_session_set_state(n->session, CC_CONN_STREAMING);
}

static void on_binary(cc_ws_client *c, const uint8_t *msg, size_t len, void *arg)
{
    (void)c;
    cc_net *n = arg;
    if (n->rc.state != CC_CONN_STREAMING) {
        if (cc_vlog_sample(++n->early))
            cc_vlog_warn("bundle before the hello ignored (%" PRIu64 " so far)",
                         n->early);
        return;
    }
    if (cc_raw_bundle_set(n->slot, msg, len)) {
        cc_vlog_warn("out of memory for a %zu byte bundle: skipped", len);
        return;
    }
    n->slot->gen = n->gen;
    n->slot->recv_ns = cc_wall_ns();
    void *slot = n->slot;
    cc_mailbox_post(n->out, &slot);
    n->slot = slot;
}

static void close_loop_handles(cc_net *n)
{
    uv_close((uv_handle_t *)&n->retry, NULL);
    uv_close((uv_handle_t *)&n->wake, NULL);
}

static void on_close(cc_ws_client *c, int code, const char *reason, void *arg)
{
    cc_net *n = arg;
    n->active = false;
    if (n->stopping) {
        close_loop_handles(n);
        return;
    }
    char why[192];
    if (code)
        snprintf(why, sizeof why, "closed by the server, code %d%s%s", code,
                 reason[0] ? ": " : "", reason);
    else if (cc_ws_client_http_status(c) == 401 && !n->has_token)
        snprintf(why, sizeof why, "%s: give --token-file", reason);
    else
        snprintf(why, sizeof why, "%s", reason);
    /* A 401 retries with the same backoff as any failure: the server may
     * be given the token meanwhile, and is never asked more often. */
    schedule_retry(n, why);
}

static void on_wake(uv_async_t *a)
{
    cc_net *n = a->data;
    n->stopping = true;
    uv_timer_stop(&n->retry);
    if (n->active)
        cc_ws_client_close(n->client, 1000); /* on_close ends the loop */
    else
        close_loop_handles(n);
}

static int thread_main(void *arg)
{
    cc_net *n = arg;
    connect_now(n);
    uv_run(&n->loop, UV_RUN_DEFAULT);
    return 0;
}

static int setup_loop(cc_net *n, const char *token)
{
    static const cc_ws_client_callbacks callbacks = {
        .on_open = on_open,
        .on_text = on_text,
        .on_binary = on_binary,
        .on_close = on_close,
    };
    int rc = uv_loop_init(&n->loop);
    if (rc < 0)
        return rc;
    uv_async_init(&n->loop, &n->wake, on_wake);
    uv_timer_init(&n->loop, &n->retry);
    n->wake.data = n->retry.data = n;
    rc = cc_ws_client_new(&n->client, &n->loop, &callbacks, n, MAX_MESSAGE);
    if (rc == 0 && token && (rc = cc_ws_client_set_token(n->client, token)) < 0)
        cc_ws_client_free(n->client);
    if (rc < 0) {
        close_loop_handles(n);
        uv_run(&n->loop, UV_RUN_DEFAULT);
        uv_loop_close(&n->loop);
    }
    return rc;
}

int cc_net_start(cc_net *n, const char *url, const char *token,
                 cc_session *session, cc_mailbox *out, cc_raw_bundle *slot)
{
    memset(n, 0, sizeof *n);
    n->url = url;
    n->has_token = token != NULL;
    n->session = session;
    n->out = out;
    n->slot = slot;
    cc_reconnect_init(&n->rc, CC_NET_RETRY_MIN_MS, CC_NET_RETRY_MAX_MS);
    int rc = setup_loop(n, token);
    if (rc < 0)
        return rc;
    /* The handles were made here; from now on only the thread uses them. */
    n->thread = SDL_CreateThread(thread_main, "camcast-net", n);
    if (!n->thread) {
        close_loop_handles(n);
        uv_run(&n->loop, UV_RUN_DEFAULT);
        cc_ws_client_free(n->client);
        uv_loop_close(&n->loop);
        return -ENOMEM;
    }
    return 0;
}

void cc_net_stop(cc_net *n)
{
    if (!n->thread)
        return;
    uv_async_send(&n->wake);
    SDL_WaitThread(n->thread, NULL);
    n->thread = NULL;
    cc_ws_client_free(n->client);
    uv_loop_close(&n->loop);
}
