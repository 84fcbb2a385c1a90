/* Sync groups in the tick (align.c): which frames a tick takes of a group,
 * when it is aligned, waits, goes on without a camera, and the flag. */
#include "tick/align.h"

#include "check.h"

#define MS 1000000ull
#define BIT(k) (UINT64_C(1) << (k))

/* Frames every 10 ms from t0 to t1 (inclusive), shifted by off. */
static uint32_t frames(uint64_t *t, uint64_t t0, uint64_t t1, uint64_t off)
{
    uint32_t n = 0;
    for (uint64_t x = t0; x <= t1; x += 10 * MS)
        t[n++] = x + off;
    return n;
}

/* Arrivals of the frames: their instants plus delay (all cameras' frames
 * are timed on one clock in these tests but the jump's). */
static uint64_t arr[4][16];

static cc_align_cam cam_at(int k, const uint64_t *t, uint32_t n, uint64_t delay)
{
    for (uint32_t j = 0; j < n; j++)
        arr[k][j] = t[j] + delay;
    return (cc_align_cam){.due = true, .online = true, .n = n, .t = t, .arrived = arr[k]};
}


/* Delays 0/3/7 ms at 100 fps, the tick at 1 s + 1 ms: the 3 and 7 ms
 * cameras have not delivered the frame of 1 s yet. The tick takes 990 ms
 * of all three, exactly, and the newer frame stays for the next tick. */
static void test_software_delays(void)
{
    uint64_t a[16], b[16], c[16];
    uint32_t na = frames(a, 930 * MS, 1000 * MS, 0);
    uint32_t nb = frames(b, 930 * MS, 990 * MS, 0);
    uint32_t nc = frames(c, 950 * MS, 990 * MS, 0);
    cc_align_cam cams[3] = {cam_at(0, a, na, 100000), cam_at(1, b, nb, 3 * MS),
                            cam_at(2, c, nc, 7 * MS)};
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS, false);
    cc_align_result r = cc_align_pick(&g, cams, 3, 1001 * MS, true);
    CHECK(r.matched == 7 && r.out == 0 && r.spread_ns == 0);
    CHECK_EQ_INT(cams[0].pick, (int)na - 2);
    CHECK_EQ_INT(cams[1].pick, (int)nb - 1);
    CHECK_EQ_INT(cams[2].pick, (int)nc - 1);
    CHECK(a[cams[0].pick] == 990 * MS && c[cams[2].pick] == 990 * MS);
    CHECK_EQ_INT(g.aligned, 1);
}

/* Free running 0.3 ms apart: one moment within 0.5 ms. Within 0.2 they
 * never meet: taken at once, not aligned. A triggered group with the same
 * frames waits for one that does (a camera may have missed a trigger),
 * then takes them as they are. */
static void test_tolerance(void)
{
    uint64_t a[16], b[16];
    uint32_t na = frames(a, 900 * MS, 1000 * MS, 0);
    uint32_t nb = frames(b, 900 * MS, 990 * MS, 300000);
    cc_align_cam cams[2] = {cam_at(0, a, na, 0), cam_at(1, b, nb, 0)};
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS, true);
    cc_align_result r = cc_align_pick(&g, cams, 2, 1000 * MS, true);
    CHECK(r.matched == 3 && r.spread_ns == 300000 && !r.wait);
    CHECK(a[cams[0].pick] == 990 * MS && b[cams[1].pick] == 990 * MS + 300000);

    cc_align_group_init(&g, 200000, 10 * MS, true);
    r = cc_align_pick(&g, cams, 2, 1000 * MS, true);
    CHECK(r.matched == 0 && r.out == 0 && !r.wait && r.spread_ns == 300000);
    CHECK(a[cams[0].pick] == 990 * MS && b[cams[1].pick] == 990 * MS + 300000);
    CHECK_EQ_INT(g.unaligned, 1);

    cc_align_group_init(&g, 200000, 10 * MS, false);
    r = cc_align_pick(&g, cams, 2, 1000 * MS, true);
    CHECK(r.wait && cams[0].pick == -1 && cams[1].pick == -1);
    r = cc_align_pick(&g, cams, 2, 1000 * MS, false);
    CHECK(!r.wait && r.matched == 0 && cams[0].pick >= 0 && cams[1].pick >= 0);
    CHECK_EQ_INT(g.unaligned, 1);
}

