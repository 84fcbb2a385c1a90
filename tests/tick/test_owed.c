/* Tests for owed.c: frames a reader was not sent, settled in the next
 * entries' `dropped`, and the patch of a shared bundle's bytes that tells
 * one client so. */
#include "tick/owed.h"

#include <string.h>

#include "camcast/framebundle.h"
#include "check.h"

static cc_bundle_pool pool;

/* A bundle with an entry of each camera in mask, dropped[i] each; the
 * payloads are of different sizes, so the entries' offsets differ. */
static cc_bundle *bundle(uint64_t seq, uint64_t mask, const uint32_t *dropped)
{
    static const uint8_t jpeg[128] = {0xff, 0xd8};
    cc_bundle *b = cc_bundle_get(&pool, 8192);
    cc_bundle_begin(b, seq, 1000 + seq);
    for (unsigned i = 0; i < 64; i++) {
        if (!(mask >> i & 1))
            continue;
        cc_fb_entry e = {.camera_index = (uint16_t)i, .width = 16, .height = 16, .codec = 1,
                         .frame_id = seq, .payload_size = 8 + i, .dropped = dropped[i],
                         .payload = jpeg};
        CHECK_EQ_INT(cc_bundle_add(b, &e), CC_FB_OK);
    }
    cc_bundle_end(b);
    return b;
}

/* b's bytes as a client given patch p reads them: entries' dropped by
 * camera (-1: no entry). */
static void read_patched(const cc_bundle *b, const cc_dropped_patch *p, long out[64])
{
    uint8_t copy[8192];
    memcpy(copy, b->data, b->len);
    for (unsigned k = 0; k < p->n; k++)
        memcpy(copy + p->at[k], p->value[k], 4);
    cc_fb_header h;
    cc_fb_entry e[64];
    CHECK_EQ_INT(cc_fb_parse(copy, b->len, 64, &h, e), CC_FB_OK);
    CHECK(memcmp(copy, b->data, 32) == 0); /* the header is the shared one */
    for (unsigned i = 0; i < 64; i++)
        out[i] = -1;
    for (unsigned i = 0; i < h.entry_count; i++)
        out[e[i].camera_index] = e[i].dropped;
}

static void test_owed_and_patched(void)
{
    uint32_t d[64] = {[0] = 12, [1] = 3, [5] = 40};
    cc_owed o;
    cc_owed_clear(&o);
    CHECK(!cc_owed_any(&o, UINT64_MAX));
    /* Two bundles missed: camera 5 only in the first, camera 1 in neither
     * mask (mask 0x21: cameras 0 and 5). */
    cc_bundle *m1 = bundle(1, 0x23, d), *m2 = bundle(2, 0x03, d);
    cc_owed_add(&o, m1, 0x21);
    cc_owed_add(&o, m2, 0x21);
    CHECK_EQ_INT(o.n[0], 26);
    CHECK_EQ_INT(o.n[1], 0);
    CHECK_EQ_INT(o.n[5], 41);
    CHECK(cc_owed_any(&o, 0x20) && !cc_owed_any(&o, 0x02));
    /* The next bundle sent has cameras 0, 1 (not 5): their entries carry
     * what is owed; camera 5's waits for its next entry. */
    cc_bundle *m3 = bundle(3, 0x03, d);
    cc_dropped_patch p;
    CHECK_EQ_INT(cc_owed_patch(&o, m3, &p), 1);
    long got[64];
    read_patched(m3, &p, got);
    CHECK_EQ_INT(got[0], 12 + 26);
    CHECK_EQ_INT(got[1], 3);
    CHECK_EQ_INT(got[5], -1);
    CHECK(cc_owed_any(&o, 0x20) && !cc_owed_any(&o, 0x01));
    /* The shared bytes are untouched. */
    cc_fb_header h;
    cc_fb_entry e[64];
    CHECK_EQ_INT(cc_fb_parse(m3->data, m3->len, 64, &h, e), CC_FB_OK);
    CHECK_EQ_INT(e[0].dropped, 12);
    cc_bundle *m4 = bundle(4, 0x23, d);
    CHECK_EQ_INT(cc_owed_patch(&o, m4, &p), 1);
    read_patched(m4, &p, got);
    CHECK_EQ_INT(got[0], 12);
    CHECK_EQ_INT(got[5], 40 + 41);
    CHECK(!cc_owed_any(&o, UINT64_MAX));
    CHECK_EQ_INT(cc_owed_patch(&o, m4, &p), 0);
    cc_bundle_unref(m1);
    cc_bundle_unref(m2);
    cc_bundle_unref(m3);
    cc_bundle_unref(m4);
}

