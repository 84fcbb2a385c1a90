/* Reference-counted FrameBundle buffers, their entry index, and the pool
 * that recycles them.
 *
 * A bundle is written once and then only read: the mux writes one per
 * variant per tick, a client group writes a subset of one for its members,
 * and every client of a group gets the same bundle. Each pending write
 * holds a reference and drops it in its write callback; the last reference
 * returns the buffer to the pool, so the steady state allocates nothing.
 *
 * Next to its bytes a bundle keeps where each entry lies (`entries`, with
 * payload pointing into `data`): readers of the tick build subsets and hand
 * out JPEGs from the index, and nothing parses a bundle the daemon wrote.
 * Loop thread only: references are plain counters.
 */
#ifndef CC_BUNDLE_H
#define CC_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "camcast/framebundle.h"
#include "config/config.h"

typedef struct cc_bundle_pool cc_bundle_pool;

typedef struct cc_bundle {
    uint8_t *data;
    size_t len;
    size_t cap;
    uint64_t seq;
    uint64_t mux_time_ns;
    uint64_t cameras;      /* bit i set: camera i has an entry */
    unsigned variant;      /* 0: full; else the mux's variant index */
    uint16_t flags;        /* as written (CC_FB_FLAG_ALIGNED) */
    /* Sync groups (align.h): each group's cameras, and the cameras whose
     * entry is of their group's moment, so that a subset can say whether
     * it is aligned for the cameras it holds. */
    uint64_t matched;
    uint64_t sync_groups[CC_MAX_SYNC];
    unsigned n_sync_groups;
    unsigned refs;
    /* The index: entries[k] is the k-th entry as written, its payload in
     * data. Filled by cc_bundle_add. */
    unsigned n_entries;
    cc_fb_entry entries[CC_MAX_CAMERAS];
    cc_fb_writer w;        /* while it is written */
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

/* Writing one (cap from cc_fb_bundle_size for what it will hold): the
 * header, then entries, each payload copied and indexed, then the end,
 * which sets len and seq. Adding returns CC_FB_OK or the writer's error
 * (CC_FB_ENOSPC: the bundle was sized too small). */
void cc_bundle_begin(cc_bundle *b, uint64_t seq, uint64_t mux_time_ns);
int cc_bundle_add(cc_bundle *b, const cc_fb_entry *e);
/* After the entries, before the end: the sync groups of the cameras, the
 * cameras of one moment (see above), and the flag they give for a reader
 * of the cameras in wanted. */
void cc_bundle_set_sync(cc_bundle *b, const uint64_t *groups, unsigned n, uint64_t matched,
                        uint64_t wanted);
void cc_bundle_end(cc_bundle *b);

#endif
