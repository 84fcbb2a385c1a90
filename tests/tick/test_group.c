/* Tests for group.c: clients sharing bytes by cameras and rate; a
 * max_fps group's entries count every frame it was not sent. */
#include "tick/group.h"

#include <string.h>

#include "camcast/framebundle.h"
#include "check.h"

static cc_bundle_pool pool;
static uint64_t next_seq;

/* A bundle with one entry per camera in mask, each frame dropped[i] after
 * the previous. */
static cc_bundle *bundle(uint64_t mask, const uint32_t *dropped)
{
    static const uint8_t jpeg[8] = {0xff, 0xd8, 1, 2, 3, 4, 0xff, 0xd9};
    cc_bundle *b = cc_bundle_get(&pool, 4096);
    cc_bundle_begin(b, next_seq, 1000 + next_seq);
    for (unsigned i = 0; i < 64; i++) {
        if (!(mask >> i & 1))
            continue;
        cc_fb_entry e = {.camera_index = (uint16_t)i, .width = 16, .height = 16, .codec = 1,
                         .frame_id = next_seq, .capture_time_ns = 5, .payload_size = 8,
                         .dropped = dropped ? dropped[i] : 0, .payload = jpeg};
        CHECK_EQ_INT(cc_bundle_add(b, &e), CC_FB_OK);
    }
    cc_bundle_end(b);
    next_seq++;
    return b;
}

/* Entry of camera cam in b's bytes; dropped, or -1 when absent. */
static long dropped_of(const cc_bundle *b, unsigned cam)
{
    cc_fb_header h;
    cc_fb_entry e[64];
    CHECK_EQ_INT(cc_fb_parse(b->data, b->len, 64, &h, e), CC_FB_OK);
    for (unsigned i = 0; i < h.entry_count; i++)
        if (e[i].camera_index == cam)
            return e[i].dropped;
    return -1;
}

/* A tick of the full stream only: planned, then its bundle. */
static void tick(cc_group_set *gs, cc_bundle *m)
{
    cc_tick_plan p = {.n_variants = 1, .stream_fps = 30};
    cc_group_plan(gs, &p);
    cc_bundle *b[1] = {m};
    cc_group_tick(gs, b, 1);
}

/* Rates on the stream's ladder: stream_fps / k, within what was asked. */
static void test_rate_ladder(void)
{
    CHECK(cc_group_rate(0, 30) == 0);
    CHECK(cc_group_rate(30, 30) == 0);   /* every tick: the plain group */
    CHECK(cc_group_rate(1000, 30) == 0);
    CHECK(cc_group_rate(29.9, 30) == 15);
    CHECK(cc_group_rate(15, 30) == 15);
    CHECK(cc_group_rate(10, 30) == 10);
    CHECK(cc_group_rate(7, 30) == 6);
    CHECK(cc_group_rate(5, 30) == 5);
    CHECK(cc_group_rate(1, 30) == 1);
    CHECK(cc_group_rate(0.5, 30) == 0.5);
    CHECK(cc_group_rate(12.5, 25) == 12.5);
    /* 1000 distinct values from 1 to 30 fps asked: at most 30 rates (one
     * per k), each within what was asked. */
    double seen[64];
    size_t n = 0;
    for (int i = 0; i < 1000; i++) {
        double asked = 1 + i * 0.029, r = cc_group_rate(asked, 30);
        CHECK(r <= asked + 1e-9);
        bool known = false;
        for (size_t j = 0; j < n; j++)
            known |= seen[j] == r;
        if (!known && n < 64)
            seen[n++] = r;
    }
    CHECK(n <= 30);
}

/* Clients asking for different rates that fall on one rung share. */
static void test_rates_share(void)
{
    cc_group_set gs;
    cc_group_set_init(&gs);
    cc_group *a = cc_group_join(&gs, 1, cc_group_rate(7, 30), 0);
    cc_group *b = cc_group_join(&gs, 1, cc_group_rate(6.5, 30), 0);
    cc_group *c = cc_group_join(&gs, 1, cc_group_rate(30, 30), 0);
    cc_group *d = cc_group_join(&gs, 1, 0, 0);
    CHECK(a == b && a->members == 2 && a->max_fps == 6);
    CHECK(c == d && c->max_fps == 0);
    cc_group_leave(&gs, a);
    cc_group_leave(&gs, b);
    cc_group_leave(&gs, c);
    cc_group_leave(&gs, d);
    cc_group_set_destroy(&gs);
}

