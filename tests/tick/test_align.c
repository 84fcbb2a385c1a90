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

static cc_align_cam cam(const uint64_t *t, uint32_t n)
{
    return (cc_align_cam){.due = true, .online = true, .n = n, .t = t};
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
    cc_align_cam cams[3] = {cam(a, na), cam(b, nb), cam(c, nc)};
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS);
    cc_align_result r = cc_align_pick(&g, cams, 3, 1001 * MS);
    CHECK(r.matched == 7 && r.out == 0 && r.spread_ns == 0);
    CHECK_EQ_INT(cams[0].pick, (int)na - 2);
    CHECK_EQ_INT(cams[1].pick, (int)nb - 1);
    CHECK_EQ_INT(cams[2].pick, (int)nc - 1);
    CHECK(a[cams[0].pick] == 990 * MS && c[cams[2].pick] == 990 * MS);
    CHECK_EQ_INT(g.aligned, 1);
}

/* Free running 0.3 ms apart: one moment within 0.5 ms; not within 0.2,
 * where the group waits, then goes on unaligned once the wait is over. */
static void test_free_tolerance(void)
{
    uint64_t a[16], b[16];
    uint32_t na = frames(a, 900 * MS, 1000 * MS, 0);
    uint32_t nb = frames(b, 900 * MS, 990 * MS, 300000);
    cc_align_cam cams[2] = {cam(a, na), cam(b, nb)};
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS);
    cc_align_result r = cc_align_pick(&g, cams, 2, 1000 * MS);
    CHECK(r.matched == 3 && r.spread_ns == 300000);
    CHECK(a[cams[0].pick] == 990 * MS && b[cams[1].pick] == 990 * MS + 300000);

    cc_align_group_init(&g, 200000, 10 * MS);
    g.last_take_ns = 995 * MS;
    r = cc_align_pick(&g, cams, 2, 1000 * MS);
    CHECK(r.matched == 0 && r.out == 0);
    CHECK(cams[0].pick == -1 && cams[1].pick == -1);
    CHECK_EQ_INT(g.skipped, 1);
    /* Nothing taken for the wait: the frames nearest the slowest's newest. */
    r = cc_align_pick(&g, cams, 2, 1006 * MS);
    CHECK(r.matched == 0 && r.out == 0 && r.spread_ns == 300000);
    CHECK(a[cams[0].pick] == 990 * MS && b[cams[1].pick] == 990 * MS + 300000);
    CHECK_EQ_INT(g.unaligned, 1);
}

/* A camera more than the wait behind, or offline: the others go on, of one
 * moment but not aligned; the late one gives its newest (its ring drains),
 * the offline one nothing. */
static void test_late_and_offline(void)
{
    uint64_t a[16], b[16], c[16];
    uint32_t na = frames(a, 950 * MS, 1000 * MS, 0);
    uint32_t nb = frames(b, 950 * MS, 1000 * MS, 0);
    uint32_t nc = frames(c, 900 * MS, 950 * MS, 0);
    cc_align_cam cams[3] = {cam(a, na), cam(b, nb), cam(c, nc)};
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS);
    cc_align_result r = cc_align_pick(&g, cams, 3, 1001 * MS);
    CHECK(r.matched == 3 && r.out == 4);
    CHECK(a[cams[0].pick] == 1000 * MS && b[cams[1].pick] == 1000 * MS);
    CHECK_EQ_INT(cams[2].pick, (int)nc - 1);
    CHECK_EQ_INT(g.partial, 1);

    cams[2].online = false;
    r = cc_align_pick(&g, cams, 3, 1002 * MS);
    CHECK(r.matched == 3 && r.out == 4 && cams[2].pick == -1);
    /* Back with fresh frames: aligned again. */
    cams[2] = cam(c, frames(c, 990 * MS, 1000 * MS, 0));
    r = cc_align_pick(&g, cams, 3, 1003 * MS);
    CHECK(r.matched == 7 && r.out == 0);
}

/* A camera in step with nothing new yet: the moment is not complete, so
 * nothing is taken (a moment skipped, not two mixed) until the wait. A
 * camera nobody takes is neither waited for nor out. */
static void test_waits_for_frame(void)
{
    uint64_t a[16], b[16];
    uint32_t na = frames(a, 990 * MS, 1000 * MS, 0);
    cc_align_cam cams[3] = {cam(a, na), cam(b, 0), cam(b, 0)};
    cams[1].last_ns = 990 * MS;
    cams[2].due = false;
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS);
    g.last_take_ns = 995 * MS;
    cc_align_result r = cc_align_pick(&g, cams, 3, 1001 * MS);
    CHECK(r.matched == 0 && r.out == 0);
    CHECK(cams[0].pick == -1 && cams[1].pick == -1 && cams[2].pick == -1);
    r = cc_align_pick(&g, cams, 3, 1010 * MS);
    CHECK(r.matched == 0 && r.out == 0);
    CHECK(cams[0].pick == (int)na - 1 && cams[1].pick == -1);
}

/* One camera's instants jump far ahead (a clock gone wrong): the tick goes
 * on without the others, and once the instants agree again so does the
 * group: nothing is left stuck on the jump. */
static void test_jump_does_not_wedge(void)
{
    uint64_t a[16], b[16], c[16];
    uint32_t na = frames(a, 950 * MS, 1000 * MS, 3600000 * MS);
    uint32_t nb = frames(b, 950 * MS, 1000 * MS, 0);
    uint32_t nc = frames(c, 950 * MS, 1000 * MS, 0);
    cc_align_cam cams[3] = {cam(a, na), cam(b, nb), cam(c, nc)};
    cc_align_group g;
    cc_align_group_init(&g, 500000, 10 * MS);
    cc_align_result r = cc_align_pick(&g, cams, 3, 1001 * MS);
    CHECK(r.out == 6 && r.matched == 1);
    na = frames(a, 1010 * MS, 1030 * MS, 0);
    nb = frames(b, 1010 * MS, 1030 * MS, 0);
    nc = frames(c, 1010 * MS, 1030 * MS, 0);
    cams[0] = cam(a, na);
    cams[1] = cam(b, nb);
    cams[2] = cam(c, nc);
    r = cc_align_pick(&g, cams, 3, 1031 * MS);
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
    RUN(test_free_tolerance);
    RUN(test_late_and_offline);
    RUN(test_waits_for_frame);
    RUN(test_jump_does_not_wedge);
    RUN(test_flag);
    return CHECK_DONE();
}
