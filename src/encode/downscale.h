/* Box-filter downscaling by an integer factor, for variants.
 *
 * An output pixel is the rounded mean of a k x k box of input pixels (the
 * boxes at the right and bottom edges hold what is left: the output is
 * ceil(w / k) x ceil(h / k) and no input pixel is lost). Rows are fed k at
 * a time: their sum goes into a row of 16-bit accumulators (255 * 16 * 16
 * fits), a loop the compiler vectorises, then each run of k sums becomes one
 * pixel. Reads each input pixel once, allocates only at init.
 */
#ifndef CC_DOWNSCALE_H
#define CC_DOWNSCALE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cc_downscale {
    uint32_t in_w, in_h, out_w, out_h;
    unsigned k, channels;
    uint16_t *acc; /* in_w * channels sums */
} cc_downscale;

/* k: 1..16, channels: 1 (gray) or 3 (RGB/BGR). Returns 0, -EINVAL or
 * -ENOMEM. */
int cc_downscale_init(cc_downscale *d, uint32_t in_w, uint32_t in_h,
                      unsigned channels, unsigned k);
void cc_downscale_destroy(cc_downscale *d);

/* Output row oy (0 .. out_h - 1) from its input rows: rows[j] is input row
 * oy * k + j, for j below cc_downscale_rows(d, oy). out: out_w * channels
 * bytes. */
void cc_downscale_row(const cc_downscale *d, uint32_t oy,
                      const uint8_t *const *rows, uint8_t *out);
/* Input rows that make output row oy: k, fewer at the bottom edge. */
unsigned cc_downscale_rows(const cc_downscale *d, uint32_t oy);

#endif
