/* JPEG worker pool (libjpeg-turbo / TurboJPEG).
 *
 * Each worker thread owns one TurboJPEG handle for its whole life. Jobs are
 * submitted by the stream tick, one per camera per tick, and encoded in
 * parallel; a job's done callback runs on the worker thread. Frames in a
 * format TurboJPEG does not take (convert.h) are converted by the worker
 * first, into the job's own buffer; painted frames (frame.h) are painted
 * there.
 *
 * A big frame may be split into horizontal strips of whole MCU rows, encoded
 * by different workers at once and merged into one JPEG with restart markers
 * (jpeg_stitch.h): with fewer cameras than workers, or an odd number of
 * frames per tick, a frame is done in a fraction of one encode time. The
 * JPEG decodes to exactly the pixels of a whole-frame encode.
 *
 * A job may count the frame's levels as it reads it (levels.h): each strip
 * counts its rows, a downscaling job the full-size rows its box filter
 * reads, so the levels are of the whole frame at full size in every case.
 *
 * A job may make a reduced image instead (a variant): downscaled by an
 * integer box (downscale.h) while its rows are read from the frame, and/or
 * as grayscale, or as YCbCr from a grayscale frame (neutral chroma, for
 * RTSP players). Such a job is never split: its image is small, or its
 * YCbCr planes are compressed whole.
 *
 * Job memory is the caller's: a job, its output and conversion buffers are
 * set up once per camera (cc_encode_job_init) and reused every tick, so the
 * steady state allocates nothing.
 */
#ifndef CC_ENCODER_H
#define CC_ENCODER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/frame.h"
#include "downscale.h"
#include "jpeg_stitch.h"
#include "levels.h"

typedef struct cc_encode_job cc_encode_job;
typedef void (*cc_encode_done_fn)(cc_encode_job *job, void *arg);

/* How a worker came to a strip (cc_encode_part.how). */
typedef enum cc_strip_taken {
    CC_STRIP_BUSY = 0, /* straight after its previous strip */
    CC_STRIP_POLLED,   /* while polling the queue (tuning: spin, prewake) */
    CC_STRIP_WOKEN,    /* after sleeping on the queue */
} cc_strip_taken;

/* One strip of a job, the unit the workers take. Private, but for the
 * figures marked "valid in done()", which benchmarks read. */
typedef struct cc_encode_part {
    cc_encode_job *job;
    uint32_t y0, rows;
    uint8_t *out;        /* the strip's JPEG; the job's own when not split */
    size_t cap, size;
    uint64_t ns, paint_ns; /* time it took, and the painting/converting part */
    uint64_t levels_ns;
    cc_levels levels;      /* its rows' levels, when the job wants them */
    int err;
    /* Valid in done(), CLOCK_MONOTONIC: when it was queued, when a worker
     * took it; that worker, the CPU it ran on (-1: unknown), how it came
     * to it (cc_strip_taken). */
    uint64_t queued_ns, start_ns;
    int cpu;
    unsigned worker;
    int how;
    struct cc_encode_part *next; /* pool queue link */
} cc_encode_part;

struct cc_encode_job {
    /* in */
    const cc_frame *frame;   /* read-only while the job runs */
    int quality;             /* 1..100 */
    cc_encode_done_fn done;  /* called on the worker thread */
    void *arg;
    bool levels_wanted;      /* count the frame's levels too (levels.h) */
    /* out, valid in done() */
    uint8_t *jpeg;           /* preallocated, jpeg_cap bytes */
    size_t jpeg_cap;
    size_t jpeg_size;
    uint32_t width, height;
    bool gray;               /* grayscale JPEG */
    uint64_t encode_ns;      /* worker time spent on it, all strips */
    uint64_t convert_ns;     /* the part of it spent converting or painting */
    uint64_t levels_ns;      /* the part of it spent counting levels */
    cc_levels levels;        /* levels_wanted: the whole frame's, at full
                                size, whatever the job's size */
    int err;                 /* 0 or negative errno */
    /* private */
    uint32_t shape_w, shape_h; /* the frames it was made for */
    cc_pixfmt shape_fmt;
    uint8_t *conv;           /* converted/painted image, conv_cap bytes */
    size_t conv_cap;
    unsigned scale;          /* box size, 1: the frame's own size */
    int color;               /* cc_encode_color */
    int pixel_format, subsamp; /* what TurboJPEG is given and makes */
    bool yuv_planes;         /* gray -> YCbCr: compressed from planes */
    uint32_t out_w, out_h;
    cc_downscale ds;         /* scale > 1 */
    uint8_t *small;          /* the reduced image (or the padded Y plane) */
    size_t small_pitch;
    uint8_t *rows;           /* scale > 1, painted: k painted rows */
    size_t rows_cap;
    uint8_t *chroma;         /* yuv_planes: a plane of 128s, U and V both */
    cc_strip_plan plan;      /* plan.n strips, 1 when not split */
    cc_encode_part *parts;   /* plan.n of them */
    atomic_uint pending;     /* strips not finished; the last one ends it */
    cc_encode_job *next;     /* free for the caller while it holds the job */
};

typedef enum cc_encode_color {
    CC_ENCODE_AUTO = 0, /* as the frame: gray stays gray, colour is 4:2:0 */
    CC_ENCODE_GRAY,     /* luminance only */
    CC_ENCODE_YUV,      /* always YCbCr 4:2:0; gray gets neutral chroma */
} cc_encode_color;

typedef struct cc_encode_opts {
    bool painted;       /* frames come with a painter (the test pattern) */
    unsigned scale;     /* 0 or 1: full size; k: a k x k box filter */
    cc_encode_color color;
    unsigned max_parts; /* split a frame into at most this many strips;
                           0 or 1: never (usually the pool's workers) */
} cc_encode_opts;

