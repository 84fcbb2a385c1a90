#include "encode/encoder.h"
#include "capture/source.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "check.h"

enum { MAX_JOBS = 8, WAIT_S = 10 };

/* Counts done callbacks per job; the main thread waits on it. */
typedef struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    cc_encode_job *jobs; /* the array the callbacks index into */
    int n_jobs;
    int calls[MAX_JOBS];
    int total;
    int off_pool; /* callbacks on a thread not named "jpeg-N" */
} waiter;

static void waiter_init(waiter *w, cc_encode_job *jobs, int n_jobs)
{
    *w = (waiter){.jobs = jobs, .n_jobs = n_jobs};
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);
}

static void waiter_destroy(waiter *w)
{
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}

static void waiter_reset(waiter *w)
{
    pthread_mutex_lock(&w->lock);
    memset(w->calls, 0, sizeof w->calls);
    w->total = 0;
    pthread_mutex_unlock(&w->lock);
}

static void on_done(cc_encode_job *job, void *arg)
{
    waiter *w = arg;
    char name[16] = "";
    pthread_getname_np(pthread_self(), name, sizeof name);
    pthread_mutex_lock(&w->lock);
    long i = job - w->jobs;
    if (i >= 0 && i < w->n_jobs)
        w->calls[i]++;
    w->total++;
    if (strncmp(name, "jpeg-", 5) != 0)
        w->off_pool++;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

/* Waits until n callbacks ran; false after WAIT_S seconds. */
static bool waiter_wait(waiter *w, int n)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += WAIT_S;
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    while (w->total < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->cond, &w->lock, &deadline);
    bool ok = w->total >= n;
    pthread_mutex_unlock(&w->lock);
    return ok;
}

/* A textured test image: per-channel gradients plus a 24x20 block pattern,
 * varied by seed. Row padding (stride beyond the packed row) is filled with
 * a constant the encoder must not read as pixels. */
static void frame_make(cc_frame *f, uint32_t width, uint32_t height,
                       uint32_t stride, cc_pixfmt fmt, unsigned seed)
{
    unsigned bpp = cc_pixfmt_bpp(fmt);
    *f = (cc_frame){.width = width, .height = height, .stride = stride,
                    .fmt = fmt};
    f->size = f->capacity = (size_t)stride * height;
    f->data = malloc(f->capacity);
    memset(f->data, 0xAB, f->capacity);
    for (uint32_t y = 0; y < height; y++) {
        for (uint32_t x = 0; x < width; x++) {
            unsigned block = ((x + seed) / 24 + y / 20) % 2 ? 40 : 0;
            for (unsigned c = 0; c < bpp; c++) {
                unsigned v = (x * (150 + 30 * c) / width) + (y * 50 / height) +
                             block + c * 10 + seed;
                f->data[(size_t)y * stride + x * bpp + c] = (uint8_t)(v % 256);
            }
        }
    }
}

static void frame_free(cc_frame *f)
{
    free(f->data);
    f->data = NULL;
}

/* Mean absolute error of decoded pixels against the source frame. */
static double pixel_error(const uint8_t *pix, const cc_frame *src)
{
    size_t row = (size_t)src->width * cc_pixfmt_bpp(src->fmt);
    uint64_t sum = 0;
    for (size_t y = 0; y < src->height; y++)
        for (size_t i = 0; i < row; i++)
            sum += (uint64_t)abs(pix[y * row + i] -
                                 src->data[y * src->stride + i]);
    return (double)sum / (double)(row * src->height);
}

/* Decodes job's JPEG and returns the mean absolute error against the source
 * frame, or -1 if it does not decode to the expected shape. */
static double decode_error(const cc_encode_job *job, const cc_frame *src)
{
    bool gray = src->fmt == CC_PIX_MONO8;
    int want_samp = gray ? TJSAMP_GRAY : TJSAMP_420;
    int w = 0, h = 0, subsamp = -1, colorspace = -1;
    tjhandle tj = tjInitDecompress();
    int rc = tjDecompressHeader3(tj, job->jpeg, job->jpeg_size, &w, &h,
                                 &subsamp, &colorspace);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(w, src->width);
    CHECK_EQ_INT(h, src->height);
    CHECK_EQ_INT(subsamp, want_samp);
    double mae = -1;
    if (rc == 0 && w == (int)src->width && h == (int)src->height) {
        int pitch = w * (int)cc_pixfmt_bpp(src->fmt);
        uint8_t *pix = malloc((size_t)pitch * h);
        rc = tjDecompress2(tj, job->jpeg, job->jpeg_size, pix, w, pitch, h,
                           gray ? TJPF_GRAY : TJPF_RGB, 0);
        CHECK_EQ_INT(rc, 0);
        if (rc == 0)
            mae = pixel_error(pix, src);
        free(pix);
    }
    tjDestroy(tj);
    return mae;
}

/* Encodes one frame on a fresh pool and checks the decoded result. */
static void encode_and_check(uint32_t width, uint32_t height, uint32_t stride,
                             cc_pixfmt fmt)
{
    cc_frame frame;
    frame_make(&frame, width, height, stride, fmt, 3);
    cc_encode_job job;
    CHECK_EQ_INT(cc_encode_job_init(&job, width, height, fmt, NULL), 0);
    job.frame = &frame;
    job.quality = 90;
    job.done = on_done;
    waiter w;
    waiter_init(&w, &job, 1);
    job.arg = &w;

    cc_encoder *enc = NULL;
    CHECK_EQ_INT(cc_encoder_new(&enc, 2), 0);
    cc_encoder_submit(enc, &job);
    CHECK(waiter_wait(&w, 1));
    cc_encoder_free(enc);

    CHECK_EQ_INT(w.calls[0], 1);
    CHECK_EQ_INT(w.off_pool, 0);
    CHECK_EQ_INT(job.err, 0);
    CHECK_EQ_INT(job.width, width);
    CHECK_EQ_INT(job.height, height);
    CHECK_EQ_INT(job.gray, fmt == CC_PIX_MONO8);
    CHECK(job.jpeg_size > 0 && job.jpeg_size <= job.jpeg_cap);
    CHECK(job.encode_ns > 0);
    double mae = decode_error(&job, &frame);
    CHECK(mae >= 0 && mae < 8);

    waiter_destroy(&w);
    cc_encode_job_destroy(&job);
    frame_free(&frame);
}

static void test_mono8(void)
{
    encode_and_check(640, 480, 640, CC_PIX_MONO8);
    /* Padded rows: the encoder must use the stride as pitch. */
    encode_and_check(640, 480, 704, CC_PIX_MONO8);
}

