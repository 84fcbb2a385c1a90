/* A grabbed camera frame, as it sits in a ring slot. */
#ifndef CC_FRAME_H
#define CC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pixfmt.h"

typedef struct cc_frame cc_frame;

/* A source whose frames are painted on demand (the test pattern): its grab
 * only records which image is due, and the thread that encodes the frame
 * paints it, so frames that are never streamed cost nothing. paint() writes
 * rows y0 .. y0 + rows - 1 of f's image as packed rows dst_stride apart; it
 * reads only what stays unchanged while the source exists, so any thread
 * may call it, for any frame, at the same time. */
typedef struct cc_painter cc_painter;
struct cc_painter {
    void (*paint)(const cc_painter *p, const cc_frame *f, uint32_t y0,
                  uint32_t rows, uint8_t *dst, size_t dst_stride);
};

struct cc_frame {
    uint8_t *data;        /* owned by the ring slot, capacity bytes */
    size_t capacity;
    size_t size;          /* bytes of this image in data; 0 when painted */
    uint32_t width, height, stride;
    cc_pixfmt fmt;
    uint64_t frame_id;    /* the source's own counter */
    uint64_t seq;         /* grab counter: +1 per frame the grab thread got */
    uint64_t capture_ns;  /* CLOCK_REALTIME when the host received it */
    /* The camera's own timestamp of the frame (its clock; the due instant,
     * CLOCK_REALTIME, for the test pattern); 0: the source has none. */
    uint64_t device_ns;
    /* The frame's instant on the host's CLOCK_REALTIME, what a sync group
     * matches by: a software trigger's instant, or device_ns mapped to the
     * host's clock (camera.c fills it where the source leaves 0). */
    uint64_t sync_ns;
    /* Non-NULL: the pixels are not in data, painter paints them. The
     * position is the painter's own (where its image is this frame). */
    const cc_painter *painter;
    uint32_t paint_x, paint_y;
    /* The painter's brightness when the frame was grabbed (the test
     * pattern's exposure and gain), CC_PAINT_UNITY = as painted. */
    uint32_t paint_level;
};

#define CC_PAINT_UNITY 4096u

/* Rows y0 .. y0 + rows - 1 of f's image into dst as packed rows dst_stride
 * apart, painted or copied from data. Returns 0, or -EINVAL when the rows or
 * f's own fields are out of bounds. */
int cc_frame_read_rows(const cc_frame *f, uint32_t y0, uint32_t rows,
                       uint8_t *dst, size_t dst_stride);
/* Paints a painted frame into its own data (capacity bytes), so it holds
 * pixels like any other frame; does nothing to the others. Returns 0,
 * -ENOSPC or -EINVAL. */
int cc_frame_fill(cc_frame *f);

#endif
