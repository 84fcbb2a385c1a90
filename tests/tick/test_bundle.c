/* The bundle pool: references and recycling. */
#include "tick/bundle.h"
#include "check.h"

static void test_recycle(void)
{
    cc_bundle_pool pool;
    cc_bundle_pool_init(&pool);
    cc_bundle *a = cc_bundle_get(&pool, 1000);
    CHECK(a && a->cap >= 1000 && a->refs == 1);
    cc_bundle_ref(a);
    cc_bundle_unref(a);
    CHECK_EQ_INT(pool.live, 1);
    cc_bundle_unref(a);
    CHECK_EQ_INT(pool.live, 0);
    /* The next get reuses the same buffer: no allocation in steady state. */
    cc_bundle *b = cc_bundle_get(&pool, 500);
    CHECK(b == a);
    CHECK_EQ_INT(pool.total, 1);
    /* Two live at once need two buffers. */
    cc_bundle *c = cc_bundle_get(&pool, 2000);
    CHECK(c && c != b && c->cap >= 2000);
    CHECK_EQ_INT(pool.total, 2);
    cc_bundle_unref(b);
    cc_bundle_unref(c);
    /* A bigger request grows a pooled buffer. */
    cc_bundle *d = cc_bundle_get(&pool, 100000);
    CHECK(d && d->cap >= 100000);
    CHECK_EQ_INT(pool.total, 2);
    cc_bundle_unref(d);
    cc_bundle_pool_destroy(&pool);
}

int main(void)
{
    RUN(test_recycle);
    return CHECK_DONE();
}
