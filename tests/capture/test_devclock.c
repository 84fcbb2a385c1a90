/* A camera's clock seen from the host (devclock.c) and the software
 * trigger's schedule (schedule.c), on made-up frames: offsets, drift,
 * jumps and their recovery. */
#include "capture/devclock.h"
#include "capture/schedule.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "check.h"

#define MS 1000000ull
#define SEC 1000000000ull

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(uint64_t below)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (rng * 0x2545F4914F6CDD1Dull) % below;
}

/* Frames every 10 ms for secs: the device's clock is offset from the
 * host's and runs ppm faster; each frame arrives 2..5 ms late. */
static void feed(cc_devclock *c, uint64_t *host, uint64_t *dev0, uint64_t offset,
                 double ppm, double secs)
{
    for (double t = 0; t < secs; t += 0.01) {
        *host += 10 * MS;
        uint64_t device = *dev0 + (uint64_t)((double)(*host - offset) * (1 + ppm * 1e-6));
        cc_devclock_add(c, *host + 2 * MS + rnd(3 * MS), device);
    }
}

static void test_offset_and_drift(void)
{
    cc_devclock c;
    cc_devclock_init(&c);
    uint64_t host = 1700000000ull * SEC, dev0 = 0, offset = 1699000000ull * SEC;
    feed(&c, &host, &dev0, offset, 0, 60);
    /* host - device: the offset plus the least delay (2 ms, within what a
     * window of 100 frames misses of it). */
    CHECK(c.valid);
    int64_t want = (int64_t)offset + 2 * (int64_t)MS;
    CHECK(llabs(c.offset_ns - want) < 200000);
    CHECK(c.has_drift);
    CHECK(fabs(c.drift_ppm) < 1);
    CHECK_EQ_INT(c.jumps, 0);
    /* The mapping puts a device time on the host's clock. */
    uint64_t d = host - offset;
    CHECK(llabs((int64_t)(cc_devclock_to_host(&c, d) - host) - 2 * (int64_t)MS) < 200000);

    /* 80 ppm fast: within a ppm after a minute of 3 ms jitter; given from
     * 10 s on, rougher. */
    cc_devclock_init(&c);
    feed(&c, &host, &dev0, offset, 80, 12);
    CHECK(c.has_drift);
    CHECK(fabs(c.drift_ppm - 80) < 20);
    feed(&c, &host, &dev0, offset, 80, 48);
    CHECK(fabs(c.drift_ppm - 80) < 1);
    fprintf(stderr, "  drift measured %.2f ppm (80 true)\n", c.drift_ppm);
}

/* A reset (the clock back near 0), a reconnected camera: the estimate
 * starts again at once instead of holding the old offset. */
static void test_jump(void)
{
    cc_devclock c;
    cc_devclock_init(&c);
    uint64_t host = 1700000000ull * SEC, dev0 = 0, offset = 1699000000ull * SEC;
    feed(&c, &host, &dev0, offset, 0, 3);
    CHECK(c.valid && !c.has_drift);
    CHECK(!cc_devclock_add(&c, host + 12 * MS, host + 10 * MS - offset));
    /* The camera's clock restarts from 5 s. */
    CHECK(cc_devclock_add(&c, host + 20 * MS + 3 * MS, 5 * SEC));
    CHECK_EQ_INT(c.jumps, 1);
    CHECK(!c.has_drift);
    CHECK_EQ_INT(cc_devclock_to_host(&c, 5 * SEC), host + 23 * MS);
    CHECK(!cc_devclock_add(&c, host + 30 * MS + 2 * MS, 5 * SEC + 10 * MS));
    CHECK_EQ_INT(cc_devclock_to_host(&c, 5 * SEC + 10 * MS), host + 32 * MS);
    /* The host's clock stepping back is a jump too. */
    CHECK(cc_devclock_add(&c, host - 10 * SEC, 5 * SEC + 20 * MS));
    CHECK_EQ_INT(c.jumps, 2);
}

static void test_schedule(void)
{
    CHECK_EQ_INT(cc_schedule_period_ns(100), 10 * MS);
    CHECK_EQ_INT(cc_schedule_period_ns(30), 33333333);
    CHECK_EQ_INT(cc_schedule_period_ns(0), SEC);
    CHECK_EQ_INT(cc_schedule_period_ns(NAN), SEC);
    CHECK_EQ_INT(cc_schedule_period_ns(1e12), 1);
    CHECK_EQ_INT(cc_schedule_next(10 * MS, 0), 10 * MS);
    CHECK_EQ_INT(cc_schedule_next(10 * MS, 10 * MS), 20 * MS);
    CHECK_EQ_INT(cc_schedule_next(10 * MS, 25 * MS + 1), 30 * MS);
    /* One conversion for the whole process, close to the clocks' own. */
    uint64_t mono = cc_clock_ns(CLOCK_MONOTONIC), real = cc_clock_ns(CLOCK_REALTIME);
    uint64_t conv = cc_schedule_real_ns(mono);
    CHECK(llabs((int64_t)(conv - real)) < (int64_t)(50 * MS));
    CHECK_EQ_INT(cc_schedule_real_ns(mono + 123) - conv, 123);
}

static void *convert(void *arg)
{
    uint64_t *v = arg;
    *v = cc_schedule_real_ns(*v);
    return NULL;
}

/* Cameras fired at one instant from their own threads carry one time. */
static void test_schedule_threads(void)
{
    uint64_t at = cc_schedule_next(10 * MS, cc_clock_ns(CLOCK_MONOTONIC));
    uint64_t v[4] = {at, at, at, at};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(pthread_create(&t[i], NULL, convert, &v[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 1; i < 4; i++)
        CHECK_EQ_INT(v[i], v[0]);
    CHECK_EQ_INT(v[0], cc_schedule_real_ns(at));
}

int main(void)
{
    RUN(test_offset_and_drift);
    RUN(test_jump);
    RUN(test_schedule);
    RUN(test_schedule_threads);
    return CHECK_DONE();
}