static void test_rgb8(void)
{
    encode_and_check(640, 480, 640 * 3, CC_PIX_RGB8);
    /* Odd size: partial 4:2:0 MCUs, padded rows. */
    encode_and_check(643, 479, 643 * 3 + 7, CC_PIX_RGB8);
}

static void test_parallel_reuse(void)
{
    enum { ROUNDS = 4 };
    cc_frame frames[MAX_JOBS];
    cc_encode_job jobs[MAX_JOBS];
    uint8_t *bufs[MAX_JOBS];
    waiter w;
    waiter_init(&w, jobs, MAX_JOBS);
    for (int i = 0; i < MAX_JOBS; i++) {
        cc_pixfmt fmt = i % 2 ? CC_PIX_RGB8 : CC_PIX_MONO8;
        uint32_t width = 320 + 16 * (uint32_t)i, height = 240;
        frame_make(&frames[i], width, height, width * cc_pixfmt_bpp(fmt), fmt,
                   (unsigned)i);
        CHECK_EQ_INT(cc_encode_job_init(&jobs[i], width, height, fmt, NULL), 0);
        jobs[i].frame = &frames[i];
        jobs[i].quality = 85;
        jobs[i].done = on_done;
        jobs[i].arg = &w;
        bufs[i] = jobs[i].jpeg;
    }

    cc_encoder *enc = NULL;
    CHECK_EQ_INT(cc_encoder_new(&enc, 2), 0);
    CHECK_EQ_INT(cc_encoder_workers(enc), 2);
    for (int round = 0; round < ROUNDS; round++) {
        waiter_reset(&w);
        for (int i = 0; i < MAX_JOBS; i++)
            cc_encoder_submit(enc, &jobs[i]);
        bool all = waiter_wait(&w, MAX_JOBS);
        CHECK(all);
        if (!all)
            break; /* jobs may still be queued: do not resubmit them */
        for (int i = 0; i < MAX_JOBS; i++) {
            CHECK_EQ_INT(w.calls[i], 1);
            CHECK_EQ_INT(jobs[i].err, 0);
            CHECK(jobs[i].jpeg == bufs[i]);
            double mae = decode_error(&jobs[i], &frames[i]);
            CHECK(mae >= 0 && mae < 8);
        }
    }
    cc_encoder_free(enc);
    CHECK_EQ_INT(w.off_pool, 0);

    for (int i = 0; i < MAX_JOBS; i++) {
        cc_encode_job_destroy(&jobs[i]);
        frame_free(&frames[i]);
    }
    waiter_destroy(&w);
}

/* Runs one job on a one-worker pool and returns its err. */
/* Runs one job on a pool of `workers` and returns its err. */
static int run_on(cc_encode_job *job, const cc_frame *frame, unsigned workers)
{
    waiter w;
    waiter_init(&w, job, 1);
    job->frame = frame;
    job->done = on_done;
    job->arg = &w;
    cc_encoder *enc = NULL;
    CHECK_EQ_INT(cc_encoder_new(&enc, workers), 0);
    cc_encoder_submit(enc, job);
    CHECK(waiter_wait(&w, 1));
    cc_encoder_free(enc);
    CHECK_EQ_INT(w.calls[0], 1);
    CHECK_EQ_INT(w.off_pool, 0);
    waiter_destroy(&w);
    return job->err;
}

static int run_one(cc_encode_job *job, const cc_frame *frame)
{
    return run_on(job, frame, 1);
}

/* Decoded pixels of job's JPEG (packed gray or RGB), or NULL; its
 * subsampling in *subsamp if asked. */
static uint8_t *decode(const cc_encode_job *job, bool gray, int *subsamp)
{
    int w = 0, h = 0, ss = -1, cs = -1;
    tjhandle tj = tjInitDecompress();
    uint8_t *pix = NULL;
    if (subsamp)
        *subsamp = -1;
    if (tjDecompressHeader3(tj, job->jpeg, job->jpeg_size, &w, &h,
                            subsamp ? subsamp : &ss, &cs) == 0 &&
        w == (int)job->width && h == (int)job->height) {
        pix = malloc((size_t)w * h * (gray ? 1 : 3));
        /* TurboJPEG 2.1 fails on libjpeg's corrupt-data warnings too. */
        if (tjDecompress2(tj, job->jpeg, job->jpeg_size, pix, w, 0, h,
                          gray ? TJPF_GRAY : TJPF_RGB, 0) != 0) {
            free(pix);
            pix = NULL;
        }
    }
    tjDestroy(tj);
    return pix;
}

/* Bytes FF DD (a DRI segment) somewhere in the header. */
static bool has_dri(const cc_encode_job *job)
{
    for (size_t i = 0; i + 1 < job->jpeg_size; i++)
        if (job->jpeg[i] == 0xFF && job->jpeg[i + 1] == 0xDD)
            return true;
    return false;
}

/* A frame split into strips encoded on several workers decodes to exactly
 * the pixels of the same frame encoded whole. */
static void check_split(uint32_t width, uint32_t height, uint32_t stride,
                        cc_pixfmt fmt, unsigned parts, unsigned want_parts)
{
    bool gray = fmt == CC_PIX_MONO8;
    cc_frame frame;
    frame_make(&frame, width, height, stride, fmt, 5);
    cc_encode_job whole, split;
    cc_encode_opts opts = {.max_parts = parts};
    CHECK_EQ_INT(cc_encode_job_init(&whole, width, height, fmt, NULL), 0);
    CHECK_EQ_INT(cc_encode_job_init(&split, width, height, fmt, &opts), 0);
    CHECK_EQ_INT(cc_encode_job_parts(&whole), 1);
    CHECK_EQ_INT(cc_encode_job_parts(&split), want_parts);
    whole.quality = split.quality = 80;
    CHECK_EQ_INT(run_on(&whole, &frame, 1), 0);
    uint8_t *want = decode(&whole, gray, NULL);
    CHECK(want != NULL);
    CHECK(!has_dri(&whole));
    /* One worker (strips in turn) and several (strips at once), reused. */
    for (unsigned workers = 1; workers <= parts + 1 && want; workers++) {
        CHECK_EQ_INT(run_on(&split, &frame, workers), 0);
        CHECK(split.encode_ns > 0);
        CHECK_EQ_INT(has_dri(&split), want_parts > 1);
        uint8_t *got = decode(&split, gray, NULL);
        CHECK(got != NULL);
        size_t n = (size_t)width * height * (gray ? 1 : 3);
        CHECK(got && memcmp(got, want, n) == 0);
        free(got);
    }
    free(want);
    cc_encode_job_destroy(&whole);
    cc_encode_job_destroy(&split);
    frame_free(&frame);
}

