#include "stats.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "version.h"
#include "clock.h"

#define SAMPLE_MS 1000

static uint64_t load64(const atomic_uint_fast64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static void sample(cc_stats *st)
{
    uint64_t now = uv_hrtime();
    for (size_t i = 0; i < st->n; i++) {
        cc_stats_rate *r = &st->rates[i];
        uint64_t grabbed = load64(&st->cams[i].grabbed);
        if (now > r->at_ns)
            r->fps = (double)(grabbed - r->grabbed) * 1e9 / (double)(now - r->at_ns);
        r->grabbed = grabbed;
        r->at_ns = now;
    }
}

static void on_sample(uv_timer_t *t)
{
    sample(t->data);
}

int cc_stats_init(cc_stats *st, uv_loop_t *loop, const cc_camera *cams, size_t n,
                  const cc_mux *mux, const cc_server *srv)
{
    *st = (cc_stats){.started_ns = uv_hrtime(), .cams = cams, .n = n, .mux = mux,
                     .srv = srv};
    st->rates = calloc(n ? n : 1, sizeof *st->rates);
    if (!st->rates)
        return -ENOMEM;
    sample(st); /* counters at start */
    int rc = uv_timer_init(loop, &st->timer);
    if (rc < 0)
        return rc;
    st->timer_open = true;
    st->timer.data = st;
    return uv_timer_start(&st->timer, on_sample, SAMPLE_MS, SAMPLE_MS);
}

int cc_stats_reset(cc_stats *st, const cc_camera *cams, size_t n)
{
    cc_stats_rate *rates = calloc(n ? n : 1, sizeof *rates);
    if (!rates)
        return -ENOMEM;
    free(st->rates);
    st->rates = rates;
    st->cams = cams;
    st->n = n;
    sample(st);
    return 0;
}

void cc_stats_close(cc_stats *st)
{
    if (st->timer_open && !uv_is_closing((uv_handle_t *)&st->timer))
        uv_close((uv_handle_t *)&st->timer, NULL);
}

void cc_stats_destroy(cc_stats *st)
{
    free(st->rates);
    *st = (cc_stats){0};
}

/* ---- figures shared by both formats ---- */

typedef struct camera_figures {
    const char *name;
    bool online;
    double grab_fps;
    uint64_t grabbed, dropped, encoded, encode_errors, grab_errors, reconnects;
    uint64_t ring_overwritten, jpeg_bytes, last_jpeg_bytes;
    double last_frame_age_s; /* < 0: nothing streamed yet */
    double last_grab_age_s;  /* < 0: nothing grabbed yet */
    char last_error[512];    /* "" when none */
    uint64_t last_error_ns;  /* 0 when none */
    double encode_p50_ms, encode_p99_ms;
    double grab_cpu_s;       /* the grab thread's CPU time; < 0: not running */
    uint64_t ring_slots;
    uint64_t encode_strips;  /* a full frame's encode is split in these */
    bool aravis;
    uint64_t completed, failed, underruns, resent, missing;
    /* Its clock against the host's (docs/sync.md). */
    bool clock_valid, host_clock, has_drift;
    double clock_offset_ms, clock_drift_ppm;
    uint64_t clock_jumps;
    const char *ptp;         /* its PTP state; NULL: ptp off */
} camera_figures;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentiles over the latest encode times. */
static void encode_percentiles(const cc_mux_camera *s, double *p50, double *p99)
{
    unsigned n = s->encode_samples;
    *p50 = *p99 = 0;
    if (n == 0)
        return;
    uint32_t v[CC_MUX_ENCODE_SAMPLES];
    memcpy(v, s->encode_us, n * sizeof v[0]);
    qsort(v, n, sizeof v[0], cmp_u32);
    *p50 = v[(n * 50 + 99) / 100 - 1] / 1000.0;
    *p99 = v[(n * 99 + 99) / 100 - 1] / 1000.0;
}

static camera_figures camera_get(const cc_stats *st, size_t i, uint64_t now_ns)
{
    const cc_camera *cam = &st->cams[i];
    const cc_mux_camera *s = &st->mux->slots[i];
    const cc_source_stats *src = &cam->source->stats;
    camera_figures f = {
        .name = cam->cfg->name,
        .online = atomic_load_explicit(&cam->online, memory_order_relaxed),
        .grab_fps = st->rates[i].fps,
        .grabbed = load64(&cam->grabbed),
        .dropped = s->dropped,
        .encoded = s->encoded,
        .encode_errors = s->encode_errors,
        .grab_errors = load64(&cam->grab_errors),
        .reconnects = load64(&cam->reconnects),
        .ring_overwritten = cc_ring_overwritten(cam->ring),
        .jpeg_bytes = s->jpeg_bytes,
        .last_jpeg_bytes = s->last_jpeg_bytes,
        .last_frame_age_s = -1,
        .last_grab_age_s = -1,
        .aravis = cam->cfg->source == CC_SOURCE_ARAVIS,
        .completed = load64(&src->completed),
        .failed = load64(&src->failed),
        .underruns = load64(&src->underruns),
        .resent = load64(&src->resent),
        .missing = load64(&src->missing),
    };
    if (s->last_capture_ns && now_ns >= s->last_capture_ns)
        f.last_frame_age_s = (double)(now_ns - s->last_capture_ns) / 1e9;
    /* A frame grabbed since now_ns was read: age 0. */
    uint64_t grab_ns = load64(&cam->last_grab_ns);
    if (grab_ns)
        f.last_grab_age_s = now_ns > grab_ns ? (double)(now_ns - grab_ns) / 1e9 : 0;
    f.last_error_ns = cc_camera_last_error(cam, f.last_error, sizeof f.last_error);
    f.clock_valid = atomic_load_explicit(&cam->clock_valid, memory_order_relaxed);
    f.host_clock = cam->source->host_clock ||
                   atomic_load_explicit(&cam->clock_host, memory_order_relaxed);
    f.clock_offset_ms =
        (double)atomic_load_explicit(&cam->clock_offset_ns, memory_order_relaxed) / 1e6;
    int64_t ppb = atomic_load_explicit(&cam->clock_drift_ppb, memory_order_relaxed);
    f.has_drift = ppb != INT64_MIN;
    f.clock_drift_ppm = f.has_drift ? (double)ppb / 1e3 : 0;
    f.clock_jumps = load64(&cam->clock_jumps);
    f.ptp = cc_ptp_state_name(atomic_load_explicit(&src->ptp, memory_order_relaxed));
    encode_percentiles(s, &f.encode_p50_ms, &f.encode_p99_ms);
    uint64_t cpu_ns;
    f.grab_cpu_s = cc_camera_grab_cpu_ns(cam, &cpu_ns) == 0 ? (double)cpu_ns / 1e9 : -1;
    f.ring_slots = cc_ring_slots(cam->ring);
    f.encode_strips = cc_encode_job_parts(&st->mux->ticks[0].entries[i].jobs[0]);
    return f;
}

static double uptime_s(const cc_stats *st)
{
    return (double)(uv_hrtime() - st->started_ns) / 1e9;
}

/* ---- /stats ---- */

/* Counters and times in ns as JSON integers: cJSON prints a double above
 * INT_MAX in exponent form (1.7966488503356155e+18), digits lost. */
static void add_uint(cJSON *o, const char *name, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, v);
    cJSON_AddRawToObject(o, name, text);
}

