/* A camera: its source, its grab thread and its ring.
 *
 * The grab thread is the ring's producer. The stream tick (mux.c) is the
 * consumer: it takes the newest frame with cc_ring_take_newest on
 * camera->ring and releases it once encoded.
 *
 * The grab thread also owns the source's connection: when the source is
 * lost it marks the camera offline, releases the source and reopens it
 * with backoff (0.5 s doubling to 5 s), all on its own thread, so a camera
 * that hangs never blocks the event loop, an encoder or another camera.
 */
#ifndef CC_CAMERA_H
#define CC_CAMERA_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "devclock.h"
#include "ring.h"
#include "source.h"
#include "tuning.h"

/* The camera's last error: written by its grab thread when one happens,
 * read by the event loop (/stats, the hello, /healthz). A lock, since it
 * is text: taken only on an error or a read, never per frame. */
typedef struct cc_camera_fault {
    pthread_mutex_t lock;
    char text[512];
    uint64_t at_ns; /* CLOCK_REALTIME; 0: none yet */
} cc_camera_fault;

typedef struct cc_camera {
    const cc_camera_config *cfg;
    unsigned index;
    cc_source *source;
    cc_ring *ring;
    cc_tuning *tuning;   /* live settings, applied by the grab thread */
    pthread_t thread;
    bool running;
    unsigned starts;     /* grab threads started: > 1 after a pause */
    atomic_bool stop;
    atomic_bool release; /* the stopping grab thread releases the device */
    /* Written by the grab thread, read anywhere (relaxed). */
    atomic_bool online; /* connected: frames can come */
    atomic_uint_fast64_t grabbed;
    atomic_uint_fast64_t grab_errors;
    atomic_uint_fast64_t reconnects; /* times it came back after a loss */
    atomic_uint_fast64_t last_grab_ns; /* capture time of the newest frame grabbed,
                                          CLOCK_REALTIME; 0: none yet */
    cc_camera_fault *fault; /* owned; a reload moves it with the camera */
    /* Its clock against the host's (devclock.h), for /stats: offset
     * (host - device, the least delivery delay included) and drift. */
    atomic_bool clock_valid;
    atomic_bool clock_host;  /* its clock keeps the host's time (devclock.h) */
    atomic_int_fast64_t clock_offset_ns;
    atomic_int_fast64_t clock_drift_ppb; /* INT64_MIN: not measured yet */
    atomic_uint_fast64_t clock_jumps;
    /* Grab thread only: why the camera is offline, for log lines; the
     * clock estimate. */
    char reason[512];
    cc_devclock clock;
} cc_camera;

/* Opens the source and allocates a ring sized for grab vs stream rate
 * (and, in a sync group, for the frames held back while a late camera of
 * the group is waited for: cfg->sync.wait_ms).
 * Returns 0 or a negative errno (the source's: see cc_aravis_new) with the
 * reason in err; on error nothing is left allocated. A camera that may
 * start without its device (required = false) starts offline. */
int cc_camera_init(cc_camera *cam, const cc_camera_config *cfg, unsigned index,
                   double stream_fps, char *err, size_t errlen);
/* Starts the grab thread. */
int cc_camera_start(cc_camera *cam);
/* Asks the grab thread to stop and joins it; the thread releases the
 * source's device before it ends. Safe if never started. */
void cc_camera_stop(cc_camera *cam);
/* The same, but the source stays open (a reload that keeps the camera):
 * cc_camera_start resumes grabbing from it. */
void cc_camera_pause(cc_camera *cam);
/* For a reload: a camera stopped or paused takes cfg, an equal copy of its
 * config (cc_camera_config_same; the old one is about to be freed), its
 * new index, and a new empty ring sized for stream_fps. Returns 0, or
 * -EBUSY (running) or -ENOMEM with the camera unchanged. */
int cc_camera_rebind(cc_camera *cam, const cc_camera_config *cfg,
                     unsigned index, double stream_fps);
/* Stops, then frees the ring and the source. */
void cc_camera_destroy(cc_camera *cam);
/* Copies the camera's last error (why it went or stays offline) into out
 * and returns when it began (CLOCK_REALTIME ns; the same error repeated
 * by reconnection attempts keeps its time), or returns 0 with out empty
 * if it never had one. Any thread. */
uint64_t cc_camera_last_error(const cc_camera *cam, char *out, size_t len);
/* CPU time the running grab thread has used. Returns 0 or -ESRCH. */
int cc_camera_grab_cpu_ns(const cc_camera *cam, uint64_t *out);

#endif
