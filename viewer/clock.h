/* Wall-clock time, the clock of the server's capture and mux times; and the
 * offset between a server's clock and ours, estimated from ping/pong.
 *
 * Capture-to-display latency compares the server's capture_time_ns with
 * our display time, so it needs both on one clock. A local server shares
 * ours; for a remote one, pings measure the offset: a pong carries the
 * server's time_ns, taken somewhere between our send and receive times, so
 * offset = time_ns - (sent + received) / 2, good to half the round trip.
 * After each hello a burst of CC_CLOCK_BURST pings, one at a time
 * CC_CLOCK_SPACING_MS apart, keeps the shortest round trip. A pong can
 * wait behind megabytes of bundles on its way, so while no round trip
 * under CC_CLOCK_GOOD_RTT_NS has come, another burst follows after
 * CC_CLOCK_RETRY_MS (CC_CLOCK_RETRIES at most); then every
 * CC_CLOCK_REFRESH_MS, as clocks drift. A burst's best replaces the offset
 * in use when its round trip is no worse, or when that is older than
 * CC_CLOCK_MAX_AGE_MS. The same schedule as the browser page's. Pure
 * arithmetic on times passed in: the network thread drives it. */
#ifndef CC_VIEWER_CLOCK_H
#define CC_VIEWER_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Nanoseconds since the Unix epoch: wall_clock.c (C11 timespec_get), or
 * wall_clock_win32.c (MinGW's default C runtime has no timespec_get). */
uint64_t cc_wall_ns(void);

#define CC_CLOCK_BURST 5
#define CC_CLOCK_SPACING_MS 100
#define CC_CLOCK_GOOD_RTT_NS 5000000u
#define CC_CLOCK_RETRY_MS 2000
#define CC_CLOCK_RETRIES 10
#define CC_CLOCK_REFRESH_MS 30000
#define CC_CLOCK_MAX_AGE_MS 120000
/* A ping unanswered this long is lost. Long: a pong that came after the
 * next ping was sent would be taken for its answer. */
#define CC_CLOCK_PONG_TIMEOUT_MS 10000

typedef struct cc_clock_sync {
    /* The offset in use: server clock = ours + offset_ns. */
    bool have;
    int64_t offset_ns;
    uint64_t rtt_ns;
    uint64_t taken_ms;      /* monotonic ms when it was adopted */
    /* The burst under way. */
    bool waiting;           /* a ping is out */
    uint64_t sent_ns;
    unsigned done;          /* pings of this burst answered or lost */
    bool burst_have;
    int64_t burst_offset_ns;
    uint64_t burst_rtt_ns;
    unsigned bursts;        /* bursts ended since the reset */
} cc_clock_sync;

/* A new connection (maybe another server): nothing known. */
void cc_clock_sync_reset(cc_clock_sync *c);
/* A ping leaves at sent_ns (our wall clock). */
void cc_clock_ping_sent(cc_clock_sync *c, uint64_t sent_ns);
/* A pong with the server's time_ns arrived at recv_ns. False (ignored)
 * when no ping is out, or when the times cannot be a round trip. */
bool cc_clock_pong(cc_clock_sync *c, uint64_t recv_ns, uint64_t server_ns);
/* The ping out got no answer in time. */
void cc_clock_ping_lost(cc_clock_sync *c);
/* After a pong or a loss: ends the burst when it is complete (adopting its
 * best sample if it is better, or the offset in use is old; now_ms is
 * monotonic) and returns the delay before the next ping. */
uint32_t cc_clock_next_ms(cc_clock_sync *c, uint64_t now_ms);

#endif
