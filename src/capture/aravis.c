#include "aravis.h"

#include <arpa/inet.h>
#include <arv.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "devclock.h"
#include "genicam.h"
#include "schedule.h"
#include "clock.h"

#define NS_PER_MS 1000000ull
#define STATS_PERIOD_NS (250 * NS_PER_MS)
/* PTP state reads: a register round trip on the grab thread, so rarely. */
#define PTP_PERIOD_NS CC_NS_PER_SEC
/* Matching frames to software triggers (trigger_of): the window of the
 * latency's estimate, and how far off a frame may be before the camera's
 * clock is taken to have jumped. */
#define TRIGGER_WINDOW_NS CC_NS_PER_SEC
#define TRIGGER_JUMP_NS CC_NS_PER_SEC
/* Aravis buffers per stream: 50 ms of frames. The grab thread returns each
 * one at once, so they only absorb the thread's scheduling delays. */
#define BUFFER_SECONDS 0.05
#define MIN_BUFFERS 8
#define MAX_BUFFERS 32
#define STREAM_RT_PRIORITY 10
#define STREAM_NICE (-10)
/* The sizes cams.ini accepts (src/config/camera.c, width and height): a camera that
 * reports more is broken or lying, and rings and buffers would be sized
 * from it. */
#define MIN_SIDE 16
#define MAX_SIDE 16384
/* A payload is a frame plus chunk data and padding: more than twice the
 * frame and 1 MiB is not one (32 Aravis buffers are allocated of it). */
#define PAYLOAD_SLACK (1u << 20)

typedef struct counts {
    uint64_t completed, failed, underruns, resent, missing;
} counts;

typedef struct arv_source {
    cc_source base; /* first, so a cc_source * is an arv_source * */
    const cc_camera_config *cfg;
    ArvCamera *camera;
    ArvStream *stream;
    gulong lost_handler;
    atomic_bool control_lost; /* set by Aravis' heartbeat thread */
    bool gone;      /* lost: do not talk to it on the way out */
    bool acquiring;
    /* Set live to wait for triggers camcastd does not fire: a quiet camera
     * is not lost (see watchdog). */
    bool awaits_trigger;
    bool gige;
    char id[CC_VALUE_MAX]; /* Aravis' device id */
    /* CLOCK_MONOTONIC ns */
    uint64_t last_frame_ns;
    uint64_t next_trigger_ns;   /* on the software schedule (schedule.h) */
    uint64_t trigger_period_ns;
    uint64_t last_fired_ns;     /* the latest trigger's instant; 0: none */
    uint64_t next_stats_ns;
    uint64_t next_ptp_ns;
    /* device time - trigger instant of its frames (trigger_of): the
     * largest over this window and the last one. */
    bool lag_valid;
    int64_t lag_ns, lag_window, lag_last;
    uint64_t lag_since;
    counts released; /* of the streams already released */
    /* frame ids (extend_id) */
    uint64_t last_raw_id, id_base, last_id;
} arv_source;

/* Aravis' device list is global and not safe against concurrent updates;
 * grab threads reconnecting at the same time take turns. */
static pthread_mutex_t discovery_lock = PTHREAD_MUTEX_INITIALIZER;
/* When the list was last discovered (CLOCK_MONOTONIC ns), under the lock:
 * cameras opened together share one discovery, which takes a second. */
static uint64_t discovered_ns;
#define DISCOVERY_FRESH_NS (5 * CC_NS_PER_SEC)

/* ---- discovery ---- */

/* Whether Aravis was touched, so programs that never use it do not pay
 * for its shutdown (which would set up GLib's type system first). */
static atomic_bool used;

static void use(void)
{
    atomic_store_explicit(&used, true, memory_order_relaxed);
}

/* Whether aravis_fake turned on Aravis' in-process Fake interface. */
static atomic_bool fake_enabled;

void cc_aravis_enable_fake(void)
{
    use();
    arv_enable_interface("Fake");
    atomic_store_explicit(&fake_enabled, true, memory_order_relaxed);
}

void cc_aravis_shutdown(void)
{
    if (atomic_load_explicit(&used, memory_order_relaxed))
        arv_shutdown();
}

