/* Latency histogram: log-linear buckets (64 per power of two, so a value
 * is reported within 0.8% of its true value), fixed size, no allocation.
 * The unit is the caller's (ns for the ring, us end to end). */
#ifndef CC_BENCH_HIST_H
#define CC_BENCH_HIST_H

#include <stdint.h>

#define CC_HIST_SUB_BITS 6
#define CC_HIST_BUCKETS ((40 - CC_HIST_SUB_BITS + 1) << CC_HIST_SUB_BITS)

typedef struct cc_hist {
    uint64_t count;
    uint64_t max;
    uint64_t buckets[CC_HIST_BUCKETS];
} cc_hist;

void cc_hist_reset(cc_hist *h);
/* Adds one value (values of 2^40 and more are clamped). */
void cc_hist_add(cc_hist *h, uint64_t v);
/* Adds every value of src to dst. */
void cc_hist_merge(cc_hist *dst, const cc_hist *src);
/* The value at quantile q (0..1), 0 when empty. */
double cc_hist_quantile(const cc_hist *h, double q);

#endif
