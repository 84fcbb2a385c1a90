#include "group.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "camcast/framebundle.h"

#define CC_GROUP_VARIANTS (2 + CC_MAX_VARIANTS) /* as the mux's */

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
    g->credit = 1; /* a new member gets the next tick */
    g->members = 1;
    g->next = gs->head;
    if (gs->head)
        gs->head->prev = g;
    gs->head = g;
    return g;
}

void cc_group_leave(cc_group_set *gs, cc_group *g)
{
    if (!g || --g->members > 0)
        return;
    if (g->now)
        cc_bundle_unref(g->now);
    if (g->prev)
        g->prev->next = g->next;
    else
        gs->head = g->next;
    if (g->next)
        g->next->prev = g->prev;
    free(g);
}

/* Whether g sends this tick: every tick, or when its credit reaches one
 * (it never holds more than one tick's worth, so a group never bursts). */
static bool due_now(cc_group *g, double stream_fps)
{
    if (g->max_fps <= 0 || g->max_fps >= stream_fps)
        return true;
    bool sends = g->credit >= 1 - 1e-9;
    if (sends)
        g->credit -= 1;
    g->credit += g->max_fps / stream_fps;
    if (g->credit > 1)
        g->credit = 1;
    return sends;
}

static uint32_t add_sat(uint32_t a, uint64_t b)
{
    return a + b > UINT32_MAX ? UINT32_MAX : (uint32_t)(a + b);
}

/* The tick's entries, parsed once, when a group needs them. */
typedef struct parsed {
    bool done, ok;
    cc_fb_header hdr;
    cc_fb_entry entries[CC_MAX_CAMERAS];
} parsed;

static bool parse(parsed *p, const cc_bundle *b)
{
    if (!p->done) {
        p->done = true;
        p->ok = cc_fb_parse(b->data, b->len, CC_MAX_CAMERAS, &p->hdr, p->entries) == CC_FB_OK;
    }
    return p->ok;
}

/* A tick g does not send: every frame of its cameras in it is owed. */
static void owe(cc_group *g, const parsed *p)
{
    for (unsigned i = 0; i < p->hdr.entry_count; i++) {
        const cc_fb_entry *e = &p->entries[i];
        if (g->mask >> e->camera_index & 1)
            g->owed[e->camera_index] = add_sat(g->owed[e->camera_index],
                                               (uint64_t)e->dropped + 1);
    }
}

static bool owes(const cc_group *g, uint64_t cameras)
{
    for (unsigned i = 0; i < CC_MAX_CAMERAS; i++)
        if ((cameras >> i & 1) && g->owed[i])
            return true;
    return false;
}

/* g's entries of b, each with what g owes for its camera added to
 * dropped. A subset of a bundle always fits in its size. */
static cc_bundle *build(cc_group_set *gs, cc_group *g, const cc_bundle *b,
                        const parsed *p)
{
    cc_bundle *out = cc_bundle_get(&gs->pool, b->len);
    if (!out)
        return NULL;
    cc_fb_writer w;
    cc_fb_writer_begin(&w, out->data, out->cap, p->hdr.bundle_seq, p->hdr.mux_time_ns);
    out->cameras = 0;
    for (unsigned i = 0; i < p->hdr.entry_count; i++) {
        cc_fb_entry e = p->entries[i];
        if (!(g->mask >> e.camera_index & 1))
            continue;
        e.dropped = add_sat(e.dropped, g->owed[e.camera_index]);
        g->owed[e.camera_index] = 0;
        int rc = cc_fb_writer_add(&w, &e);
        assert(rc == CC_FB_OK);
        (void)rc;
        out->cameras |= UINT64_C(1) << e.camera_index;
    }
    out->len = cc_fb_writer_end(&w);
    out->seq = b->seq;
    return out;
}

/* Decisions beyond this are not kept: ticks in flight are at most two. */
#define PLAN_MAX 8

void cc_group_plan(cc_group_set *gs, uint64_t *due, uint64_t *held,
                   size_t n_variants, double stream_fps)
{
    for (cc_group *g = gs->head; g; g = g->next) {
        bool sends = due_now(g, stream_fps);
        if (g->planned < PLAN_MAX) {
            g->plan |= (uint8_t)(sends << g->planned);
            g->planned++;
        }
        if (g->variant < n_variants) {
            held[g->variant] |= g->mask;
            if (sends)
                due[g->variant] |= g->mask;
        }
    }
}

/* The decision taken when the tick started, or, for a group younger than
 * the tick, whether its bundle is there. */
static bool next_decision(cc_group *g, const cc_bundle *mine)
{
    if (g->planned == 0)
        return mine != NULL;
    bool sends = g->plan & 1;
    g->plan >>= 1;
    g->planned--;
    return sends;
}

void cc_group_tick(cc_group_set *gs, cc_bundle *const *b, size_t n_variants)
{
    parsed p[CC_GROUP_VARIANTS];
    for (size_t v = 0; v < n_variants && v < CC_GROUP_VARIANTS; v++)
        p[v].done = false;
    for (cc_group *g = gs->head; g; g = g->next) {
        bool known = g->variant < n_variants && g->variant < CC_GROUP_VARIANTS;
        cc_bundle *mine = known ? b[g->variant] : NULL;
        g->now = NULL;
        bool sends = next_decision(g, mine);
        g->failed = sends && !mine; /* out of memory when it was made */
        if (!mine)
            continue;
        parsed *pv = &p[g->variant];
        uint64_t ours = g->mask & mine->cameras;
        if (sends && ours == mine->cameras && !owes(g, ours)) {
            cc_bundle_ref(mine); /* everything, as muxed: shared as it is */
            g->now = mine;
        } else if (!parse(pv, mine)) {
            g->failed = sends; /* cannot happen: the mux wrote it */
        } else if (!sends) {
            owe(g, pv);
        } else {
            g->now = build(gs, g, mine, pv);
            g->failed = !g->now;
            if (!g->now)
                owe(g, pv);
        }
    }
}

void cc_group_tick_end(cc_group_set *gs)
{
    for (cc_group *g = gs->head; g; g = g->next) {
        if (g->now)
            cc_bundle_unref(g->now);
        g->now = NULL;
    }
}

void cc_group_remap(cc_group_set *gs, uint64_t (*new_mask)(uint64_t old, void *arg),
                    void *arg)
{
    for (cc_group *g = gs->head; g; g = g->next) {
        g->mask = new_mask(g->mask, arg);
        memset(g->owed, 0, sizeof g->owed);
    }
}

void cc_group_remap_variants(cc_group_set *gs, const int *old_to_new, size_t n_old)
{
    for (cc_group *g = gs->head; g; g = g->next) {
        int v = g->variant < n_old ? old_to_new[g->variant] : -1;
        g->variant = v >= 0 ? (unsigned)v : 0;
        g->plan = g->planned = 0;
    }
}
