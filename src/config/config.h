/* cams.ini: the daemon's configuration, parsed with libinih.
 *
 * Settings only; live state lives in the objects built from them. Loading
 * validates everything the file alone can tell: a config that loads is one
 * the daemon can start with, as far as no camera refuses it.
 */
#ifndef CC_CONFIG_H
#define CC_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "camcast/token.h"
#include "config/camera.h"
#include "config/rtsp.h"
#include "config/sync.h"
#include "config/variant.h"

#define CC_MAX_CAMERAS 64 /* subscriptions are a 64-bit mask */
_Static_assert(CC_MAX_CAMERAS <= 64, "sync groups are 64-bit masks too");

typedef struct cc_server_config {
    char listen[CC_NAME_MAX]; /* IPv4 or IPv6 address */
    uint16_t port;            /* 0: pick a free port (tests) */
    double stream_fps;
    int jpeg_quality;         /* 1..100 */
    unsigned encoder_workers; /* 0 in the file: one per core, resolved at load */
    unsigned max_clients;
    bool aravis_fake;         /* enable Aravis' in-process Fake camera */
    /* Access (docs/operations.md, "Security") */
    char token_file[CC_VALUE_MAX]; /* as written: "" no token */
    char token[CC_TOKEN_MAX + 1];  /* read from it at load; never logged */
    /* The operator right (docs/control.md): its token also grants viewing;
     * "" nobody may change camera settings. */
    char control_token_file[CC_VALUE_MAX];
    char control_token[CC_TOKEN_MAX + 1];
    char allowed_origins[CC_VALUE_MAX]; /* space-separated; "": same origin */
    char server_names[CC_VALUE_MAX]; /* space-separated host names the
                                        server answers to besides IP
                                        addresses and localhost; "*": any */
    unsigned max_clients_per_address;   /* WebSocket clients; 0: no cap */
    unsigned max_pending;      /* connections not yet upgraded; the oldest
                                  is evicted for a new one */
    double handshake_timeout_s; /* to send a complete request head */
    double stall_timeout_s;    /* a client that reads nothing this long is
                                  closed (1008); 0: never */
    bool expose_client_addresses; /* in /stats and /metrics */
    /* Fan-out (docs/performance.md, "Many viewers") */
    size_t send_queue_bound;   /* unsent bytes per client before it is
                                  skipped; 0: half the bundle */
    char tcp_congestion[16];   /* TCP_CONGESTION of clients; "": the system's */
    /* Variants, in file order (the hello lists "full" first, then these) */
    cc_variant_config variants[CC_MAX_VARIANTS];
    size_t n_variants;
    cc_rtsp_config rtsp;
    /* Sync groups, in file order (docs/sync.md) */
    cc_sync_config syncs[CC_MAX_SYNC];
    size_t n_syncs;
} cc_server_config;

typedef struct cc_config {
    char *path;
    cc_server_config server;
    cc_camera_config *cameras;
    size_t n_cameras;
} cc_config;

/* Loads and validates path. On error returns -EINVAL (or -ENOENT, -ENOMEM)
 * and writes one line into err: "FILE:LINE: [section] key 'k': problem". */
int cc_config_load(cc_config *cfg, const char *path, char *err, size_t errlen);
void cc_config_destroy(cc_config *cfg);

/* Sets the listen address (and the port, from "ADDR:PORT" or "[V6]:PORT").
 * Returns 0 or -EINVAL with a message in err. */
int cc_config_set_listen(cc_config *cfg, const char *arg, char *err, size_t errlen);

/* Writes the resolved settings as an ini file that loads back the same. */
void cc_config_write(const cc_config *cfg, FILE *out);

/* The variant index space of the tick (mux, client groups, the RTSP feed,
 * /stats): 0 is "full", 1..n the [variant NAME] sections in file order,
 * n + 1 RTSP's own YCbCr copy when it has one (cc_rtsp_config.has_own). */
#define CC_VARIANT_FULL 0
#define CC_VARIANTS (2 + CC_MAX_VARIANTS)

/* Index of the [variant NAME] section called name, or -1. */
int cc_variant_find(const cc_server_config *s, const char *name);
/* Index of the variant called name in the tick's space ("full": 0), or -1. */
int cc_variant_index(const cc_server_config *s, const char *name);
/* Name of index v of the tick's space ("full" for 0 and unknown indexes). */
const char *cc_variant_name(const cc_server_config *s, size_t v);
/* Variants the encoder makes: the config's, and RTSP's own if it has one. */
size_t cc_variant_count(const cc_server_config *s);
/* The tick's variant v >= 1: the config's v - 1, or RTSP's own. */
const cc_variant_config *cc_variant_at(const cc_server_config *s, size_t v);

#endif