static void test_split(void)
{
    check_split(1920, 1200, 1920, CC_PIX_MONO8, 2, 2);
    check_split(640, 480, 704, CC_PIX_MONO8, 3, 3);
    check_split(643, 479, 643 * 3 + 7, CC_PIX_RGB8, 4, 4);
    check_split(1001, 333, 1001 * 3, CC_PIX_BGR8, 16, 3);
    /* Too small to be worth it: encoded whole. */
    check_split(320, 100, 320, CC_PIX_MONO8, 4, 1);
}

/* A converted format is converted whole first, then encoded whole. */
static void test_split_converted(void)
{
    cc_encode_job job;
    cc_encode_opts opts = {.max_parts = 4};
    CHECK_EQ_INT(cc_encode_job_init(&job, 640, 480, CC_PIX_MONO16, &opts), 0);
    CHECK_EQ_INT(cc_encode_job_parts(&job), 1);
    cc_encode_job_destroy(&job);
}

/* Painted frames (the test pattern) are painted by the workers, strip by
 * strip, into the job's buffer: the JPEG is that of the painted image. */
static void test_painted(void)
{
    cc_camera_config cfg = {.source = CC_SOURCE_TESTPATTERN, .width = 800,
                            .height = 600, .pixfmt = CC_PIX_RGB8,
                            .grab_fps = 1000, .pattern = CC_PATTERN_CHECKER};
    cc_source *src = NULL;
    CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), 0);
    if (!src)
        return;
    cc_frame painted = {0};
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(cc_source_grab(src, &painted, -1), 0);
    CHECK(painted.painter != NULL && painted.data == NULL);
    size_t bytes = (size_t)800 * 600 * 3;
    cc_frame filled = painted;
    filled.data = malloc(bytes);
    filled.capacity = bytes;
    CHECK_EQ_INT(cc_frame_fill(&filled), 0);

    cc_encode_job plain, job;
    cc_encode_opts opts = {.painted = true, .max_parts = 3};
    CHECK_EQ_INT(cc_encode_job_init(&plain, 800, 600, CC_PIX_RGB8, NULL), 0);
    CHECK_EQ_INT(cc_encode_job_init(&job, 800, 600, CC_PIX_RGB8, &opts), 0);
    CHECK_EQ_INT(cc_encode_job_parts(&job), 3);
    plain.quality = job.quality = 80;
    CHECK_EQ_INT(run_on(&plain, &filled, 1), 0);
    CHECK_EQ_INT(run_on(&job, &painted, 3), 0);
    CHECK(job.convert_ns > 0 && job.convert_ns <= job.encode_ns);
    uint8_t *want = decode(&plain, false, NULL), *got = decode(&job, false, NULL);
    CHECK(want && got && memcmp(want, got, bytes) == 0);
    /* A plain job has nowhere to paint. */
    CHECK_EQ_INT(run_on(&plain, &painted, 1), -EINVAL);
    free(want);
    free(got);
    free(filled.data);
    cc_encode_job_destroy(&plain);
    cc_encode_job_destroy(&job);
    cc_source_free(src);
}

static void test_errors(void)
{
    cc_frame big, rgb, small;
    frame_make(&big, 640, 480, 640, CC_PIX_MONO8, 0);
    frame_make(&rgb, 320, 240, 320 * 3, CC_PIX_RGB8, 0);
    frame_make(&small, 320, 240, 320, CC_PIX_MONO8, 0);
    cc_encode_job job;
    CHECK_EQ_INT(cc_encode_job_init(&job, 320, 240, CC_PIX_MONO8, NULL), 0);
    job.quality = 80;

    /* Larger than the job was sized for: refused, no overflow (ASan). */
    CHECK_EQ_INT(run_one(&job, &big), -EINVAL);
    CHECK_EQ_INT(job.jpeg_size, 0);
    /* Same size, but RGB needs a bigger buffer than the Mono8 job has. */
    CHECK_EQ_INT(run_one(&job, &rgb), -EINVAL);

    cc_frame bad = small;
    bad.fmt = (cc_pixfmt)99;
    CHECK_EQ_INT(run_one(&job, &bad), -EINVAL);
    bad = small;
    bad.stride = 319;
    CHECK_EQ_INT(run_one(&job, &bad), -EINVAL);
    bad = small;
    bad.size = small.size - 1;
    CHECK_EQ_INT(run_one(&job, &bad), -EINVAL);
    bad = small;
    bad.width = 0;
    CHECK_EQ_INT(run_one(&job, &bad), -EINVAL);

    job.quality = 0;
    CHECK_EQ_INT(run_one(&job, &small), -EINVAL);
    job.quality = 101;
    CHECK_EQ_INT(run_one(&job, &small), -EINVAL);
    /* The job still works after errors. */
    job.quality = 80;
    CHECK_EQ_INT(run_one(&job, &small), 0);
    CHECK(decode_error(&job, &small) >= 0);
    cc_encode_job_destroy(&job);

    CHECK_EQ_INT(cc_encode_job_init(&job, 320, 240, (cc_pixfmt)99, NULL), -EINVAL);
    CHECK(job.jpeg == NULL);
    cc_encode_job_destroy(&job);
    CHECK_EQ_INT(cc_encode_job_init(&job, 0, 240, CC_PIX_MONO8, NULL), -EINVAL);
    cc_encode_job_destroy(&job);

    frame_free(&big);
    frame_free(&rgb);
    frame_free(&small);
}

static void test_workers(void)
{
    cc_encoder *enc = NULL;
    CHECK_EQ_INT(cc_encoder_new(&enc, 0), 0);
    CHECK(cc_encoder_workers(enc) >= 1 && cc_encoder_workers(enc) <= 64);
    cc_encoder_free(enc);
    CHECK_EQ_INT(cc_encoder_new(&enc, 3), 0);
    CHECK_EQ_INT(cc_encoder_workers(enc), 3);
    cc_encoder_free(enc);
    CHECK_EQ_INT(cc_encoder_new(&enc, 1000), 0);
    CHECK_EQ_INT(cc_encoder_workers(enc), 64);
    cc_encoder_free(enc);
    cc_encoder_free(NULL);
}

