/* Wall-clock time, the clock of the server's capture and mux times. */
#ifndef CC_VIEWER_CLOCK_H
#define CC_VIEWER_CLOCK_H

#include <stdint.h>

/* Nanoseconds since the Unix epoch (C11 timespec_get: Linux and Windows). */
uint64_t cc_wall_ns(void);

#endif