static cJSON *camera_json(const camera_figures *f, unsigned index)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "index", index);
    cJSON_AddStringToObject(c, "name", f->name);
    cJSON_AddStringToObject(c, "state", f->online ? "online" : "offline");
    cJSON_AddNumberToObject(c, "grab_fps", f->grab_fps);
    add_uint(c, "frames_grabbed", f->grabbed);
    add_uint(c, "frames_dropped", f->dropped);
    add_uint(c, "ring_overwritten", f->ring_overwritten);
    add_uint(c, "frames_encoded", f->encoded);
    add_uint(c, "encode_errors", f->encode_errors);
    add_uint(c, "grab_errors", f->grab_errors);
    add_uint(c, "reconnects", f->reconnects);
    if (f->last_frame_age_s >= 0)
        cJSON_AddNumberToObject(c, "last_frame_age_ms", f->last_frame_age_s * 1e3);
    else
        cJSON_AddNullToObject(c, "last_frame_age_ms");
    if (f->last_grab_age_s >= 0)
        cJSON_AddNumberToObject(c, "last_grab_age_ms", f->last_grab_age_s * 1e3);
    else
        cJSON_AddNullToObject(c, "last_grab_age_ms");
    if (f->last_error_ns) {
        cJSON_AddStringToObject(c, "last_error", f->last_error);
        add_uint(c, "last_error_ns", f->last_error_ns);
    } else {
        cJSON_AddNullToObject(c, "last_error");
        cJSON_AddNullToObject(c, "last_error_ns");
    }
    cJSON_AddNumberToObject(c, "encode_ms_p50", f->encode_p50_ms);
    cJSON_AddNumberToObject(c, "encode_ms_p99", f->encode_p99_ms);
    add_uint(c, "jpeg_bytes", f->jpeg_bytes);
    add_uint(c, "last_jpeg_bytes", f->last_jpeg_bytes);
    add_uint(c, "encode_strips", f->encode_strips);
    add_uint(c, "ring_slots", f->ring_slots);
    if (f->grab_cpu_s >= 0)
        cJSON_AddNumberToObject(c, "grab_cpu_s", f->grab_cpu_s);
    else
        cJSON_AddNullToObject(c, "grab_cpu_s");
    /* The device clock against the host's: cameras whose offsets agree and
     * drift alike share a clock. */
    cJSON *k = cJSON_AddObjectToObject(c, "clock");
    cJSON_AddStringToObject(k, "source", f->host_clock ? "host" : f->ptp ? "ptp" : "camera");
    if (f->ptp)
        cJSON_AddStringToObject(k, "ptp", f->ptp);
    if (f->clock_valid)
        cJSON_AddNumberToObject(k, "offset_ms", f->clock_offset_ms);
    else
        cJSON_AddNullToObject(k, "offset_ms");
    if (f->has_drift)
        cJSON_AddNumberToObject(k, "drift_ppm", f->clock_drift_ppm);
    else
        cJSON_AddNullToObject(k, "drift_ppm");
    add_uint(k, "jumps", f->clock_jumps);
    if (f->aravis) {
        cJSON *a = cJSON_AddObjectToObject(c, "aravis");
        add_uint(a, "buffers_completed", f->completed);
        add_uint(a, "buffers_failed", f->failed);
        add_uint(a, "buffers_underrun", f->underruns);
        add_uint(a, "packets_resent", f->resent);
        add_uint(a, "packets_missing", f->missing);
    }
    return c;
}

