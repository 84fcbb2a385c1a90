/* JPEG worker pool (libjpeg-turbo / TurboJPEG).
 *
 * Each worker thread owns one TurboJPEG handle for its whole life. Jobs are
 * submitted by the stream tick, one per camera per tick, and encoded in
 * parallel; a job's done callback runs on the worker thread. Frames in a
 * format TurboJPEG does not take (convert.h) are converted by the worker
 * first, into the job's own buffer.
 *
 * Job memory is the caller's: a job, its output and conversion buffers are
 * set up once per camera (cc_encode_job_init) and reused every tick, so the
 * steady state allocates nothing.
 */
#ifndef CC_ENCODER_H
#define CC_ENCODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

typedef struct cc_encode_job cc_encode_job;
typedef void (*cc_encode_done_fn)(cc_encode_job *job, void *arg);

struct cc_encode_job {
    /* in */
    const cc_frame *frame;   /* read-only while the job runs */
    int quality;             /* 1..100 */
    cc_encode_done_fn done;  /* called on the worker thread */
    void *arg;
    /* out, valid in done() */
    uint8_t *jpeg;           /* preallocated, jpeg_cap bytes */
    size_t jpeg_cap;
    size_t jpeg_size;
    uint32_t width, height;
    bool gray;               /* grayscale JPEG */
    uint64_t encode_ns;      /* time spent encoding (CLOCK_MONOTONIC) */
    uint64_t convert_ns;     /* the part of it spent converting pixels */
    int err;                 /* 0 or negative errno */
    /* private */
    uint8_t *conv;           /* converted image, conv_cap bytes, or NULL */
    size_t conv_cap;
    cc_encode_job *next;     /* pool queue link */
};

/* Allocates the output buffer for the largest JPEG of a width x height
 * frame in fmt, and the conversion buffer if fmt needs one. Returns 0,
 * -EINVAL or -ENOMEM. */
int cc_encode_job_init(cc_encode_job *job, uint32_t width, uint32_t height,
                       cc_pixfmt fmt);
void cc_encode_job_destroy(cc_encode_job *job);

typedef struct cc_encoder cc_encoder;

/* workers: 0 means one per online core. Returns 0, -EINVAL, -ENOMEM, or the
 * error of a thread or TurboJPEG handle that could not be created. */
int cc_encoder_new(cc_encoder **out, unsigned workers);
unsigned cc_encoder_workers(const cc_encoder *enc);
/* Queues a job (never blocks on encoding). The job must not be queued
 * again before its done callback ran. */
void cc_encoder_submit(cc_encoder *enc, cc_encode_job *job);
/* Finishes queued jobs, joins the workers, frees everything. */
void cc_encoder_free(cc_encoder *enc);

#endif