static void test_join_share_leave(void)
{
    cc_group_set gs;
    cc_group_set_init(&gs);
    cc_group *a = cc_group_join(&gs, 7, 0, 0), *b = cc_group_join(&gs, 7, 0, 0);
    cc_group *c = cc_group_join(&gs, 5, 0, 0), *d = cc_group_join(&gs, 7, 10, 0);
    CHECK(a == b && a != c && a != d && c != d);
    CHECK_EQ_INT(a->members, 2);
    /* Everything at every tick: the muxed bundle itself, no copy. */
    cc_bundle *m = bundle(7, NULL);
    tick(&gs, m);
    CHECK(a->now == m);
    CHECK(c->now && c->now != m && c->now->cameras == 5);
    CHECK_EQ_INT(dropped_of(c->now, 1), -1);
    cc_group_tick_end(&gs);
    cc_bundle_unref(m);
    cc_group_leave(&gs, a);
    cc_group_leave(&gs, b);
    cc_group_leave(&gs, c);
    cc_group_leave(&gs, d);
    CHECK(gs.head == NULL);
    cc_group_set_destroy(&gs);
}

/* 10 fps of a 30 fps stream: every third tick, evenly; each entry's
 * dropped is the frames of the ticks it skipped plus their own drops. */
static void test_rate_and_dropped(void)
{
    cc_group_set gs;
    cc_group_set_init(&gs);
    cc_group *g = cc_group_join(&gs, 3, 10, 0);
    uint32_t dropped[64] = {0};
    dropped[0] = 12; /* camera 0 grabs 13 frames per tick, 1 streamed */
    int sent = 0, last = -1;
    long owed0 = 0, owed1 = 0;
    for (int t = 0; t < 30; t++) {
        /* camera 1 has a frame only on even ticks */
        cc_bundle *m = bundle(t % 2 ? 1 : 3, dropped);
        tick(&gs, m);
        if (g->now) {
            CHECK(last < 0 || t - last == 3);
            last = t;
            sent++;
            CHECK_EQ_INT(dropped_of(g->now, 0), owed0 + 12);
            long d1 = dropped_of(g->now, 1);
            CHECK_EQ_INT(d1, t % 2 ? -1 : owed1);
            owed0 = 0;
            if (t % 2 == 0)
                owed1 = 0; /* camera 1's owed waits for its next entry */
        } else {
            owed0 += 13;
            if (t % 2 == 0)
                owed1 += 1;
        }
        cc_group_tick_end(&gs);
        cc_bundle_unref(m);
    }
    CHECK_EQ_INT(sent, 10);
    cc_group_leave(&gs, g);
    cc_group_set_destroy(&gs);
}

static uint64_t swap01(uint64_t old, void *arg)
{
    (void)arg;
    return (old & ~UINT64_C(3)) | (old >> 1 & 1) | (old << 1 & 2);
}

static void test_remap_forgets_owed(void)
{
    cc_group_set gs;
    cc_group_set_init(&gs);
    cc_group *g = cc_group_join(&gs, 1, 1, 0);
    cc_bundle *m = bundle(1, NULL);
    tick(&gs, m); /* the first tick goes out */
    cc_group_tick_end(&gs);
    cc_bundle_unref(m);
    m = bundle(1, NULL);
    tick(&gs, m); /* owed now */
    CHECK(g->now == NULL && g->owed.n[0] == 1);
    cc_group_tick_end(&gs);
    cc_bundle_unref(m);
    cc_group_remap(&gs, swap01, NULL);
    CHECK_EQ_INT(g->mask, 2);
    CHECK_EQ_INT(g->owed.n[0], 0);
    cc_group_leave(&gs, g);
    cc_group_set_destroy(&gs);
}

/* Each group keeps its own newest bundle after the tick (the mux's, or
 * the subset it built) until its next replaces it; a group at max_fps keeps
 * it over the ticks it does not send on; a reload drops it. */