static void copy_str(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

/* Under discovery_lock. */
static void discover(void)
{
    arv_update_device_list();
    discovered_ns = cc_clock_ns(CLOCK_MONOTONIC);
}

static bool list_is_fresh(void)
{
    return discovered_ns &&
           cc_clock_ns(CLOCK_MONOTONIC) - discovered_ns < DISCOVERY_FRESH_NS;
}

/* Under discovery_lock, after a discovery. */
static void device_at(unsigned i, cc_aravis_device *d)
{
    copy_str(d->id, sizeof d->id, arv_get_device_id(i));
    copy_str(d->vendor, sizeof d->vendor, arv_get_device_vendor(i));
    copy_str(d->model, sizeof d->model, arv_get_device_model(i));
    copy_str(d->serial, sizeof d->serial, arv_get_device_serial_nbr(i));
    copy_str(d->address, sizeof d->address, arv_get_device_address(i));
    copy_str(d->protocol, sizeof d->protocol, arv_get_device_protocol(i));
}

size_t cc_aravis_list(cc_aravis_device *out, size_t max)
{
    use();
    pthread_mutex_lock(&discovery_lock);
    discover();
    size_t n = arv_get_n_devices();
    for (size_t i = 0; i < n && i < max; i++)
        device_at((unsigned)i, &out[i]);
    pthread_mutex_unlock(&discovery_lock);
    return n;
}

/* The Aravis id of the listed camera whose id, serial number, address or
 * physical id is want. Under discovery_lock. */
static bool find_device(const char *want, char *id, size_t len)
{
    unsigned n = arv_get_n_devices();
    for (unsigned i = 0; i < n; i++) {
        const char *names[] = {arv_get_device_id(i), arv_get_device_serial_nbr(i),
                               arv_get_device_address(i),
                               arv_get_device_physical_id(i)};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            if (names[k] && strcmp(names[k], want) == 0) {
                copy_str(id, len, arv_get_device_id(i));
                return true;
            }
        }
    }
    return false;
}

/* "Aravis sees 2 cameras: ID (VENDOR MODEL, serial S, ADDRESS), ...".
 * Under discovery_lock, after a discovery. */
static void describe_devices(char *buf, size_t len)
{
    unsigned n = arv_get_n_devices();
    size_t used = (size_t)snprintf(buf, len, n ? "Aravis sees %u camera%s: "
                                   : "Aravis sees no cameras", n,
                                   n == 1 ? "" : "s");
    for (unsigned i = 0; i < n && used < len; i++) {
        cc_aravis_device d;
        device_at(i, &d);
        used += (size_t)snprintf(buf + used, len - used,
                                 "%s%s (%s %s, serial %s, %s)", i ? ", " : "",
                                 d.id, d.vendor, d.model, d.serial, d.address);
    }
}

static bool is_ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

/* ---- messages ---- */