static void test_free_with_queued_jobs(void)
{
    cc_frame frame;
    frame_make(&frame, 1280, 960, 1280, CC_PIX_MONO8, 1);
    cc_encode_job jobs[MAX_JOBS];
    waiter w;
    waiter_init(&w, jobs, MAX_JOBS);
    for (int i = 0; i < MAX_JOBS; i++) {
        CHECK_EQ_INT(cc_encode_job_init(&jobs[i], 1280, 960, CC_PIX_MONO8, NULL), 0);
        jobs[i].frame = &frame;
        jobs[i].quality = 80;
        jobs[i].done = on_done;
        jobs[i].arg = &w;
    }
    cc_encoder *enc = NULL;
    CHECK_EQ_INT(cc_encoder_new(&enc, 1), 0);
    for (int i = 0; i < MAX_JOBS; i++)
        cc_encoder_submit(enc, &jobs[i]);
    cc_encoder_free(enc);

    /* free() returned: every queued job got exactly one callback. */
    CHECK_EQ_INT(w.total, MAX_JOBS);
    for (int i = 0; i < MAX_JOBS; i++) {
        CHECK_EQ_INT(w.calls[i], 1);
        CHECK_EQ_INT(jobs[i].err, 0);
        cc_encode_job_destroy(&jobs[i]);
    }
    waiter_destroy(&w);
    frame_free(&frame);
}

/* ---- batches, tuning, the workers' figures ---- */

/* Split jobs of three frames (as the mux's cameras) for batch tests. */
typedef struct trio {
    cc_frame frames[3];
    cc_encode_job jobs[3];
    waiter w;
} trio;

static void trio_init(trio *t, unsigned strips)
{
    waiter_init(&t->w, t->jobs, 3);
    cc_encode_opts opts = {.max_parts = strips};
    for (int i = 0; i < 3; i++) {
        frame_make(&t->frames[i], 640, 480, 640, CC_PIX_MONO8, (unsigned)i);
        CHECK_EQ_INT(cc_encode_job_init(&t->jobs[i], 640, 480, CC_PIX_MONO8, &opts), 0);
        t->jobs[i].frame = &t->frames[i];
        t->jobs[i].quality = 80;
        t->jobs[i].done = on_done;
        t->jobs[i].arg = &t->w;
    }
}

static void trio_destroy(trio *t)
{
    for (int i = 0; i < 3; i++) {
        cc_encode_job_destroy(&t->jobs[i]);
        frame_free(&t->frames[i]);
    }
    waiter_destroy(&t->w);
}

/* Submits the three jobs as one batch and checks what came back: each
 * done once, a JPEG of its own frame, every strip's figures filled in. */
static void trio_run(trio *t, cc_encoder *enc)
{
    waiter_reset(&t->w);
    cc_encode_batch b;
    cc_encode_batch_init(&b);
    for (int i = 0; i < 3; i++)
        cc_encode_batch_add(&b, &t->jobs[i]);
    CHECK_EQ_INT(b.strips, 3 * cc_encode_job_parts(&t->jobs[0]));
    cc_encoder_submit_batch(enc, &b);
    CHECK(b.head == NULL && b.strips == 0);
    CHECK(waiter_wait(&t->w, 3));
    for (int i = 0; i < 3; i++) {
        cc_encode_job *job = &t->jobs[i];
        CHECK_EQ_INT(t->w.calls[i], 1);
        CHECK_EQ_INT(job->err, 0);
        double err = decode_error(job, &t->frames[i]);
        CHECK(err >= 0 && err < 8);
        for (unsigned k = 0; k < cc_encode_job_parts(job); k++) {
            const cc_encode_part *p = &job->parts[k];
            CHECK(p->queued_ns > 0 && p->start_ns >= p->queued_ns);
            CHECK(p->worker < cc_encoder_workers(enc));
            CHECK(p->how >= CC_STRIP_BUSY && p->how <= CC_STRIP_WOKEN);
            CHECK(p->cpu >= -1);
        }
    }
    CHECK_EQ_INT(t->w.off_pool, 0);
}

/* Strips of the last run taken while polling. */
static unsigned trio_polled(const trio *t)
{
    unsigned n = 0;
    for (int i = 0; i < 3; i++)
        for (unsigned k = 0; k < cc_encode_job_parts(&t->jobs[i]); k++)
            n += t->jobs[i].parts[k].how == CC_STRIP_POLLED;
    return n;
}

static uint64_t total_strips(const cc_encoder *enc)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < cc_encoder_workers(enc); i++) {
        cc_encoder_worker_stats s;
        cc_encoder_worker_stats_get(enc, i, &s);
        n += s.strips;
    }
    return n;
}

static void test_batch(void)
{
    trio t;
    trio_init(&t, 2);
    cc_encoder *enc = NULL;
    CHECK_EQ_INT(cc_encoder_new(&enc, 2), 0);
    /* Every worker runs once new returns: its thread id is known. */
    for (unsigned i = 0; i < 2; i++) {
        cc_encoder_worker_stats s;
        cc_encoder_worker_stats_get(enc, i, &s);
        CHECK(s.tid > 0);
        CHECK_EQ_INT(s.cpu, -1); /* not pinned */
        CHECK_EQ_INT(s.strips, 0);
    }
    for (int round = 0; round < 3; round++)
        trio_run(&t, enc);
    CHECK_EQ_INT(total_strips(enc), 3 * 3 * 2);
    /* An empty batch queues nothing. */
    cc_encode_batch b;
    cc_encode_batch_init(&b);
    cc_encoder_submit_batch(enc, &b);
    cc_encoder_free(enc);
    trio_destroy(&t);
}

/* Polls until worker i's counters satisfy ok, at most WAIT_S seconds. */
static bool wait_stats(cc_encoder *enc, unsigned i,
                       bool (*ok)(const cc_encoder_worker_stats *))
{
    struct timespec nap = {0, 1000000};
    for (int k = 0; k < WAIT_S * 1000; k++) {
        cc_encoder_worker_stats s;
        cc_encoder_worker_stats_get(enc, i, &s);
        if (ok(&s))
            return true;
        nanosleep(&nap, NULL);
    }
    return false;
}

static bool polled_and_slept(const cc_encoder_worker_stats *s)
{
    return s->polls >= 1 && s->sleeps >= 1;
}

/* spin: a worker that runs dry polls before it sleeps; what it finds
 * while polling is encoded like the rest. */
