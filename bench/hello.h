/* The stream's hello (docs/protocol.md): what the bench needs of it. */
#ifndef CC_BENCH_HELLO_H
#define CC_BENCH_HELLO_H

#include <stddef.h>
#include <stdint.h>

/* As the daemon's limits (src/config.h): subscriptions are a 64-bit mask. */
#define CC_BENCH_MAX_CAMERAS 64
#define CC_BENCH_NAME_MAX 64

typedef struct cc_hello_camera {
    unsigned index;
    char name[CC_BENCH_NAME_MAX];
    uint32_t width, height;
    char pixel_format[32];
    double grab_fps;
} cc_hello_camera;

typedef struct cc_hello {
    char server[64];
    double stream_fps;
    size_t n_cameras;
    cc_hello_camera cameras[CC_BENCH_MAX_CAMERAS];
} cc_hello;

/* Returns 0, or -EINVAL for a message that is not a usable hello. */
int cc_hello_parse(const char *text, size_t len, cc_hello *out);

#endif