typedef struct client_walk {
    cJSON *list;
    const cc_mux *mux;
    uint64_t now_ns;
    uint64_t sent, skipped;
    size_t count;
    size_t per_variant[CC_VARIANTS];
} client_walk;

static const char *variant_name(const cc_mux *m, unsigned v)
{
    return cc_variant_name(m->cfg, v);
}

static void client_json(const cc_client_info *info, void *arg)
{
    client_walk *w = arg;
    cJSON *c = cJSON_CreateObject();
    add_uint(c, "id", info->id);
    if (info->peer) /* only with expose_client_addresses */
        cJSON_AddStringToObject(c, "address", info->peer);
    add_uint(c, "connected_since_ns", info->since_ns);
    cJSON_AddNumberToObject(c, "connected_s",
                            (double)(w->now_ns - info->since_ns) / 1e9);
    add_uint(c, "bundles_sent", info->bundles_sent);
    add_uint(c, "bundles_skipped", info->bundles_skipped);
    add_uint(c, "queued_bytes", info->queued_bytes);
    cJSON_AddStringToObject(c, "variant", variant_name(w->mux, info->variant));
    cJSON_AddNumberToObject(c, "max_fps", info->max_fps);
    cJSON_AddNumberToObject(c, "window", info->window);
    cJSON_AddNumberToObject(c, "bundles_withheld", (double)info->bundles_withheld);
    cJSON_AddNumberToObject(c, "acks_refused", (double)info->acks_refused);
    if (info->variant < CC_VARIANTS)
        w->per_variant[info->variant]++;
    cJSON *cams = cJSON_AddArrayToObject(c, "cameras");
    for (unsigned i = 0; i < 64; i++)
        if (info->cameras & (UINT64_C(1) << i))
            cJSON_AddItemToArray(cams, cJSON_CreateNumber(i));
    cJSON_AddItemToArray(w->list, c);
    w->sent += info->bundles_sent;
    w->skipped += info->bundles_skipped;
    w->count++;
}

/* The server's limits and access checks, by name: the same names in
 * /stats and in /metrics' camcast_refused_total{reason=...}. */
typedef struct limit_counter {
    const char *name;
    uint64_t value;
} limit_counter;

#define LIMIT_COUNTERS 9

static size_t limit_counters(const cc_server *srv, limit_counter out[LIMIT_COUNTERS])
{
    cc_server_counters k = cc_server_get_counters(srv);
    const limit_counter all[] = {
        {"evicted_pending", k.evicted_pending},
        {"handshake_timeout", k.handshake_timeouts},
        {"full", k.refused_full},
        {"per_address", k.refused_per_address},
        {"token", k.refused_token},
        {"origin", k.refused_origin},
        {"host", k.refused_host},
        {"stalled", k.closed_stalled},
        {"protocol_error", k.protocol_errors},
    };
    _Static_assert(sizeof all / sizeof all[0] == LIMIT_COUNTERS, "room for each");
    memcpy(out, all, sizeof all);
    return sizeof all / sizeof all[0];
}