static void test_spin(void)
{
    trio t;
    trio_init(&t, 2);
    cc_encoder_tuning tune = {.spin_us = 2000};
    cc_encoder *enc = NULL;
    CHECK_EQ_INT(cc_encoder_new_tuned(&enc, 2, &tune), 0);
    CHECK(cc_encoder_get_tuning(enc)->spin_us == 2000);
    /* Idle from the start: each worker polled once, then slept. */
    CHECK(wait_stats(enc, 0, polled_and_slept));
    CHECK(wait_stats(enc, 1, polled_and_slept));
    uint64_t polled = 0, hits = 0;
    for (int round = 0; round < 3; round++) {
        trio_run(&t, enc);
        polled += trio_polled(&t);
    }
    for (unsigned i = 0; i < 2; i++) {
        cc_encoder_worker_stats s;
        cc_encoder_worker_stats_get(enc, i, &s);
        CHECK(s.poll_hits <= s.polls);
        CHECK(s.idle_strips <= s.strips);
        CHECK(s.idle_wait_max_ns * s.idle_strips >= s.idle_wait_ns);
        hits += s.poll_hits;
    }
    /* Each strip taken while polling is a poll that found work. */
    CHECK(polled <= hits);
    CHECK_EQ_INT(total_strips(enc), 3 * 3 * 2);
    cc_encoder_free(enc);
    trio_destroy(&t);
}

