#include "camera.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aravis.h"
#include "log.h"
#include "clock.h"

/* Short enough that a stop request is seen within about this long. */
#define GRAB_TIMEOUT_MS 100
/* Pause after a failed grab so a broken source does not spin a core. */
#define ERROR_PAUSE_MS 10
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 5000
#define MAX_RING_SLOTS 64

/* Keeps text as the camera's last error, from now; the same error again
 * keeps its time (a camera that stays offline: since when), unless fresh
 * (a new loss). */
static void note_error(cc_camera *cam, const char *text, bool fresh)
{
    cc_camera_fault *f = cam->fault;
    pthread_mutex_lock(&f->lock);
    if (fresh || !f->at_ns || strcmp(f->text, text) != 0) {
        snprintf(f->text, sizeof f->text, "%s", text);
        f->at_ns = cc_realtime_ns();
    }
    pthread_mutex_unlock(&f->lock);
}

uint64_t cc_camera_last_error(const cc_camera *cam, char *out, size_t len)
{
    cc_camera_fault *f = cam->fault;
    if (len)
        out[0] = '\0';
    if (!f)
        return 0;
    pthread_mutex_lock(&f->lock);
    uint64_t at = f->at_ns;
    if (at && len)
        snprintf(out, len, "%s", f->text);
    pthread_mutex_unlock(&f->lock);
    return at;
}

static int fault_new(cc_camera_fault **out)
{
    cc_camera_fault *f = calloc(1, sizeof *f);
    if (!f)
        return -ENOMEM;
    int rc = pthread_mutex_init(&f->lock, NULL);
    if (rc) {
        free(f);
        return -rc;
    }
    *out = f;
    return 0;
}

static void fault_free(cc_camera_fault *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->lock);
    free(f);
}

static int open_source(cc_source **out, const cc_camera_config *cfg,
                       char *err, size_t errlen)
{
    int rc = -EINVAL;
    switch (cfg->source) {
    case CC_SOURCE_TESTPATTERN:
        rc = cc_testpattern_new(out, cfg);
        if (rc < 0)
            snprintf(err, errlen, "[camera %s] cannot start the test "
                     "pattern: %s", cfg->name, strerror(-rc));
        return rc;
    case CC_SOURCE_ARAVIS:
        return cc_aravis_new(out, cfg, err, errlen);
    }
    snprintf(err, errlen, "[camera %s] unknown source", cfg->name);
    return rc;
}

/* A grouped camera keeps the frames of wait_ms more: its group may take
 * a frame that old (mux.c). */
static uint32_t ring_slots(const cc_source *src, const cc_camera_config *cfg,
                           double stream_fps)
{
    double drain = stream_fps;
    if (cfg->sync.trigger != CC_SYNC_NONE && stream_fps > 0)
        drain = 1.0 / (1.0 / stream_fps + cfg->sync.wait_ms / 1000.0);
    return cc_ring_slots_for(src->fps, drain, MAX_RING_SLOTS);
}

static void clock_reset(cc_camera *cam)
{
    cc_devclock_init(&cam->clock);
    atomic_store_explicit(&cam->clock_valid, false, memory_order_relaxed);
    atomic_store_explicit(&cam->clock_host, false, memory_order_relaxed);
    atomic_store_explicit(&cam->clock_drift_ppb, INT64_MIN, memory_order_relaxed);
}

