/* A grabbed camera frame, as it sits in a ring slot, and its pixel formats. */
#ifndef CC_FRAME_H
#define CC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GenICam (PFNC) pixel formats camcastd can stream. Numbered from 1 without
 * gaps: CC_PIX_COUNT is one past the last. */
typedef enum cc_pixfmt {
    CC_PIX_MONO8 = 1,
    CC_PIX_RGB8,
    CC_PIX_BGR8,
    CC_PIX_MONO10,       /* 16-bit little-endian containers */
    CC_PIX_MONO12,
    CC_PIX_MONO16,
    CC_PIX_MONO10_PACKED, /* GigE Vision: 2 pixels in 3 bytes */
    CC_PIX_MONO12_PACKED,
    CC_PIX_MONO10P,      /* PFNC: LSB-first bit stream, 4 pixels in 5 bytes */
    CC_PIX_MONO12P,      /* PFNC: 2 pixels in 3 bytes */
    CC_PIX_BAYER_RG8,
    CC_PIX_BAYER_GB8,
    CC_PIX_BAYER_GR8,
    CC_PIX_BAYER_BG8,
    CC_PIX_YUV422_UYVY,  /* YUV422_8_UYVY, also called YUV422Packed */
    CC_PIX_YUV422_YUYV,  /* YUV422_8 */
    CC_PIX_COUNT
} cc_pixfmt;

/* GenICam name as written in configs and the hello ("Mono8"), or NULL. */
const char *cc_pixfmt_name(cc_pixfmt fmt);
/* Parses a GenICam name or a legacy alias ("RGB8Packed", "YUV422Packed"),
 * case-insensitive. Returns 0 or -EINVAL. */
int cc_pixfmt_parse(const char *name, cc_pixfmt *out);
/* The PFNC code (what GenICam's PixelFormat enumeration holds), or 0. */
uint32_t cc_pixfmt_pfnc(cc_pixfmt fmt);
/* The format with that PFNC code. Returns 0 or -ENOENT. */
int cc_pixfmt_from_pfnc(uint32_t code, cc_pixfmt *out);
/* Bits per pixel (10 for Mono10p, 16 for Mono10), 0 if unknown. */
unsigned cc_pixfmt_bits(cc_pixfmt fmt);
/* Bytes per pixel of a byte-aligned format; 0 for bit-packed ones. */
unsigned cc_pixfmt_bpp(cc_pixfmt fmt);
/* Bytes of one row of width pixels, without padding (0 if unknown). */
size_t cc_pixfmt_row_bytes(cc_pixfmt fmt, uint32_t width);
/* Monochrome formats give grayscale JPEGs. */
bool cc_pixfmt_is_mono(cc_pixfmt fmt);
/* Names of all formats, ", "-separated, into buf. Returns buf. */
const char *cc_pixfmt_list(char *buf, size_t len);

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
    /* Non-NULL: the pixels are not in data, painter paints them. The
     * position is the painter's own (where its image is this frame). */
    const cc_painter *painter;
    uint32_t paint_x, paint_y;
};

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
