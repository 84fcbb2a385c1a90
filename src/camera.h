/* A camera: its source, its grab thread and its ring.
 *
 * The grab thread is the ring's producer. The stream tick (mux.c) is the
 * consumer: it takes the newest frame with cc_ring_take_newest on
 * camera->ring and releases it once encoded.
 */
#ifndef CC_CAMERA_H
#define CC_CAMERA_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ring.h"
#include "source.h"

typedef struct cc_camera {
    const cc_camera_config *cfg;
    unsigned index;
    cc_source *source;
    cc_ring *ring;
    pthread_t thread;
    bool running;
    atomic_bool stop;
    /* Written by the grab thread, read anywhere (relaxed). */
    atomic_uint_fast64_t grabbed;
    atomic_uint_fast64_t grab_errors;
} cc_camera;

/* Opens the source and allocates a ring sized for grab vs stream rate.
 * Returns 0 or a negative errno; on error nothing is left allocated. */
int cc_camera_init(cc_camera *cam, const cc_camera_config *cfg, unsigned index,
                   double stream_fps);
/* Starts the grab thread. */
int cc_camera_start(cc_camera *cam);
/* Asks the grab thread to stop and joins it. Safe if never started. */
void cc_camera_stop(cc_camera *cam);
/* Stops, then frees the ring and the source. */
void cc_camera_destroy(cc_camera *cam);

#endif
