/* Camera source interface: where a camera's frames come from.
 *
 * A source is driven by exactly one grab thread (camera.c). grab() blocks
 * until the next frame (at most about timeout_ms) and writes it straight into
 * the ring slot it is given, so a frame is copied at most once on its way in.
 */
#ifndef CC_SOURCE_H
#define CC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "frame.h"

typedef struct cc_source cc_source;

typedef struct cc_source_ops {
    const char *kind; /* "testpattern", "aravis" */
    /* Waits for the next frame and fills dst: data (up to dst->capacity),
     * size, width, height, stride, fmt, frame_id, capture_ns. Does not touch
     * dst->seq. Returns 0, -EAGAIN if no frame came within timeout_ms (call
     * again), or another negative errno when the source is lost. */
    int (*grab)(cc_source *src, cc_frame *dst, int timeout_ms);
    void (*free)(cc_source *src);
} cc_source_ops;

struct cc_source {
    const cc_source_ops *ops;
    /* What the source really delivers (read back from the device). */
    uint32_t width, height;
    cc_pixfmt fmt;
    double fps;
};

/* Bytes of the largest frame the source delivers. */
size_t cc_source_frame_bytes(const cc_source *src);

static inline int cc_source_grab(cc_source *src, cc_frame *dst, int timeout_ms)
{
    return src->ops->grab(src, dst, timeout_ms);
}

static inline void cc_source_free(cc_source *src)
{
    if (src)
        src->ops->free(src);
}

/* The built-in test pattern (testpattern.c). Returns 0, -EINVAL, -ENOMEM. */
int cc_testpattern_new(cc_source **out, const cc_camera_config *cfg);

#endif
