/* What the daemon reports about itself: /stats (JSON), /metrics
 * (Prometheus text format) and /healthz.
 *
 * Loop thread only. Counters are read where they live (cameras, mux,
 * server); the only state kept here is a once-a-second sample of each
 * camera's grab counter, for the measured grab rate.
 */
#ifndef CC_STATS_H
#define CC_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "capture/camera.h"
#include "stream/server.h"
#include "tick/mux.h"

typedef struct cc_stats_rate {
    uint64_t grabbed; /* at the last sample */
    uint64_t at_ns;   /* CLOCK_MONOTONIC of the last sample */
    double fps;       /* over the last sample period */
} cc_stats_rate;

/* The RTSP server's figures, when it runs ([rtsp]). */
#define CC_STATS_RTSP_LIMITS 16
typedef struct cc_stats_rtsp {
    uint64_t clients, sessions, media;     /* now */
    uint64_t clients_total, refused_token; /* since it started */
    uint64_t frames_pushed, frames_dropped, frames_replaced, frames_skipped;
    /* Refusals by reason (docs/rtsp.md): reported as rtsp_NAME beside the
     * WebSocket port's limits. */
    size_t n_limited;
    const char *limited_name[CC_STATS_RTSP_LIMITS];
    uint64_t limited[CC_STATS_RTSP_LIMITS];
} cc_stats_rtsp;
/* Fills out and returns true, or false when RTSP is off. */
typedef bool (*cc_stats_rtsp_fn)(cc_stats_rtsp *out, void *arg);

typedef struct cc_stats {
    uv_timer_t timer;
    cc_stats_rtsp_fn rtsp;
    void *rtsp_arg;
    bool timer_open;
    uint64_t started_ns; /* CLOCK_REALTIME */
    const cc_camera *cams;
    size_t n;
    const cc_mux *mux;
    const cc_server *srv;
    cc_stats_rate *rates;
} cc_stats;

/* Returns 0, -ENOMEM or a libuv error. */
int cc_stats_init(cc_stats *st, uv_loop_t *loop, const cc_camera *cams, size_t n,
                  const cc_mux *mux, const cc_server *srv);
/* After a reload: the new cameras. Returns 0 or -ENOMEM. */
int cc_stats_reset(cc_stats *st, const cc_camera *cams, size_t n);
/* Where /stats and /metrics get RTSP's figures. */
void cc_stats_set_rtsp(cc_stats *st, cc_stats_rtsp_fn fn, void *arg);
/* The pages, as the server asks for them (see cc_page_fn). */
int cc_stats_page(const char *path, cc_http_page *page, void *arg);
/* 200 when every required camera is online, else 503; reason: a first
 * line ("ok: ...", "degraded: ..." when an optional camera is offline, or
 * the required camera offline), then one line per offline camera with its
 * last error and its time. */
int cc_stats_health(const cc_stats *st, char *reason, size_t cap);
void cc_stats_close(cc_stats *st);
void cc_stats_destroy(cc_stats *st);

#endif
