/* One JPEG from strips encoded in parallel.
 *
 * A strip of whole MCU rows, encoded on its own as a baseline JPEG (default
 * Huffman tables, no restart markers), holds exactly the entropy-coded data
 * a whole-image encode has for those rows, but for two things: its DC
 * prediction starts from 0, and its last byte is padded with 1-bits. That
 * is just what a restart marker does. So strips that each span one restart
 * interval merge into one JPEG: the first strip's headers with the full
 * height and a DRI segment, then each strip's entropy data, with RST0..RST7
 * (cycling) between them. It decodes to the very pixels of a whole-image
 * encode.
 *
 * This module plans the strips and merges them; encoding them, and on which
 * threads, is the caller's.
 */
#ifndef CC_JPEG_STITCH_H
#define CC_JPEG_STITCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct cc_strip_plan {
    unsigned n;                /* strips, >= 1 */
    uint32_t rows;             /* image rows per strip; the last strip has
                                  height - (n - 1) * rows */
    uint16_t restart_interval; /* MCUs per strip, the DRI value; 0 when
                                  n == 1 */
} cc_strip_plan;

/* Splits a width x height image with MCUs of mcu_w x mcu_h pixels (gray
 * 8x8, 4:2:0 16x16: TurboJPEG's tjMCUWidth/tjMCUHeight) into at most
 * max_strips strips of whole MCU rows, as many as allowed and as equal as
 * possible: every strip but the last has ceil(MCU rows / n) of them, and
 * no strip is empty. Each strip is at least min_rows image rows high
 * (rounded up to whole MCU rows), the last one included.
 *
 * A strip is one restart interval, and the DRI field holds at most 65535
 * MCUs: on a very wide image strips are made shorter, and so more of them,
 * even under min_rows (they are still big). When that takes more than
 * max_strips, or when there would be only one strip, the plan is n = 1: no
 * split, rows = height.
 *
 * Returns 0; -EINVAL when a size, an MCU size or max_strips is 0, or a
 * size is over 65535 (JPEG's limit). */
int cc_strip_plan_make(cc_strip_plan *plan, uint32_t width, uint32_t height,
                       unsigned mcu_w, unsigned mcu_h, unsigned max_strips,
                       uint32_t min_rows);

/* Upper bound of the merged size of n parts of sizes[] bytes: their sum
 * plus the DRI segment and 2 bytes per part (SIZE_MAX on overflow). */
size_t cc_jpeg_stitch_bound(const size_t sizes[], unsigned n);

/* Merges the n strip JPEGs parts[] (sizes[] bytes each, top to bottom, as
 * tjCompress2 writes them) into out, cap bytes, which must not overlap
 * them; restart_interval and full_height (the whole image's height) are
 * the plan's. Allocates nothing: it runs per frame.
 *
 * Each part must be one baseline or extended sequential Huffman JPEG
 * (SOF0/SOF1), with one scan of all components, no DRI and no restart
 * markers, ending with EOI. The parts must have the same headers but for
 * the frame height (same width, components, sampling and tables); every
 * part but the last must be exactly restart_interval MCUs, the last at
 * most that, and their heights must sum to full_height. Anything else
 * would merge into a JPEG that decodes wrong, or not at all.
 *
 * n == 1 copies the part as it is (restart_interval unused).
 *
 * Returns 0 and the merged size in *out_size; -EINVAL when a part or an
 * argument is not as above; -ENOSPC when cap is too small
 * (cc_jpeg_stitch_bound is always enough). */
int cc_jpeg_stitch(const uint8_t *const parts[], const size_t sizes[],
                   unsigned n, uint32_t full_height, uint16_t restart_interval,
                   uint8_t *out, size_t cap, size_t *out_size);

#endif