static void limits_json(cJSON *o, const cc_stats *st)
{
    const cc_server *srv = st->srv;
    limit_counter k[LIMIT_COUNTERS];
    size_t n = limit_counters(srv, k);
    for (size_t i = 0; i < n; i++)
        add_uint(o, k[i].name, k[i].value);
    cc_stats_rtsp r;
    if (st->rtsp && st->rtsp(&r, st->rtsp_arg))
        for (size_t i = 0; i < r.n_limited && i < CC_STATS_RTSP_LIMITS; i++) {
            char name[64];
            snprintf(name, sizeof name, "rtsp_%s", r.limited_name[i]);
            add_uint(o, name, r.limited[i]);
        }
    add_uint(o, "pending_connections", cc_server_get_counters(srv).pending);
}

/* Each variant's encodes: ticks it was wanted on, entries, cost. */
static void variants_json(cJSON *list, const cc_mux *m, const client_walk *w)
{
    for (unsigned v = 0; v < m->n_var; v++) {
        const cc_mux_variant *k = &m->vars[v];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return;
        cJSON_AddItemToArray(list, o);
        cJSON_AddStringToObject(o, "name", variant_name(m, v));
        add_uint(o, "clients", w->per_variant[v]);
        add_uint(o, "ticks", k->ticks);
        add_uint(o, "encoded", k->encoded);
        add_uint(o, "encode_errors", k->encode_errors);
        add_uint(o, "jpeg_bytes", k->jpeg_bytes);
        double n = k->encoded ? (double)k->encoded : 1;
        cJSON_AddNumberToObject(o, "encode_ms_mean", (double)k->encode_ns / 1e6 / n);
        cJSON_AddNumberToObject(o, "convert_ms_mean", (double)k->convert_ns / 1e6 / n);
    }
}

/* Nearest-rank percentile of a sync group's spreads, in microseconds. */
static double spread_pct(const cc_mux_sync *s, unsigned pct)
{
    unsigned n = s->spread_samples;
    if (n == 0)
        return 0;
    uint32_t v[CC_MUX_SPREAD_SAMPLES];
    memcpy(v, s->spread_ns, n * sizeof v[0]);
    qsort(v, n, sizeof v[0], cmp_u32);
    return v[(n * pct + 99) / 100 - 1] / 1000.0;
}

static cJSON *names_json(const cc_stats *st, uint64_t mask)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < st->n; i++)
        if (mask >> i & 1)
            cJSON_AddItemToArray(list, cJSON_CreateString(st->cams[i].cfg->name));
    return list;
}

/* Each sync group: how its ticks went, how far apart its moments were. */
static void sync_json(cJSON *list, const cc_stats *st)
{
    const cc_mux *m = st->mux;
    for (size_t g = 0; g < m->n_syncs; g++) {
        const cc_mux_sync *s = &m->syncs[g];
        const cc_align_group *a = &s->align;
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return;
        cJSON_AddItemToArray(list, o);
        cJSON_AddStringToObject(o, "name", s->cfg->name);
        cJSON_AddStringToObject(o, "trigger", cc_sync_trigger_name(s->cfg));
        cJSON_AddItemToObject(o, "cameras", names_json(st, m->sync_masks[g]));
        cJSON_AddNumberToObject(o, "tolerance_us", s->cfg->tolerance_us);
        cJSON_AddNumberToObject(o, "wait_ms", s->cfg->wait_resolved_ms);
        cJSON_AddBoolToObject(o, "clock_shared", s->shared);
        add_uint(o, "ticks_aligned", a->aligned);
        add_uint(o, "ticks_partial", a->partial);
        add_uint(o, "ticks_unaligned", a->unaligned);
        add_uint(o, "ticks_waited", s->ticks_waited);
        cJSON_AddNumberToObject(o, "spread_us_p50", spread_pct(s, 50));
        cJSON_AddNumberToObject(o, "spread_us_p99", spread_pct(s, 99));
        cJSON_AddItemToObject(o, "out_of_step", names_json(st, s->out & m->sync_masks[g]));
    }
}

static void rtsp_json(cJSON *root, const cc_stats *st)
{
    cc_stats_rtsp r;
    if (!st->rtsp || !st->rtsp(&r, st->rtsp_arg))
        return;
    cJSON *o = cJSON_AddObjectToObject(root, "rtsp");
    add_uint(o, "clients", r.clients);
    add_uint(o, "sessions", r.sessions);
    add_uint(o, "cameras_playing", r.media);
    add_uint(o, "clients_total", r.clients_total);
    add_uint(o, "refused_token", r.refused_token);
    add_uint(o, "frames_pushed", r.frames_pushed);
    add_uint(o, "frames_replaced", r.frames_replaced);
    add_uint(o, "frames_skipped", r.frames_skipped);
}

