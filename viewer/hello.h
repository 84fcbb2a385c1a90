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
/* Variants the viewer keeps from a hello ("full" included); camcastd has
 * at most 8 besides "full". Names are short words the viewer sends back. */
#define CC_HELLO_MAX_VARIANTS 12
#define CC_HELLO_VARIANT_NAME_CAP 32
/* Sync groups the viewer keeps from a hello (camcastd has at most 16). */
#define CC_HELLO_MAX_SYNC 16

typedef struct cc_hello_camera {
    uint16_t index;                /* camera_index in FrameBundle entries */
    char name[CC_HELLO_NAME_CAP];  /* truncated if longer */
    uint32_t width, height;
    char pixel_format[16];         /* "" when absent */
    double grab_fps;               /* 0 when absent */
    bool online;                   /* "online": false marks it offline */
    /* "variant_sizes": the exact size of this camera's entries in variant
     * v (the hello's variants[v]); 0 x 0 when the hello does not say. */
    uint16_t variant_w[CC_HELLO_MAX_VARIANTS], variant_h[CC_HELLO_MAX_VARIANTS];
} cc_hello_camera;

/* One of the hello's "variants" (protocol 1.1): a reduced encoding the
 * server makes on request. */
typedef struct cc_hello_variant {
    char name[CC_HELLO_VARIANT_NAME_CAP]; /* [A-Za-z0-9_.-]+ */
    uint32_t max_width;  /* 0 when absent */
    double scale;        /* the fraction of the camera's size, (0, 1]
                            (camcastd: 1/k for a k x k box); 0 when absent */
    int quality;         /* 0 when absent */
} cc_hello_variant;

/* One of the hello's "sync" groups (protocol 1.2): cameras whose frames a
 * bundle gives of one moment. */
typedef struct cc_hello_sync {
    char name[CC_HELLO_NAME_CAP];
    uint64_t cameras; /* bit i: camera_index i (camcastd's are below 64) */
} cc_hello_sync;

typedef struct cc_hello {
    int protocol;
    double stream_fps;  /* 0 when absent */
    char server[64];    /* "" when absent */
    size_t n_cameras;
    cc_hello_camera *cameras; /* in hello order: the tile order */
    /* "variants" as listed, "full" included when listed; none listed:
     * n_variants 0 (only full frames). A variant the viewer cannot use (no
     * name, a name it could not send back, a repeated name) is skipped, not
     * fatal: the stream works without it. */
    size_t n_variants;
    cc_hello_variant variants[CC_HELLO_MAX_VARIANTS];
    /* "extensions" lists "window": the server offers flow control
     * (protocol 1.2). */
    bool offers_window;
    /* "extensions" lists "control" (protocol 1.2): the server offers camera
     * control and levels. */
    bool control;
    /* "sync", as listed; a group without a name or cameras is skipped. */
    size_t n_syncs;
    cc_hello_sync syncs[CC_HELLO_MAX_SYNC];
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

/* The sync group camera_index is in (its position in h->syncs), or -1. */
int cc_hello_sync_of(const cc_hello *h, unsigned camera_index);

/* The position of the variant called name in h->variants, or -1. */
int cc_hello_variant_of(const cc_hello *h, const char *name);

#endif
