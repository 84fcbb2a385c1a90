#include "bundle.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"

void cc_bundle_pool_init(cc_bundle_pool *pool)
{
    *pool = (cc_bundle_pool){0};
}

void cc_bundle_pool_destroy(cc_bundle_pool *pool)
{
    assert(pool->live == 0);
    while (pool->free) {
        cc_bundle *b = pool->free;
        pool->free = b->next;
        free(b->data);
        free(b);
    }
    pool->total = 0;
}

static int ensure_cap(cc_bundle *b, size_t cap)
{
    if (b->cap >= cap)
        return 0;
    /* Grow with headroom: JPEG sizes wander from tick to tick. */
    size_t want = cap + cap / 4;
    uint8_t *p = realloc(b->data, want);
    if (!p)
        return -1;
    b->data = p;
    b->cap = want;
    return 0;
}

cc_bundle *cc_bundle_get(cc_bundle_pool *pool, size_t cap)
{
    cc_bundle *b = pool->free;
    if (b) {
        pool->free = b->next;
    } else {
        b = calloc(1, sizeof *b);
        if (!b)
            return NULL;
        b->pool = pool;
        pool->total++;
    }
    if (ensure_cap(b, cap) < 0) {
        b->next = pool->free;
        pool->free = b;
        return NULL;
    }
    b->len = 0;
    b->seq = 0;
    b->cameras = 0;
    b->variant = 0;
    b->n_entries = 0;
    b->refs = 1;
    b->next = NULL;
    pool->live++;
    return b;
}

void cc_bundle_ref(cc_bundle *b)
{
    assert(b->refs > 0);
    b->refs++;
}

void cc_bundle_unref(cc_bundle *b)
{
    assert(b->refs > 0);
    if (--b->refs > 0)
        return;
    cc_bundle_pool *pool = b->pool;
    pool->live--;
    b->next = pool->free;
    pool->free = b;
}

void cc_bundle_begin(cc_bundle *b, uint64_t seq, uint64_t mux_time_ns)
{
    /* A pooled buffer always holds a header (cc_fb_bundle_size >= it). */
    int rc = cc_fb_writer_begin(&b->w, b->data, b->cap, seq, mux_time_ns);
    assert(rc == CC_FB_OK);
    (void)rc;
    b->seq = seq;
    b->mux_time_ns = mux_time_ns;
    b->cameras = 0;
    b->n_entries = 0;
    b->flags = 0;
    b->matched = 0;
    b->n_sync_groups = 0;
}

void cc_bundle_set_sync(cc_bundle *b, const uint64_t *groups, unsigned n, uint64_t matched,
                        uint64_t wanted)
{
    assert(n <= CC_MAX_SYNC);
    memcpy(b->sync_groups, groups, n * sizeof *groups);
    b->n_sync_groups = n;
    b->matched = matched;
    b->flags = cc_align_flag(groups, n, wanted, b->cameras, matched) ? CC_FB_FLAG_ALIGNED : 0;
    cc_fb_writer_set_flags(&b->w, b->flags);
}

int cc_bundle_add(cc_bundle *b, const cc_fb_entry *e)
{
    if (b->n_entries >= CC_MAX_CAMERAS || e->camera_index >= CC_MAX_CAMERAS)
        return CC_FB_ETOOMANY;
    int rc = cc_fb_writer_add(&b->w, e);
    if (rc != CC_FB_OK)
        return rc;
    cc_fb_entry *at = &b->entries[b->n_entries++];
    *at = *e;
    at->payload = b->data + b->w.len - e->payload_size;
    b->cameras |= UINT64_C(1) << e->camera_index;
    return CC_FB_OK;
}

void cc_bundle_end(cc_bundle *b)
{
    b->len = cc_fb_writer_end(&b->w);
}