static char *stats_json(const cc_stats *st)
{
    uint64_t now = cc_realtime_ns();
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "server", "camcastd " CC_VERSION);
    cJSON_AddNumberToObject(root, "uptime_s", uptime_s(st));
    add_uint(root, "bundles_muxed", st->mux->seq);
    add_uint(root, "ticks_late", st->mux->ticks_late);

    cJSON *cams = cJSON_AddArrayToObject(root, "cameras");
    uint64_t grabbed = 0, dropped = 0, encoded = 0, bytes = 0;
    for (size_t i = 0; i < st->n; i++) {
        camera_figures f = camera_get(st, i, now);
        cJSON_AddItemToArray(cams, camera_json(&f, (unsigned)i));
        grabbed += f.grabbed;
        dropped += f.dropped;
        encoded += f.encoded;
        bytes += f.jpeg_bytes;
    }
    client_walk w = {.list = cJSON_AddArrayToObject(root, "clients"), .now_ns = now,
                     .mux = st->mux};
    cc_server_foreach_client(st->srv, client_json, &w);
    variants_json(cJSON_AddArrayToObject(root, "variants"), st->mux, &w);
    if (st->mux->n_syncs)
        sync_json(cJSON_AddArrayToObject(root, "sync"), st);
    rtsp_json(root, st);

    cJSON *t = cJSON_AddObjectToObject(root, "totals");
    add_uint(t, "clients", w.count);
    add_uint(t, "frames_grabbed", grabbed);
    add_uint(t, "frames_dropped", dropped);
    add_uint(t, "frames_encoded", encoded);
    add_uint(t, "jpeg_bytes", bytes);
    add_uint(t, "bundles_sent", w.sent);
    add_uint(t, "bundles_skipped", w.skipped);
    limits_json(cJSON_AddObjectToObject(root, "limits"), st);

    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

/* ---- /metrics ---- */

typedef struct text {
    char *buf;
    size_t len, cap;
    bool failed;
} text;

static void appendf(text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void appendf(text *t, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2 && !t->failed; attempt++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
        } else if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        } else {
            size_t cap = (t->cap + (size_t)n + 1) * 2;
            char *p = realloc(t->buf, cap);
            if (!p)
                t->failed = true;
            else {
                t->buf = p;
                t->cap = cap;
            }
        }
    }
}

static void family(text *t, const char *name, const char *type, const char *help)
{
    appendf(t, "# HELP camcast_%s %s\n# TYPE camcast_%s %s\n", name, help, name, type);
}

/* One metric family with a sample per camera. */
static void per_camera(text *t, const camera_figures *f, size_t n, const char *name,
                       const char *type, const char *help, size_t offset, bool is_u64)
{
    family(t, name, type, help);
    for (size_t i = 0; i < n; i++) {
        const char *field = (const char *)&f[i] + offset;
        if (is_u64)
            appendf(t, "camcast_%s{camera=\"%s\"} %" PRIu64 "\n", name, f[i].name,
                    *(const uint64_t *)field);
        else
            appendf(t, "camcast_%s{camera=\"%s\"} %.6g\n", name, f[i].name,
                    *(const double *)field);
    }
}

#define U64(name, type, help, field)                                       \
    per_camera(t, f, st->n, name, type, help, offsetof(camera_figures, field), true)
#define DBL(name, type, help, field)                                       \
    per_camera(t, f, st->n, name, type, help, offsetof(camera_figures, field), false)

/* An age in seconds per camera; cameras without one yet (< 0) are left out. */
static void age_metric(text *t, const camera_figures *f, size_t n, const char *name,
                       const char *help, size_t offset)
{
    family(t, name, "gauge", help);
    for (size_t i = 0; i < n; i++) {
        double age = *(const double *)((const char *)&f[i] + offset);
        if (age >= 0)
            appendf(t, "camcast_%s{camera=\"%s\"} %.6g\n", name, f[i].name, age);
    }
}

