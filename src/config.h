/* cams.ini: the daemon's configuration, parsed with libinih.
 *
 * Settings only; live state lives in the objects built from them. Loading
 * validates everything: a config that loads is one the daemon can start.
 */
#ifndef CC_CONFIG_H
#define CC_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "frame.h"

#define CC_MAX_CAMERAS 64 /* subscriptions are a 64-bit mask */
#define CC_NAME_MAX 64

typedef enum cc_source_kind {
    CC_SOURCE_TESTPATTERN = 1,
} cc_source_kind;

typedef enum cc_pattern {
    CC_PATTERN_SCROLL = 1, /* textured image scrolling sideways */
    CC_PATTERN_BARS,       /* colour/grey bars with a moving band */
    CC_PATTERN_CHECKER,    /* moving checkerboard with fine noise */
} cc_pattern;

typedef struct cc_camera_config {
    char name[CC_NAME_MAX];
    int line;              /* line of the [camera NAME] header */
    cc_source_kind source;
    uint32_t width, height;
    cc_pixfmt pixfmt;
    double grab_fps;
    cc_pattern pattern;    /* testpattern only */
} cc_camera_config;

typedef struct cc_server_config {
    char listen[CC_NAME_MAX]; /* IPv4 or IPv6 address */
    uint16_t port;            /* 0: pick a free port (tests) */
    double stream_fps;
    int jpeg_quality;         /* 1..100 */
    unsigned encoder_workers; /* 0 in the file: one per core, resolved at load */
    unsigned max_clients;
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

const char *cc_source_kind_name(cc_source_kind kind);
const char *cc_pattern_name(cc_pattern pattern);

#endif
