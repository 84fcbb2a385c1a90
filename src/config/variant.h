/* A [variant NAME] section of cams.ini (config.h loads it). */
#ifndef CC_CONFIG_VARIANT_H
#define CC_CONFIG_VARIANT_H

#include <stddef.h>
#include <stdint.h>

#include "config/camera.h" /* CC_NAME_MAX */

#define CC_MAX_VARIANTS 8  /* [variant NAME] sections */
#define CC_MAX_SCALE 16    /* a variant is at least 1/16 of the camera */

/* What a variant's JPEG holds: the camera's own layout, luminance only, or
 * always YCbCr (a grayscale camera with neutral chroma: what RTSP's Motion
 * JPEG, RFC 2435, can carry). */
typedef enum cc_variant_color {
    CC_COLOR_AUTO = 1,
    CC_COLOR_GRAY,
    CC_COLOR_YUV,
} cc_variant_color;

/* A [variant NAME] section: a reduced encoding of every camera, made on the
 * ticks a client wants it (docs/protocol.md, 1.1; docs/config.md). */
typedef struct cc_variant_config {
    char name[CC_NAME_MAX];
    int line;                /* of the [variant NAME] header */
    uint32_t max_width;      /* 0: scale gives the size */
    unsigned scale;          /* 1/scale of the camera; 0: from max_width */
    int quality;             /* 1..100; 0 in the file: the server's */
    cc_variant_color color;
} cc_variant_config;

/* The box filter size of variant v for a camera width pixels wide: the
 * smallest k with width / k <= max_width, at most CC_MAX_SCALE. */
unsigned cc_variant_scale(const cc_variant_config *v, uint32_t width);

const char *cc_variant_color_name(cc_variant_color color);

#endif