static void camera_metrics(text *t, const cc_stats *st, const camera_figures *f)
{
    family(t, "camera_online", "gauge", "1 when the camera delivers frames");
    for (size_t i = 0; i < st->n; i++)
        appendf(t, "camcast_camera_online{camera=\"%s\"} %d\n", f[i].name, f[i].online);
    DBL("camera_grab_fps", "gauge", "Frames grabbed per second, last second", grab_fps);
    U64("camera_frames_grabbed_total", "counter", "Frames grabbed", grabbed);
    U64("camera_frames_dropped_total", "counter", "Frames grabbed but not streamed",
        dropped);
    U64("camera_ring_overwritten_total", "counter",
        "Frames overwritten because the ring was full", ring_overwritten);
    U64("camera_frames_encoded_total", "counter", "Frames encoded and streamed", encoded);
    U64("camera_encode_errors_total", "counter", "Frames the encoder refused",
        encode_errors);
    U64("camera_grab_errors_total", "counter", "Failed grabs", grab_errors);
    U64("camera_reconnects_total", "counter", "Times the camera came back", reconnects);
    DBL("camera_encode_p50_ms", "gauge", "Median encode time, latest frames",
        encode_p50_ms);
    DBL("camera_encode_p99_ms", "gauge", "99th percentile encode time, latest frames",
        encode_p99_ms);
    U64("camera_jpeg_bytes_total", "counter", "JPEG bytes streamed", jpeg_bytes);
    U64("camera_last_jpeg_bytes", "gauge", "Size of the last JPEG", last_jpeg_bytes);
    family(t, "camera_grab_cpu_seconds_total", "counter",
           "CPU time of the camera's grab thread");
    for (size_t i = 0; i < st->n; i++)
        if (f[i].grab_cpu_s >= 0)
            appendf(t, "camcast_camera_grab_cpu_seconds_total{camera=\"%s\"} %.6f\n",
                    f[i].name, f[i].grab_cpu_s);
    age_metric(t, f, st->n, "camera_last_frame_age_seconds", "Age of the last streamed frame",
               offsetof(camera_figures, last_frame_age_s));
    age_metric(t, f, st->n, "camera_last_grab_age_seconds",
               "Age of the last grabbed frame, streamed or not",
               offsetof(camera_figures, last_grab_age_s));
}

static void aravis_metrics(text *t, const cc_stats *st, const camera_figures *f)
{
    family(t, "camera_buffers_total", "counter",
           "Aravis stream buffers by outcome (completed, failed, underrun)");
    for (size_t i = 0; i < st->n; i++) {
        if (!f[i].aravis)
            continue;
        appendf(t,
                "camcast_camera_buffers_total{camera=\"%s\",state=\"completed\"} %" PRIu64
                "\ncamcast_camera_buffers_total{camera=\"%s\",state=\"failed\"} %" PRIu64
                "\ncamcast_camera_buffers_total{camera=\"%s\",state=\"underrun\"} %" PRIu64
                "\n",
                f[i].name, f[i].completed, f[i].name, f[i].failed, f[i].name,
                f[i].underruns);
    }
    family(t, "camera_packets_total", "counter",
           "GigE Vision packets resent or missing");
    for (size_t i = 0; i < st->n; i++) {
        if (!f[i].aravis)
            continue;
        appendf(t,
                "camcast_camera_packets_total{camera=\"%s\",state=\"resent\"} %" PRIu64
                "\ncamcast_camera_packets_total{camera=\"%s\",state=\"missing\"} %" PRIu64
                "\n",
                f[i].name, f[i].resent, f[i].name, f[i].missing);
    }
}

static void client_metric(const cc_client_info *info, void *arg)
{
    text *t = arg;
    if (!info->peer) {
        appendf(t,
                "camcast_client_bundles_sent_total{client=\"%" PRIu64 "\"} %" PRIu64 "\n"
                "camcast_client_bundles_skipped_total{client=\"%" PRIu64 "\"} %" PRIu64 "\n"
                "camcast_client_queued_bytes{client=\"%" PRIu64 "\"} %zu\n",
                info->id, info->bundles_sent, info->id, info->bundles_skipped, info->id,
                info->queued_bytes);
        return;
    }
    appendf(t,
            "camcast_client_bundles_sent_total{client=\"%" PRIu64 "\",address=\"%s\"} %"
            PRIu64 "\n"
            "camcast_client_bundles_skipped_total{client=\"%" PRIu64 "\",address=\"%s\"} %"
            PRIu64 "\n"
            "camcast_client_queued_bytes{client=\"%" PRIu64 "\",address=\"%s\"} %zu\n",
            info->id, info->peer, info->bundles_sent, info->id, info->peer,
            info->bundles_skipped, info->id, info->peer, info->queued_bytes);
}

static void limit_metrics(text *t, const cc_stats *st)
{
    const cc_server *srv = st->srv;
    limit_counter k[LIMIT_COUNTERS];
    size_t n = limit_counters(srv, k);
    family(t, "limited_total", "counter",
           "Connections refused or closed by a limit or an access check, by reason");
    for (size_t i = 0; i < n; i++)
        appendf(t, "camcast_limited_total{reason=\"%s\"} %" PRIu64 "\n", k[i].name,
                k[i].value);
    cc_stats_rtsp r;
    if (st->rtsp && st->rtsp(&r, st->rtsp_arg))
        for (size_t i = 0; i < r.n_limited && i < CC_STATS_RTSP_LIMITS; i++)
            appendf(t, "camcast_limited_total{reason=\"rtsp_%s\"} %" PRIu64 "\n",
                    r.limited_name[i], r.limited[i]);
    family(t, "pending_connections", "gauge", "Connections not yet upgraded");
    appendf(t, "camcast_pending_connections %zu\n", cc_server_get_counters(srv).pending);
}