static bool prewaked(const cc_encoder_worker_stats *s)
{
    /* slept until the lead, polled the window through, slept again */
    return s->polls >= 1 && s->sleeps >= 2;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* prewake: told when work is due, a worker wakes before it and polls
 * around it, once; nothing came: it found nothing. Work still runs, and
 * the pool stops while a worker waits for an expected tick. */
static void test_prewake(void)
{
    trio t;
    trio_init(&t, 2);
    cc_encoder_tuning tune = {.prewake_us = 3000};
    cc_encoder *enc = NULL;
    CHECK_EQ_INT(cc_encoder_new_tuned(&enc, 2, &tune), 0);
    cc_encoder_expect(enc, mono_ns() + 20000000); /* 20 ms from now */
    CHECK(wait_stats(enc, 0, prewaked));
    cc_encoder_worker_stats s;
    cc_encoder_worker_stats_get(enc, 0, &s);
    CHECK_EQ_INT(s.poll_hits, 0);
    CHECK(s.poll_ns > 0);
    /* Expected now: the pre-waking worker polls for it. */
    cc_encoder_expect(enc, mono_ns() + 1000000);
    trio_run(&t, enc);
    CHECK_EQ_INT(total_strips(enc), 3 * 2);
    /* Far ahead: the worker is in a timed wait when the pool stops. */
    cc_encoder_expect(enc, mono_ns() + 60ull * 1000000000u);
    cc_encoder_free(enc);
    trio_destroy(&t);
}

/* pin: each worker on one CPU, every strip run there. */
static void test_pin(void)
{
    trio t;
    trio_init(&t, 2);
    cc_encoder_tuning tune = {.pin = true};
    cc_encoder *enc = NULL;
    CHECK_EQ_INT(cc_encoder_new_tuned(&enc, 2, &tune), 0);
    trio_run(&t, enc);
    int cpus[2];
    for (unsigned i = 0; i < 2; i++) {
        cc_encoder_worker_stats s;
        cc_encoder_worker_stats_get(enc, i, &s);
        cpus[i] = s.cpu;
        CHECK(s.cpu >= 0);
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (online >= 2)
        CHECK(cpus[0] != cpus[1]);
    for (int j = 0; j < 3; j++)
        for (unsigned k = 0; k < 2; k++) {
            const cc_encode_part *p = &t.jobs[j].parts[k];
            CHECK_EQ_INT(p->cpu, cpus[p->worker]);
        }
    cc_encoder_free(enc);
    trio_destroy(&t);
}

static void set_env(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

static const char *const tuning_vars[] = {
    "CAMCAST_ENCODER_SPIN_US", "CAMCAST_ENCODER_PREWAKE_US", "CAMCAST_ENCODER_PIN",
    "CAMCAST_ENCODER_BATCH", "CAMCAST_ENCODER_STRIPS"};

static void clear_tuning_env(void)
{
    for (size_t i = 0; i < sizeof tuning_vars / sizeof tuning_vars[0]; i++)
        set_env(tuning_vars[i], NULL);
}

static void test_even_strips(void)
{
    CHECK_EQ_INT(cc_encode_even_strips(1, 2), 2);
    CHECK_EQ_INT(cc_encode_even_strips(3, 2), 2);
    CHECK_EQ_INT(cc_encode_even_strips(2, 2), 1);
    CHECK_EQ_INT(cc_encode_even_strips(4, 6), 3);
    CHECK_EQ_INT(cc_encode_even_strips(5, 1), 1);
    CHECK_EQ_INT(cc_encode_even_strips(0, 0), 1);
}

static void test_tuning_env(void)
{
    char err[160] = "", buf[160];
    cc_encoder_tuning t;
    clear_tuning_env();
    CHECK_EQ_INT(cc_encoder_tuning_from_env(&t, err, sizeof err), 0);
    CHECK(t.spin_us == 0 && t.prewake_us == 0 && !t.pin && !t.unbatched &&
          t.strips == 0);
    CHECK_EQ_INT(strlen(cc_encoder_tuning_str(&t, buf, sizeof buf)), 0);

    set_env("CAMCAST_ENCODER_SPIN_US", "150");
    set_env("CAMCAST_ENCODER_PREWAKE_US", "200");
    set_env("CAMCAST_ENCODER_PIN", "1");
    set_env("CAMCAST_ENCODER_BATCH", "0");
    set_env("CAMCAST_ENCODER_STRIPS", "4");
    CHECK_EQ_INT(cc_encoder_tuning_from_env(&t, err, sizeof err), 0);
    CHECK(t.spin_us == 150 && t.prewake_us == 200 && t.pin && t.unbatched &&
          t.strips == 4);
    CHECK(strcmp(cc_encoder_tuning_str(&t, buf, sizeof buf),
                 "spin 150 us, prewake 200 us, pinned, unbatched, 4 strips") == 0);
    /* Too small a buffer: cut, still a string. */
    char small[8];
    CHECK(strlen(cc_encoder_tuning_str(&t, small, sizeof small)) < sizeof small);
    clear_tuning_env();
    set_env("CAMCAST_ENCODER_BATCH", "1");
    set_env("CAMCAST_ENCODER_PIN", "");
    CHECK_EQ_INT(cc_encoder_tuning_from_env(&t, err, sizeof err), 0);
    CHECK(!t.unbatched && !t.pin);

    /* Bad values name the variable, and nothing is half set. */
    static const char *const bad[][2] = {
        {"CAMCAST_ENCODER_SPIN_US", "abc"},   {"CAMCAST_ENCODER_SPIN_US", "-5"},
        {"CAMCAST_ENCODER_SPIN_US", "10001"}, {"CAMCAST_ENCODER_PREWAKE_US", "1e3"},
        {"CAMCAST_ENCODER_PIN", "2"},         {"CAMCAST_ENCODER_BATCH", "yes"},
        {"CAMCAST_ENCODER_STRIPS", "17"},     {"CAMCAST_ENCODER_STRIPS", "4 "},
        {"CAMCAST_ENCODER_SPIN_US", "99999999999999999999999"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clear_tuning_env();
        set_env(bad[i][0], bad[i][1]);
        err[0] = '\0';
        CHECK_EQ_INT(cc_encoder_tuning_from_env(&t, err, sizeof err), -EINVAL);
        CHECK_STR_CONTAINS(err, bad[i][0]);
    }
    clear_tuning_env();
}

/* ---- formats the worker converts first ---- */

/* Encodes frame on a one-worker pool into job; returns the decoded pixels
 * (gray or RGB, packed) or NULL. */
static uint8_t *encode_decode(cc_encode_job *job, const cc_frame *frame,
                              bool gray)
{
    job->quality = 95;
    CHECK_EQ_INT(run_one(job, frame), 0);
    CHECK_EQ_INT(job->gray, gray);
    CHECK_EQ_INT(job->width, frame->width);
    CHECK_EQ_INT(job->height, frame->height);
    int subsamp;
    uint8_t *pix = decode(job, gray, &subsamp);
    CHECK_EQ_INT(subsamp, gray ? TJSAMP_GRAY : TJSAMP_420);
    CHECK(pix != NULL);
    return pix;
}

static double mae(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (uint64_t)abs(a[i] - b[i]);
    return (double)sum / (double)n;
}

/* ---- variants: downscaled, gray, YCbCr ---- */

/* The k x k box means of a packed frame, as downscale.h defines them. */
static uint8_t *box_reference(const cc_frame *f, unsigned ch, unsigned k,
                              uint32_t *ow, uint32_t *oh)
{
    *ow = (f->width + k - 1) / k;
    *oh = (f->height + k - 1) / k;
    uint8_t *out = malloc((size_t)*ow * *oh * ch);
    for (uint32_t oy = 0; oy < *oh; oy++)
        for (uint32_t ox = 0; ox < *ow; ox++)
            for (unsigned c = 0; c < ch; c++) {
                uint32_t s = 0, n = 0;
                for (uint32_t y = oy * k; y < oy * k + k && y < f->height; y++)
                    for (uint32_t x = ox * k; x < ox * k + k && x < f->width; x++, n++)
                        s += f->data[(size_t)y * f->stride + x * ch + c];
                out[((size_t)oy * *ow + ox) * ch + c] = (uint8_t)((s + n / 2) / n);
            }
    return out;
}

/* A downscaled job makes the box-filtered image, at its own size. */
static void check_scaled(cc_pixfmt fmt, uint32_t w, uint32_t h, unsigned k)
{
    unsigned ch = fmt == CC_PIX_MONO8 ? 1 : 3;
    cc_frame f;
    frame_make(&f, w, h, w * ch + 5, fmt, 3);
    cc_encode_job job;
    cc_encode_opts opts = {.scale = k, .max_parts = 4};
    CHECK_EQ_INT(cc_encode_job_init(&job, w, h, fmt, &opts), 0);
    CHECK_EQ_INT(cc_encode_job_parts(&job), 1); /* small: never split */
    job.quality = 95;
    CHECK_EQ_INT(run_one(&job, &f), 0);
    uint32_t ow, oh;
    uint8_t *want = box_reference(&f, ch, k, &ow, &oh);
    CHECK_EQ_INT(job.width, ow);
    CHECK_EQ_INT(job.height, oh);
    CHECK_EQ_INT(job.gray, ch == 1);
    int subsamp;
    uint8_t *got = decode(&job, ch == 1, &subsamp);
    CHECK(got != NULL);
    if (got)
        /* 4:2:0 halves the colour of an image already small: RGB errs more. */
        CHECK(mae(got, want, (size_t)ow * oh * ch) < (ch == 1 ? 3 : 8));
    free(got);
    free(want);
    cc_encode_job_destroy(&job);
    frame_free(&f);
}

static void test_scaled(void)
{
    check_scaled(CC_PIX_MONO8, 640, 480, 2);
    check_scaled(CC_PIX_MONO8, 333, 201, 3); /* edges left over */
    check_scaled(CC_PIX_RGB8, 401, 299, 4);
    check_scaled(CC_PIX_MONO8, 1920, 1200, 16);
}

/* Gray from colour: luminance only, TurboJPEG's own conversion. */
static void test_gray_from_rgb(void)
{
    cc_frame f;
    frame_make(&f, 320, 240, 320 * 3, CC_PIX_RGB8, 1);
    cc_encode_job job;
    cc_encode_opts opts = {.scale = 2, .color = CC_ENCODE_GRAY};
    CHECK_EQ_INT(cc_encode_job_init(&job, 320, 240, CC_PIX_RGB8, &opts), 0);
    job.quality = 90;
    CHECK_EQ_INT(run_one(&job, &f), 0);
    CHECK(job.gray);
    CHECK_EQ_INT(job.width, 160);
    int subsamp;
    uint8_t *pix = decode(&job, true, &subsamp);
    CHECK(pix != NULL);
    CHECK_EQ_INT(subsamp, TJSAMP_GRAY);
    free(pix);
    cc_encode_job_destroy(&job);
    frame_free(&f);
}

/* YCbCr from gray (RTSP's Motion JPEG has no grayscale): 4:2:0 with
 * neutral chroma, so it decodes to the same gray, R = G = B. Odd sizes
 * need the padded plane. */
static void check_yuv(uint32_t w, uint32_t h, unsigned k)
{
    cc_frame f;
    frame_make(&f, w, h, w + 3, CC_PIX_MONO8, 2);
    cc_encode_job job;
    cc_encode_opts opts = {.scale = k, .color = CC_ENCODE_YUV};
    CHECK_EQ_INT(cc_encode_job_init(&job, w, h, CC_PIX_MONO8, &opts), 0);
    job.quality = 95;
    CHECK_EQ_INT(run_one(&job, &f), 0);
    CHECK(!job.gray);
    uint32_t ow, oh;
    uint8_t *want = box_reference(&f, 1, k, &ow, &oh);
    CHECK_EQ_INT(job.width, ow);
    CHECK_EQ_INT(job.height, oh);
    int subsamp;
    uint8_t *rgb = decode(&job, false, &subsamp);
    CHECK_EQ_INT(subsamp, TJSAMP_420);
    CHECK(rgb != NULL);
    if (rgb) {
        uint64_t err = 0, off = 0;
        for (size_t i = 0; i < (size_t)ow * oh; i++) {
            err += (uint64_t)abs(rgb[3 * i + 1] - want[i]);
            off += (uint64_t)abs(rgb[3 * i] - rgb[3 * i + 1]) +
                   (uint64_t)abs(rgb[3 * i + 2] - rgb[3 * i + 1]);
        }
        CHECK((double)err / (ow * oh) < 3);
        CHECK((double)off / (ow * oh) < 1);
    }
    free(rgb);
    free(want);
    cc_encode_job_destroy(&job);
    frame_free(&f);
}

static void test_yuv_from_gray(void)
{
    check_yuv(640, 480, 1);
    check_yuv(321, 241, 1);
    check_yuv(1000, 500, 3);
}

/* A painted frame downscales, k rows painted at a time, to what the filled
 * frame gives. */
static void test_painted_scaled(void)
{
    cc_camera_config cfg = {.source = CC_SOURCE_TESTPATTERN, .width = 800,
                            .height = 600, .pixfmt = CC_PIX_MONO8,
                            .grab_fps = 1000, .pattern = CC_PATTERN_BARS};
    cc_source *src = NULL;
    CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), 0);
    if (!src)
        return;
    cc_frame painted = {0};
    CHECK_EQ_INT(cc_source_grab(src, &painted, -1), 0);
    cc_frame filled = painted;
    filled.data = malloc((size_t)800 * 600);
    filled.capacity = (size_t)800 * 600;
    CHECK_EQ_INT(cc_frame_fill(&filled), 0);
    cc_encode_job a, b;
    cc_encode_opts pa = {.painted = true, .scale = 3}, pl = {.scale = 3};
    CHECK_EQ_INT(cc_encode_job_init(&a, 800, 600, CC_PIX_MONO8, &pa), 0);
    CHECK_EQ_INT(cc_encode_job_init(&b, 800, 600, CC_PIX_MONO8, &pl), 0);
    CHECK(a.conv == NULL); /* no full-size painting buffer */
    a.quality = b.quality = 80;
    CHECK_EQ_INT(run_one(&a, &painted), 0);
    CHECK_EQ_INT(run_one(&b, &filled), 0);
    CHECK(a.jpeg_size == b.jpeg_size && memcmp(a.jpeg, b.jpeg, a.jpeg_size) == 0);
    cc_encode_job_destroy(&a);
    cc_encode_job_destroy(&b);
    free(filled.data);
    cc_source_free(src);
}

/* Levels counted by hand on an 8-bit image (gray, or RGB/BGR). */
static void levels_reference(const uint8_t *px, size_t pitch, uint32_t w, uint32_t h,
                             unsigned ch, bool bgr, cc_levels *lv)
{
    cc_levels_clear(lv);
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            const uint8_t *p = px + y * pitch + x * ch;
            unsigned v = p[0];
            if (ch == 3) {
                unsigned r = bgr ? p[2] : p[0], b = bgr ? p[0] : p[2];
                v = (77 * r + 150 * p[1] + 29 * b) >> 8;
            }
            lv->high += v == 255;
            lv->low += v == 0;
            lv->bins[v / 4]++;
            lv->pixels++;
        }
    }
}

