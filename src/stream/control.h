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

#include "capture/camera.h"
#include "config/config.h"

typedef enum cc_control_type {
    CC_CONTROL_SUBSCRIBE = 1,
    CC_CONTROL_PING,
    CC_CONTROL_ACK,
} cc_control_type;

#define CC_VARIANT_NAME_MAX 64
#define CC_CONTROL_MAX_FPS 1000
/* Flow control (docs/protocol.md 1.2): bundles a client may hold
 * unacknowledged, 1..8; 0 is off. */
#define CC_CONTROL_MAX_WINDOW 8
/* An ack's seq is a JSON number: exact up to 2^53 (a 30 fps stream gets
 * there in 9 million years). */
#define CC_CONTROL_MAX_SEQ (UINT64_C(1) << 53)

/* A subscribe changes only the settings it names (docs/protocol.md 1.1,
 * 1.2); an ack names the newest bundle a client has taken. */
typedef struct cc_control {
    cc_control_type type;
    bool has_cameras, has_max_fps, has_variant, has_window;
    uint64_t cameras;   /* bit i = camera index i */
    double max_fps;     /* 0: every tick */
    char variant[CC_VARIANT_NAME_MAX];
    unsigned window;    /* 0: off, else 1..CC_CONTROL_MAX_WINDOW */
    uint64_t seq;       /* ack: its bundle_seq */
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
