#include "clock.h"

#include <windows.h>

/* 100 ns ticks since 1601-01-01, to the Unix epoch's nanoseconds. The
 * precise variant (Windows 8 and later): GetSystemTimeAsFileTime only
 * moves once per timer tick, up to 15.6 ms. */
uint64_t cc_wall_ns(void)
{
    const uint64_t unix_epoch = 116444736000000000u;
    FILETIME ft;
    GetSystemTimePreciseAsFileTime(&ft);
    uint64_t t = (uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime;
    return t < unix_epoch ? 0 : (t - unix_epoch) * 100u;
}
