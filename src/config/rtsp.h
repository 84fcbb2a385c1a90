/* The [rtsp] section of cams.ini (config.h loads it; docs/rtsp.md). */
#ifndef CC_CONFIG_RTSP_H
#define CC_CONFIG_RTSP_H

#include <stdbool.h>
#include <stdint.h>

#include "config/variant.h"

/* The defaults of [rtsp]'s limits (the RTSP server's too: cc_rtsp_limits). */
#define CC_RTSP_MAX_CLIENTS 64
#define CC_RTSP_MAX_SESSIONS 64
#define CC_RTSP_MAX_SESSIONS_PER_CLIENT 2
#define CC_RTSP_SESSION_TIMEOUT_S 60
#define CC_RTSP_AUTH_TIMEOUT_S 10
#define CC_RTSP_MAX_REQUEST 4096
#define CC_RTSP_STALL_TIMEOUT_S 30 /* the module's; the config takes [server]'s */
#define CC_RTSP_RTP_PORT_MIN 40000
#define CC_RTSP_RTP_PORT_MAX 40999

/* Each camera at rtsp://HOST:PORT/NAME, Motion JPEG from the encoder pool. */
typedef struct cc_rtsp_config {
    bool enabled;              /* the file has an [rtsp] section */
    int line;
    char listen[CC_NAME_MAX];  /* "": the server's address */
    uint16_t port;
    int port_line;             /* where the port was set (listen or port) */
    double fps;                /* 0: stream_fps; at most stream_fps */
    int fps_line;
    char variant[CC_NAME_MAX]; /* "full" or a [variant NAME] */
    int variant_line;
    /* Resolved at load. RFC 2435 carries YCbCr only: when the chosen
     * variant is not color = yuv, RTSP gets one of its own, like it but
     * YCbCr ("own", the mux's variant after the config's). */
    bool has_own;
    cc_variant_config own;
    unsigned mux_variant;      /* the mux's index of RTSP's JPEGs */
    /* Limits (docs/rtsp.md, "Limits"; cc_rtsp_limits). */
    unsigned max_clients, max_clients_per_address, max_sessions, max_sessions_per_client;
    unsigned max_request;      /* bytes */
    double session_timeout_s, auth_timeout_s;
    double stall_timeout_s;    /* < 0 until resolved: [server] stall_timeout */
    uint16_t rtp_port_min, rtp_port_max; /* 0, 0: any */
} cc_rtsp_config;

#endif
