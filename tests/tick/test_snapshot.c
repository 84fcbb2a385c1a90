/* The snapshot reader: what it makes due, what it hands over, deadlines. */
#include "tick/snapshot.h"

#include <errno.h>
#include <string.h>
#include <uv.h>

#include "check.h"

typedef struct answers {
    int n;
    uint64_t who[8];
    uint32_t size[8]; /* 0: none */
    uint8_t first[8];
} answers;

static void on_answer(void *arg, uint64_t who, const cc_fb_entry *e)
{
    answers *a = arg;
    if (a->n < 8) {
        a->who[a->n] = who;
        a->size[a->n] = e ? e->payload_size : 0;
        a->first[a->n] = e ? e->payload[0] : 0;
    }
    a->n++;
}

/* A bundle with one entry of camera cam, whose payload starts with mark. */
static cc_bundle *bundle_of(cc_bundle_pool *pool, unsigned cam, uint8_t mark)
{
    static uint8_t payload[100];
    memset(payload, mark, sizeof payload);
    cc_bundle *b = cc_bundle_get(pool, cc_fb_bundle_size(1, sizeof payload));
    cc_bundle_begin(b, 1, 1);
    cc_fb_entry e = {.camera_index = (uint16_t)cam, .width = 8, .height = 8,
                     .codec = CC_FB_CODEC_JPEG, .payload_size = sizeof payload,
                     .payload = payload};
    CHECK_EQ_INT(cc_bundle_add(b, &e), CC_FB_OK);
    cc_bundle_end(b);
    return b;
}

static void test_snapshots(void)
{
    answers a = {0};
    cc_snapshots s;
    cc_snapshots_init(&s, on_answer, &a);
    cc_tick_reader *r = &s.reader;
    uint64_t later = uv_hrtime() + 60 * UINT64_C(1000000000);
    CHECK_EQ_INT(cc_snapshots_request(&s, 11, 2, 0, later), 0);
    CHECK_EQ_INT(cc_snapshots_request(&s, 12, 1, 1, later), 0);
    /* Due on the next tick, in its variant only. */
    cc_tick_plan p = {.n_variants = 2};
    r->plan(r, &p);
    CHECK_EQ_INT(p.due[0], 1u << 2);
    CHECK_EQ_INT(p.held[0], 1u << 2);
    CHECK_EQ_INT(p.due[1], 1u << 1);

    cc_bundle_pool pool;
    cc_bundle_pool_init(&pool);
    /* A tick without camera 2's entry: still waiting; variant 1 has camera 1. */
    cc_bundle *b[2] = {bundle_of(&pool, 0, 'x'), bundle_of(&pool, 1, 'y')};
    r->take(r, b, 2);
    CHECK_EQ_INT(a.n, 1);
    CHECK(a.who[0] == 12 && a.size[0] == 100 && a.first[0] == 'y');
    cc_bundle_unref(b[0]);
    b[0] = bundle_of(&pool, 2, 'z');
    r->take(r, b, 2);
    CHECK_EQ_INT(a.n, 2);
    CHECK(a.who[1] == 11 && a.first[1] == 'z');
    p = (cc_tick_plan){.n_variants = 2};
    r->plan(r, &p);
    CHECK_EQ_INT(p.due[0] | p.due[1], 0); /* nothing waits */

    /* A deadline passed: answered with none. */
    CHECK_EQ_INT(cc_snapshots_request(&s, 13, 3, 0, uv_hrtime() - 1), 0);
    cc_bundle *none[2] = {NULL, NULL};
    r->take(r, none, 2);
    CHECK_EQ_INT(a.n, 3);
    CHECK(a.who[2] == 13 && a.size[2] == 0);

    /* Cancelled: never answered; the rest fail at a reload. */
    cc_snapshots_request(&s, 14, 0, 0, later);
    cc_snapshots_request(&s, 15, 0, 0, later);
    cc_snapshots_cancel(&s, 14);
    cc_snapshots_fail_all(&s);
    CHECK_EQ_INT(a.n, 4);
    CHECK(a.who[3] == 15 && a.size[3] == 0);

    /* Bounded. */
    int refused = 0;
    for (int i = 0; i < CC_SNAPSHOTS_MAX + 3; i++)
        refused += cc_snapshots_request(&s, 100 + (uint64_t)i, 0, 0, later) == -EBUSY;
    CHECK_EQ_INT(refused, 3);
    cc_snapshots_cancel(&s, 100);
    CHECK_EQ_INT(s.n, CC_SNAPSHOTS_MAX - 1);
    cc_bundle_unref(b[0]);
    cc_bundle_unref(b[1]);
    cc_bundle_pool_destroy(&pool);
}

int main(void)
{
    RUN(test_snapshots);
    return CHECK_DONE();
}
