/* Per-tile numbers for the overlay: displayed FPS, latency or jitter, and
 * drops. Pure arithmetic on times passed in, so it is tested as is. */
#ifndef CC_VIEWER_STATS_H
#define CC_VIEWER_STATS_H

#include <stdbool.h>
#include <stdint.h>

/* FPS is counted over windows of at least this long. */
#define CC_STATS_FPS_WINDOW_MS 1000

typedef struct cc_tile_stats {
    /* displayed FPS */
    uint64_t window_start_ms;
    uint32_t window_frames;
    double fps;
    /* capture-to-display latency (same clock), smoothed */
    bool have_latency;
    double latency_ms;
    /* bundle-to-bundle jitter (any clocks), smoothed */
    bool have_prev;
    uint64_t prev_mux_ns, prev_recv_ns;
    bool have_jitter;
    double jitter_ms;
    /* the server's drops in the last entry, and its total */
    uint32_t server_dropped;
    uint64_t server_dropped_total;
    uint64_t frames;          /* frames displayed */
    uint64_t last_frame_ms;   /* when the last one was displayed */
} cc_tile_stats;

void cc_tile_stats_reset(cc_tile_stats *s, uint64_t now_ms);

/* A frame is displayed at now_ms (monotonic) / now_ns (wall clock). The
 * capture and mux times are the server's clock, recv_ns the client's:
 * latency uses capture_ns against now_ns (meaningful only on one clock),
 * jitter compares the spacing of mux times with the spacing of arrivals
 * (each on its own clock, so any offset cancels). */
void cc_tile_stats_frame(cc_tile_stats *s, uint64_t now_ms, uint64_t now_ns,
                         uint64_t capture_ns, uint64_t mux_ns, uint64_t recv_ns,
                         uint32_t dropped);

/* Closes the FPS window when it is long enough; call every frame drawn. */
void cc_tile_stats_tick(cc_tile_stats *s, uint64_t now_ms);

#endif
