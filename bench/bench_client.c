#include "bench_client.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proc_stats.h"

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

/* Only errors answer a subscribe (docs/protocol.md); pongs and the rest are
 * not the bench's. */
static void on_reply(cc_bench_client *c, const char *msg, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(msg, len);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(root, "message");
    if (cJSON_IsString(type) && strcmp(type->valuestring, "error") == 0) {
        c->sub_errors++;
        snprintf(c->sub_error, sizeof c->sub_error, "%s",
                 cJSON_IsString(text) ? text->valuestring : "(no message)");
    }
    cJSON_Delete(root);
}

double cc_bench_step(double max_fps, double fps)
{
    return max_fps > 0 && max_fps < fps ? ceil(fps / max_fps - 1e-9) : 1;
}

/* The group's subscription, right after the hello; nothing for a plain
 * reader, which gets what the server sends by default. */
static void subscribe(cc_bench_client *c)
{
    const cc_bench_sub *sub = &c->group->sub;
    double fps = c->shared->hello.stream_fps;
    c->group->step = cc_bench_step(sub->max_fps, fps);
    if (!sub->variant && sub->max_fps <= 0 && !sub->window)
        return;
    char msg[256];
    int n = snprintf(msg, sizeof msg, "{\"type\":\"subscribe\"");
    /* Variant names are checked as the daemon's ([A-Za-z0-9_.-]): no
     * escaping needed. */
    if (sub->variant)
        n += snprintf(msg + n, sizeof msg - (size_t)n, ",\"variant\":\"%s\"", sub->variant);
    if (sub->max_fps > 0)
        n += snprintf(msg + n, sizeof msg - (size_t)n, ",\"max_fps\":%g", sub->max_fps);
    if (sub->window)
        n += snprintf(msg + n, sizeof msg - (size_t)n, ",\"window\":%u", sub->window);
    snprintf(msg + n, sizeof msg - (size_t)n, "}");
    int rc = cc_ws_client_send_text(c->ws, msg);
    if (rc < 0) {
        c->sub_errors++;
        snprintf(c->sub_error, sizeof c->sub_error, "sending subscribe: %s",
                 strerror(-rc));
    }
}

static void on_text(cc_ws_client *ws, const char *msg, size_t len, void *arg)
{
    (void)ws;
    cc_bench_client *c = arg;
    cc_bench_shared *s = c->shared;
    if (c->got_hello) {
        on_reply(c, msg, len);
        return;
    }
    if (!s->have_hello && cc_hello_parse(msg, len, &s->hello) == 0)
        s->have_hello = true;
    c->got_hello = true;
    s->hellos++;
    if (c->group && s->have_hello)
        subscribe(c);
}

/* ---- reading at a rate ---- */

static void on_resume(uv_timer_t *t)
{
    cc_bench_client *c = t->data;
    c->paused = false;
    if (c->closed)
        return;
    /* From when it was due, not when the timer ran: lateness is not
     * charged to the next bundle, so the rate holds on average. */
    c->read_from = c->resume_at;
    cc_ws_client_set_reading(c->ws, true);
}

/* Bytes/s of its own subscription: the mean size of the bundles it gets
 * while reading freely, at its nominal rate (stream_fps, or max_fps below
 * it), as test_fanout.py's throttled reader; the time they took to come
 * would carry the jitter of a busy host into the rate. */
static void calibrate(cc_bench_client *c, size_t len)
{
    unsigned k = c->calib_n++;
    if (k < CC_BENCH_CALIBRATE_SKIP)
        return;
    c->calib_bytes += len;
    if (k + 1 == CC_BENCH_CALIBRATE_SKIP + CC_BENCH_CALIBRATE) {
        double fps = c->shared->hello.stream_fps / c->group->step;
        c->rate = c->group->sub.read_rate * fps * (double)c->calib_bytes / CC_BENCH_CALIBRATE;
    }
}

/* A bundle of len bytes was read since read_from: at the rate it takes
 * len / rate, so reading pauses until then (as test_fanout.py's throttled
 * reader sleeps after each bundle). */
static void pace(cc_bench_client *c, size_t len)
{
    double now = cc_mono_s();
    if (c->rate <= 0) {
        calibrate(c, len);
        c->read_from = now;
        return;
    }
    /* A bundle that came in the same read as the one that paused it is
     * charged after that one. */
    double until = (c->paused ? c->resume_at : c->read_from) + (double)len / c->rate;
    if (until <= now) {
        c->read_from = now;
        return;
    }
    c->resume_at = until;
    if (!c->paused)
        cc_ws_client_set_reading(c->ws, false);
    c->paused = true;
    uv_update_time(c->loop); /* the timeout counts from now */
    uv_timer_start(&c->resume, on_resume, (uint64_t)ceil((until - now) * 1e3), 0);
}