static void test_last_kept(void)
{
    cc_group_set gs;
    cc_group_set_init(&gs);
    size_t base = pool.live; /* the mux's bundles; gs.pool has the subsets */
    cc_group *all = cc_group_join(&gs, 3, 0, 0);
    cc_group *one = cc_group_join(&gs, 1, 0, 0);
    cc_group *slow = cc_group_join(&gs, 3, 10, 0);
    cc_bundle *m1 = bundle(3, NULL);
    tick(&gs, m1);
    CHECK(all->now == m1 && all->last == m1 && all->replaced == NULL);
    CHECK(one->last == one->now && one->last != m1 && one->last->cameras == 1);
    CHECK(slow->last == m1);
    cc_group_tick_end(&gs);
    cc_bundle_unref(m1);
    CHECK(all->now == NULL && all->last == m1 && m1->refs == 2); /* all's, slow's */
    const cc_bundle *one1 = one->last;
    CHECK(one1 && one1->refs == 1 && one1->seq == m1->seq);
    CHECK_EQ_INT(pool.live, base + 1);
    CHECK_EQ_INT(gs.pool.live, 1);

    cc_bundle *m2 = bundle(3, NULL);
    tick(&gs, m2);
    CHECK(all->last == m2 && all->replaced == m1);
    CHECK(one->replaced == one1 && one->last != one1 && one->last->seq == m2->seq);
    CHECK(slow->now == NULL && slow->last == m1 && slow->replaced == NULL);
    cc_group_tick_end(&gs);
    cc_bundle_unref(m2);
    CHECK(all->replaced == NULL && one->replaced == NULL);
    CHECK(m1->refs == 1 && m2->refs == 1 && one->last->refs == 1);
    CHECK_EQ_INT(pool.live, base + 2); /* slow's m1, all's m2 */
    CHECK_EQ_INT(gs.pool.live, 1);     /* one's first went back */

    cc_group_remap(&gs, swap01, NULL);
    CHECK(all->last == NULL && one->last == NULL && slow->last == NULL);
    CHECK_EQ_INT(pool.live, base);
    CHECK_EQ_INT(gs.pool.live, 0);
    cc_bundle *m3 = bundle(3, NULL);
    tick(&gs, m3);
    cc_group_tick_end(&gs);
    cc_bundle_unref(m3);
    CHECK(all->last == m3 && one->last != NULL);
    int same[1] = {0};
    cc_group_remap_variants(&gs, same, 1);
    CHECK(all->last == NULL && one->last == NULL);
    CHECK_EQ_INT(pool.live, base);
    CHECK_EQ_INT(gs.pool.live, 0);
    cc_group_leave(&gs, all);
    cc_group_leave(&gs, one);
    cc_group_leave(&gs, slow);
    cc_group_set_destroy(&gs);
}

/* A variant is wanted only on the ticks its groups send on, and those
 * groups get its bundle; the full stream's groups get theirs. */
static void test_variant_plan(void)
{
    cc_group_set gs;
    cc_group_set_init(&gs);
    cc_group *full = cc_group_join(&gs, 3, 0, 0);
    cc_group *slow = cc_group_join(&gs, 1, 10, 1);
    cc_group *fast = cc_group_join(&gs, 2, 0, 2);
    int slow_sent = 0;
    for (int t = 0; t < 30; t++) {
        cc_tick_plan p = {.n_variants = 3, .stream_fps = 30};
        cc_group_plan(&gs, &p);
        CHECK_EQ_INT(p.held[1], 1);
        CHECK_EQ_INT(p.held[2], 2);
        CHECK_EQ_INT(p.due[2], 2);
        CHECK(p.due[1] == 0 || p.due[1] == 1);
        /* The mux makes a variant's bundle only when it is due. */
        cc_bundle *b[3] = {bundle(3, NULL), p.due[1] ? bundle(1, NULL) : NULL,
                           bundle(2, NULL)};
        cc_group_tick(&gs, b, 3);
        CHECK(full->now == b[0]);
        CHECK(fast->now == b[2]);
        CHECK(slow->now == b[1] && !slow->failed);
        slow_sent += slow->now != NULL;
        cc_group_tick_end(&gs);
        for (int v = 0; v < 3; v++)
            if (b[v])
                cc_bundle_unref(b[v]);
    }
    CHECK_EQ_INT(slow_sent, 10);
    /* Younger than the tick: sends what is there, nothing when it is not. */
    cc_tick_plan p = {.n_variants = 3, .stream_fps = 30};
    cc_group_plan(&gs, &p);
    cc_group *late = cc_group_join(&gs, 1, 0, 1);
    cc_bundle *b[3] = {bundle(3, NULL), NULL, bundle(2, NULL)};
    cc_group_tick(&gs, b, 3);
    CHECK(late->now == NULL && !late->failed);
    cc_group_tick_end(&gs);
    /* A reload that removes variant 1: its groups fall back to full. */
    int old_to_new[3] = {0, -1, 1};
    cc_group_remap_variants(&gs, old_to_new, 3);
    CHECK_EQ_INT(slow->variant, 0);
    CHECK_EQ_INT(fast->variant, 1);
    CHECK_EQ_INT(slow->pace.planned, 0);
    for (int v = 0; v < 3; v++)
        if (b[v])
            cc_bundle_unref(b[v]);
    cc_group_leave(&gs, full);
    cc_group_leave(&gs, slow);
    cc_group_leave(&gs, fast);
    cc_group_leave(&gs, late);
    cc_group_set_destroy(&gs);
}