/* "FILE:LINE: [camera NAME] KEY: detail", at the key's line. */
__attribute__((format(printf, 5, 6)))
static void report(const arv_source *s, cc_camera_key key, char *err,
                   size_t errlen, const char *fmt, ...)
{
    char detail[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    cc_camera_config_error(s->cfg, s->cfg->key_line[key],
                           cc_camera_key_name(key), err, errlen, "%s", detail);
}

static ArvDevice *device(const arv_source *s)
{
    return arv_camera_get_device(s->camera);
}

/* ---- opening ---- */

/* Opens want as found in the device list, or as an IP address that
 * discovery does not reach. Under discovery_lock. */
static bool try_open(arv_source *s, const char *want, GError **e)
{
    bool found = find_device(want, s->id, sizeof s->id);
    if (!found && is_ipv4(want))
        copy_str(s->id, sizeof s->id, want);
    g_clear_error(e);
    if (found || is_ipv4(want))
        s->camera = arv_camera_new(s->id, e);
    return found;
}

/* An in-process Fake camera named by its id opens without a discovery,
 * which broadcasts on every network interface: Aravis asks its Fake
 * interface first. */
static bool open_fake(arv_source *s, const char *want)
{
    if (!atomic_load_explicit(&fake_enabled, memory_order_relaxed) ||
        strncmp(want, "Fake_", 5) != 0)
        return false;
    s->camera = arv_camera_new(want, NULL);
    if (s->camera)
        copy_str(s->id, sizeof s->id, want);
    return s->camera != NULL;
}

static int open_camera(arv_source *s, char *err, size_t errlen)
{
    const char *want = s->cfg->aravis.device;
    char seen[320] = "";
    GError *e = NULL;
    pthread_mutex_lock(&discovery_lock);
    if (open_fake(s, want)) {
        pthread_mutex_unlock(&discovery_lock);
        return 0;
    }
    bool fresh = list_is_fresh();
    if (!fresh)
        discover();
    bool found = try_open(s, want, &e);
    if (!s->camera && fresh) { /* listed a moment ago, gone since? */
        discover();
        found = try_open(s, want, &e);
    }
    if (!s->camera)
        describe_devices(seen, sizeof seen);
    pthread_mutex_unlock(&discovery_lock);
    if (s->camera)
        return 0;
    if (found) {
        report(s, CC_KEY_DEVICE, err, errlen, "cannot open camera '%s': %s",
               s->id, e ? e->message : "unknown error");
        g_clear_error(&e);
        return -EIO;
    }
    g_clear_error(&e);
    report(s, CC_KEY_DEVICE, err, errlen, "camera '%s' not found; %s", want,
           seen);
    return -ENODEV;
}

/* ---- what the camera really runs at ---- */

typedef struct shape {
    uint32_t width, height;
    cc_pixfmt fmt;
    double fps;
} shape;

static double read_fps(const arv_source *s)
{
    const cc_camera_config *c = s->cfg;
    if (c->aravis.trigger != CC_TRIGGER_OFF)
        return cc_camera_has(c, CC_KEY_GRAB_FPS) ? c->grab_fps : 0;
    if (!arv_camera_is_frame_rate_available(s->camera, NULL))
        return 0;
    return arv_camera_get_frame_rate(s->camera, NULL);
}

static int read_shape(arv_source *s, shape *out, char *err, size_t errlen)
{
    gint w = 0, h = 0;
    GError *e = NULL;
    arv_camera_get_region(s->camera, NULL, NULL, &w, &h, &e);
    ArvPixelFormat code = e ? 0 : arv_camera_get_pixel_format(s->camera, &e);
    if (e) {
        report(s, CC_KEY_DEVICE, err, errlen, "cannot read the camera's image "
               "format: %s", e->message);
        g_error_free(e);
        return -EIO;
    }
    char list[512];
    if (cc_pixfmt_from_pfnc(code, &out->fmt) != 0) {
        report(s, CC_KEY_PIXEL_FORMAT, err, errlen, "the camera runs %s, which "
               "camcastd cannot stream (supported: %s)",
               arv_camera_get_pixel_format_as_string(s->camera, NULL),
               cc_pixfmt_list(list, sizeof list));
        return -ENOTSUP;
    }
    if (w < MIN_SIDE || w > MAX_SIDE || h < MIN_SIDE || h > MAX_SIDE) {
        report(s, CC_KEY_DEVICE, err, errlen, "the camera reports %dx%d, outside "
               "the %d..%d pixels a side camcastd takes", w, h, MIN_SIDE, MAX_SIDE);
        return -ERANGE;
    }
    out->width = (uint32_t)w;
    out->height = (uint32_t)h;
    out->fps = read_fps(s);
    return 0;
}

/* The first connection fixes the shape (or the config did, for a camera
 * that may start offline); later ones must deliver the same, since rings
 * and encode buffers are sized for it. */
static int adopt_shape(arv_source *s, char *err, size_t errlen)
{
    shape now;
    int rc = read_shape(s, &now, err, errlen);
    if (rc)
        return rc;
    cc_source *b = &s->base;
    if (!b->width) {
        b->width = now.width;
        b->height = now.height;
        b->fmt = now.fmt;
        b->fps = now.fps;
        return 0;
    }
    if (now.width == b->width && now.height == b->height && now.fmt == b->fmt)
        return 0;
    report(s, CC_KEY_DEVICE, err, errlen, "the camera runs %ux%u %s, not the "
           "%ux%u %s it started with", now.width, now.height,
           cc_pixfmt_name(now.fmt), b->width, b->height, cc_pixfmt_name(b->fmt));
    return -EINVAL;
}

/* ---- streaming ---- */

/* On the stream's own thread, as it starts: packets are lost when it
 * waits behind other threads. Realtime needs root or CAP_SYS_NICE; without
 * either, a raised nice level is tried, then nothing. */
static cc_stream_priority raise_priority(void)
{
    struct sched_param p = {.sched_priority = STREAM_RT_PRIORITY};
    if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &p) == 0)
        return CC_PRIORITY_REALTIME;
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), STREAM_NICE) == 0)
        return CC_PRIORITY_NICE;
    return CC_PRIORITY_NORMAL;
}

