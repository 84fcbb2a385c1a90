/* A [camera NAME] section of cams.ini (config.h loads it). */
#ifndef CC_CONFIG_CAMERA_H
#define CC_CONFIG_CAMERA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pixfmt.h"

#define CC_NAME_MAX 64
#define CC_VALUE_MAX 200  /* longer than any value a line can hold */
#define CC_MAX_FEATURES 64 /* feature.NAME keys per camera */

/* The test pattern's exposure and gain (its features, docs/control.md;
 * exposure_us and gain_db set them at start). */
#define CC_TESTPATTERN_MIN_EXPOSURE_US 10.0
#define CC_TESTPATTERN_MAX_EXPOSURE_US 1000000.0
#define CC_TESTPATTERN_MAX_GAIN_DB 24.0

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
    CC_KEY_DELAY_US,
    CC_KEY_JITTER_US,
    CC_KEY_PTP,
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
    bool ptp;                  /* PtpEnable or GevIEEE1588 */
    cc_feature *features;      /* in file order */
    size_t n_features;
} cc_aravis_config;

/* How a camera's sync group triggers it (docs/sync.md). */
typedef enum cc_sync_trigger {
    CC_SYNC_NONE = 0,
    CC_SYNC_SOFTWARE,    /* camcastd fires every camera on one schedule */
    CC_SYNC_FREE,        /* free running, matched by timestamp */
    CC_SYNC_LINE,        /* a shared hardware trigger line, matched */
} cc_sync_trigger;

/* A camera's part in a [sync NAME] group, resolved at load. A camera is
 * in a group when trigger is not CC_SYNC_NONE (a zeroed config is in
 * none). */
typedef struct cc_camera_sync {
    int group;               /* index of the group, -1: none */
    cc_sync_trigger trigger;
    double wait_ms;          /* the group's, resolved */
} cc_camera_sync;

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
    uint32_t delay_us;     /* testpattern: delivery after the frame's instant */
    uint32_t jitter_us;    /* testpattern: up to this much more, at random */
    cc_aravis_config aravis;
    cc_camera_sync sync;
} cc_camera_config;

/* Sets a feature.NAME line to value (text as the file would hold it),
 * replacing its value or adding it at the end. Returns 0, -EINVAL (a name
 * or value the file would refuse) or -ENOSPC / -ENOMEM. */
int cc_camera_config_set_feature(cc_camera_config *c, const char *name, const char *value);

/* One [camera NAME] section of cc_config_write. */
void cc_camera_config_write(const cc_camera_config *c, FILE *out);
/* True when both ask the same of the same camera (a reload keeps it
 * running), sync group included; where the keys are in the file does not
 * matter. */
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

const char *cc_source_kind_name(cc_source_kind kind);
const char *cc_pattern_name(cc_pattern pattern);
const char *cc_camera_key_name(cc_camera_key key);

#endif
