/* A config's test-pattern frames as files, for the GStreamer peer of
 * bench/run (docs/performance.md, "Against GStreamer"): for each camera,
 * count frames as the stream takes them (grab_fps / fps apart), each as
 * camcastd encodes it (the encoder pool, the config's quality) and that
 * JPEG decoded again (TurboJPEG; 8-bit gray or RGB): the same pixels for
 * both pipelines. */
#ifndef CC_BENCH_EXPORT_FRAMES_H
#define CC_BENCH_EXPORT_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

typedef struct cc_export_camera {
    char name[64];
    uint32_t width, height;
    bool gray;             /* GRAY8 raw frames; else RGB */
    double jpeg_bytes;     /* mean */
} cc_export_camera;

typedef struct cc_export {
    double fps;
    int quality;
    unsigned count;
    size_t n_cameras;
    cc_export_camera cameras[CC_MAX_CAMERAS];
} cc_export;

/* Writes DIR/NAME-NNN.jpg and DIR/NAME-NNN.raw, NNN from 000. fps 0: the
 * config's stream_fps. Returns 0 or a negative errno (err says what). */
int cc_export_frames(cc_export *out, const char *config, const char *dir,
                     unsigned count, double fps, char *err, size_t errlen);

#endif