static void on_stream_event(void *user, ArvStreamCallbackType type,
                            ArvBuffer *buffer)
{
    (void)buffer;
    arv_source *s = user;
    if (type == ARV_STREAM_CALLBACK_TYPE_INIT)
        atomic_store_explicit(&s->base.stats.stream_priority, raise_priority(),
                              memory_order_relaxed);
}

/* On Aravis' heartbeat thread. */
static void on_control_lost(ArvDevice *dev, gpointer user)
{
    (void)dev;
    arv_source *s = user;
    atomic_store_explicit(&s->control_lost, true, memory_order_relaxed);
}

static void tune_gige_stream(arv_source *s)
{
    const cc_aravis_config *a = &s->cfg->aravis;
    g_object_set(s->stream, "packet-resend",
                 a->packet_resend ? ARV_GV_STREAM_PACKET_RESEND_ALWAYS
                                  : ARV_GV_STREAM_PACKET_RESEND_NEVER,
                 "socket-buffer",
                 a->socket_buffer ? ARV_GV_STREAM_SOCKET_BUFFER_FIXED
                                  : ARV_GV_STREAM_SOCKET_BUFFER_AUTO,
                 NULL);
    if (a->socket_buffer)
        g_object_set(s->stream, "socket-buffer-size", (gint)a->socket_buffer,
                     NULL);
}

static unsigned buffers_for(double fps)
{
    double n = fps * BUFFER_SECONDS;
    return n < MIN_BUFFERS ? MIN_BUFFERS : n > MAX_BUFFERS ? MAX_BUFFERS
                                                          : (unsigned)n;
}

static int start_stream(arv_source *s, char *err, size_t errlen)
{
    GError *e = NULL;
    s->gige = arv_camera_is_gv_device(s->camera);
    /* Aravis' own Fake camera draws its frames on the stream thread: that
     * one must not outrank the daemon. */
    bool boost = s->gige || arv_camera_is_uv_device(s->camera);
    s->stream = arv_camera_create_stream(s->camera, boost ? on_stream_event : NULL,
                                         s, &e);
    guint payload = s->stream ? arv_camera_get_payload(s->camera, &e) : 0;
    size_t frame = cc_source_frame_bytes(&s->base);
    if (e || !s->stream || payload < frame) {
        report(s, CC_KEY_DEVICE, err, errlen, "cannot stream from the camera: "
               "%s", e ? e->message : "its payload is smaller than a frame");
        g_clear_error(&e);
        return -EIO;
    }
    if (payload > 2 * (uint64_t)frame + PAYLOAD_SLACK) {
        report(s, CC_KEY_DEVICE, err, errlen, "the camera reports a payload of %u "
               "bytes for a frame of %zu: not streaming from it", payload, frame);
        return -ERANGE;
    }
    if (s->gige)
        tune_gige_stream(s);
    for (unsigned i = buffers_for(s->base.fps); i > 0; i--)
        arv_stream_push_buffer(s->stream, arv_buffer_new_allocate(payload));
    s->lost_handler = g_signal_connect(device(s), "control-lost",
                                       G_CALLBACK(on_control_lost), s);
    return 0;
}

static void describe(arv_source *s)
{
    cc_source *b = &s->base;
    int n = snprintf(b->detail, sizeof b->detail, "%s, %ux%u %s at %g fps",
                     s->id, b->width, b->height, cc_pixfmt_name(b->fmt), b->fps);
    if (s->gige && n > 0 && (size_t)n < sizeof b->detail)
        snprintf(b->detail + n, sizeof b->detail - (size_t)n,
                 ", GigE Vision packets of %u bytes",
                 arv_camera_gv_get_packet_size(s->camera, NULL));
}

/* ---- counters ---- */

