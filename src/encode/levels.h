/* Levels of a frame (docs/protocol.md 1.2, "Levels"): a luminance
 * histogram in 64 bins and the pixels clipped at black and at white,
 * counted by the encoder workers on the rows they read for the JPEG.
 *
 * Counted on the 8-bit image the encoder compresses: a Mono8 frame's own
 * bytes; for 10-16 bit formats the top 8 bits; for colour (RGB, BGR, and
 * Bayer or YUV once converted) the luminance Y = (77 R + 150 G + 29 B) / 256.
 * A pixel is clipped low at luminance 0 and high at 255 (for colour, 255
 * only when all its channels are). Counting each channel's clipping too
 * doubled the cost of a colour frame's levels (docs/control.md, "Levels").
 */
#ifndef CC_LEVELS_H
#define CC_LEVELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CC_LEVELS_BINS 64

typedef struct cc_levels {
    uint32_t bins[CC_LEVELS_BINS]; /* bin k: luminance 4k .. 4k + 3 */
    uint64_t pixels;
    uint64_t low, high;            /* clipped pixels, as above */
} cc_levels;

void cc_levels_clear(cc_levels *lv);
/* Adds rows of packed 8-bit pixels, pitch bytes apart: channels 1 (grey)
 * or 3 (bgr: blue first, else red first). */
void cc_levels_add(cc_levels *lv, const uint8_t *px, size_t pitch, uint32_t width,
                   uint32_t rows, unsigned channels, bool bgr);
void cc_levels_merge(cc_levels *into, const cc_levels *from);

#endif