/* ---- a slow consumer, and its acks ---- */

static void ack(cc_bench_client *c, uint64_t seq)
{
    if (cc_ws_client_send_ack(c->ws, seq) == 0)
        c->acks++;
}

static void on_held(uv_timer_t *t);
static void spend_cpu(uv_work_t *req);
static void on_worked(uv_work_t *req, int status);

/* One bundle's hold (a timer) or work (libuv's thread pool), reading
 * paused meanwhile: the other clients of the loop read on. */
static void start_hold(cc_bench_client *c)
{
    const cc_bench_sub *sub = &c->group->sub;
    cc_ws_client_set_reading(c->ws, false);
    if (sub->hold_ms > 0) {
        c->holding = true;
        uv_update_time(c->loop); /* the timeout counts from now */
        uv_timer_start(&c->resume, on_held, (uint64_t)ceil(sub->hold_ms), 0);
        return;
    }
    c->work.data = c;
    c->working = uv_queue_work(c->loop, &c->work, spend_cpu, on_worked) == 0;
    if (!c->working)
        cc_ws_client_set_reading(c->ws, true);
}

/* Takes the bundle seq: held or worked on before the next is read. One
 * that came in the same read as a held one is held after it. */
static void consume(cc_bench_client *c, uint64_t seq)
{
    c->ack_seq = seq;
    if (c->holding || c->working) {
        c->held_more++;
        return;
    }
    start_hold(c);
}

/* The hold or the work is over: the next bundle of the same read, or
 * reading again (and the ack, when it comes only then). */
static void consumed(cc_bench_client *c)
{
    c->holding = c->working = false;
    if (c->closed)
        return;
    if (c->held_more) {
        c->held_more--;
        start_hold(c);
        return;
    }
    if (c->group->sub.window && c->group->sub.ack_when_done)
        ack(c, c->ack_seq);
    cc_ws_client_set_reading(c->ws, true);
}

static void on_held(uv_timer_t *t)
{
    consumed(t->data);
}

/* CPU time of this thread, as a busy consumer spends it (on a loaded
 * machine it takes longer than the same time on the wall clock). */
static void spend_cpu(uv_work_t *req)
{
    const cc_bench_client *c = req->data;
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    double end = (double)ts.tv_sec + ts.tv_nsec / 1e9 + c->group->sub.cpu_ms / 1e3, now;
    do {
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
    } while (now < end);
}

static void on_worked(uv_work_t *req, int status)
{
    (void)status;
    consumed(req->data);
}

/* ---- bundles ---- */

static void note_size(cc_bench_client *c, uint32_t width, uint32_t height)
{
    for (unsigned i = 0; i < c->n_sizes; i++)
        if (c->sizes[i].width == width && c->sizes[i].height == height)
            return;
    if (c->n_sizes == CC_BENCH_MAX_SIZES)
        c->more_sizes = true;
    else
        c->sizes[c->n_sizes++] = (cc_entry_size){width, height};
}