static void read_counts(const arv_source *s, counts *c)
{
    guint64 completed = 0, failed = 0, underruns = 0, resent = 0, missing = 0;
    arv_stream_get_statistics(s->stream, &completed, &failed, &underruns);
    if (s->gige)
        arv_gv_stream_get_statistics(ARV_GV_STREAM(s->stream), &resent, &missing);
    *c = (counts){completed, failed, underruns, resent, missing};
}

static void publish_counts(arv_source *s)
{
    counts c = {0};
    if (s->stream)
        read_counts(s, &c);
    cc_source_stats *st = &s->base.stats;
    const counts *r = &s->released;
    atomic_store_explicit(&st->completed, r->completed + c.completed,
                          memory_order_relaxed);
    atomic_store_explicit(&st->failed, r->failed + c.failed, memory_order_relaxed);
    atomic_store_explicit(&st->underruns, r->underruns + c.underruns,
                          memory_order_relaxed);
    atomic_store_explicit(&st->resent, r->resent + c.resent, memory_order_relaxed);
    atomic_store_explicit(&st->missing, r->missing + c.missing,
                          memory_order_relaxed);
}

static void fold_counts(arv_source *s)
{
    counts c;
    read_counts(s, &c);
    s->released.completed += c.completed;
    s->released.failed += c.failed;
    s->released.underruns += c.underruns;
    s->released.resent += c.resent;
    s->released.missing += c.missing;
}

/* ---- connection ---- */

/* Stopping a camera that is gone would wait for its replies in vain. */
static void release(arv_source *s)
{
    if (s->stream) {
        if (s->acquiring && !s->gone)
            arv_camera_stop_acquisition(s->camera, NULL);
        fold_counts(s);
        g_clear_object(&s->stream);
        publish_counts(s);
    }
    if (s->lost_handler)
        g_signal_handler_disconnect(device(s), s->lost_handler);
    s->lost_handler = 0;
    g_clear_object(&s->camera);
    s->acquiring = false;
    s->gone = false;
    s->awaits_trigger = false;
    s->last_raw_id = UINT64_MAX; /* the next id starts over from last_id */
    s->lag_valid = false;
    atomic_store_explicit(&s->base.stats.ptp, s->cfg->aravis.ptp ? CC_PTP_UNKNOWN : CC_PTP_OFF,
                          memory_order_relaxed);
    atomic_store_explicit(&s->control_lost, false, memory_order_relaxed);
    s->base.connected = false;
}

static void av_disconnect(cc_source *base)
{
    release((arv_source *)base);
}

static int av_connect(cc_source *base, char *err, size_t errlen)
{
    arv_source *s = (arv_source *)base;
    int rc = open_camera(s, err, errlen);
    if (!rc)
        rc = cc_genicam_configure(s->camera, s->cfg, err, errlen);
    if (!rc)
        rc = adopt_shape(s, err, errlen);
    if (!rc)
        rc = start_stream(s, err, errlen);
    if (rc) {
        release(s);
        return rc;
    }
    describe(s);
    base->connected = true;
    return 0;
}

/* ---- grabbing ---- */

/* Lazily, on the grab thread: buffers would pile up before it runs. After
 * a pause, frames completed since are stale: given back unread. */
static int start_acquisition(arv_source *s, uint64_t now)
{
    ArvBuffer *b;
    while ((b = arv_stream_try_pop_buffer(s->stream)))
        arv_stream_push_buffer(s->stream, b);
    GError *e = NULL;
    arv_camera_start_acquisition(s->camera, &e);
    if (e) {
        g_error_free(e);
        s->gone = true;
        return -ECONNRESET;
    }
    s->acquiring = true;
    s->lag_valid = false;
    s->last_frame_ns = now;
    s->next_trigger_ns = cc_schedule_next(s->trigger_period_ns, now);
    s->last_fired_ns = 0;
    s->next_stats_ns = now + STATS_PERIOD_NS;
    s->next_ptp_ns = now;
    return 0;
}

/* On the software schedule (schedule.h): every camera with this grab_fps
 * fires at the same instants, each from its own grab thread. A failed
 * trigger shows up as a missing frame, then as a timeout. */
