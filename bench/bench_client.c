#include "bench_client.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_MESSAGE (64u << 20)

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void latency(cc_bench_shared *s, cc_hist *h, uint64_t now, uint64_t then)
{
    if (now < then) {
        s->negative++;
        then = now;
    }
    cc_hist_add(h, (now - then) / 1000);
}

static void on_open(cc_ws_client *ws, void *arg)
{
    (void)ws;
    cc_bench_client *c = arg;
    c->opened = true;
    c->shared->opened++;
    c->shared->changed(c->shared->arg);
}

static void on_text(cc_ws_client *ws, const char *msg, size_t len, void *arg)
{
    (void)ws;
    cc_bench_client *c = arg;
    cc_bench_shared *s = c->shared;
    if (c->got_hello)
        return; /* replies to control messages: the bench sends none */
    if (!s->have_hello && cc_hello_parse(msg, len, &s->hello) == 0)
        s->have_hello = true;
    c->got_hello = true;
    s->hellos++;
}

static void count_entry(cc_bench_client *c, const cc_fb_entry *e, uint64_t mux_ns,
                        uint64_t now)
{
    cc_cam_stats *cs = &c->cams[e->camera_index];
    if (c->index == 0) /* the same for every client */
        latency(c->shared, &c->shared->capture_mux_us, mux_ns, e->capture_time_ns);
    latency(c->shared, &c->shared->capture_us, now, e->capture_time_ns);
    latency(c->shared, &c->shared->cam_capture_us[e->camera_index], now,
            e->capture_time_ns);
    cs->entries++;
    cs->dropped += e->dropped;
    cs->bytes += e->payload_size;
    if (!cs->have_id) {
        cs->have_id = true;
        cs->first_id = e->frame_id;
        cs->first_ns = e->capture_time_ns;
        cs->first_dropped = e->dropped;
    }
    cs->last_id = e->frame_id;
    cs->last_ns = e->capture_time_ns;
}

/* Entries index per-camera arrays: every camera_index must be in range. */
static bool indices_ok(const cc_fb_entry *e, unsigned n, size_t max)
{
    for (unsigned i = 0; i < n; i++)
        if (e[i].camera_index >= max)
            return false;
    return true;
}

static void on_binary(cc_ws_client *ws, const uint8_t *msg, size_t len, void *arg)
{
    (void)ws;
    cc_bench_client *c = arg;
    cc_bench_shared *s = c->shared;
    uint64_t now = realtime_ns();
    s->bytes_all += len;
    cc_fb_header h;
    size_t max = s->have_hello ? s->hello.n_cameras : CC_BENCH_MAX_CAMERAS;
    if (cc_fb_parse(msg, len, max, &h, s->entries) != CC_FB_OK ||
        !indices_ok(s->entries, h.entry_count, max)) {
        c->malformed += s->measuring;
        return;
    }
    uint64_t gap = c->have_seq && h.bundle_seq > c->last_seq + 1
                       ? h.bundle_seq - c->last_seq - 1 : 0;
    c->have_seq = true;
    c->last_seq = h.bundle_seq;
    if (!s->measuring)
        return;
    c->gaps += gap;
    c->bundles++;
    c->bytes += len;
    c->entries += h.entry_count;
    latency(s, &s->mux_us, now, h.mux_time_ns);
    for (unsigned i = 0; i < h.entry_count; i++)
        count_entry(c, &s->entries[i], h.mux_time_ns, now);
}

static void on_close(cc_ws_client *ws, int code, const char *reason, void *arg)
{
    (void)ws;
    cc_bench_client *c = arg;
    c->closed = true;
    c->close_code = code;
    snprintf(c->reason, sizeof c->reason, "%s", reason);
    c->shared->closed++;
    c->shared->changed(c->shared->arg);
}

static const cc_ws_client_callbacks callbacks = {on_open, on_text, on_binary, on_close};

int cc_bench_client_init(cc_bench_client *c, uv_loop_t *loop, cc_bench_shared *shared,
                         unsigned index, bool stalled, const char *token)
{
    memset(c, 0, sizeof *c);
    c->shared = shared;
    c->index = index;
    c->stalled = stalled;
    int rc = cc_ws_client_new(&c->ws, loop, &callbacks, c, MAX_MESSAGE);
    if (rc == 0 && token)
        rc = cc_ws_client_set_token(c->ws, token);
    if (rc == 0 && stalled)
        cc_ws_client_set_reading(c->ws, false); /* applies once open */
    return rc;
}

int cc_bench_client_connect(cc_bench_client *c, const char *url)
{
    return cc_ws_client_connect(c->ws, url);
}

void cc_bench_client_reset(cc_bench_client *c)
{
    c->bundles = c->entries = c->bytes = c->gaps = c->malformed = 0;
    memset(c->cams, 0, sizeof c->cams);
}

void cc_bench_client_destroy(cc_bench_client *c)
{
    cc_ws_client_free(c->ws);
    c->ws = NULL;
}
