/* Tests for group.c: clients sharing bytes by cameras and rate; a
 * max_fps group's entries count every frame it was not sent. */
#include "stream/group.h"

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
    cc_fb_writer w;
    cc_fb_writer_begin(&w, b->data, b->cap, next_seq, 1000 + next_seq);
    b->cameras = 0;
    for (unsigned i = 0; i < 64; i++) {
        if (!(mask >> i & 1))
            continue;
        cc_fb_entry e = {.camera_index = (uint16_t)i, .width = 16, .height = 16, .codec = 1,
                         .frame_id = next_seq, .capture_time_ns = 5, .payload_size = 8,
                         .dropped = dropped ? dropped[i] : 0, .payload = jpeg};
        CHECK_EQ_INT(cc_fb_writer_add(&w, &e), CC_FB_OK);
        b->cameras |= UINT64_C(1) << i;
    }
    b->len = cc_fb_writer_end(&w);
    b->seq = next_seq++;
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

static void test_join_share_leave(void)
{
    cc_group_set gs;
    cc_group_set_init(&gs);
    cc_group *a = cc_group_join(&gs, 7, 0), *b = cc_group_join(&gs, 7, 0);
    cc_group *c = cc_group_join(&gs, 5, 0), *d = cc_group_join(&gs, 7, 10);
    CHECK(a == b && a != c && a != d && c != d);
    CHECK_EQ_INT(a->members, 2);
    /* Everything at every tick: the muxed bundle itself, no copy. */
    cc_bundle *m = bundle(7, NULL);
    cc_group_tick(&gs, m, 30);
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
    cc_group *g = cc_group_join(&gs, 3, 10);
    uint32_t dropped[64] = {0};
    dropped[0] = 12; /* camera 0 grabs 13 frames per tick, 1 streamed */
    int sent = 0, last = -1;
    long owed0 = 0, owed1 = 0;
    for (int t = 0; t < 30; t++) {
        /* camera 1 has a frame only on even ticks */
        cc_bundle *m = bundle(t % 2 ? 1 : 3, dropped);
        cc_group_tick(&gs, m, 30);
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
    cc_group *g = cc_group_join(&gs, 1, 1);
    cc_bundle *m = bundle(1, NULL);
    cc_group_tick(&gs, m, 30); /* the first tick goes out */
    cc_group_tick_end(&gs);
    cc_bundle_unref(m);
    m = bundle(1, NULL);
    cc_group_tick(&gs, m, 30); /* owed now */
    CHECK(g->now == NULL && g->owed[0] == 1);
    cc_group_tick_end(&gs);
    cc_bundle_unref(m);
    cc_group_remap(&gs, swap01, NULL);
    CHECK_EQ_INT(g->mask, 2);
    CHECK_EQ_INT(g->owed[0], 0);
    cc_group_leave(&gs, g);
    cc_group_set_destroy(&gs);
}

int main(void)
{
    cc_bundle_pool_init(&pool);
    RUN(test_join_share_leave);
    RUN(test_rate_and_dropped);
    RUN(test_remap_forgets_owed);
    CHECK_EQ_INT(pool.live, 0);
    cc_bundle_pool_destroy(&pool);
    return CHECK_DONE();
}