static void fire_trigger(arv_source *s, uint64_t now)
{
    if (s->cfg->aravis.trigger != CC_TRIGGER_SOFTWARE || now < s->next_trigger_ns)
        return;
    arv_camera_software_trigger(s->camera, NULL);
    s->last_fired_ns = s->next_trigger_ns;
    s->next_trigger_ns += s->trigger_period_ns;
    if (s->next_trigger_ns <= now) /* behind: no burst of triggers */
        s->next_trigger_ns = cc_schedule_next(s->trigger_period_ns, now);
}

/* The trigger a frame answers, as an instant of the schedule. A frame is
 * exposed a fixed lag after its trigger, on the camera's clock: device
 * time - trigger = lag (the clocks' offset and the camera's latency). A
 * frame is paired first with the latest trigger fired before it arrived:
 * that is its own, or, when it arrived after the next one was fired, a
 * later one, never an earlier one; so the largest device time - trigger
 * over recent frames is the lag, whatever the jitter of their arrival
 * (docs/sync.md: a frame must arrive within a period of its trigger now
 * and then). The frame's trigger is the one nearest device time - lag. A
 * camera whose clock keeps the host's time (devclock.h) needs none of it:
 * its frame answers the latest trigger before its timestamp. A camera
 * without timestamps answers the latest trigger. */
static uint64_t trigger_of(arv_source *s, uint64_t device_ns, uint64_t capture_ns,
                           uint64_t now)
{
    uint64_t period = s->trigger_period_ns, latest = s->last_fired_ns;
    if (!device_ns)
        return latest;
    if (capture_ns >= device_ns && capture_ns - device_ns < (uint64_t)CC_DEVCLOCK_HOST_NS) {
        uint64_t at = cc_schedule_mono_ns(device_ns) / period * period;
        return at < latest ? at : latest;
    }
    int64_t lag = (int64_t)(device_ns - latest);
    uint64_t off = lag > s->lag_ns ? (uint64_t)(lag - s->lag_ns) : (uint64_t)(s->lag_ns - lag);
    if (!s->lag_valid || off > TRIGGER_JUMP_NS) {
        s->lag_valid = true;
        s->lag_ns = s->lag_window = s->lag_last = lag;
        s->lag_since = now;
    }
    if (lag > s->lag_window)
        s->lag_window = lag;
    if (now - s->lag_since >= TRIGGER_WINDOW_NS) {
        s->lag_last = s->lag_window;
        s->lag_window = lag;
        s->lag_since = now;
    }
    s->lag_ns = s->lag_window > s->lag_last ? s->lag_window : s->lag_last;
    /* The schedule's instant nearest device - lag, not after the latest. */
    uint64_t at = device_ns - (uint64_t)s->lag_ns;
    at = (at + period / 2) / period * period;
    return at < latest ? at : latest;
}

/* PTP's state now and then, for /stats, the hello and the mux (a group's
 * clock is shared only while every camera is locked). Cameras latch their
 * PTP data set before it can be read (PtpDataSetLatch), where they have
 * the command. */
static void read_ptp(arv_source *s, uint64_t now)
{
    if (!s->cfg->aravis.ptp || now < s->next_ptp_ns)
        return;
    s->next_ptp_ns = now + PTP_PERIOD_NS;
    GError *e = NULL;
    if (arv_camera_is_feature_available(s->camera, "PtpDataSetLatch", NULL))
        arv_camera_execute_command(s->camera, "PtpDataSetLatch", &e);
    g_clear_error(&e);
    const char *name = arv_camera_is_feature_available(s->camera, "PtpStatus", NULL)
                           ? "PtpStatus" : "GevIEEE1588Status";
    const char *v = arv_camera_get_string(s->camera, name, &e);
    cc_ptp_state st = e || !v ? CC_PTP_UNKNOWN : cc_ptp_state_parse(v);
    g_clear_error(&e);
    atomic_store_explicit(&s->base.stats.ptp, st, memory_order_relaxed);
}

static uint64_t timeout_ns(const arv_source *s)
{
    return (uint64_t)s->cfg->aravis.timeout_ms * NS_PER_MS;
}

/* How long to wait for a buffer: until the caller's timeout, the watchdog
 * or the next software trigger, whichever comes first. */
