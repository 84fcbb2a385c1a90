/* JPEG encode throughput on the daemon's own test-pattern frames, through
 * the daemon's own encoder pool (src/encode/encoder.c: one TurboJPEG handle per
 * worker, the same flags and conversions), so the figure is the ceiling of
 * what camcastd can encode on this machine. */
#ifndef CC_BENCH_ENCODE_H
#define CC_BENCH_ENCODE_H

#include <stdint.h>

#include "config/config.h"
#include "capture/frame.h"

typedef struct cc_enc_spec {
    uint32_t width, height;
    cc_pixfmt fmt;
    cc_pattern pattern; /* 0: scroll, bars and checker frames in turn */
    int quality;
    unsigned scale;     /* 0 or 1: full size; k: a variant's k x k box */
} cc_enc_spec;

typedef struct cc_enc_result {
    unsigned threads;
    uint64_t frames;
    double wall_s;
    double cpu_s;          /* CPU of the encoder threads */
    double fps;            /* frames / wall second, all threads */
    double cpu_ms_per_frame;
    double mpix_per_s;
    double jpeg_bytes;     /* average JPEG size */
} cc_enc_result;

/* Encodes for about seconds (at least one frame per thread), or stops at
 * max_frames if that is not 0. Returns 0 or a negative errno. */
int cc_enc_run(const cc_enc_spec *spec, unsigned threads, double seconds,
               uint64_t max_frames, cc_enc_result *out);

/* "1920x1200 Mono8" into buf. */
const char *cc_enc_spec_name(const cc_enc_spec *spec, char *buf, size_t cap);

#endif
