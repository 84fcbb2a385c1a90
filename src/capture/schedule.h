/* The software trigger's schedule and the host instants of frames.
 *
 * A sync group with trigger = software fires its cameras at the instants
 * k * period of CLOCK_MONOTONIC (k a whole number): every camera with that
 * period computes the same instants on its own thread, so the group needs
 * no shared timer object and a camera whose trigger call blocks delays no
 * other (docs/sync.md). An instant goes out as CLOCK_REALTIME through one
 * conversion the whole process shares, so cameras fired at one instant
 * carry the very same nanoseconds.
 */
#ifndef CC_SCHEDULE_H
#define CC_SCHEDULE_H

#include <stdint.h>

#include "clock.h"


/* The period of a schedule at fps frames a second, in whole ns (>= 1). */
uint64_t cc_schedule_period_ns(double fps);
/* The first instant of the schedule after mono_ns (CLOCK_MONOTONIC). */
uint64_t cc_schedule_next(uint64_t period_ns, uint64_t mono_ns);
/* A CLOCK_MONOTONIC instant as CLOCK_REALTIME: the offset between the two
 * is read once per process, so every thread converts alike. */
uint64_t cc_schedule_real_ns(uint64_t mono_ns);
/* The other way round, by the same offset. */
uint64_t cc_schedule_mono_ns(uint64_t real_ns);

#endif
