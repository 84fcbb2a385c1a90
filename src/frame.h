/* A grabbed camera frame, as it sits in a ring slot. */
#ifndef CC_FRAME_H
#define CC_FRAME_H

#include <stddef.h>
#include <stdint.h>

typedef enum cc_pixfmt {
    CC_PIX_MONO8 = 1,
    CC_PIX_RGB8,
} cc_pixfmt;

/* Name as written in configs and the hello ("Mono8"), or NULL. */
const char *cc_pixfmt_name(cc_pixfmt fmt);
/* Parses a GenICam name (case-insensitive). Returns 0 or -EINVAL. */
int cc_pixfmt_parse(const char *name, cc_pixfmt *out);
/* Bytes per pixel of the packed format. */
unsigned cc_pixfmt_bpp(cc_pixfmt fmt);

typedef struct cc_frame {
    uint8_t *data;        /* owned by the ring slot, capacity bytes */
    size_t capacity;
    size_t size;          /* bytes of this image */
    uint32_t width, height, stride;
    cc_pixfmt fmt;
    uint64_t frame_id;    /* the source's own counter */
    uint64_t seq;         /* grab counter: +1 per frame the grab thread got */
    uint64_t capture_ns;  /* CLOCK_REALTIME when the host received it */
} cc_frame;

#endif