/* The flag of bundle bytes (parsed, as a client sees it). */
static unsigned flags_of(const cc_bundle *b)
{
    cc_fb_header h;
    cc_fb_entry e[64];
    CHECK_EQ_INT(cc_fb_parse(b->data, b->len, 64, &h, e), CC_FB_OK);
    return h.flags;
}

/* A sync group {0, 1, 2} whose camera 2 was wanted by a client and missed
 * the tick: the muxed bundle is not aligned, and that client gets it as it
 * is; a client of 0 and 1 gets a copy that is aligned, and so does one of
 * 0, 1 and 3 (a camera outside the group does not count), although its
 * entries are the muxed ones. */
static void test_aligned_flag(void)
{
    cc_group_set gs;
    cc_group_set_init(&gs);
    cc_group *pair = cc_group_join(&gs, 0x3, 0, 0);
    cc_group *all = cc_group_join(&gs, 0xf, 0, 0);
    cc_group *other = cc_group_join(&gs, 0xb, 0, 0);
    const uint64_t groups[1] = {0x7};
    cc_bundle *m = bundle(0xb, NULL); /* cameras 0, 1, 3 */
    /* Each remade to carry the group (bundle() ends it): the flag is set
     * before the end. */
    cc_bundle_begin(m, m->seq, m->mux_time_ns);
    cc_bundle *src = bundle(0xb, NULL);
    for (unsigned k = 0; k < src->n_entries; k++)
        CHECK_EQ_INT(cc_bundle_add(m, &src->entries[k]), CC_FB_OK);
    cc_bundle_unref(src);
    cc_bundle_set_sync(m, groups, 1, 0x3, 0xf);
    cc_bundle_end(m);
    CHECK_EQ_INT(flags_of(m), 0);
    tick(&gs, m);
    CHECK(all->now == m);
    CHECK(pair->now && pair->now != m);
    CHECK_EQ_INT(flags_of(pair->now), CC_FB_FLAG_ALIGNED);
    CHECK(other->now && other->now != m);
    CHECK_EQ_INT(flags_of(other->now), CC_FB_FLAG_ALIGNED);
    CHECK_EQ_INT(other->now->cameras, 0xb);
    cc_group_tick_end(&gs);
    cc_bundle_unref(m);
    cc_group_leave(&gs, pair);
    cc_group_leave(&gs, all);
    cc_group_leave(&gs, other);
    cc_group_set_destroy(&gs);
}

int main(void)
{
    cc_bundle_pool_init(&pool);
    RUN(test_rate_ladder);
    RUN(test_rates_share);
    RUN(test_join_share_leave);
    RUN(test_rate_and_dropped);
    RUN(test_remap_forgets_owed);
    RUN(test_last_kept);
    RUN(test_variant_plan);
    RUN(test_aligned_flag);
    CHECK_EQ_INT(pool.live, 0);
    cc_bundle_pool_destroy(&pool);
    return CHECK_DONE();
}
