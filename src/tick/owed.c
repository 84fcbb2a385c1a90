#include "owed.h"

#include <string.h>

/* The entry header's `dropped` (docs/protocol.md, "Entry header"). */
#define ENTRY_DROPPED_AT 36

void cc_owed_clear(cc_owed *o)
{
    memset(o, 0, sizeof *o);
}

static uint32_t add_sat(uint32_t a, uint64_t b)
{
    return a + b > UINT32_MAX ? UINT32_MAX : (uint32_t)(a + b);
}

void cc_owed_add(cc_owed *o, const cc_bundle *b, uint64_t mask)
{
    for (unsigned k = 0; k < b->n_entries; k++) {
        const cc_fb_entry *e = &b->entries[k];
        if (!(mask >> e->camera_index & 1))
            continue;
        o->n[e->camera_index] = add_sat(o->n[e->camera_index], (uint64_t)e->dropped + 1);
        o->cameras |= UINT64_C(1) << e->camera_index;
    }
}

uint32_t cc_owed_settle(cc_owed *o, unsigned camera, uint32_t dropped)
{
    uint32_t out = add_sat(dropped, o->n[camera]);
    o->n[camera] = 0;
    o->cameras &= ~(UINT64_C(1) << camera);
    return out;
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
