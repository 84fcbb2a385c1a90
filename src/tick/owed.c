#include "owed.h"

#include <string.h>

/* The entry header's `dropped` (docs/protocol.md, "Entry header"). */
#define ENTRY_DROPPED_AT 36

void cc_owed_clear(cc_owed *o)
{
    memset(o, 0, sizeof *o);
}

/* Camera i's count changes by d (a 64-bit count of frames does not
 * overflow). */
static void add(cc_owed *o, unsigned i, int64_t d)
{
    o->n[i] += d;
    if (o->n[i] != 0)
        o->cameras |= UINT64_C(1) << i;
    else
        o->cameras &= ~(UINT64_C(1) << i);
}

void cc_owed_add(cc_owed *o, const cc_bundle *b, uint64_t mask)
{
    for (unsigned k = 0; k < b->n_entries; k++) {
        const cc_fb_entry *e = &b->entries[k];
        if (mask >> e->camera_index & 1)
            add(o, e->camera_index, (int64_t)e->dropped + 1);
    }
}

void cc_owed_move(cc_owed *o, const cc_owed *from, const cc_owed *to)
{
    for (uint64_t m = from->cameras | to->cameras; m; m &= m - 1) {
        unsigned i = (unsigned)__builtin_ctzll(m);
        add(o, i, from->n[i] - to->n[i]);
    }
}

uint32_t cc_owed_settle(cc_owed *o, unsigned camera, uint32_t dropped)
{
    int64_t v = (int64_t)dropped + o->n[camera];
    o->n[camera] = 0;
    o->cameras &= ~(UINT64_C(1) << camera);
    return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

unsigned cc_owed_patch(cc_owed *o, const cc_bundle *b, cc_dropped_patch *p)
{
    p->n = 0;
    for (unsigned k = 0; k < b->n_entries && cc_owed_any(o, b->cameras); k++) {
        const cc_fb_entry *e = &b->entries[k];
        if (!cc_owed_any(o, UINT64_C(1) << e->camera_index))
            continue;
        uint32_t v = cc_owed_settle(o, e->camera_index, e->dropped);
        /* The bundle's writer put each entry header (CC_FB_ENTRY_SIZE
         * bytes) right before its payload. */
        p->at[p->n] = (uint32_t)(e->payload - b->data) - CC_FB_ENTRY_SIZE + ENTRY_DROPPED_AT;
        for (unsigned i = 0; i < 4; i++)
            p->value[p->n][i] = (uint8_t)(v >> (8 * i));
        p->n++;
    }
    return p->n;
}