static guint64 wait_us(const arv_source *s, uint64_t now, int timeout_ms)
{
    uint64_t until = now + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * NS_PER_MS;
    uint64_t deadline = s->last_frame_ns + timeout_ns(s);
    if (deadline < until)
        until = deadline;
    if (s->cfg->aravis.trigger == CC_TRIGGER_SOFTWARE && s->next_trigger_ns < until)
        until = s->next_trigger_ns;
    return until > now ? (until - now) / 1000 : 0;
}

/* No frame for timeout_ms: lost, unless the camera waits for a trigger
 * line (or, set live, for triggers of its operator), which may just be
 * quiet; then a register read tells. */
static int watchdog(arv_source *s, uint64_t now)
{
    if (now - s->last_frame_ns < timeout_ns(s))
        return -EAGAIN;
    GError *e = NULL;
    if (s->cfg->aravis.trigger == CC_TRIGGER_LINE || s->awaits_trigger) {
        arv_camera_get_integer(s->camera, "Width", &e);
        if (!e) {
            s->last_frame_ns = now;
            return -EAGAIN;
        }
        g_error_free(e);
    }
    s->gone = true;
    return -ETIMEDOUT;
}

/* Frame ids only grow: GigE Vision's 16-bit block id wraps every 65535
 * frames (under 3 minutes at 400 fps), and a reconnected camera counts
 * from 1 again; either way the count goes on from the last id. */
static uint64_t extend_id(arv_source *s, uint64_t raw)
{
    if (raw < s->last_raw_id)
        s->id_base = s->last_id;
    s->last_raw_id = raw;
    s->last_id = s->id_base + raw;
    return s->last_id;
}

static int take_frame(arv_source *s, ArvBuffer *b, cc_frame *dst)
{
    if (arv_buffer_get_status(b) != ARV_BUFFER_STATUS_SUCCESS)
        return -EAGAIN; /* Aravis counts it as failed */
    const cc_source *src = &s->base;
    size_t size = 0;
    const uint8_t *data = arv_buffer_get_image_data(b, &size);
    gint xpad = 0, ypad = 0;
    arv_buffer_get_image_padding(b, &xpad, &ypad);
    size_t row = cc_pixfmt_row_bytes(src->fmt, src->width);
    size_t pitch = row + (size_t)(xpad > 0 ? xpad : 0);
    if (!data || arv_buffer_get_image_width(b) != (gint)src->width ||
        arv_buffer_get_image_height(b) != (gint)src->height ||
        arv_buffer_get_image_pixel_format(b) != cc_pixfmt_pfnc(src->fmt) ||
        size < pitch * (src->height - 1) + row)
        return -EIO;
    if (dst->capacity < row * src->height)
        return -ENOSPC;
    if (pitch == row) {
        memcpy(dst->data, data, row * src->height);
    } else {
        for (uint32_t y = 0; y < src->height; y++)
            memcpy(dst->data + y * row, data + y * pitch, row);
    }
    uint64_t t = arv_buffer_get_system_timestamp(b);
    uint64_t device = arv_buffer_get_timestamp(b);
    dst->size = row * src->height;
    dst->width = src->width;
    dst->height = src->height;
    dst->stride = (uint32_t)row;
    dst->fmt = src->fmt;
    dst->frame_id = extend_id(s, arv_buffer_get_frame_id(b));
    dst->capture_ns = t ? t : cc_clock_ns(CLOCK_REALTIME);
    dst->device_ns = device;
    dst->sync_ns = 0; /* camera.c maps device_ns */
    if (s->cfg->aravis.trigger == CC_TRIGGER_SOFTWARE && s->last_fired_ns)
        dst->sync_ns = cc_schedule_real_ns(
            trigger_of(s, device, dst->capture_ns, cc_clock_ns(CLOCK_MONOTONIC)));
    dst->painter = NULL;
    return 0;
}

