/* Pixel format conversion for the JPEG encoder.
 *
 * TurboJPEG takes 8-bit gray, RGB or BGR. Frames in those formats are
 * encoded straight from their ring slot; the others are converted first,
 * inside the encoder worker and only for frames that are streamed, into a
 * buffer preallocated with the encode job (cc_convert_bytes sizes it):
 *
 *   Mono10/12/16, Mono10Packed/12Packed, Mono10p/12p -> gray (top 8 bits)
 *   BayerRG8/GB8/GR8/BG8                              -> RGB (bilinear)
 *   YUV422_8_UYVY, YUV422_8                           -> RGB (full-range
 *                                                       BT.601, as in JFIF)
 */
#ifndef CC_CONVERT_H
#define CC_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/frame.h"

/* The pixel layout the encoder compresses. */
typedef enum cc_layout {
    CC_LAYOUT_GRAY = 1,
    CC_LAYOUT_RGB,
    CC_LAYOUT_BGR,
} cc_layout;

/* Layout of frames in fmt once converted (if they need it); 0 when fmt is
 * unknown. */
cc_layout cc_convert_layout(cc_pixfmt fmt);
/* False when frames in fmt are encoded as they are. */
bool cc_convert_needed(cc_pixfmt fmt);
/* Bytes of the converted image of a width x height frame: 0 when fmt needs
 * no conversion or the size overflows. */
size_t cc_convert_bytes(cc_pixfmt fmt, uint32_t width, uint32_t height);
/* Converts src into dst, cap bytes, as packed rows (gray: width bytes,
 * RGB: 3 * width). Returns 0; -EINVAL when src needs no conversion, is
 * inconsistent (stride, size) or has a shape the format cannot have (a
 * Bayer frame under 2x2, an odd YUV422 width); -ENOSPC when dst is small. */
int cc_convert(const cc_frame *src, uint8_t *dst, size_t cap);

#endif