static void variant_metrics(text *t, const cc_mux *m)
{
    family(t, "variant_ticks_total", "counter",
           "Ticks a variant was encoded on (full: every tick)");
    for (unsigned v = 0; v < m->n_var; v++)
        appendf(t, "camcast_variant_ticks_total{variant=\"%s\"} %" PRIu64 "\n",
                variant_name(m, v), m->vars[v].ticks);
    family(t, "variant_encoded_total", "counter", "Camera entries encoded, by variant");
    for (unsigned v = 0; v < m->n_var; v++)
        appendf(t, "camcast_variant_encoded_total{variant=\"%s\"} %" PRIu64 "\n",
                variant_name(m, v), m->vars[v].encoded);
    family(t, "variant_jpeg_bytes_total", "counter", "JPEG bytes encoded, by variant");
    for (unsigned v = 0; v < m->n_var; v++)
        appendf(t, "camcast_variant_jpeg_bytes_total{variant=\"%s\"} %" PRIu64 "\n",
                variant_name(m, v), m->vars[v].jpeg_bytes);
}

static void clock_metrics(text *t, const cc_stats *st, const camera_figures *f)
{
    family(t, "camera_clock_offset_seconds", "gauge",
           "Host clock minus the camera's clock (the least delivery delay included)");
    for (size_t i = 0; i < st->n; i++)
        if (f[i].clock_valid)
            appendf(t, "camcast_camera_clock_offset_seconds{camera=\"%s\"} %.9f\n",
                    f[i].name, f[i].clock_offset_ms / 1e3);
    family(t, "camera_clock_drift_ppm", "gauge",
           "How fast the camera's clock runs against the host's (ppm, + is fast)");
    for (size_t i = 0; i < st->n; i++)
        if (f[i].has_drift)
            appendf(t, "camcast_camera_clock_drift_ppm{camera=\"%s\"} %.3f\n", f[i].name,
                    f[i].clock_drift_ppm);
}

static void sync_metrics(text *t, const cc_mux *m)
{
    if (!m->n_syncs)
        return;
    family(t, "sync_ticks_total", "counter",
           "Ticks of a sync group by outcome: aligned, partial (a camera out of step), "
           "unaligned; and waited (for a frame, before one of those)");
    for (size_t g = 0; g < m->n_syncs; g++) {
        const cc_align_group *a = &m->syncs[g].align;
        const char *name = m->syncs[g].cfg->name;
        appendf(t,
                "camcast_sync_ticks_total{group=\"%s\",outcome=\"aligned\"} %" PRIu64 "\n"
                "camcast_sync_ticks_total{group=\"%s\",outcome=\"partial\"} %" PRIu64 "\n"
                "camcast_sync_ticks_total{group=\"%s\",outcome=\"unaligned\"} %" PRIu64
                "\ncamcast_sync_ticks_total{group=\"%s\",outcome=\"waited\"} %" PRIu64
                "\n",
                name, a->aligned, name, a->partial, name, a->unaligned, name,
                m->syncs[g].ticks_waited);
    }
}

static void rtsp_metrics(text *t, const cc_stats *st)
{
    cc_stats_rtsp r;
    if (!st->rtsp || !st->rtsp(&r, st->rtsp_arg))
        return;
    family(t, "rtsp_clients", "gauge", "RTSP connections open");
    appendf(t, "camcast_rtsp_clients %" PRIu64 "\n", r.clients);
    family(t, "rtsp_sessions", "gauge", "RTSP sessions (SETUP done, not torn down)");
    appendf(t, "camcast_rtsp_sessions %" PRIu64 "\n", r.sessions);
    family(t, "rtsp_frames_pushed_total", "counter", "JPEGs handed to RTSP media");
    appendf(t, "camcast_rtsp_frames_pushed_total %" PRIu64 "\n", r.frames_pushed);
    family(t, "rtsp_frames_skipped_total", "counter",
           "JPEGs an RTSP client missed because it was behind");
    appendf(t, "camcast_rtsp_frames_skipped_total %" PRIu64 "\n", r.frames_skipped);
}

