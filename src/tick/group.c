#include "group.h"

#include "align.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void cc_group_set_init(cc_group_set *gs)
{
    gs->head = NULL;
    cc_bundle_pool_init(&gs->pool);
}

void cc_group_set_destroy(cc_group_set *gs)
{
    assert(!gs->head);
    cc_bundle_pool_destroy(&gs->pool);
}

double cc_group_rate(double max_fps, double stream_fps)
{
    if (!(max_fps > 0) || !(stream_fps > 0) || max_fps >= stream_fps)
        return 0;
    /* The slack keeps 30 / 10 from rounding up to 4 ticks. */
    double k = ceil(stream_fps / max_fps - 1e-9);
    return stream_fps / k;
}

cc_group *cc_group_join(cc_group_set *gs, uint64_t mask, double max_fps,
                        unsigned variant)
{
    for (cc_group *g = gs->head; g; g = g->next) {
        if (g->mask == mask && g->max_fps == max_fps && g->variant == variant) {
            g->members++;
            return g;
        }
    }
    cc_group *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->mask = mask;
    g->max_fps = max_fps;
    g->variant = variant;
    cc_pace_init(&g->pace); /* a new member gets the next tick */
    g->members = 1;
    g->next = gs->head;
    if (gs->head)
        gs->head->prev = g;
    gs->head = g;
    return g;
}

/* *b's reference dropped, if it holds one. */
static void drop(cc_bundle **b)
{
    if (*b)
        cc_bundle_unref(*b);
    *b = NULL;
}

void cc_group_leave(cc_group_set *gs, cc_group *g)
{
    if (!g || --g->members > 0)
        return;
    drop(&g->now);
    drop(&g->last);
    drop(&g->replaced);
    if (g->prev)
        g->prev->next = g->next;
    else
        gs->head = g->next;
    if (g->next)
        g->next->prev = g->prev;
    free(g);
}

/* g's entries of b, copied from its index, each with what g owes for its
 * camera added to dropped, and the aligned flag for g's cameras. A subset
 * of a bundle always fits in its size. */
static cc_bundle *build(cc_group_set *gs, cc_group *g, const cc_bundle *b)
{
    cc_bundle *out = cc_bundle_get(&gs->pool, b->len);
    if (!out)
        return NULL;
    cc_bundle_begin(out, b->seq, b->mux_time_ns);
    for (unsigned k = 0; k < b->n_entries; k++) {
        cc_fb_entry e = b->entries[k];
        if (!(g->mask >> e.camera_index & 1))
            continue;
        e.dropped = cc_owed_settle(&g->owed, e.camera_index, e.dropped);
        int rc = cc_bundle_add(out, &e);
        assert(rc == CC_FB_OK);
        (void)rc;
    }
    cc_bundle_set_sync(out, b->sync_groups, b->n_sync_groups, b->matched, g->mask);
    cc_bundle_end(out);
    out->variant = b->variant;
    return out;
}

void cc_group_plan(cc_group_set *gs, cc_tick_plan *p)
{
    for (cc_group *g = gs->head; g; g = g->next) {
        bool sends = cc_pace_due(&g->pace, g->max_fps, p->stream_fps);
        cc_pace_push(&g->pace, sends);
        if (g->variant < p->n_variants) {
            p->held[g->variant] |= g->mask;
            if (sends)
                p->due[g->variant] |= g->mask;
        }
    }
}

void cc_group_tick(cc_group_set *gs, cc_bundle *const *b, size_t n_variants)
{
    for (cc_group *g = gs->head; g; g = g->next) {
        cc_bundle *mine = g->variant < n_variants ? b[g->variant] : NULL;
        g->now = NULL;
        /* The decision taken when the tick started, or, for a group younger
         * than the tick, whether its bundle is there. */
        int planned = cc_pace_pop(&g->pace);
        bool sends = planned < 0 ? mine != NULL : planned == 1;
        g->failed = sends && !mine; /* out of memory when it was made */
        if (!mine)
            continue;
        uint64_t ours = g->mask & mine->cameras;
        /* The muxed bundle's flag is for every camera wanted on the tick:
         * shared only when it is also right for g's. */
        bool aligned = cc_align_flag(mine->sync_groups, mine->n_sync_groups, g->mask,
                                     mine->cameras, mine->matched);
        if (sends && ours == mine->cameras && !cc_owed_any(&g->owed, ours) &&
            aligned == ((mine->flags & CC_FB_FLAG_ALIGNED) != 0)) {
            cc_bundle_ref(mine); /* everything, as muxed: shared as it is */
            g->now = mine;
        } else if (!sends) {
            cc_owed_add(&g->owed, mine, g->mask);
        } else {
            g->now = build(gs, g, mine);
            g->failed = !g->now;
            if (!g->now)
                cc_owed_add(&g->owed, mine, g->mask);
        }
        if (g->now) {
            g->replaced = g->last;
            cc_bundle_ref(g->now);
            g->last = g->now;
        }
    }
}

void cc_group_tick_end(cc_group_set *gs)
{
    for (cc_group *g = gs->head; g; g = g->next) {
        drop(&g->now);
        drop(&g->replaced);
    }
}

void cc_group_remap(cc_group_set *gs, uint64_t (*new_mask)(uint64_t old, void *arg),
                    void *arg)
{
    for (cc_group *g = gs->head; g; g = g->next) {
        g->mask = new_mask(g->mask, arg);
        cc_owed_clear(&g->owed);
        drop(&g->last);
    }
}

void cc_group_remap_variants(cc_group_set *gs, const int *old_to_new, size_t n_old)
{
    for (cc_group *g = gs->head; g; g = g->next) {
        int v = g->variant < n_old ? old_to_new[g->variant] : -1;
        g->variant = v >= 0 ? (unsigned)v : 0;
        cc_pace_forget(&g->pace);
        drop(&g->last);
    }
}
