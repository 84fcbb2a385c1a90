/* The stream's hello (docs/protocol.md): what the bench needs of it. */
#ifndef CC_BENCH_HELLO_H
#define CC_BENCH_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* As the daemon's limits (src/config/config.h): subscriptions are a 64-bit mask. */
#define CC_BENCH_MAX_CAMERAS 64
#define CC_BENCH_NAME_MAX 64
/* "full" and the daemon's [variant NAME] sections (src/config/config.h: 8). */
#define CC_BENCH_MAX_VARIANTS 9

typedef struct cc_hello_camera {
    unsigned index;
    char name[CC_BENCH_NAME_MAX];
    uint32_t width, height;
    char pixel_format[32];
    double grab_fps;
    /* Entry size of each variant, as the hello's variant_sizes (0: not
     * listed); [0] is "full": the camera's own size. */
    uint32_t variant_width[CC_BENCH_MAX_VARIANTS], variant_height[CC_BENCH_MAX_VARIANTS];
} cc_hello_camera;

typedef struct cc_hello_variant {
    char name[CC_BENCH_NAME_MAX];
    double max_width, scale, quality; /* -1: not given */
} cc_hello_variant;

typedef struct cc_hello {
    char server[64];
    double stream_fps;
    size_t n_cameras;
    cc_hello_camera cameras[CC_BENCH_MAX_CAMERAS];
    /* Protocol 1.1: "full" first. A hello without "variants" has "full"
     * alone (n_variants 1, listed_variants false). */
    size_t n_variants;
    bool listed_variants;
    cc_hello_variant variants[CC_BENCH_MAX_VARIANTS];
} cc_hello;

/* Returns 0, or -EINVAL for a message that is not a usable hello. */
int cc_hello_parse(const char *text, size_t len, cc_hello *out);
/* The index of the variant called name, or -1. */
int cc_hello_variant_find(const cc_hello *h, const char *name);

#endif