static void check_levels(const cc_levels *got, const cc_levels *want)
{
    CHECK_EQ_INT(got->pixels, want->pixels);
    CHECK_EQ_INT(got->low, want->low);
    CHECK_EQ_INT(got->high, want->high);
    CHECK_EQ_INT(memcmp(got->bins, want->bins, sizeof got->bins), 0);
}

/* Levels of the whole frame at full size, whichever job counts them: split
 * in strips, downscaled, converted or painted; and nothing counted when
 * not asked. */
static void test_levels(void)
{
    static const struct {
        cc_pixfmt fmt;
        unsigned scale, parts;
    } cases[] = {
        {CC_PIX_MONO8, 1, 1}, {CC_PIX_MONO8, 1, 3}, {CC_PIX_MONO8, 3, 1},
        {CC_PIX_RGB8, 1, 2},  {CC_PIX_RGB8, 2, 1},  {CC_PIX_BGR8, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cc_pixfmt fmt = cases[i].fmt;
        unsigned ch = cc_pixfmt_bpp(fmt);
        cc_frame f;
        frame_make(&f, 640, 480, 640 * ch + 8, fmt, (unsigned)i * 7);
        /* Clipped pixels at both ends. */
        memset(f.data, 0, 40 * ch);
        memset(f.data + f.stride * 10, 255, 30 * ch);
        cc_levels want;
        levels_reference(f.data, f.stride, 640, 480, ch, fmt == CC_PIX_BGR8, &want);
        CHECK(want.low >= 40 && want.high >= 30);
        cc_encode_job job;
        cc_encode_opts o = {.scale = cases[i].scale, .max_parts = cases[i].parts};
        CHECK_EQ_INT(cc_encode_job_init(&job, 640, 480, fmt, &o), 0);
        job.quality = 80;
        job.levels_wanted = true;
        CHECK_EQ_INT(run_on(&job, &f, 2), 0);
        CHECK_EQ_INT(cc_encode_job_parts(&job), cases[i].parts);
        check_levels(&job.levels, &want);
        job.levels_wanted = false;
        CHECK_EQ_INT(run_on(&job, &f, 2), 0);
        CHECK_EQ_INT(job.levels.pixels, 0);
        CHECK_EQ_INT(job.levels_ns, 0);
        cc_encode_job_destroy(&job);
        frame_free(&f);
    }
    /* Mono16: of the top 8 bits, as encoded. */
    cc_frame deep;
    frame_make(&deep, 320, 240, 640, CC_PIX_MONO16, 3);
    uint8_t *top = malloc(320 * 240);
    for (size_t k = 0; k < 320 * 240; k++)
        top[k] = deep.data[2 * k + 1];
    cc_levels want;
    levels_reference(top, 320, 320, 240, 1, false, &want);
    cc_encode_job job;
    CHECK_EQ_INT(cc_encode_job_init(&job, 320, 240, CC_PIX_MONO16, NULL), 0);
    job.quality = 80;
    job.levels_wanted = true;
    CHECK_EQ_INT(run_one(&job, &deep), 0);
    check_levels(&job.levels, &want);
    cc_encode_job_destroy(&job);
    frame_free(&deep);
    free(top);
}

/* Mono16 holds a smooth 8-bit image in its high bytes (low bytes noise). */
static void test_mono16(void)
{
    enum { W = 320, H = 240 };
    cc_frame f = {.width = W, .height = H, .stride = 2 * W, .fmt = CC_PIX_MONO16};
    f.size = f.capacity = (size_t)f.stride * H;
    f.data = malloc(f.size);
    uint8_t *want = malloc((size_t)W * H);
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            uint8_t v = (uint8_t)((x / 2 + y / 3 + ((x / 40 + y / 40) % 2) * 60) % 256);
            want[y * W + x] = v;
            f.data[y * f.stride + 2 * x] = (uint8_t)(x * 37 + y);
            f.data[y * f.stride + 2 * x + 1] = v;
        }
    }
    cc_encode_job job;
    CHECK_EQ_INT(cc_encode_job_init(&job, W, H, CC_PIX_MONO16, NULL), 0);
    CHECK(job.conv != NULL && job.conv_cap == (size_t)W * H);
    uint8_t *conv = job.conv;
    uint8_t *pix = encode_decode(&job, &f, true);
    if (pix)
        CHECK(mae(pix, want, (size_t)W * H) < 3);
    free(pix);
    /* Reused: the conversion buffer is the job's, not allocated per frame. */
    pix = encode_decode(&job, &f, true);
    CHECK(job.conv == conv);
    CHECK(job.convert_ns > 0 && job.convert_ns <= job.encode_ns);
    free(pix);
    cc_encode_job_destroy(&job);
    CHECK(job.conv == NULL);
    free(want);
    free(f.data);
}

