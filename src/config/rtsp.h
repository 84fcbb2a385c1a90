/* The [rtsp] section of cams.ini (config.h loads it; docs/rtsp.md). */
#ifndef CC_CONFIG_RTSP_H
#define CC_CONFIG_RTSP_H

#include <stdbool.h>
#include <stdint.h>

#include "config/variant.h"

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
} cc_rtsp_config;

#endif
