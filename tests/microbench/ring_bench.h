/* The camera ring (src/capture/ring.h) between two threads: how many frames a
 * producer publishes and a consumer takes per second, and the hand-off
 * latency from publish to take. */
#ifndef CC_BENCH_RING_H
#define CC_BENCH_RING_H

#include <stdint.h>

#include "hist.h"

typedef struct cc_ring_result {
    double seconds;
    uint64_t published, overwritten; /* producer: handed over, ring full */
    uint64_t taken, skipped;         /* consumer: taken newest, released unread */
    cc_hist latency_ns;              /* publish -> take of the same frame */
} cc_ring_result;

/* Flood: the producer publishes flat out for seconds, or until it has
 * published max_items (if not 0); the consumer takes the newest frame as
 * fast as it can. pace_ns > 0 paces the producer to one frame per pace_ns
 * instead (latency of a ring that is mostly empty, as in the daemon). */
int cc_ring_bench_run(double seconds, uint64_t max_items, uint64_t pace_ns,
                      cc_ring_result *out);

#endif
