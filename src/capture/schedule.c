#include "schedule.h"

#include <math.h>
#include <pthread.h>
#include <time.h>

uint64_t cc_schedule_period_ns(double fps)
{
    if (!(isfinite(fps) && fps > 0))
        return CC_NS_PER_SEC;
    long long p = llround(1e9 / fps);
    return p < 1 ? 1 : (uint64_t)p;
}

uint64_t cc_schedule_next(uint64_t period_ns, uint64_t mono_ns)
{
    return (mono_ns / period_ns + 1) * period_ns;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int64_t mono_to_real;

static void read_offset(void)
{
    /* Read between two reads of the other clock: the middle is the best
     * guess of the same moment. */
    uint64_t m0 = cc_clock_ns(CLOCK_MONOTONIC);
    uint64_t r = cc_clock_ns(CLOCK_REALTIME);
    uint64_t m1 = cc_clock_ns(CLOCK_MONOTONIC);
    mono_to_real = (int64_t)(r - (m0 + (m1 - m0) / 2));
}

uint64_t cc_schedule_real_ns(uint64_t mono_ns)
{
    pthread_once(&once, read_offset);
    return mono_ns + (uint64_t)mono_to_real;
}

uint64_t cc_schedule_mono_ns(uint64_t real_ns)
{
    pthread_once(&once, read_offset);
    return real_ns - (uint64_t)mono_to_real;
}
