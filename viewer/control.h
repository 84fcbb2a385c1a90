/* Camera control as the viewer uses it (docs/protocol.md 1.2, "Camera
 * control" and "Levels"): the exposure and gain of each camera from the
 * server's features and feature messages, its levels, and the steps the
 * keys take. Parsing and arithmetic only: the state shared between the
 * threads is in session.h. */
#ifndef CC_VIEWER_CONTROL_H
#define CC_VIEWER_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CC_CONTROL_NAME_CAP 64
#define CC_CONTROL_UNIT_CAP 16
#define CC_CONTROL_WHY_CAP 112
#define CC_CONTROL_BINS 64

/* A number feature the keys step (exposure or gain), as last heard. */
typedef struct cc_control_number {
    bool known;
    char name[CC_CONTROL_NAME_CAP]; /* the GenICam name: [A-Za-z0-9_] */
    bool is_int;
    double value;
    bool has_range;
    double min, max;
    double inc;                     /* 0: none */
    char unit[CC_CONTROL_UNIT_CAP];
    bool writable;
    char why[CC_CONTROL_WHY_CAP];   /* when not writable, the camera's reason */
} cc_control_number;

typedef enum cc_control_which {
    CC_CONTROL_EXPOSURE = 0,
    CC_CONTROL_GAIN,
    CC_CONTROL_N
} cc_control_which;

typedef struct cc_control_levels {
    bool have;
    uint64_t frame_id;
    double bins[CC_CONTROL_BINS];   /* pixels per luminance bin */
    double clipped_low, clipped_high; /* shares at 0 and at the maximum */
} cc_control_levels;

typedef enum cc_control_msg_type {
    CC_CONTROL_MSG_FEATURES = 1, /* the reply to a features message */
    CC_CONTROL_MSG_FEATURE,      /* a feature's new state, for every client */
    CC_CONTROL_MSG_LEVELS,
} cc_control_msg_type;

typedef struct cc_control_msg {
    cc_control_msg_type type;
    unsigned camera;                /* the camera's index (the hello's) */
    char name[CC_CONTROL_NAME_CAP]; /* FEATURES, FEATURE: the camera's name */
    /* FEATURES: whether the camera is online and this connection may set;
     * the exposure and gain among the features (known false: none). */
    bool online, may_set;
    /* FEATURES: both; FEATURE: the one it is about (known false: a feature
     * the viewer does not step). */
    cc_control_number number[CC_CONTROL_N];
    cc_control_levels levels;       /* LEVELS */
} cc_control_msg;

/* Parses a features, feature or levels message. Returns 0, -ENOMSG for
 * another type, -EINVAL for one of these the viewer cannot use (no camera
 * index, a histogram of another length, ...). Strings are cut to their
 * caps, control characters replaced: they reach the log. */
int cc_control_parse(const char *msg, size_t len, cc_control_msg *out);

/* Which feature a GenICam name is, for the keys: exposure (ExposureTime,
 * ExposureTimeAbs, ExposureTimeRaw), gain (Gain, GainAbs, GainRaw), or -1. */
int cc_control_which_of(const char *name);

/* The value one step of f in direction dir (+1 up, -1 down) gives: an
 * exposure by a factor of sqrt(2) (half a stop), a gain in dB by 1 dB,
 * another gain by a twentieth of its range (at least its increment); then
 * on the increment and in range. Returns false when f is at that end
 * already (or unknown). */
bool cc_control_step(const cc_control_number *f, cc_control_which which, int dir,
                     double *out);

/* The set message for value, "%.17g" (names are checked GenICam names). */
int cc_control_set_json(char *buf, size_t cap, unsigned camera, const char *feature,
                        double value);

/* "10000 us", "4": a value as the overlay and the log show it. */
void cc_control_format(char *buf, size_t cap, const cc_control_number *f, double value);

#endif
