/* Client -> server control messages (text JSON) and the hello.
 *
 * Parsing is kept apart from the server so each message kind and each error
 * reply is unit-tested without a socket.
 */
#ifndef CC_CONTROL_H
#define CC_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "capture/camera.h"
#include "capture/feature.h"
#include "config/config.h"
#include "encode/levels.h"

typedef enum cc_control_type {
    CC_CONTROL_SUBSCRIBE = 1,
    CC_CONTROL_PING,
    CC_CONTROL_FEATURES, /* 1.2: a camera's features */
    CC_CONTROL_SET,      /* 1.2: set one (operator right) */
} cc_control_type;

#define CC_VARIANT_NAME_MAX 64
#define CC_CONTROL_MAX_FPS 1000

/* A subscribe changes only the settings it names (docs/protocol.md 1.1). */
typedef struct cc_control {
    cc_control_type type;
    bool has_cameras, has_max_fps, has_variant, has_levels;
    uint64_t cameras;   /* bit i = camera index i */
    double max_fps;     /* 0: every tick */
    char variant[CC_VARIANT_NAME_MAX];
    bool levels;        /* 1.2: levels messages on or off */
    /* features, set: the camera by index (camera_index >= 0) or by name */
    int camera_index;
    char camera[CC_NAME_MAX];
    /* set */
    char feature[CC_FEATURE_NAME_MAX];
    cc_feature_value value; /* its kind from the JSON: a number FLOAT, true
                               or false BOOL, a string ENUM (checked against
                               the feature later) */
} cc_control;

/* Parses one control message. On error returns -EINVAL and writes the text
 * for the {"type":"error"} reply into err. */
int cc_control_parse(const char *msg, size_t len, size_t n_cameras,
                     cc_control *out, char *err, size_t errlen);

/* The pong, NUL-terminated JSON text in buf. Returns the length or -ENOSPC. */
int cc_control_pong(char *buf, size_t cap, uint64_t time_ns);
/* {"type":"error","message":...} as malloc'd JSON text (cJSON sizes and
 * escapes it: no reply is ever cut or built from a failed print), or NULL
 * when out of memory. */
char *cc_control_error_new(const char *message);
/* The same about a camera's feature: "camera" and "feature" added (either
 * may be NULL). */
char *cc_control_error_about_new(const char *message, const char *camera,
                                 const char *feature);

/* ---- 1.2: camera control and levels (docs/protocol.md) ---- */

/* The body of PUT /api/cameras/NAME/features/F, {"value":V}, into out as
 * a set's value is parsed. Returns 0, or -EINVAL with the reason in err. */
int cc_control_parse_value(const char *json, size_t len, cc_feature_value *out, char *err,
                           size_t errlen);
/* "value": v (nothing for a command) into o. False when out of memory. */
bool cc_feature_value_add(cJSON *o, const cc_feature_value *v);

/* A feature as an object: {"name":...,"kind":...,"value":...,"min":...,
 * "max":...,"inc":...,"unit":...,"entries":[...],"writable":...,"why":...},
 * the keys that apply. NULL when out of memory. */
cJSON *cc_feature_json(const cc_feature_state *f);
/* {"type":"features","camera":NAME,"index":I,"online":B,"operator":B,
 * "features":[...]}: the reply to a features message. */
char *cc_control_features_new(const char *camera, unsigned index, bool online,
                              bool may_set, const cc_feature_state *f, size_t n);
/* {"type":"feature","camera":NAME,"index":I,"feature":NAME,"value":V, ...
 * the feature's other keys}: a feature's new state, for every client. */
char *cc_control_feature_new(const char *camera, unsigned index, const cc_feature_state *f);
/* {"type":"levels","camera":I,"frame_id":F,"histogram":[64],"clipped_low":
 * L,"clipped_high":H}. */
char *cc_control_levels_new(unsigned camera, uint64_t frame_id, const cc_levels *lv);

/* How much of a client's "type" an error reply echoes. */
#define CC_CONTROL_TYPE_SHOWN 32
/* Copies at most cap - 1 characters of in, each outside printable ASCII (and
 * '"', '\\') replaced by '?': client text quoted in a reply or a log line
 * stays short and plain. */
void cc_control_quote(const char *in, char *out, size_t cap);

/* The hello: what the cameras really run at, and whether each is online
 * now (built for each client as it connects). Returns a malloc'd string or
 * NULL when out of memory. */
char *cc_hello_new(const cc_config *cfg, const cc_camera *cams, size_t n);

#endif