int cc_camera_init(cc_camera *cam, const cc_camera_config *cfg, unsigned index,
                   double stream_fps, char *err, size_t errlen)
{
    memset(cam, 0, sizeof *cam);
    cam->cfg = cfg;
    cam->index = index;
    atomic_init(&cam->stop, false);
    atomic_init(&cam->release, true);
    atomic_init(&cam->online, false);
    atomic_init(&cam->grabbed, 0);
    atomic_init(&cam->grab_errors, 0);
    atomic_init(&cam->reconnects, 0);
    atomic_init(&cam->last_grab_ns, 0);
    atomic_init(&cam->clock_valid, false);
    atomic_init(&cam->clock_host, false);
    atomic_init(&cam->clock_offset_ns, 0);
    atomic_init(&cam->clock_drift_ppb, INT64_MIN);
    atomic_init(&cam->clock_jumps, 0);
    cc_devclock_init(&cam->clock);
    err[0] = '\0';

    int rc = cc_tuning_new(&cam->tuning, cfg->name);
    if (rc < 0) {
        snprintf(err, errlen, "[camera %s] out of memory", cfg->name);
        return rc;
    }
    rc = fault_new(&cam->fault);
    if (rc < 0) {
        snprintf(err, errlen, "[camera %s] %s", cfg->name, strerror(-rc));
        cc_tuning_free(cam->tuning);
        cam->tuning = NULL;
        return rc;
    }
    rc = open_source(&cam->source, cfg, err, errlen);
    if (rc < 0) {
        cc_tuning_free(cam->tuning);
        cam->tuning = NULL;
        fault_free(cam->fault);
        cam->fault = NULL;
        return rc;
    }
    /* Kept for the grab thread's first log line when it starts offline. */
    snprintf(cam->reason, sizeof cam->reason, "%s", err);
    atomic_store(&cam->online, cam->source->connected);
    /* Its features, read while no grab thread drives the source yet: known
     * to clients from the start. */
    if (cam->source->connected)
        cc_tuning_connected(cam->tuning, cam->source, false);
    else
        note_error(cam, err, true);
    uint32_t slots = ring_slots(cam->source, cfg, stream_fps);
    rc = cc_ring_new(&cam->ring, slots, cc_source_frame_bytes(cam->source));
    if (rc < 0) {
        snprintf(err, errlen, "[camera %s] no memory for a ring of %u "
                 "frames", cfg->name, slots);
        cc_source_free(cam->source);
        cam->source = NULL;
        cc_tuning_free(cam->tuning);
        cam->tuning = NULL;
        fault_free(cam->fault);
        cam->fault = NULL;
        return rc;
    }
    return 0;
}

static bool stopping(const cc_camera *cam)
{
    /* Relaxed: stop carries no data, and the join orders everything else. */
    return atomic_load_explicit(&cam->stop, memory_order_relaxed);
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L};
    nanosleep(&ts, NULL);
}

/* Sleeps ms, or less when asked to stop. */
static void wait_or_stop(const cc_camera *cam, unsigned ms)
{
    for (unsigned slept = 0; slept < ms && !stopping(cam);
         slept += GRAB_TIMEOUT_MS)
        sleep_ms(ms - slept < GRAB_TIMEOUT_MS ? ms - slept : GRAB_TIMEOUT_MS);
}

static void set_online(cc_camera *cam, bool online)
{
    atomic_store_explicit(&cam->online, online, memory_order_relaxed);
}

static void go_offline(cc_camera *cam, int rc)
{
    if (rc == -ETIMEDOUT)
        snprintf(cam->reason, sizeof cam->reason, "no frame for %u ms",
                 cam->cfg->aravis.timeout_ms);
    else if (rc == -ECONNRESET)
        snprintf(cam->reason, sizeof cam->reason, "lost contact with the "
                 "camera");
    else
        snprintf(cam->reason, sizeof cam->reason, "not connected");
    set_online(cam, false);
    note_error(cam, cam->reason, true);
    cc_warn("camera %s: offline: %s; reconnecting", cam->cfg->name,
            cam->reason);
    cam->source->ops->disconnect(cam->source);
    cc_tuning_disconnected(cam->tuning);
    clock_reset(cam); /* it may come back with its clock restarted */
}

/* One connection attempt, then the backoff wait if it failed. Repeated
 * failures are logged only when the reason changes. */
static void reconnect(cc_camera *cam, unsigned *backoff_ms)
{
    char err[sizeof cam->reason];
    cc_source *src = cam->source;
    if (src->ops->connect(src, err, sizeof err) == 0) {
        cc_tuning_connected(cam->tuning, src, true); /* before its first frame */
        set_online(cam, true);
        atomic_fetch_add_explicit(&cam->reconnects, 1, memory_order_relaxed);
        cc_info("camera %s: online again: %s", cam->cfg->name, src->detail);
        *backoff_ms = BACKOFF_MIN_MS;
        return;
    }
    note_error(cam, err, false);
    if (strcmp(err, cam->reason) != 0) {
        cc_warn("camera %s: still offline: %s", cam->cfg->name, err);
        snprintf(cam->reason, sizeof cam->reason, "%s", err);
    }
    wait_or_stop(cam, *backoff_ms);
    *backoff_ms = *backoff_ms * 2 < BACKOFF_MAX_MS ? *backoff_ms * 2
                                                   : BACKOFF_MAX_MS;
}