/* A Bayer mosaic of a smooth colour image comes back as that image. */
static void test_bayer(void)
{
    enum { W = 322, H = 242 };
    cc_frame f = {.width = W, .height = H, .stride = W + 6,
                  .fmt = CC_PIX_BAYER_GB8};
    f.size = f.capacity = (size_t)f.stride * H;
    f.data = malloc(f.size);
    uint8_t *want = malloc((size_t)W * H * 3);
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            uint8_t *p = want + (y * W + x) * 3;
            p[0] = (uint8_t)(40 + x / 2);
            p[1] = (uint8_t)(30 + y / 2 + x / 8);
            p[2] = (uint8_t)(220 - y / 2);
            /* GB / RG */
            unsigned c = (y & 1) ? ((x & 1) ? 1 : 0) : ((x & 1) ? 2 : 1);
            f.data[y * f.stride + x] = p[c];
        }
    }
    cc_encode_job job;
    CHECK_EQ_INT(cc_encode_job_init(&job, W, H, CC_PIX_BAYER_GB8, NULL), 0);
    uint8_t *pix = encode_decode(&job, &f, false);
    if (pix)
        CHECK(mae(pix, want, (size_t)W * H * 3) < 4);
    free(pix);
    cc_encode_job_destroy(&job);
    free(want);
    free(f.data);
}

/* BGR8 goes to TurboJPEG as it is, channels in their order. */
static void test_bgr8(void)
{
    cc_frame f;
    frame_make(&f, 320, 240, 320 * 3, CC_PIX_RGB8, 5);
    uint8_t *want = malloc(f.size);
    memcpy(want, f.data, f.size);
    for (size_t i = 0; i < f.size; i += 3) { /* RGB -> BGR in the frame */
        f.data[i] = want[i + 2];
        f.data[i + 2] = want[i];
    }
    f.fmt = CC_PIX_BGR8;
    cc_encode_job job;
    CHECK_EQ_INT(cc_encode_job_init(&job, 320, 240, CC_PIX_BGR8, NULL), 0);
    CHECK(job.conv == NULL); /* nothing to convert */
    uint8_t *pix = encode_decode(&job, &f, false);
    if (pix)
        CHECK(mae(pix, want, f.size) < 8);
    CHECK_EQ_INT(job.convert_ns, 0);
    free(pix);
    cc_encode_job_destroy(&job);
    free(want);
    frame_free(&f);
}

static void test_convert_errors(void)
{
    /* A Mono16 frame on a job sized for Mono8: no conversion buffer. */
    enum { W = 64, H = 48 };
    cc_frame f = {.width = W, .height = H, .stride = 2 * W, .fmt = CC_PIX_MONO16};
    f.size = f.capacity = (size_t)f.stride * H;
    f.data = calloc(1, f.size);
    cc_encode_job job;
    CHECK_EQ_INT(cc_encode_job_init(&job, W, H, CC_PIX_MONO8, NULL), 0);
    job.quality = 80;
    CHECK_EQ_INT(run_one(&job, &f), -EINVAL);
    cc_encode_job_destroy(&job);
    /* A YUV422 frame of odd width cannot be converted. */
    CHECK_EQ_INT(cc_encode_job_init(&job, W + 1, H, CC_PIX_YUV422_UYVY, NULL), 0);
    job.quality = 80;
    f.width = W + 1;
    f.fmt = CC_PIX_YUV422_UYVY;
    f.stride = 2 * (W + 1);
    f.size = f.capacity = (size_t)f.stride * H;
    free(f.data);
    f.data = calloc(1, f.size);
    CHECK_EQ_INT(run_one(&job, &f), -EINVAL);
    cc_encode_job_destroy(&job);
    free(f.data);
}

int main(void)
{
    RUN(test_mono8);
    RUN(test_rgb8);
    RUN(test_parallel_reuse);
    RUN(test_split);
    RUN(test_split_converted);
    RUN(test_painted);
    RUN(test_errors);
    RUN(test_workers);
    RUN(test_free_with_queued_jobs);
    RUN(test_batch);
    RUN(test_spin);
    RUN(test_prewake);
    RUN(test_pin);
    RUN(test_even_strips);
    RUN(test_tuning_env);
    RUN(test_mono16);
    RUN(test_bayer);
    RUN(test_bgr8);
    RUN(test_convert_errors);
    RUN(test_scaled);
    RUN(test_gray_from_rgb);
    RUN(test_yuv_from_gray);
    RUN(test_painted_scaled);
    RUN(test_levels);
    return CHECK_DONE();
}
