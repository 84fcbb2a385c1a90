/* A reader of the stream tick: something that takes the tick's bundles
 * (the WebSocket clients' groups, the RTSP feed).
 *
 * The mux calls every reader twice per tick, on the loop thread: when the
 * tick starts, plan() says which cameras of which variant the reader takes
 * on it (so nothing is encoded that no reader takes); when the tick's
 * bundles are written, take() gets them, in tick order.
 */
#ifndef CC_READER_H
#define CC_READER_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "config/config.h"

/* What a tick's readers want, by variant (the index space of config.h,
 * cc_variant_at: 0 is full). */
typedef struct cc_tick_plan {
    uint64_t due[CC_VARIANTS];  /* cameras a reader takes on this tick */
    uint64_t held[CC_VARIANTS]; /* cameras a reader takes at all, due or not */
    size_t n_variants;
    double stream_fps;
} cc_tick_plan;

typedef struct cc_tick_reader cc_tick_reader;
struct cc_tick_reader {
    /* The tick starts: add to p->due and p->held. */
    void (*plan)(cc_tick_reader *r, cc_tick_plan *p);
    /* Its bundles: b[v] for variant v, NULL where nobody wanted v (or out
     * of memory); each with a reference the mux drops after the call. */
    void (*take)(cc_tick_reader *r, cc_bundle *const *b, size_t n_variants);
    cc_tick_reader *next; /* the mux's list */
};

#endif