/* The transport's own counters, for sources that have one. */
static void log_transport(const cc_camera *cam)
{
    static const char *const priority[] = {
        [CC_PRIORITY_NORMAL] = "normal",
        [CC_PRIORITY_NICE] = "raised nice level",
        [CC_PRIORITY_REALTIME] = "realtime",
    };
    const cc_source_stats *st = &cam->source->stats;
    if (!cam->source->ops->connect)
        return;
    int prio = atomic_load(&st->stream_priority);
    cc_info("camera %s: transport: %llu buffers completed, %llu failed, %llu "
            "underruns; %llu packets resent, %llu missing; receive thread %s",
            cam->cfg->name, (unsigned long long)atomic_load(&st->completed),
            (unsigned long long)atomic_load(&st->failed),
            (unsigned long long)atomic_load(&st->underruns),
            (unsigned long long)atomic_load(&st->resent),
            (unsigned long long)atomic_load(&st->missing),
            prio >= 0 && prio <= CC_PRIORITY_REALTIME ? priority[prio] : "?");
}

static void log_exit(const cc_camera *cam)
{
    struct timespec cpu;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    if (!atomic_load(&cam->release)) {
        cc_info("camera %s: grab thread paused, the device stays open",
                cam->cfg->name);
        return;
    }
    cc_info("camera %s: grab thread stopped: %llu frames, %llu errors, %llu "
            "reconnections, %.3f s CPU", cam->cfg->name,
            (unsigned long long)atomic_load(&cam->grabbed),
            (unsigned long long)atomic_load(&cam->grab_errors),
            (unsigned long long)atomic_load(&cam->reconnects),
            (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9);
    log_transport(cam);
}

/* The frame's clocks: the camera's against the host's, and the frame's
 * host instant where the source left it to us (sync_ns: the device time
 * mapped, or the receive time for a source without timestamps). */
static void clock_frame(cc_camera *cam, cc_frame *f)
{
    if (f->device_ns) {
        if (cc_devclock_add(&cam->clock, f->capture_ns, f->device_ns))
            atomic_fetch_add_explicit(&cam->clock_jumps, 1, memory_order_relaxed);
        const cc_devclock *c = &cam->clock;
        atomic_store_explicit(&cam->clock_offset_ns, c->offset_ns, memory_order_relaxed);
        atomic_store_explicit(&cam->clock_drift_ppb,
                              c->has_drift ? (int64_t)(c->drift_ppm * 1000) : INT64_MIN,
                              memory_order_relaxed);
        atomic_store_explicit(&cam->clock_valid, true, memory_order_relaxed);
        atomic_store_explicit(&cam->clock_host, cc_devclock_is_host(c), memory_order_relaxed);
    }
    if (!f->sync_ns)
        f->sync_ns = f->device_ns ? cc_devclock_to_host(&cam->clock, f->device_ns)
                                  : f->capture_ns;
}

/* The ring's producer: no locks and no allocation, the source's own waits
 * are the only syscalls on the way of a frame. Live settings (tuning.h)
 * cost one relaxed load per grab until some are pending. */
static void *grab_main(void *arg)
{
    cc_camera *cam = arg;
    cc_source *src = cam->source;
    char name[16]; /* the kernel's limit, with the NUL */
    snprintf(name, sizeof name, "grab-%.10s", cam->cfg->name);
    /* Only a debugging aid: a thread without its name still grabs. */
    (void)pthread_setname_np(pthread_self(), name);
    if (cam->starts > 1)
        cc_info("camera %s: grab thread resumed", cam->cfg->name);
    else if (!src->connected)
        cc_warn("camera %s: offline: %s; retrying", cam->cfg->name,
                cam->reason);
    else if (src->detail[0])
        cc_info("camera %s: online: %s", cam->cfg->name, src->detail);

    if (src->connected && cam->starts > 1) /* resumed: read them again */
        cc_tuning_connected(cam->tuning, src, false);
    unsigned backoff_ms = BACKOFF_MIN_MS;
    uint64_t seq = 0;
    while (!stopping(cam)) {
        if (cc_tuning_pending(cam->tuning))
            cc_tuning_run(cam->tuning, src);
        if (!src->connected) {
            reconnect(cam, &backoff_ms);
            continue;
        }
        cc_frame *slot = cc_ring_write_slot(cam->ring);
        int rc = cc_source_grab(src, slot, GRAB_TIMEOUT_MS);
        if (rc == -EAGAIN)
            continue;
        if (cc_source_lost(rc) && src->ops->disconnect) {
            go_offline(cam, rc);
            continue;
        }
        if (rc < 0) {
            atomic_fetch_add_explicit(&cam->grab_errors, 1,
                                      memory_order_relaxed);
            sleep_ms(ERROR_PAUSE_MS);
            continue;
        }
        clock_frame(cam, slot);
        slot->seq = ++seq;
        atomic_fetch_add_explicit(&cam->grabbed, 1, memory_order_relaxed);
        atomic_store_explicit(&cam->last_grab_ns, slot->capture_ns,
                              memory_order_relaxed);
        cc_ring_publish(cam->ring);
    }
    /* Released here, not by whoever frees the camera: it may block. */
    bool release = atomic_load(&cam->release);
    if (release && src->connected && src->ops->disconnect)
        src->ops->disconnect(src);
    else if (!release && src->connected && src->ops->pause)
        src->ops->pause(src);
    log_exit(cam);
    return NULL;
}

int cc_camera_start(cc_camera *cam)
{
    if (cam->running)
        return -EALREADY;
    atomic_store(&cam->stop, false);
    cam->starts++; /* before the thread: pthread_create orders it */
    int rc = pthread_create(&cam->thread, NULL, grab_main, cam);
    if (rc)
        return -rc;
    cam->running = true;
    return 0;
}

static void join(cc_camera *cam, bool release)
{
    if (!cam->running)
        return;
    atomic_store(&cam->release, release); /* before stop: the thread reads it after */
    atomic_store(&cam->stop, true);
    pthread_join(cam->thread, NULL);
    cam->running = false;
}

void cc_camera_stop(cc_camera *cam)
{
    join(cam, true);
}

void cc_camera_pause(cc_camera *cam)
{
    join(cam, false);
}

int cc_camera_rebind(cc_camera *cam, const cc_camera_config *cfg,
                     unsigned index, double stream_fps)
{
    if (cam->running)
        return -EBUSY;
    /* A new ring: no frame of before the reload, and grab seq numbers
     * restart with the mux's count of them. */
    cc_ring *ring;
    uint32_t slots = ring_slots(cam->source, cfg, stream_fps);
    int rc = cc_ring_new(&ring, slots, cc_source_frame_bytes(cam->source));
    if (rc < 0)
        return rc;
    cc_ring_free(cam->ring);
    cam->ring = ring;
    cam->cfg = cfg;
    cam->index = index;
    if (cam->source->ops->rebind)
        cam->source->ops->rebind(cam->source, cfg);
    return 0;
}

void cc_camera_destroy(cc_camera *cam)
{
    cc_camera_stop(cam);
    cc_ring_free(cam->ring);
    cam->ring = NULL;
    cc_source_free(cam->source);
    cam->source = NULL;
    cc_tuning_free(cam->tuning);
    cam->tuning = NULL;
    fault_free(cam->fault);
    cam->fault = NULL;
}

int cc_camera_grab_cpu_ns(const cc_camera *cam, uint64_t *out)
{
    clockid_t clock;
    struct timespec ts;
    if (!cam->running || pthread_getcpuclockid(cam->thread, &clock) != 0 ||
        clock_gettime(clock, &ts) != 0)
        return -ESRCH;
    *out = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return 0;
}
