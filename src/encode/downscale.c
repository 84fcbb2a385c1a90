#include "downscale.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cc_downscale_init(cc_downscale *d, uint32_t in_w, uint32_t in_h,
                      unsigned channels, unsigned k)
{
    *d = (cc_downscale){0};
    if (in_w == 0 || in_h == 0 || k < 1 || k > 16 ||
        (channels != 1 && channels != 3))
        return -EINVAL;
    d->acc = malloc((size_t)in_w * channels * sizeof *d->acc);
    if (!d->acc)
        return -ENOMEM;
    d->in_w = in_w;
    d->in_h = in_h;
    d->k = k;
    d->channels = channels;
    d->out_w = (in_w + k - 1) / k;
    d->out_h = (in_h + k - 1) / k;
    return 0;
}

void cc_downscale_destroy(cc_downscale *d)
{
    free(d->acc);
    *d = (cc_downscale){0};
}

unsigned cc_downscale_rows(const cc_downscale *d, uint32_t oy)
{
    uint32_t y0 = oy * d->k;
    return y0 + d->k <= d->in_h ? d->k : d->in_h - y0;
}

/* acc = sum of n rows; n rows of n_px bytes. */
static void sum_rows(uint16_t *restrict acc, const uint8_t *const *rows,
                     unsigned n, size_t n_px)
{
    const uint8_t *r0 = rows[0];
    for (size_t x = 0; x < n_px; x++)
        acc[x] = r0[x];
    for (unsigned j = 1; j < n; j++) {
        const uint8_t *restrict r = rows[j];
        for (size_t x = 0; x < n_px; x++)
            acc[x] = (uint16_t)(acc[x] + r[x]);
    }
}

/* The reciprocal that divides exactly: s + n / 2 < 2^16 and n <= 2^8, so
 * ceil(2^24 / n) gives floor((s + n / 2) / n) for every s (Granlund and
 * Montgomery's bound). */
typedef struct divisor {
    uint32_t half, m;
} divisor;

static inline divisor divisor_of(uint32_t n)
{
    return (divisor){n / 2, ((UINT32_C(1) << 24) + n - 1) / n};
}

/* The rounded mean of n pixels whose sum is s. */
static inline uint8_t mean(uint32_t s, divisor d)
{
    return (uint8_t)(((uint64_t)(s + d.half) * d.m) >> 24);
}

/* The full boxes of a gray row, k a constant where inlined: the compiler
 * unrolls the sum and turns the loop into shuffles and adds. */
static inline void gray_boxes(const uint16_t *restrict acc, uint32_t n_out, unsigned k,
                              divisor box, uint8_t *restrict out)
{
    for (uint32_t ox = 0; ox < n_out; ox++) {
        const uint16_t *a = acc + (size_t)ox * k;
        uint32_t s = 0;
        for (unsigned j = 0; j < k; j++)
            s += a[j];
        out[ox] = mean(s, box);
    }
}

static void sum_columns_gray(const cc_downscale *d, const uint16_t *acc,
                             unsigned n_rows, uint8_t *out)
{
    unsigned k = d->k;
    uint32_t full = d->in_w / k;
    divisor box = divisor_of(k * n_rows);
    switch (k) { /* the usual boxes, specialised */
    case 2: gray_boxes(acc, full, 2, box, out); break;
    case 3: gray_boxes(acc, full, 3, box, out); break;
    case 4: gray_boxes(acc, full, 4, box, out); break;
    default: gray_boxes(acc, full, k, box, out); break;
    }
    unsigned rest = d->in_w - full * k;
    if (rest) {
        uint32_t s = 0;
        for (unsigned j = 0; j < rest; j++)
            s += acc[(size_t)full * k + j];
        out[full] = mean(s, divisor_of(rest * n_rows));
    }
}

static inline void rgb_boxes(const uint16_t *restrict acc, uint32_t n_out, unsigned k,
                             divisor box, uint8_t *restrict out)
{
    for (uint32_t ox = 0; ox < n_out; ox++) {
        const uint16_t *a = acc + (size_t)ox * k * 3;
        uint32_t s0 = 0, s1 = 0, s2 = 0;
        for (unsigned j = 0; j < k; j++) {
            s0 += a[3 * j];
            s1 += a[3 * j + 1];
            s2 += a[3 * j + 2];
        }
        out[3 * ox] = mean(s0, box);
        out[3 * ox + 1] = mean(s1, box);
        out[3 * ox + 2] = mean(s2, box);
    }
}

static void sum_columns_rgb(const cc_downscale *d, const uint16_t *acc,
                            unsigned n_rows, uint8_t *out)
{
    unsigned k = d->k;
    uint32_t full = d->in_w / k;
    divisor box = divisor_of(k * n_rows);
    switch (k) {
    case 2: rgb_boxes(acc, full, 2, box, out); break;
    case 3: rgb_boxes(acc, full, 3, box, out); break;
    case 4: rgb_boxes(acc, full, 4, box, out); break;
    default: rgb_boxes(acc, full, k, box, out); break;
    }
    unsigned rest = d->in_w - full * k;
    if (rest) {
        const uint16_t *a = acc + (size_t)full * k * 3;
        divisor edge = divisor_of(rest * n_rows);
        for (unsigned c = 0; c < 3; c++) {
            uint32_t s = 0;
            for (unsigned j = 0; j < rest; j++)
                s += a[3 * j + c];
            out[3 * full + c] = mean(s, edge);
        }
    }
}

void cc_downscale_row(const cc_downscale *d, uint32_t oy,
                      const uint8_t *const *rows, uint8_t *out)
{
    unsigned n = cc_downscale_rows(d, oy);
    sum_rows(d->acc, rows, n, (size_t)d->in_w * d->channels);
    if (d->channels == 1)
        sum_columns_gray(d, d->acc, n, out);
    else
        sum_columns_rgb(d, d->acc, n, out);
}
