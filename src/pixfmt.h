/* Pixel formats: the GenICam names configs and the hello use, their PFNC
 * codes and sizes. A leaf: config and capture both include it. */
#ifndef CC_PIXFMT_H
#define CC_PIXFMT_H

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

#endif