static int av_grab(cc_source *base, cc_frame *dst, int timeout_ms)
{
    arv_source *s = (arv_source *)base;
    if (!base->connected)
        return -ENOTCONN;
    if (atomic_load_explicit(&s->control_lost, memory_order_relaxed)) {
        s->gone = true;
        return -ECONNRESET;
    }
    uint64_t now = cc_clock_ns(CLOCK_MONOTONIC);
    if (!s->acquiring && start_acquisition(s, now) < 0)
        return -ECONNRESET;
    fire_trigger(s, now);
    read_ptp(s, now);
    ArvBuffer *b = arv_stream_timeout_pop_buffer(s->stream,
                                                 wait_us(s, now, timeout_ms));
    now = cc_clock_ns(CLOCK_MONOTONIC);
    if (now >= s->next_stats_ns) {
        publish_counts(s);
        s->next_stats_ns = now + STATS_PERIOD_NS;
    }
    if (!b)
        return watchdog(s, now);
    /* One copy into the ring, and the buffer goes straight back. */
    int rc = take_frame(s, b, dst);
    arv_stream_push_buffer(s->stream, b);
    if (rc == 0)
        s->last_frame_ns = now;
    else if (watchdog(s, now) == -ETIMEDOUT) /* only broken frames lately */
        return -ETIMEDOUT;
    return rc;
}

static void av_free(cc_source *base)
{
    release((arv_source *)base);
    free(base);
}

/* Frames would arrive and wait during a reload: stop acquiring; the next
 * grab starts again (start_acquisition drops what came meanwhile). */
static void av_pause(cc_source *base)
{
    arv_source *s = (arv_source *)base;
    if (!base->connected || !s->acquiring || s->gone)
        return;
    arv_camera_stop_acquisition(s->camera, NULL);
    s->acquiring = false;
}

/* The config is read again on every reconnection: follow the new copy. */
static void av_rebind(cc_source *base, const cc_camera_config *cfg)
{
    ((arv_source *)base)->cfg = cfg;
}

/* ---- live control: on the grab thread (source.h) ---- */

static int av_list_features(cc_source *base, cc_feature_state *out, size_t max)
{
    arv_source *s = (arv_source *)base;
    return cc_genicam_list(s->camera, s->cfg, out, max);
}

static int av_read_feature(cc_source *base, cc_feature_state *f)
{
    return cc_genicam_read(((arv_source *)base)->camera, f);
}

/* Whether the camera now waits for triggers that camcastd does not fire
 * (TriggerMode set On live, the config not triggering in software). */
static bool waits_for_others(arv_source *s)
{
    if (s->cfg->aravis.trigger == CC_TRIGGER_SOFTWARE)
        return false;
    cc_feature_state mode = {.name = "TriggerMode"};
    return cc_genicam_read(s->camera, &mode) == 0 && mode.kind == CC_FEATURE_ENUM &&
           strcmp(mode.value.text, "Off") != 0;
}

static int av_write_feature(cc_source *base, const char *name, cc_feature_value *v,
                            char *err, size_t errlen)
{
    arv_source *s = (arv_source *)base;
    int rc = cc_genicam_write(s->camera, name, v, err, errlen);
    if (rc == 0 && strncmp(name, "Trigger", 7) == 0) {
        s->awaits_trigger = waits_for_others(s);
        s->last_frame_ns = cc_clock_ns(CLOCK_MONOTONIC); /* the watchdog starts over */
    }
    return rc;
}

static const cc_source_ops aravis_ops = {
    .kind = "aravis",
    .grab = av_grab,
    .disconnect = av_disconnect,
    .connect = av_connect,
    .free = av_free,
    .rebind = av_rebind,
    .pause = av_pause,
    .list_features = av_list_features,
    .read_feature = av_read_feature,
    .write_feature = av_write_feature,
};

/* A camera that may start offline streams what the config says. */
static void preset_shape(arv_source *s)
{
    const cc_camera_config *c = s->cfg;
    s->base.width = c->width;
    s->base.height = c->height;
    s->base.fmt = c->pixfmt;
    s->base.fps = c->grab_fps;
}

int cc_aravis_new(cc_source **out, const cc_camera_config *cfg, char *err,
                  size_t errlen)
{
    arv_source *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    use();
    s->base.ops = &aravis_ops;
    s->cfg = cfg;
    atomic_init(&s->control_lost, false);
    s->trigger_period_ns = cc_schedule_period_ns(cfg->grab_fps);
    atomic_init(&s->base.stats.ptp, cfg->aravis.ptp ? CC_PTP_UNKNOWN : CC_PTP_OFF);
    if (!cfg->aravis.required)
        preset_shape(s);
    int rc = av_connect(&s->base, err, errlen);
    if (rc < 0 && cfg->aravis.required) {
        av_free(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}