static void count_entry(cc_bench_client *c, const cc_fb_entry *e, uint64_t mux_ns,
                        uint64_t now)
{
    cc_cam_stats *cs = &c->cams[e->camera_index];
    if (c->probe) /* the same for every client of its variant */
        latency(c->shared, &c->shared->capture_mux_us, mux_ns, e->capture_time_ns);
    latency(c->shared, &c->group->capture_us, now, e->capture_time_ns);
    if (c->primary)
        latency(c->shared, &c->shared->cam_capture_us[e->camera_index], now,
                e->capture_time_ns);
    note_size(c, e->width, e->height);
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

/* The probe: how far apart a bundle's device times are, and how old each
 * frame's instant is when the bundle is muxed. */
static void note_sync(cc_bench_shared *s, const cc_fb_header *h)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    unsigned n = 0;
    for (unsigned i = 0; i < h->entry_count; i++) {
        const cc_fb_entry *e = &s->entries[i];
        if (!e->device_time_ns)
            continue;
        lo = e->device_time_ns < lo ? e->device_time_ns : lo;
        hi = e->device_time_ns > hi ? e->device_time_ns : hi;
        n++;
        latency(s, &s->device_mux_us, h->mux_time_ns, e->device_time_ns);
    }
    if (n < 2)
        return;
    cc_hist_add(&s->sync_spread_us, (hi - lo) / 1000);
    s->sync_bundles++;
    s->sync_aligned += (h->flags & CC_FB_FLAG_ALIGNED) != 0;
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
    uint64_t step = c->have_seq && h.bundle_seq > c->last_seq ? h.bundle_seq - c->last_seq : 1;
    c->have_seq = true;
    c->last_seq = h.bundle_seq;
    if (!c->group)
        return; /* stalled: read by accident with the handshake */
    const cc_bench_sub *sub = &c->group->sub;
    if (sub->read_rate > 0)
        pace(c, len);
    if (sub->window && !sub->ack_when_done)
        ack(c, h.bundle_seq); /* taken: parsed */
    if (sub->hold_ms > 0 || sub->cpu_ms > 0)
        consume(c, h.bundle_seq);
    if (!s->measuring)
        return;
    c->gaps += step - 1;
    if (c->bundles > 0 && (c->step_min == 0 || step < c->step_min))
        c->step_min = step;
    /* At max_fps the server spreads its bundles over the ticks: a step of
     * stream_fps / max_fps is its rate, a multiple of it a skip. */
    long missed = lround((double)step / c->group->step) - 1;
    c->skips += missed > 0 ? (uint64_t)missed : 0;
    c->bundles++;
    c->bytes += len;
    c->entries += h.entry_count;
    latency(s, &c->group->mux_us, now, h.mux_time_ns);
    for (unsigned i = 0; i < h.entry_count; i++)
        count_entry(c, &s->entries[i], h.mux_time_ns, now);
    if (c->probe)
        note_sync(s, &h);
}

static void on_close(cc_ws_client *ws, int code, const char *reason, void *arg)
{
    (void)ws;
    cc_bench_client *c = arg;
    c->closed = true;
    if (c->has_timer)
        uv_timer_stop(&c->resume);
    c->close_code = code;
    snprintf(c->reason, sizeof c->reason, "%s", reason);
    c->shared->closed++;
    c->shared->changed(c->shared->arg);
}

static const cc_ws_client_callbacks callbacks = {on_open, on_text, on_binary, on_close};

int cc_bench_client_init(cc_bench_client *c, uv_loop_t *loop, cc_bench_shared *shared,
                         unsigned index, cc_bench_group *group, const char *token)
{
    memset(c, 0, sizeof *c);
    c->loop = loop;
    c->shared = shared;
    c->group = group;
    c->index = index;
    c->stalled = group == NULL;
    int rc = cc_ws_client_new(&c->ws, loop, &callbacks, c, MAX_MESSAGE);
    if (rc == 0 && token)
        rc = cc_ws_client_set_token(c->ws, token);
    if (rc == 0 && c->stalled)
        cc_ws_client_set_reading(c->ws, false); /* applies once open */
    /* A throttled reader's small window shows the server its pace. */
    if (rc == 0 && group && group->sub.read_rate > 0)
        rc = cc_ws_client_set_recv_buffer(c->ws, CC_BENCH_THROTTLED_RCVBUF);
    if (rc == 0 && group && (group->sub.read_rate > 0 || group->sub.hold_ms > 0)) {
        rc = uv_timer_init(loop, &c->resume);
        c->resume.data = c;
        c->has_timer = rc == 0;
    }
    return rc;
}

bool cc_bench_client_ready(const cc_bench_client *c)
{
    if (c->closed)
        return true;
    if (c->stalled)
        return c->opened;
    return c->got_hello && (c->group->sub.read_rate <= 0 || c->rate > 0);
}

int cc_bench_client_connect(cc_bench_client *c, const char *url)
{
    return cc_ws_client_connect(c->ws, url);
}

void cc_bench_client_reset(cc_bench_client *c)
{
    c->bundles = c->entries = c->bytes = c->gaps = c->malformed = c->skips = 0;
    c->step_min = 0;
    c->n_sizes = 0;
    c->more_sizes = false;
    memset(c->cams, 0, sizeof c->cams);
}

bool cc_bench_client_busy(const cc_bench_client *c)
{
    return c->working;
}

void cc_bench_client_close_handles(cc_bench_client *c)
{
    if (c->has_timer && !uv_is_closing((uv_handle_t *)&c->resume))
        uv_close((uv_handle_t *)&c->resume, NULL);
}

void cc_bench_client_destroy(cc_bench_client *c)
{
    cc_ws_client_free(c->ws);
    c->ws = NULL;
}
