/* The latency histogram: quantiles of known distributions within the
 * bucket precision, max, merge, reset. */
#include "hist.h"

#include <math.h>
#include <stdbool.h>

#include "check.h"

static cc_hist h, h2;

static bool near(double got, double want)
{
    return fabs(got - want) <= want * 0.008 + 0.5;
}

static void test_empty(void)
{
    cc_hist_reset(&h);
    CHECK_EQ_INT(h.count, 0);
    CHECK(cc_hist_quantile(&h, 0.5) == 0);
}

static void test_small_values_exact(void)
{
    cc_hist_reset(&h);
    for (uint64_t v = 0; v < 64; v++)
        cc_hist_add(&h, v);
    CHECK(cc_hist_quantile(&h, 0) == 0);
    CHECK(cc_hist_quantile(&h, 0.5) == 31);
    CHECK(cc_hist_quantile(&h, 1) == 63);
    CHECK_EQ_INT(h.max, 63);
}

/* 1..100000 uniformly: the q-quantile is q * 100000. */
static void test_uniform(void)
{
    cc_hist_reset(&h);
    for (uint64_t v = 1; v <= 100000; v++)
        cc_hist_add(&h, v);
    CHECK_EQ_INT(h.count, 100000);
    CHECK(near(cc_hist_quantile(&h, 0.50), 50000));
    CHECK(near(cc_hist_quantile(&h, 0.90), 90000));
    CHECK(near(cc_hist_quantile(&h, 0.99), 99000));
    CHECK(cc_hist_quantile(&h, 1.0) <= 100000);
    CHECK_EQ_INT(h.max, 100000);
}

/* One outlier among many equal values moves p99 not, max yes. */
static void test_outlier(void)
{
    cc_hist_reset(&h);
    for (int i = 0; i < 999; i++)
        cc_hist_add(&h, 2000);
    cc_hist_add(&h, 5000000);
    CHECK(near(cc_hist_quantile(&h, 0.99), 2000));
    CHECK_EQ_INT(h.max, 5000000);
    CHECK(near(cc_hist_quantile(&h, 1.0), 5000000));
}

static void test_merge_and_clamp(void)
{
    cc_hist_reset(&h);
    cc_hist_reset(&h2);
    cc_hist_add(&h, 10);
    cc_hist_add(&h2, 1000);
    cc_hist_add(&h2, UINT64_MAX); /* clamped, not out of bounds */
    cc_hist_merge(&h, &h2);
    CHECK_EQ_INT(h.count, 3);
    CHECK(cc_hist_quantile(&h, 0) == 10);
    CHECK(near(cc_hist_quantile(&h, 0.5), 1000));
    CHECK(h.max == (UINT64_C(1) << 40) - 1);
}

int main(void)
{
    RUN(test_empty);
    RUN(test_small_values_exact);
    RUN(test_uniform);
    RUN(test_outlier);
    RUN(test_merge_and_clamp);
    return CHECK_DONE();
}