/* Allocates the output buffer for the largest JPEG of a width x height
 * frame in fmt, the conversion buffer if fmt needs one or frames are
 * painted, and the strips' buffers when frames of this size are split.
 * opts may be NULL (not painted, not split). Returns 0, -EINVAL or
 * -ENOMEM. */
int cc_encode_job_init(cc_encode_job *job, uint32_t width, uint32_t height,
                       cc_pixfmt fmt, const cc_encode_opts *opts);
void cc_encode_job_destroy(cc_encode_job *job);
/* Strips each frame of this job is split into (1: not split). */
unsigned cc_encode_job_parts(const cc_encode_job *job);
/* The fewest strips per frame that share `frames` frames evenly among
 * `workers` (the max_parts the mux asks for): one camera on two workers,
 * two strips each; three cameras on two, two (six strips, three per
 * worker: the tick takes 1.5 encode times, not 2); two cameras on two,
 * none (a split costs some CPU). */
unsigned cc_encode_even_strips(unsigned frames, unsigned workers);

typedef struct cc_encoder cc_encoder;

/* How the pool, and the mux that feeds it, behave around the idle time
 * between ticks (docs/performance.md, "The encoder's idle tax"). Bench
 * knobs, not configuration: the daemon takes them from the environment
 * (cc_encoder_tuning_from_env); zero is the default of each. */
typedef struct cc_encoder_tuning {
    /* A worker that finds the queue empty polls it this long before it
     * sleeps (CAMCAST_ENCODER_SPIN_US). */
    unsigned spin_us;
    /* Given the time of the next submit (cc_encoder_expect), a worker
     * sleeps until this long before it, then polls until the work comes or
     * this long after it has passed (CAMCAST_ENCODER_PREWAKE_US). Only as
     * many workers as there are CPUs but one, so the submitting thread
     * finds a CPU. */
    unsigned prewake_us;
    /* Worker i runs only on the i-th CPU it may use, modulo their count
     * (CAMCAST_ENCODER_PIN=1). */
    bool pin;
    /* For the mux: submit (and wake workers) camera by camera instead of
     * a tick's jobs at once (CAMCAST_ENCODER_BATCH=0). */
    bool unbatched;
    /* For the mux: strips per frame, 1..16; 0: as many as share a tick
     * evenly among the workers (CAMCAST_ENCODER_STRIPS). */
    unsigned strips;
} cc_encoder_tuning;

/* Reads the CAMCAST_ENCODER_* variables above (unset or empty: the
 * default). Returns 0, or -EINVAL with the variable and why in err. */
int cc_encoder_tuning_from_env(cc_encoder_tuning *t, char *err, size_t errlen);
/* "spin 100 us, prewake 200 us, pinned, unbatched, 4 strips" for the
 * settings that are not the default; "" when all are. */
const char *cc_encoder_tuning_str(const cc_encoder_tuning *t, char *buf,
                                  size_t cap);

/* workers: 0 means one per online core. Returns once every worker runs;
 * 0, -EINVAL, -ENOMEM, or the error of a thread or TurboJPEG handle that
 * could not be created. */
int cc_encoder_new(cc_encoder **out, unsigned workers);
/* The same with tuning (NULL: the defaults). */
int cc_encoder_new_tuned(cc_encoder **out, unsigned workers,
                         const cc_encoder_tuning *tuning);
unsigned cc_encoder_workers(const cc_encoder *enc);
const cc_encoder_tuning *cc_encoder_get_tuning(const cc_encoder *enc);
/* Queues a job (never blocks on encoding). The job must not be queued
 * again before its done callback ran. */
void cc_encoder_submit(cc_encoder *enc, cc_encode_job *job);

/* Jobs gathered to be queued at once: one lock, one wake-up round for a
 * tick's cameras. The caller's; no job may be in two batches. */
typedef struct cc_encode_batch {
    cc_encode_part *head, *tail;
    unsigned strips;
} cc_encode_batch;
void cc_encode_batch_init(cc_encode_batch *b);
void cc_encode_batch_add(cc_encode_batch *b, cc_encode_job *job);
/* Queues the batch's jobs in the order added and wakes as many sleeping
 * workers as it has strips; b is empty after. */
void cc_encoder_submit_batch(cc_encoder *enc, cc_encode_batch *b);

/* The next submit is due at when_ns (CLOCK_MONOTONIC; 0: unknown). Only
 * tuning.prewake_us uses it. Any thread. */
void cc_encoder_expect(cc_encoder *enc, uint64_t when_ns);

/* What a worker did since the pool started. Written by the worker, read
 * by anyone (relaxed): counters for benchmarks and /stats. */
typedef struct cc_encoder_worker_stats {
    int tid;               /* its Linux thread id */
    int cpu;               /* the CPU it is pinned to, or -1 */
    uint64_t strips;
    uint64_t sleeps;       /* waits on the queue */
    uint64_t empty_wakes;  /* woken with nothing to take */
    uint64_t polls;        /* polling rounds (spin, prewake) */
    uint64_t poll_hits;    /* ... that found a strip */
    uint64_t poll_ns;      /* time spent polling */
    uint64_t idle_strips;  /* strips taken after sleeping or polling */
    uint64_t idle_wait_ns; /* their summed queued -> taken time */
    uint64_t idle_wait_max_ns;
} cc_encoder_worker_stats;
/* Worker i's counters (i < cc_encoder_workers). */
void cc_encoder_worker_stats_get(const cc_encoder *enc, unsigned i,
                                 cc_encoder_worker_stats *out);

/* Finishes queued jobs, joins the workers, frees everything. */
void cc_encoder_free(cc_encoder *enc);

#endif
