#include "camera.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Short enough that a stop request is seen within about this long. */
#define GRAB_TIMEOUT_MS 100
/* Pause after a failed grab so a lost source does not spin a core. */
#define ERROR_PAUSE_NS 10000000L
#define MAX_RING_SLOTS 64

static int open_source(cc_source **out, const cc_camera_config *cfg)
{
    switch (cfg->source) {
    case CC_SOURCE_TESTPATTERN:
        return cc_testpattern_new(out, cfg);
    }
    return -EINVAL;
}

int cc_camera_init(cc_camera *cam, const cc_camera_config *cfg, unsigned index,
                   double stream_fps)
{
    memset(cam, 0, sizeof *cam);
    cam->cfg = cfg;
    cam->index = index;
    atomic_init(&cam->stop, false);
    atomic_init(&cam->grabbed, 0);
    atomic_init(&cam->grab_errors, 0);

    int rc = open_source(&cam->source, cfg);
    if (rc < 0)
        return rc;
    uint32_t slots = cc_ring_slots_for(cam->source->fps, stream_fps,
                                       MAX_RING_SLOTS);
    rc = cc_ring_new(&cam->ring, slots, cc_source_frame_bytes(cam->source));
    if (rc < 0) {
        cc_source_free(cam->source);
        cam->source = NULL;
        return rc;
    }
    return 0;
}

static void pause_after_error(void)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = ERROR_PAUSE_NS};
    nanosleep(&ts, NULL);
}

/* The ring's producer: no locks and no allocation, the source's own waits
 * are the only syscalls on the way of a frame. */
static void *grab_main(void *arg)
{
    cc_camera *cam = arg;
    char name[16]; /* the kernel's limit, with the NUL */
    snprintf(name, sizeof name, "grab-%.10s", cam->cfg->name);
    /* Only a debugging aid: a thread without its name still grabs. */
    (void)pthread_setname_np(pthread_self(), name);

    uint64_t seq = 0;
    /* Relaxed: stop carries no data, and the join orders everything else. */
    while (!atomic_load_explicit(&cam->stop, memory_order_relaxed)) {
        cc_frame *slot = cc_ring_write_slot(cam->ring);
        int rc = cc_source_grab(cam->source, slot, GRAB_TIMEOUT_MS);
        if (rc == -EAGAIN)
            continue;
        if (rc < 0) {
            atomic_fetch_add_explicit(&cam->grab_errors, 1,
                                      memory_order_relaxed);
            pause_after_error();
            continue;
        }
        slot->seq = ++seq;
        atomic_fetch_add_explicit(&cam->grabbed, 1, memory_order_relaxed);
        cc_ring_publish(cam->ring);
    }
    return NULL;
}

int cc_camera_start(cc_camera *cam)
{
    if (cam->running)
        return -EALREADY;
    atomic_store(&cam->stop, false);
    int rc = pthread_create(&cam->thread, NULL, grab_main, cam);
    if (rc)
        return -rc;
    cam->running = true;
    return 0;
}

void cc_camera_stop(cc_camera *cam)
{
    if (!cam->running)
        return;
    atomic_store(&cam->stop, true);
    pthread_join(cam->thread, NULL);
    cam->running = false;
}

void cc_camera_destroy(cc_camera *cam)
{
    cc_camera_stop(cam);
    cc_ring_free(cam->ring);
    cam->ring = NULL;
    cc_source_free(cam->source);
    cam->source = NULL;
}
