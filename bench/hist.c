#include "hist.h"

#include <string.h>

#define SUB (1u << CC_HIST_SUB_BITS)
#define MAX_VALUE ((UINT64_C(1) << 40) - 1)

void cc_hist_reset(cc_hist *h)
{
    memset(h, 0, sizeof *h);
}

/* Values below SUB have a bucket each; above, each power of two [2^e,
 * 2^(e+1)) is split in SUB equal buckets. */
static unsigned bucket_of(uint64_t v)
{
    if (v < SUB)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = e - CC_HIST_SUB_BITS;
    return (shift + 1) * SUB + (unsigned)((v >> shift) - SUB);
}

/* The middle of a bucket: what a value in it is reported as. */
static double bucket_mid(unsigned b)
{
    if (b < SUB)
        return b;
    unsigned shift = b / SUB - 1;
    uint64_t low = (uint64_t)(SUB + b % SUB) << shift;
    return (double)low + (double)(UINT64_C(1) << shift) / 2.0;
}

void cc_hist_add(cc_hist *h, uint64_t v)
{
    if (v > MAX_VALUE)
        v = MAX_VALUE;
    h->buckets[bucket_of(v)]++;
    h->count++;
    if (v > h->max)
        h->max = v;
}

void cc_hist_merge(cc_hist *dst, const cc_hist *src)
{
    for (unsigned i = 0; i < CC_HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    if (src->max > dst->max)
        dst->max = src->max;
}

/* The value of rank floor(q * (count - 1)) + 1; the top bucket's
 * middle may lie above the largest value seen, so it is capped at max. */
double cc_hist_quantile(const cc_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)(h->count - 1)) + 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < CC_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            double v = bucket_mid(i);
            return v > (double)h->max ? (double)h->max : v;
        }
    }
    return (double)h->max;
}
