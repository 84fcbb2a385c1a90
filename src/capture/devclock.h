/* A camera's clock seen from the host: the offset between its timestamps
 * and the host's CLOCK_REALTIME, and how fast it drifts.
 *
 * Each frame gives host - device = offset + the frame's delivery delay. The
 * delay is never negative and often near its least, so the smallest
 * difference over a window of a second is the offset plus the least delay
 * (the lower envelope): stable whatever the jitter. The slope of a line
 * fitted through the windows' offsets is the drift (least squares: it
 * sharpens as the windows add up). A difference far off the estimate (the camera's clock
 * was reset, wrapped, or is a new camera after a reconnection) starts the
 * estimate again instead of dragging it: a jump never leaves the mapping
 * stuck on the old clock.
 *
 * One thread owns it (the camera's grab thread).
 */
#ifndef CC_DEVCLOCK_H
#define CC_DEVCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CC_DEVCLOCK_WINDOW_NS 1000000000ull   /* the lower envelope's window */
#define CC_DEVCLOCK_JUMP_NS 1000000000ull     /* farther off: a new clock */
#define CC_DEVCLOCK_DRIFT_SPAN_NS 10000000000ull /* before a drift is given */
/* A camera whose timestamps trail the host's CLOCK_REALTIME by less than
 * this (its least delivery delay) keeps the host's time: it is set from it
 * (PTP from the same grandmaster, NTP, or a simulator on the host). */
#define CC_DEVCLOCK_HOST_NS 100000000ll

typedef struct cc_devclock {
    bool valid;
    int64_t offset_ns;    /* host - device: the estimate */
    int64_t window_min;   /* of the window under way */
    uint64_t window_start;
    int64_t anchor_offset; /* the first window's, for the drift */
    uint64_t anchor_host;
    bool anchored;
    /* The fit: sums over the windows of t (s since the anchor) and of the
     * offset o (ns from the anchor's). */
    double n, st, so, stt, sto;
    bool has_drift;
    double drift_ppm;     /* the device clock's rate against the host's:
                             positive, it runs fast */
    uint64_t jumps;       /* times the estimate started again */
} cc_devclock;

void cc_devclock_init(cc_devclock *c);
/* One frame received at host_ns (CLOCK_REALTIME) with the camera's
 * timestamp device_ns. Returns true when it started the estimate again. */
bool cc_devclock_add(cc_devclock *c, uint64_t host_ns, uint64_t device_ns);
/* device_ns on the host's clock (offset plus the least delay). */
uint64_t cc_devclock_to_host(const cc_devclock *c, uint64_t device_ns);
/* Whether the camera's clock is the host's (CC_DEVCLOCK_HOST_NS). */
static inline bool cc_devclock_is_host(const cc_devclock *c)
{
    return c->valid && c->offset_ns >= 0 && c->offset_ns < CC_DEVCLOCK_HOST_NS;
}

#endif
