/* The stream's hello (docs/protocol.md): what the viewer lays out. */
#ifndef CC_VIEWER_HELLO_H
#define CC_VIEWER_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CC_HELLO_NAME_CAP 64
/* A name longer than this is not a camera's but a broken or hostile
 * hello (shorter ones beyond CC_HELLO_NAME_CAP - 1 are truncated). */
#define CC_HELLO_NAME_MAX 256
/* camcastd streams at most 64 cameras (one bit each in a subscription):
 * more is a hostile or broken hello. */
#define CC_HELLO_MAX_CAMERAS 64
/* JPEG's own limit on a side. */
#define CC_HELLO_MAX_SIDE 65535

typedef struct cc_hello_camera {
    uint16_t index;                /* camera_index in FrameBundle entries */
    char name[CC_HELLO_NAME_CAP];  /* truncated if longer */
    uint32_t width, height;
    char pixel_format[16];         /* "" when absent */
    double grab_fps;               /* 0 when absent */
    bool online;                   /* "online": false marks it offline */
} cc_hello_camera;

typedef struct cc_hello {
    int protocol;
    double stream_fps;  /* 0 when absent */
    char server[64];    /* "" when absent */
    size_t n_cameras;
    cc_hello_camera *cameras; /* in hello order: the tile order */
} cc_hello;

/* Parses a hello message. Unknown keys are ignored; type "hello",
 * protocol 1, cameras and each camera's index, name, width and height are
 * required. On error returns -EINVAL (-ENOMEM; -ENOMSG for a message
 * of another type) with a reason in err, and *out is left empty. */
int cc_hello_parse(cc_hello *out, const char *msg, size_t len, char *err,
                   size_t errlen);
/* Deep copy into an empty dst. Returns 0 or -ENOMEM. */
int cc_hello_copy(cc_hello *dst, const cc_hello *src);
void cc_hello_destroy(cc_hello *h);

/* The tile showing camera_index (its position in cameras), or -1 for an
 * index the hello does not list. */
int cc_hello_tile_of(const cc_hello *h, unsigned camera_index);

#endif
