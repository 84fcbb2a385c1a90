/* Now, in nanoseconds, on the clocks the daemon uses: CLOCK_REALTIME for
 * what goes on the wire (docs/protocol.md: capture and send times are Unix
 * time), CLOCK_MONOTONIC for intervals and deadlines. */
#ifndef CC_CLOCK_H
#define CC_CLOCK_H

#include <stdint.h>
#include <time.h>

#define CC_NS_PER_SEC 1000000000ull

/* clock_gettime cannot fail for these clocks with a valid pointer; a thread
 * CPU clock id that has gone away reads as 0. */
static inline uint64_t cc_clock_ns(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * CC_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline uint64_t cc_realtime_ns(void) { return cc_clock_ns(CLOCK_REALTIME); }
static inline uint64_t cc_monotonic_ns(void) { return cc_clock_ns(CLOCK_MONOTONIC); }

#endif
