/* The daemon's own figures from its /stats (docs/protocol.md, HTTP on the
 * stream's port): what the bench needs of them, the variants' encode cost
 * above all, which no client can see. Fetched with a plain HTTP GET on the
 * bench's libuv loop, so the clients keep reading meanwhile. */
#ifndef CC_BENCH_DAEMON_STATS_H
#define CC_BENCH_DAEMON_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "hello.h"

typedef struct cc_daemon_stats_variant {
    char name[CC_BENCH_NAME_MAX];
    double clients;         /* on it when sampled */
    double ticks, encoded, encode_errors, jpeg_bytes;
    double encode_ms_mean;  /* worker time per entry, all strips */
    double convert_ms_mean; /* -1: not reported */
} cc_daemon_stats_variant;

typedef struct cc_daemon_stats {
    double bundles_muxed;
    size_t n_cameras;
    double frames_encoded[CC_BENCH_MAX_CAMERAS]; /* full frames, per camera */
    size_t n_variants;
    cc_daemon_stats_variant variants[CC_BENCH_MAX_VARIANTS];
} cc_daemon_stats;

/* Returns 0, or -EINVAL for a body that is not /stats JSON. */
int cc_daemon_stats_parse(const char *json, size_t len, cc_daemon_stats *out);
/* The variant called name, or NULL. */
const cc_daemon_stats_variant *cc_daemon_stats_variant_find(const cc_daemon_stats *s,
                                                            const char *name);

/* One GET /stats in flight on a loop. */
typedef struct cc_stats_get {
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_write_t write;
    uv_timer_t timer;
    unsigned open;          /* handles not yet closed */
    bool started;
    int err;                /* first error, 0: none */
    char req[512];
    char *buf;              /* the response as received */
    size_t len, cap;
} cc_stats_get;

/* Starts GET /stats on the host and port of url (ws://HOST:PORT/...),
 * presenting token when not NULL; gives up after timeout_ms. Returns 0 or
 * a negative error (nothing to clean up then). */
int cc_stats_get_start(cc_stats_get *g, uv_loop_t *loop, const char *url, const char *token,
                       unsigned timeout_ms);
/* The response is in (or failed) and every handle is closed. */
bool cc_stats_get_done(const cc_stats_get *g);
/* After done: 0 and out filled, or a negative error with err saying why. */
int cc_stats_get_result(const cc_stats_get *g, cc_daemon_stats *out, char *err,
                        size_t errlen);
/* After done (or if never started). */
void cc_stats_get_free(cc_stats_get *g);

#endif