/* Every camera owed, the last one's entry at the end of the bundle. */
static void test_all_cameras(void)
{
    uint32_t d[64];
    for (unsigned i = 0; i < 64; i++)
        d[i] = i;
    cc_owed o;
    cc_owed_clear(&o);
    cc_bundle *m1 = bundle(1, UINT64_MAX, d), *m2 = bundle(2, UINT64_MAX, d);
    cc_owed_add(&o, m1, UINT64_MAX);
    cc_dropped_patch p;
    CHECK_EQ_INT(cc_owed_patch(&o, m2, &p), 64);
    long got[64];
    read_patched(m2, &p, got);
    for (unsigned i = 0; i < 64; i++)
        CHECK_EQ_INT(got[i], 2 * i + 1);
    for (unsigned k = 1; k < p.n; k++)
        CHECK(p.at[k] > p.at[k - 1] + 4);
    cc_bundle_unref(m1);
    cc_bundle_unref(m2);
}

static void test_saturates(void)
{
    uint32_t d[64] = {[2] = UINT32_MAX - 1};
    cc_owed o;
    cc_owed_clear(&o);
    cc_bundle *m = bundle(1, 0x4, d);
    cc_owed_add(&o, m, 0x4);
    cc_owed_add(&o, m, 0x4);
    CHECK(o.n[2] == 2 * (int64_t)UINT32_MAX);
    CHECK(cc_owed_settle(&o, 2, 5) == UINT32_MAX);
    CHECK(!cc_owed_any(&o, UINT64_MAX));
    CHECK_EQ_INT(cc_owed_settle(&o, 2, 5), 5);
    cc_bundle_unref(m);
}

/* A reader moving from group A to group B: A's frames owed to its members
 * are its too; B's next entries count frames it had, taken off. */
static void test_move(void)
{
    uint32_t d[64] = {[0] = 3, [1] = 1};
    cc_bundle *m = bundle(1, 0x3, d);
    cc_owed a, b, o;
    cc_owed_clear(&a);
    cc_owed_clear(&b);
    cc_owed_clear(&o);
    cc_owed_add(&a, m, 0x1);       /* A skipped a tick: camera 0, 4 frames */
    cc_owed_add(&b, m, 0x3);       /* B skipped the same tick and one more */
    cc_owed_add(&b, m, 0x3);
    cc_owed_add(&o, m, 0x2);       /* the reader itself missed camera 1's */
    cc_owed_move(&o, &a, &b);
    CHECK_EQ_INT(o.n[0], 4 - 8);
    CHECK_EQ_INT(o.n[1], 2 - 4);
    CHECK(cc_owed_any(&o, 0x1) && cc_owed_any(&o, 0x2));
    /* B's next entries: its own dropped with B's owed settled in (group.c);
     * the reader's patch takes off what it had. */
    CHECK_EQ_INT(cc_owed_settle(&o, 0, 3 + 8), 3 + 4);
    CHECK_EQ_INT(cc_owed_settle(&o, 1, 1 + 4), 1 + 2);
    CHECK(!cc_owed_any(&o, UINT64_MAX));
    /* Even: nothing owed either way. */
    cc_owed_move(&o, &b, &b);
    CHECK(!cc_owed_any(&o, UINT64_MAX));
    /* Never below 0, whatever came before. */
    cc_owed_move(&o, &a, &b);
    CHECK_EQ_INT(cc_owed_settle(&o, 0, 0), 0);
    cc_bundle_unref(m);
}

int main(void)
{
    cc_bundle_pool_init(&pool);
    RUN(test_owed_and_patched);
    RUN(test_all_cameras);
    RUN(test_saturates);
    RUN(test_move);
    cc_bundle_pool_destroy(&pool);
    return CHECK_DONE();
}