/* A camera waited for more than the wait (the others' frame of 960 came 41
 * ms ago), or offline: the others go on, of one moment but not aligned;
 * the late one gives its newest (its ring drains), the offline one
 * nothing. */
static void test_late_and_offline(void)
{
    uint64_t a[16], b[16], c[16];
    uint32_t na = frames(a, 950 * MS, 1000 * MS, 0);
    uint32_t nb = frames(b, 950 * MS, 1000 * MS, 0);
    uint32_t nc = frames(c, 900 * MS, 950 * MS, 0);
    cc_align_cam cams[3] = {cam_at(0, a, na, 0), cam_at(1, b, nb, 0), cam_at(2, c, nc, 0)};
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS, false);
    cc_align_result r = cc_align_pick(&g, cams, 3, 1001 * MS, true);
    CHECK(r.matched == 3 && r.out == 4);
    CHECK(a[cams[0].pick] == 1000 * MS && b[cams[1].pick] == 1000 * MS);
    CHECK_EQ_INT(cams[2].pick, (int)nc - 1);
    CHECK_EQ_INT(g.partial, 1);

    cams[2].online = false;
    r = cc_align_pick(&g, cams, 3, 1002 * MS, true);
    CHECK(r.matched == 3 && r.out == 4 && cams[2].pick == -1);
    /* Back with fresh frames: aligned again. */
    cams[2] = cam_at(2, c, frames(c, 990 * MS, 1000 * MS, 0), 0);
    r = cc_align_pick(&g, cams, 3, 1003 * MS, true);
    CHECK(r.matched == 7 && r.out == 0);
}

/* A camera always 20 ms late with a wait of 10: out of step on every tick,
 * the others aligned among themselves on every tick (no tick lost to
 * waiting for it again). */
static void test_always_late(void)
{
    uint64_t a[16], b[16], c[16];
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS, false);
    for (uint64_t tick = 1000; tick < 1200; tick += 33) {
        uint64_t now = tick * MS + MS;
        uint32_t na = frames(a, tick * MS - 30 * MS, tick * MS, 0);
        uint32_t nb = frames(b, tick * MS - 30 * MS, tick * MS, 0);
        uint32_t nc = frames(c, tick * MS - 50 * MS, tick * MS - 20 * MS, 0);
        cc_align_cam cams[3] = {cam_at(0, a, na, 0), cam_at(1, b, nb, 0),
                                cam_at(2, c, nc, 20 * MS)};
        cc_align_result r = cc_align_pick(&g, cams, 3, now, true);
        CHECK(r.matched == 3 && r.out == 4);
        CHECK(a[cams[0].pick] == tick * MS && c[cams[2].pick] == tick * MS - 20 * MS);
    }
    CHECK_EQ_INT(g.partial, 7);
}

/* A camera in step with nothing new yet: the moment is not complete, so
 * the tick waits for it (late cameras give nothing either, so that all of
 * the group is taken at once); when it may wait no more, the others go on,
 * not aligned. With nothing new of anyone there is nothing to wait for. A
 * camera nobody takes is neither waited for nor out. */
