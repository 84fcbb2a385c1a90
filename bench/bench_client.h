/* One WebSocket client of the e2e benchmark and what it measured: bundles,
 * bytes, sequence gaps, malformed messages, and for each camera its entries,
 * frame ids and dropped counts. Clients come in groups with one
 * subscription (variant, max_fps, window) and one way of reading (all, at a
 * read rate, or as a slow consumer); latencies go to their group's
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

/* Distinct entry sizes a client keeps track of (a variant's differ from
 * the cameras' own). */
#define CC_BENCH_MAX_SIZES 8
/* A reader with a read rate: bundles passed over before measuring its own
 * subscription's bundle size (the first may predate the subscribe), then
 * bundles measured. */
#define CC_BENCH_CALIBRATE_SKIP 3
#define CC_BENCH_CALIBRATE 10
/* A reader with a read rate has a small receive buffer, so what it does
 * not read stays in the server (as tests/integration/test_fanout.py). */
#define CC_BENCH_THROTTLED_RCVBUF (32 * 1024)

/* What a group's clients ask for once the hello is in, and how they read. */
typedef struct cc_bench_sub {
    const char *variant;          /* NULL: the full frames (nothing sent) */
    double max_fps;               /* 0: every tick (nothing sent) */
    double read_rate;             /* 0: reads everything; else at most this
                                     share of its subscription's bytes/s */
    unsigned window;              /* flow control (protocol 1.2): 0 off, else
                                     the window; each bundle is acknowledged */
    bool ack_when_done;           /* ... when held or worked on, not when parsed */
    /* A slow consumer: after each bundle it reads nothing for hold_ms (a
     * timer: the other clients read on), or while cpu_ms of CPU time are
     * spent on it in libuv's thread pool (0: neither). */
    double hold_ms, cpu_ms;
} cc_bench_sub;

/* The bundle_seq step a subscription at max_fps gets on a stream of fps:
 * every k-th tick, k the fewest ticks within max_fps (docs/protocol.md,
 * "Control messages"); 1 for 0 or at least fps. Its rate is fps / step. */
double cc_bench_step(double max_fps, double fps);

/* Clients with one subscription, measured together. */
typedef struct cc_bench_group {
    cc_bench_sub sub;
    double step;                  /* bundle_seq step at its rate (1: every tick) */
    cc_hist capture_us, mux_us;   /* capture -> receive, mux -> receive */
} cc_bench_group;

typedef struct cc_entry_size {
    uint32_t width, height;
} cc_entry_size;

typedef struct cc_bench_shared {
    bool measuring;
    bool have_hello;
    cc_hello hello;               /* from the first client to get it */
    /* capture -> receive per camera: the primary group's clients */
    cc_hist cam_capture_us[CC_BENCH_MAX_CAMERAS];
    cc_hist capture_mux_us;       /* capture -> mux: the daemon's part (the probe) */
    /* Sync (protocol 1.2), by the probe: the spread of a bundle's device
     * times (entries that have one: meaningful when the cameras share a
     * clock, as test patterns do), each frame's device time -> mux, and
     * the bundles flagged aligned. */
    cc_hist sync_spread_us, device_mux_us;
    uint64_t sync_bundles, sync_aligned;
    uint64_t negative;            /* latencies below 0 (clock trouble) */
    uint64_t bytes_all;           /* every byte received, window or not */
    unsigned opened, hellos, closed;
    void (*changed)(void *arg);   /* a client opened or closed */
    void *arg;
    cc_fb_entry entries[CC_BENCH_MAX_CAMERAS];
} cc_bench_shared;

typedef struct cc_bench_client {
    cc_ws_client *ws;
    uv_loop_t *loop;
    cc_bench_shared *shared;
    cc_bench_group *group;        /* NULL: stalled */
    unsigned index;
    bool stalled;                 /* never reads once open */
    bool primary;                 /* adds to the per-camera histograms */
    bool probe;                   /* measures capture -> mux for all */
    bool opened, got_hello, closed;
    int close_code;
    char reason[96];
    bool have_seq;
    uint64_t last_seq;
    /* Replies to the subscribe: errors (the server keeps what it had). */
    unsigned sub_errors;
    char sub_error[128];
    /* read_rate: calibration, then pacing (a timer resumes reading) */
    uv_timer_t resume;
    bool has_timer, paused;
    unsigned calib_n;
    uint64_t calib_bytes;
    double rate;                  /* bytes/s it reads at; 0: calibrating */
    double read_from, resume_at;  /* cc_mono_s() */
    /* a slow consumer: a bundle held (the resume timer) or worked on */
    uv_work_t work;
    bool holding, working;
    unsigned held_more;           /* bundles of the same read, held after it */
    uint64_t ack_seq;             /* the newest taken, acknowledged when done */
    uint64_t acks;
    /* in the measurement window */
    uint64_t bundles, entries, bytes, gaps, malformed;
    uint64_t skips;               /* bundles of its rate it did not get */
    uint64_t step_min;            /* smallest bundle_seq step; 0: none yet */
    cc_entry_size sizes[CC_BENCH_MAX_SIZES];
    unsigned n_sizes;
    bool more_sizes;              /* more than CC_BENCH_MAX_SIZES seen */
    cc_cam_stats cams[CC_BENCH_MAX_CAMERAS];
} cc_bench_client;

/* group: its subscription and histograms, or NULL for a client that never
 * reads once open. token: presented in the handshake (copied), or NULL. */
int cc_bench_client_init(cc_bench_client *c, uv_loop_t *loop, cc_bench_shared *shared,
                         unsigned index, cc_bench_group *group, const char *token);
int cc_bench_client_connect(cc_bench_client *c, const char *url);
/* Whether it is ready to be measured: a reader with a read rate once it
 * knows its rate, others once they have the hello (or it closed). */
bool cc_bench_client_ready(const cc_bench_client *c);
/* Forgets what was counted (the start of the measurement window). */
void cc_bench_client_reset(cc_bench_client *c);
/* Whether work of a slow consumer is still in libuv's thread pool (the
 * loop must run until it is not, before the client is freed). */
bool cc_bench_client_busy(const cc_bench_client *c);
/* Closes its own handles (the pacing timer) once the connection is over;
 * the loop must run once before the client is freed. */
void cc_bench_client_close_handles(cc_bench_client *c);
/* After on_close (or if never connected), and close_handles. */
void cc_bench_client_destroy(cc_bench_client *c);

#endif
