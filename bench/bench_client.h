/* One WebSocket client of the e2e benchmark and what it measured: bundles,
 * bytes, sequence gaps, malformed messages, and for each camera its entries,
 * frame ids and dropped counts. Latencies of all clients go to the shared
 * histograms. Counting happens only while shared->measuring. */
#ifndef CC_BENCH_CLIENT_H
#define CC_BENCH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "camcast/framebundle.h"
#include "camcast/ws_client.h"
#include "hello.h"
#include "hist.h"

typedef struct cc_cam_stats {
    uint64_t entries, dropped, bytes;
    bool have_id;
    uint64_t first_id, last_id;   /* frame_id of the first and last entry */
    uint64_t first_dropped;       /* dropped of the first: before the window */
    uint64_t first_ns, last_ns;   /* their capture times */
} cc_cam_stats;

typedef struct cc_bench_shared {
    bool measuring;
    bool have_hello;
    cc_hello hello;               /* from the first client to get it */
    cc_hist capture_us, mux_us;   /* capture -> receive, mux -> receive */
    cc_hist cam_capture_us[CC_BENCH_MAX_CAMERAS]; /* capture -> receive per camera */
    cc_hist capture_mux_us;       /* capture -> mux: the daemon's part (client 0) */
    uint64_t negative;            /* latencies below 0 (clock trouble) */
    uint64_t bytes_all;           /* every byte received, window or not */
    unsigned opened, hellos, closed;
    void (*changed)(void *arg);   /* a client opened or closed */
    void *arg;
    cc_fb_entry entries[CC_BENCH_MAX_CAMERAS];
} cc_bench_shared;

typedef struct cc_bench_client {
    cc_ws_client *ws;
    cc_bench_shared *shared;
    unsigned index;
    bool stalled;                 /* never reads once open */
    bool opened, got_hello, closed;
    int close_code;
    char reason[96];
    bool have_seq;
    uint64_t last_seq;
    /* in the measurement window */
    uint64_t bundles, entries, bytes, gaps, malformed;
    cc_cam_stats cams[CC_BENCH_MAX_CAMERAS];
} cc_bench_client;

/* token: presented in the handshake (copied), or NULL. */
int cc_bench_client_init(cc_bench_client *c, uv_loop_t *loop, cc_bench_shared *shared,
                         unsigned index, bool stalled, const char *token);
int cc_bench_client_connect(cc_bench_client *c, const char *url);
/* Forgets what was counted (the start of the measurement window). */
void cc_bench_client_reset(cc_bench_client *c);
/* After on_close (or if never connected). */
void cc_bench_client_destroy(cc_bench_client *c);

#endif