static void test_waits_for_frame(void)
{
    uint64_t a[16], b[16], c[16];
    uint32_t na = frames(a, 990 * MS, 1000 * MS, 0);
    uint32_t nc = frames(c, 900 * MS, 910 * MS, 0);
    cc_align_cam cams[4] = {cam_at(0, a, na, 0), cam_at(1, b, 0, 0), cam_at(2, b, 0, 0),
                            cam_at(3, c, nc, 0)};
    cams[1].last_ns = 990 * MS;
    cams[2].due = false;
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS, false);
    cc_align_result r = cc_align_pick(&g, cams, 4, 1001 * MS, true);
    CHECK(r.wait && r.matched == 0 && r.out == 8);
    CHECK(cams[0].pick == -1 && cams[1].pick == -1 && cams[2].pick == -1 &&
          cams[3].pick == -1);
    r = cc_align_pick(&g, cams, 4, 1009 * MS, false);
    CHECK(!r.wait && r.matched == 0 && r.out == 8);
    CHECK(cams[0].pick == (int)na - 1 && cams[1].pick == -1 && cams[3].pick == (int)nc - 1);
    CHECK_EQ_INT(g.unaligned, 1);

    cams[0].n = 0;
    cams[0].last_ns = 1000 * MS;
    cams[3].n = 0;
    r = cc_align_pick(&g, cams, 4, 1012 * MS, true);
    CHECK(!r.wait && r.matched == 0 && cams[0].pick == -1 && cams[1].pick == -1);
}

/* One camera's instants jump an hour ahead (a clock gone wrong): the
 * others seem to lag, so the group goes on with it alone once they were
 * waited for; once the instants agree again so does the group: nothing is
 * left stuck on the jump. */
static void test_jump_does_not_wedge(void)
{
    uint64_t a[16], b[16], c[16];
    uint32_t na = frames(a, 950 * MS, 1000 * MS, 0);
    uint32_t nb = frames(b, 950 * MS, 1000 * MS, 0);
    uint32_t nc = frames(c, 950 * MS, 1000 * MS, 0);
    cc_align_cam cams[3] = {cam_at(0, a, na, 0), cam_at(1, b, nb, 0), cam_at(2, c, nc, 0)};
    for (uint32_t j = 0; j < na; j++)
        a[j] += 3600000 * MS; /* arrived as before */
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS, false);
    cc_align_result r = cc_align_pick(&g, cams, 3, 1001 * MS, true);
    CHECK(r.out == 6 && r.matched == 1);
    CHECK(cams[1].pick == (int)nb - 1 && cams[2].pick == (int)nc - 1);
    na = frames(a, 1010 * MS, 1030 * MS, 0);
    nb = frames(b, 1010 * MS, 1030 * MS, 0);
    nc = frames(c, 1010 * MS, 1030 * MS, 0);
    cams[0] = cam_at(0, a, na, 0);
    cams[1] = cam_at(1, b, nb, 0);
    cams[2] = cam_at(2, c, nc, 0);
    r = cc_align_pick(&g, cams, 3, 1031 * MS, true);
    CHECK(r.out == 0 && r.matched == 7);
    CHECK(a[cams[0].pick] == 1030 * MS);
}

static void test_flag(void)
{
    const uint64_t groups[2] = {0x7, 0x18}; /* {0,1,2}, {3,4}; camera 5 alone */
    /* Both groups whole and of one moment; a camera in none does not
     * count. */
    CHECK(cc_align_flag(groups, 2, 0x3f, 0x3f, 0x1f));
    CHECK(cc_align_flag(groups, 2, 0x3f, 0x3f, 0x1f | BIT(5)));
    /* A wanted camera missing, or an entry not of the moment. */
    CHECK(!cc_align_flag(groups, 2, 0x3f, 0x3b, 0x1b));
    CHECK(!cc_align_flag(groups, 2, 0x3f, 0x3f, 0x0f));
    /* A reader of cameras 0 and 1 only: camera 2 need not be there. */
    CHECK(cc_align_flag(groups, 2, 0x3, 0x3, 0x3));
    /* No group's camera wanted: nothing to be aligned. */
    CHECK(!cc_align_flag(groups, 2, BIT(5), BIT(5), 0));
    CHECK(!cc_align_flag(groups, 0, 0x3f, 0x3f, 0x3f));
}

int main(void)
{
    RUN(test_software_delays);
    RUN(test_tolerance);
    RUN(test_late_and_offline);
    RUN(test_always_late);
    RUN(test_waits_for_frame);
    RUN(test_jump_does_not_wedge);
    RUN(test_flag);
    return CHECK_DONE();
}
