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
#include "capture/frame.h"

#define CC_MAX_CAMERAS 64 /* subscriptions are a 64-bit mask */
#define CC_NAME_MAX 64
#define CC_VALUE_MAX 200  /* longer than any value a line can hold */
#define CC_MAX_FEATURES 64 /* feature.NAME keys per camera */
#define CC_MAX_VARIANTS 8  /* [variant NAME] sections */
#define CC_MAX_SCALE 16    /* a variant is at least 1/16 of the camera */

typedef enum cc_source_kind {
    CC_SOURCE_TESTPATTERN = 1,
    CC_SOURCE_ARAVIS,
} cc_source_kind;

typedef enum cc_pattern {
    CC_PATTERN_SCROLL = 1, /* textured image scrolling sideways */
    CC_PATTERN_BARS,       /* colour/grey bars with a moving band */
    CC_PATTERN_CHECKER,    /* moving checkerboard with fine noise */
} cc_pattern;

typedef enum cc_trigger {
    CC_TRIGGER_OFF = 1, /* free running at grab_fps */
    CC_TRIGGER_SOFTWARE, /* camcastd triggers grab_fps times a second */
    CC_TRIGGER_LINE,     /* an input line (trigger_source) triggers */
} cc_trigger;

/* The keys of a [camera NAME] section. */
typedef enum cc_camera_key {
    CC_KEY_SOURCE,
    CC_KEY_WIDTH,
    CC_KEY_HEIGHT,
    CC_KEY_PIXEL_FORMAT,
    CC_KEY_GRAB_FPS,
    CC_KEY_PATTERN,
    CC_KEY_DEVICE,
    CC_KEY_REQUIRED,
    CC_KEY_OFFSET_X,
    CC_KEY_OFFSET_Y,
    CC_KEY_BINNING,
    CC_KEY_EXPOSURE_US,
    CC_KEY_GAIN_DB,
    CC_KEY_TRIGGER,
    CC_KEY_TIMEOUT_MS,
    CC_KEY_PACKET_SIZE,
    CC_KEY_SOCKET_BUFFER,
    CC_KEY_PACKET_RESEND,
    CC_CAMERA_KEYS
} cc_camera_key;

/* A "feature.NAME = VALUE" line: any GenICam feature, set as written. */
typedef struct cc_feature {
    char name[CC_NAME_MAX];
    char value[CC_VALUE_MAX];
    int line;
} cc_feature;

/* source = aravis */
typedef struct cc_aravis_config {
    char device[CC_VALUE_MAX]; /* Aravis id, serial number or IP address */
    bool required;             /* false: start without it, keep retrying */
    uint32_t offset_x, offset_y;
    uint32_t binning;          /* both directions */
    double exposure_us;
    double gain_db;
    cc_trigger trigger;
    char trigger_source[CC_NAME_MAX]; /* CC_TRIGGER_LINE: "Line1" */
    unsigned timeout_ms;       /* no frame for this long: camera lost */
    uint32_t packet_size;      /* GigE Vision; 0: negotiate */
    uint32_t socket_buffer;    /* GigE Vision; 0: sized by Aravis */
    bool packet_resend;
    cc_feature *features;      /* in file order */
    size_t n_features;
} cc_aravis_config;

typedef struct cc_camera_config {
    char name[CC_NAME_MAX];
    const char *path;      /* the file, for messages (cc_config.path) */
    int line;              /* line of the [camera NAME] header */
    uint32_t set;          /* bit k: key k was given (cc_camera_has) */
    int key_line[CC_CAMERA_KEYS]; /* where each given key is, for messages */
    cc_source_kind source;
    uint32_t width, height;
    cc_pixfmt pixfmt;
    double grab_fps;
    cc_pattern pattern;    /* testpattern only */
    cc_aravis_config aravis;
} cc_camera_config;

/* What a variant's JPEG holds: the camera's own layout, luminance only, or
 * always YCbCr (a grayscale camera with neutral chroma: what RTSP's Motion
 * JPEG, RFC 2435, can carry). */
typedef enum cc_variant_color {
    CC_COLOR_AUTO = 1,
    CC_COLOR_GRAY,
    CC_COLOR_YUV,
} cc_variant_color;

/* A [variant NAME] section: a reduced encoding of every camera, made on the
 * ticks a client wants it (PROTOCOL.md 1.1, docs/config.md). */
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

/* The [rtsp] section (docs/rtsp.md): each camera at rtsp://HOST:PORT/NAME,
 * Motion JPEG from the encoder pool. */
typedef struct cc_rtsp_config {
    bool enabled;              /* the file has an [rtsp] section */
    int line;
    char listen[CC_NAME_MAX];  /* "": the server's address */
    uint16_t port;
    int port_line;             /* where the port was set (listen or port) */
    double fps;                /* 0: stream_fps */
    char variant[CC_NAME_MAX]; /* "full" or a [variant NAME] */
    int variant_line;
    /* Resolved at load. RFC 2435 carries YCbCr only: when the chosen
     * variant is not color = yuv, RTSP gets one of its own, like it but
     * YCbCr ("own", the mux's variant after the config's). */
    bool has_own;
    cc_variant_config own;
    unsigned mux_variant;      /* the mux's index of RTSP's JPEGs */
} cc_rtsp_config;

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
/* One [camera NAME] section of it. */
void cc_camera_config_write(const cc_camera_config *c, FILE *out);
/* True when both ask the same of the same camera (a reload keeps it
 * running); where the keys are in the file does not matter. */
bool cc_camera_config_same(const cc_camera_config *a, const cc_camera_config *b);

static inline bool cc_camera_has(const cc_camera_config *c, cc_camera_key key)
{
    return c->set >> key & 1;
}

/* For problems found when the camera is opened, in the style of load
 * errors: "FILE:LINE: [camera NAME] KEY: detail". line 0 stands for the
 * section header (a key left out). */
void cc_camera_config_error(const cc_camera_config *c, int line,
                            const char *key, char *err, size_t errlen,
                            const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Index of the variant called name, or -1. */
int cc_variant_find(const cc_server_config *s, const char *name);
/* Variants the encoder makes: the config's, and RTSP's own if it has one. */
size_t cc_variant_count(const cc_server_config *s);
/* The mux's variant v >= 1: the config's v - 1, or RTSP's own. */
const cc_variant_config *cc_variant_at(const cc_server_config *s, size_t v);

const char *cc_source_kind_name(cc_source_kind kind);
const char *cc_variant_color_name(cc_variant_color color);
const char *cc_pattern_name(cc_pattern pattern);
const char *cc_camera_key_name(cc_camera_key key);

#endif
