/* Reference-counted FrameBundle buffers and the pool that recycles them.
 *
 * One bundle is muxed per tick and handed, unchanged, to every client: each
 * pending write holds a reference and drops it in its write callback. When
 * the last reference goes the buffer returns to the pool, so the steady state
 * allocates nothing. Loop thread only: references are plain counters.
 */
#ifndef CC_BUNDLE_H
#define CC_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cc_bundle_pool cc_bundle_pool;

typedef struct cc_bundle {
    uint8_t *data;
    size_t len;
    size_t cap;
    uint64_t seq;
    uint64_t cameras;      /* bit i set: camera i has an entry */
    unsigned variant;      /* 0: full; else the mux's variant index */
    unsigned refs;
    cc_bundle_pool *pool;
    struct cc_bundle *next; /* pool free list */
} cc_bundle;

struct cc_bundle_pool {
    cc_bundle *free;
    size_t live;  /* bundles handed out and not yet back */
    size_t total; /* bundles ever allocated and not freed */
};

void cc_bundle_pool_init(cc_bundle_pool *pool);
/* Frees the pooled bundles. Every bundle must be back (live == 0). */
void cc_bundle_pool_destroy(cc_bundle_pool *pool);

/* A bundle with at least cap bytes and one reference, or NULL. */
cc_bundle *cc_bundle_get(cc_bundle_pool *pool, size_t cap);
void cc_bundle_ref(cc_bundle *b);
void cc_bundle_unref(cc_bundle *b);

#endif