static char *stats_metrics(const cc_stats *st)
{
    text t = {0};
    camera_figures f[CC_MAX_CAMERAS];
    uint64_t now = cc_realtime_ns();
    for (size_t i = 0; i < st->n; i++)
        f[i] = camera_get(st, i, now);

    family(&t, "uptime_seconds", "gauge", "Seconds since the daemon started");
    appendf(&t, "camcast_uptime_seconds %.3f\n", uptime_s(st));
    family(&t, "bundles_muxed_total", "counter", "FrameBundles muxed");
    appendf(&t, "camcast_bundles_muxed_total %" PRIu64 "\n", st->mux->seq);
    family(&t, "ticks_late_total", "counter",
           "Stream ticks that came due while encoding was behind");
    appendf(&t, "camcast_ticks_late_total %" PRIu64 "\n", st->mux->ticks_late);
    family(&t, "clients", "gauge", "WebSocket clients connected");
    appendf(&t, "camcast_clients %zu\n", cc_server_client_count(st->srv));
    camera_metrics(&t, st, f);
    aravis_metrics(&t, st, f);
    family(&t, "client_bundles_sent_total", "counter", "Bundles sent to a client");
    family(&t, "client_bundles_skipped_total", "counter",
           "Bundles a client missed because it was behind");
    family(&t, "client_queued_bytes", "gauge", "Bytes written to a client, not yet sent");
    cc_server_foreach_client(st->srv, client_metric, &t);
    variant_metrics(&t, st->mux);
    clock_metrics(&t, st, f);
    sync_metrics(&t, st->mux);
    rtsp_metrics(&t, st);
    limit_metrics(&t, st);
    if (t.failed) {
        free(t.buf);
        return NULL;
    }
    return t.buf;
}

/* ---- /healthz ---- */

/* "NAME offline: ERROR (since HH:MM:SS UTC)" for one camera. */
static size_t offline_line(const cc_camera *cam, char *out, size_t cap)
{
    char error[512];
    uint64_t at = cc_camera_last_error(cam, error, sizeof error);
    time_t secs = (time_t)(at / 1000000000u);
    struct tm tm;
    char when[16] = "?";
    if (at && gmtime_r(&secs, &tm))
        strftime(when, sizeof when, "%H:%M:%S", &tm);
    int n = snprintf(out, cap, "%s offline: %s (since %s UTC)\n", cam->cfg->name,
                     at ? error : "no error recorded", when);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
}

/* 503 when a required camera is offline; 200 "degraded" when only
 * optional ones (required = false) are: the daemon does its job, and a
 * restart would not bring them back (docs/operations.md); else 200 "ok".
 * Each offline camera's last error follows, one line each. */
int cc_stats_health(const cc_stats *st, char *reason, size_t cap)
{
    size_t online = 0;
    const char *down = NULL;
    for (size_t i = 0; i < st->n; i++) {
        const cc_camera *cam = &st->cams[i];
        if (atomic_load_explicit(&cam->online, memory_order_relaxed))
            online++;
        else if (!down && (cam->cfg->source != CC_SOURCE_ARAVIS || cam->cfg->aravis.required))
            down = cam->cfg->name;
    }
    int status = 200;
    int n;
    if (down) {
        status = 503;
        n = snprintf(reason, cap, "camera %s is offline (%zu/%zu cameras online)\n", down,
                     online, st->n);
    } else {
        n = snprintf(reason, cap, "%s: %zu/%zu cameras online\n",
                     online < st->n ? "degraded" : "ok", online, st->n);
    }
    size_t used = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
    for (size_t i = 0; i < st->n && used + 1 < cap; i++)
        if (!atomic_load_explicit(&st->cams[i].online, memory_order_relaxed))
            used += offline_line(&st->cams[i], reason + used, cap - used);
    return status;
}

void cc_stats_set_rtsp(cc_stats *st, cc_stats_rtsp_fn fn, void *arg)
{
    st->rtsp = fn;
    st->rtsp_arg = arg;
}

int cc_stats_page(const char *path, cc_http_page *page, void *arg)
{
    const cc_stats *st = arg;
    if (strcmp(path, "/stats") == 0) {
        page->status = 200;
        page->content_type = "application/json";
        page->body = stats_json(st);
    } else if (strcmp(path, "/metrics") == 0) {
        page->status = 200;
        page->content_type = "text/plain; version=0.0.4; charset=utf-8";
        page->body = stats_metrics(st);
    } else if (strcmp(path, "/healthz") == 0) {
        char reason[2048];
        page->status = cc_stats_health(st, reason, sizeof reason);
        page->content_type = "text/plain; charset=utf-8";
        page->body = strdup(reason);
    } else {
        return -ENOENT;
    }
    if (!page->body) {
        page->status = 500;
        page->content_type = "text/plain; charset=utf-8";
    }
    return 0;
}
