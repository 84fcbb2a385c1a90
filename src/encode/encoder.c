#include "encoder.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "convert.h"
#include "clock.h"

enum { MAX_WORKERS = 64 };

/* TurboJPEG already compresses with the fast DCT by default, so
 * TJFLAG_FASTDCT would change nothing. With libjpeg-turbo 2.1.5 on x86-64
 * (AVX2) the accurate DCT measured about 3% faster at 1920x1200, and it is
 * more precise, so ask for it. NOREALLOC: the buffer is sized with
 * tjBufSize, so TurboJPEG must never reallocate it. */
#define COMPRESS_FLAGS (TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT)

/* A worker's counters (cc_encoder_worker_stats): written by it alone. */
typedef struct worker_counters {
    atomic_int tid, cpu;
    atomic_uint_fast64_t strips, sleeps, empty_wakes, polls, poll_hits, poll_ns,
        idle_strips, idle_wait_ns, idle_wait_max_ns;
} worker_counters;

typedef struct worker {
    cc_encoder *enc;
    tjhandle tj;
    pthread_t thread;
    unsigned index;
    bool may_prewake;          /* one of the CPUs-but-one that do */
    uint64_t prewaked_for;     /* the expected time it last polled for */
    worker_counters c;
} worker;

struct cc_encoder {
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* CLOCK_MONOTONIC, for prewake's timed waits */
    pthread_cond_t started;     /* a worker began (n_running) */
    cc_encode_part *head, *tail; /* FIFO of queued strips, guarded by lock */
    bool stop;                  /* guarded by lock */
    unsigned sleepers;          /* workers waiting on wake, guarded by lock */
    unsigned n_running;         /* workers that began, guarded by lock */
    /* Mirrors of head != NULL and stop that polling workers read without
     * the lock; they take it before touching the queue. */
    atomic_uint queued;
    atomic_bool stopping;
    atomic_uint_fast64_t expected_ns; /* cc_encoder_expect */
    atomic_uint blind_prewakers; /* prewakers asleep without a time to wake */
    cc_encoder_tuning tuning;
    unsigned n_workers;
    unsigned n_started; /* threads to join */
    worker workers[];
};

/* TurboJPEG's pixel format and subsampling for what fmt is encoded from. */
static int tj_format(cc_pixfmt fmt, int *pixel_format, int *subsamp)
{
    switch (cc_convert_layout(fmt)) {
    case CC_LAYOUT_GRAY:
        *pixel_format = TJPF_GRAY;
        *subsamp = TJSAMP_GRAY;
        return 0;
    case CC_LAYOUT_RGB:
        *pixel_format = TJPF_RGB;
        *subsamp = TJSAMP_420;
        return 0;
    case CC_LAYOUT_BGR:
        *pixel_format = TJPF_BGR;
        *subsamp = TJSAMP_420;
        return 0;
    }
    return -EINVAL;
}

/* Worst-case JPEG size, the bound under which TJFLAG_NOREALLOC is safe. */
static int jpeg_bound(uint32_t width, uint32_t height, int subsamp, size_t *out)
{
    if (width == 0 || height == 0 || width > INT_MAX || height > INT_MAX)
        return -EINVAL;
    unsigned long n = tjBufSize((int)width, (int)height, subsamp);
    if (n == (unsigned long)-1)
        return -EINVAL;
    *out = n;
    return 0;
}

/* Rows of a strip at least, so a split is worth its per-call overhead. */
#define MIN_STRIP_ROWS 64
#define MAX_PARTS 16

/* TurboJPEG 2.x reads these from the environment; each changes the JPEG in
 * a way strips cannot be merged (own Huffman tables, several scans, restart
 * markers inside a strip). */
static bool env_forbids_strips(void)
{
    static const char *const vars[] = {"TJ_OPTIMIZE", "TJ_ARITHMETIC",
                                       "TJ_RESTART", "TJ_PROGRESSIVE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return true;
    }
    return false;
}

static int plan_strips(cc_encode_job *job, uint32_t width, uint32_t height,
                       cc_pixfmt fmt, int subsamp, const cc_encode_opts *opts)
{
    unsigned max = opts ? opts->max_parts : 1;
    /* Converted formats are converted whole before encoding. */
    if (max < 2 || cc_convert_needed(fmt) || env_forbids_strips())
        max = 1;
    max = max < MAX_PARTS ? max : MAX_PARTS;
    return cc_strip_plan_make(&job->plan, width, height,
                              (unsigned)tjMCUWidth[subsamp],
                              (unsigned)tjMCUHeight[subsamp], max,
                              MIN_STRIP_ROWS);
}

static uint32_t strip_rows(const cc_strip_plan *plan, unsigned i,
                           uint32_t height)
{
    return i + 1 < plan->n ? plan->rows : height - plan->rows * (plan->n - 1);
}

/* One part per strip; a single part writes into the job's own buffer. */
static int alloc_parts(cc_encode_job *job, uint32_t width, uint32_t height,
                       int subsamp)
{
    unsigned n = job->plan.n;
    job->parts = calloc(n, sizeof *job->parts);
    if (!job->parts)
        return -ENOMEM;
    size_t sizes[MAX_PARTS];
    for (unsigned i = 0; i < n; i++) {
        cc_encode_part *p = &job->parts[i];
        p->job = job;
        p->y0 = job->plan.rows * i;
        p->rows = strip_rows(&job->plan, i, height);
        if (n == 1)
            break;
        int err = jpeg_bound(width, p->rows, subsamp, &p->cap);
        if (err)
            return err;
        p->out = malloc(p->cap);
        if (!p->out)
            return -ENOMEM;
        sizes[i] = p->cap;
    }
    if (n > 1) {
        size_t merged = cc_jpeg_stitch_bound(sizes, n);
        job->jpeg_cap = merged > job->jpeg_cap ? merged : job->jpeg_cap;
    }
    return 0;
}

/* What TurboJPEG is given and makes, from the frame's format and the
 * colour asked for. */
static int job_format(cc_encode_job *job, cc_pixfmt fmt, cc_encode_color color)
{
    int err = tj_format(fmt, &job->pixel_format, &job->subsamp);
    if (err)
        return err;
    job->yuv_planes = false;
    if (color == CC_ENCODE_GRAY) {
        job->subsamp = TJSAMP_GRAY; /* TurboJPEG keeps only Y of RGB */
    } else if (color == CC_ENCODE_YUV && job->subsamp == TJSAMP_GRAY) {
        job->subsamp = TJSAMP_420;
        job->yuv_planes = true;
    }
    return 0;
}

static unsigned layout_channels(cc_pixfmt fmt)
{
    return cc_convert_layout(fmt) == CC_LAYOUT_GRAY ? 1 : 3;
}

/* A reduced job's buffers: the small image (for YCbCr planes, padded as
 * TurboJPEG reads them), k painted rows, the neutral chroma plane. */
static int alloc_reduced(cc_encode_job *job, uint32_t width, cc_pixfmt fmt,
                         bool painted)
{
    unsigned ch = layout_channels(fmt);
    size_t rows = job->out_h;
    if (job->yuv_planes) {
        job->small_pitch = (size_t)tjPlaneWidth(0, (int)job->out_w, TJSAMP_420);
        rows = (size_t)tjPlaneHeight(0, (int)job->out_h, TJSAMP_420);
        int cw = tjPlaneWidth(1, (int)job->out_w, TJSAMP_420);
        int chh = tjPlaneHeight(1, (int)job->out_h, TJSAMP_420);
        if (cw < 1 || chh < 1)
            return -EINVAL;
        job->chroma = malloc((size_t)cw * (size_t)chh);
        if (!job->chroma)
            return -ENOMEM;
        memset(job->chroma, 128, (size_t)cw * (size_t)chh);
    } else {
        job->small_pitch = (size_t)job->out_w * ch;
    }
    if (job->scale > 1 || job->yuv_planes) {
        job->small = malloc(job->small_pitch * rows);
        if (!job->small)
            return -ENOMEM;
    }
    if (job->scale > 1 && painted) {
        job->rows_cap = cc_pixfmt_row_bytes(fmt, width) * job->scale;
        job->rows = malloc(job->rows_cap);
        if (!job->rows)
            return -ENOMEM;
    }
    return 0;
}

/* The conversion buffer: the whole converted image, or the whole painted
 * one when the job paints at full size. */
static int conv_bytes(uint32_t width, uint32_t height, cc_pixfmt fmt,
                      bool painted, unsigned scale, size_t *out)
{
    size_t conv = cc_convert_bytes(fmt, width, height);
    if (cc_convert_needed(fmt) && conv == 0)
        return -EINVAL;
    if (painted && !conv && scale == 1) {
        size_t row = cc_pixfmt_row_bytes(fmt, width);
        if (height > SIZE_MAX / row)
            return -EINVAL;
        conv = row * height;
    }
    *out = conv;
    return 0;
}

int cc_encode_job_init(cc_encode_job *job, uint32_t width, uint32_t height,
                       cc_pixfmt fmt, const cc_encode_opts *opts)
{
    *job = (cc_encode_job){0};
    atomic_init(&job->pending, 0);
    cc_encode_opts o = opts ? *opts : (cc_encode_opts){0};
    job->scale = o.scale > 1 ? o.scale : 1;
    job->color = o.color;
    int err = job_format(job, fmt, o.color);
    if (!err && job->scale > 1)
        err = cc_downscale_init(&job->ds, width, height, layout_channels(fmt),
                                job->scale);
    if (err)
        return err;
    job->out_w = job->scale > 1 ? job->ds.out_w : width;
    job->out_h = job->scale > 1 ? job->ds.out_h : height;
    bool reduced = job->scale > 1 || job->color != CC_ENCODE_AUTO;
    if (reduced)
        o.max_parts = 1;
    err = jpeg_bound(job->out_w, job->out_h, job->subsamp, &job->jpeg_cap);
    if (!err)
        err = plan_strips(job, job->out_w, job->out_h, fmt, job->subsamp, &o);
    size_t conv = 0;
    if (!err)
        err = conv_bytes(width, height, fmt, o.painted, job->scale, &conv);
    if (err) {
        cc_encode_job_destroy(job);
        return err;
    }
    job->shape_w = width;
    job->shape_h = height;
    job->shape_fmt = fmt;
    err = alloc_parts(job, job->out_w, job->out_h, job->subsamp);
    if (!err)
        err = alloc_reduced(job, width, fmt, o.painted);
    /* With TJFLAG_NOREALLOC TurboJPEG never reallocates or frees the buffer,
     * so plain malloc (size_t, unlike tjAlloc's int) is compatible. */
    job->jpeg = err ? NULL : malloc(job->jpeg_cap);
    job->conv = err || !conv ? NULL : malloc(conv);
    if (!err && (!job->jpeg || (conv && !job->conv)))
        err = -ENOMEM;
    if (err) {
        cc_encode_job_destroy(job);
        return err;
    }
    job->conv_cap = conv;
    if (job->plan.n == 1) {
        job->parts[0].out = job->jpeg;
        job->parts[0].cap = job->jpeg_cap;
    }
    return 0;
}

void cc_encode_job_destroy(cc_encode_job *job)
{
    if (job->parts && job->plan.n > 1)
        for (unsigned i = 0; i < job->plan.n; i++)
            free(job->parts[i].out);
    free(job->parts);
    free(job->jpeg);
    free(job->conv);
    free(job->small);
    free(job->rows);
    free(job->chroma);
    cc_downscale_destroy(&job->ds);
    job->parts = NULL;
    job->jpeg = job->conv = job->small = job->rows = job->chroma = NULL;
    job->jpeg_cap = job->conv_cap = job->rows_cap = 0;
}

unsigned cc_encode_job_parts(const cc_encode_job *job)
{
    return job->plan.n;
}

static unsigned gcd(unsigned a, unsigned b)
{
    while (b) {
        unsigned r = a % b;
        a = b;
        b = r;
    }
    return a;
}

unsigned cc_encode_even_strips(unsigned frames, unsigned workers)
{
    frames = frames ? frames : 1;
    workers = workers ? workers : 1;
    return workers / gcd(frames, workers);
}

/* Rejects what would make TurboJPEG read past the frame or write past the
 * job's buffers: the frame must have the shape the job was made for. */
static int check_job(const cc_encode_job *job)
{
    const cc_frame *f = job->frame;
    if (f->width != job->shape_w || f->height != job->shape_h ||
        f->fmt != job->shape_fmt || job->quality < 1 || job->quality > 100)
        return -EINVAL;
    size_t row = cc_pixfmt_row_bytes(f->fmt, f->width);
    if (f->painter && job->scale > 1) /* painted k rows at a time */
        return row * job->scale > job->rows_cap ? -EINVAL : 0;
    if (f->painter) /* painted into conv: a job made for painted frames */
        return row * f->height > job->conv_cap ? -EINVAL : 0;
    if (!f->data || f->stride < row || f->stride > INT_MAX ||
        (uint64_t)f->stride * (f->height - 1) + row > f->size)
        return -EINVAL;
    return 0;
}

/* What TurboJPEG compresses: the frame itself, or its conversion. */
typedef struct image {
    const uint8_t *px;
    uint32_t pitch;
} image;

/* Where the part's rows are: in the frame, or painted or converted into
 * the job's buffer first. */
static int source_rows(cc_encode_part *p, image *img)
{
    cc_encode_job *job = p->job;
    const cc_frame *f = job->frame;
    if (f->painter) {
        uint32_t row = (uint32_t)cc_pixfmt_row_bytes(f->fmt, f->width);
        uint8_t *dst = job->conv + (size_t)p->y0 * row;
        img->px = dst;
        img->pitch = row;
        return cc_frame_read_rows(f, p->y0, p->rows, dst, row);
    }
    if (cc_convert_needed(f->fmt)) {
        img->px = job->conv;
        img->pitch = (uint32_t)cc_convert_bytes(f->fmt, f->width, 1);
        return cc_convert(f, job->conv, job->conv_cap);
    }
    img->px = f->data + (size_t)p->y0 * f->stride;
    img->pitch = f->stride;
    return 0;
}

/* Levels of rows of the image TurboJPEG is given (the frame's layout). */
static void count_levels(cc_encode_part *p, const uint8_t *px, size_t pitch, uint32_t rows)
{
    const cc_frame *f = p->job->frame;
    uint64_t start = cc_monotonic_ns();
    cc_layout layout = cc_convert_layout(f->fmt);
    cc_levels_add(&p->levels, px, pitch, f->width, rows, layout == CC_LAYOUT_GRAY ? 1 : 3,
                  layout == CC_LAYOUT_BGR);
    p->levels_ns += cc_monotonic_ns() - start;
}

/* The rows of a downscaled job's output, read through the box filter:
 * straight from the frame, painted k rows at a time, or from the whole
 * converted image. Levels are counted on those full-size rows. */
static int downscale(cc_encode_part *p, image *img)
{
    cc_encode_job *job = p->job;
    const cc_frame *f = job->frame;
    const uint8_t *base = f->data;
    size_t pitch = f->stride;
    if (cc_convert_needed(f->fmt) && !f->painter) {
        int err = cc_convert(f, job->conv, job->conv_cap);
        if (err)
            return err;
        base = job->conv;
        pitch = cc_convert_bytes(f->fmt, f->width, 1);
    }
    size_t row = cc_pixfmt_row_bytes(f->fmt, f->width);
    const uint8_t *rows[16];
    for (uint32_t oy = 0; oy < job->out_h; oy++) {
        uint32_t y0 = oy * job->scale;
        unsigned n = cc_downscale_rows(&job->ds, oy);
        if (f->painter) {
            int err = cc_frame_read_rows(f, y0, n, job->rows, row);
            if (err)
                return err;
        }
        for (unsigned j = 0; j < n; j++)
            rows[j] = f->painter ? job->rows + j * row
                                 : base + (size_t)(y0 + j) * pitch;
        if (job->levels_wanted)
            count_levels(p, rows[0], f->painter ? row : pitch, n);
        cc_downscale_row(&job->ds, oy, rows, job->small + oy * job->small_pitch);
    }
    img->px = job->small;
    img->pitch = (uint32_t)job->small_pitch;
    return 0;
}

/* The Y plane as TurboJPEG reads it: even width and height, the last
 * column and row repeated where the image is odd. */
static void pad_plane(cc_encode_job *job, image *img)
{
    uint32_t w = job->out_w, h = job->out_h;
    size_t pw = job->small_pitch;
    size_t ph = (size_t)tjPlaneHeight(0, (int)h, TJSAMP_420);
    if (img->px != job->small) {
        if (pw == w && ph == h && img->pitch >= w)
            return; /* even: the image is the plane */
        for (uint32_t y = 0; y < h; y++)
            memcpy(job->small + y * pw, img->px + (size_t)y * img->pitch, w);
    }
    for (uint32_t y = 0; pw > w && y < h; y++)
        job->small[y * pw + w] = job->small[y * pw + w - 1];
    if (ph > h)
        memcpy(job->small + h * pw, job->small + (h - 1) * pw, pw);
    img->px = job->small;
    img->pitch = (uint32_t)pw;
}

static int compress_planes(tjhandle tj, cc_encode_part *p, image *img)
{
    cc_encode_job *job = p->job;
    pad_plane(job, img);
    const unsigned char *planes[3] = {img->px, job->chroma, job->chroma};
    int cw = tjPlaneWidth(1, (int)job->out_w, TJSAMP_420);
    int strides[3] = {(int)img->pitch, cw, cw};
    unsigned char *out = p->out;
    unsigned long size = p->cap;
    if (tjCompressFromYUVPlanes(tj, planes, (int)job->out_w, strides,
                                (int)job->out_h, TJSAMP_420, &out, &size,
                                job->quality, COMPRESS_FLAGS) != 0)
        return -EIO;
    p->size = size;
    return 0;
}

static int compress(tjhandle tj, cc_encode_part *p, image *img)
{
    cc_encode_job *job = p->job;
    if (job->yuv_planes)
        return compress_planes(tj, p, img);
    uint32_t width = job->scale > 1 ? job->out_w : job->frame->width;
    uint32_t rows = job->scale > 1 ? job->out_h : p->rows;
    unsigned char *out = p->out;
    unsigned long size = p->cap;
    if (tjCompress2(tj, img->px, (int)width, (int)img->pitch, (int)rows,
                    job->pixel_format, &out, &size, job->subsamp, job->quality,
                    COMPRESS_FLAGS) != 0)
        return -EIO;
    p->size = size;
    return 0;
}

static void encode_part(tjhandle tj, cc_encode_part *p)
{
    uint64_t start = cc_monotonic_ns();
    cc_encode_job *job = p->job;
    image img = {0};
    p->size = 0;
    p->paint_ns = p->levels_ns = 0;
    cc_levels_clear(&p->levels);
    p->err = check_job(job);
    if (!p->err) {
        const cc_frame *f = job->frame;
        p->err = job->scale > 1 ? downscale(p, &img) : source_rows(p, &img);
        if (f->painter || cc_convert_needed(f->fmt) || job->scale > 1)
            p->paint_ns = cc_monotonic_ns() - start - p->levels_ns;
        if (!p->err && job->levels_wanted && job->scale == 1)
            count_levels(p, img.px, img.pitch, p->rows);
    }
    if (!p->err)
        p->err = compress(tj, p, &img);
    p->ns = cc_monotonic_ns() - start;
}

/* The last strip's worker: merges the strips and sums up. */
static void finish_job(cc_encode_job *job)
{
    const cc_frame *f = job->frame;
    uint64_t start = cc_monotonic_ns();
    job->width = job->out_w;
    job->height = job->out_h;
    job->gray = job->subsamp == TJSAMP_GRAY;
    job->jpeg_size = 0;
    job->err = 0;
    job->encode_ns = job->convert_ns = job->levels_ns = 0;
    cc_levels_clear(&job->levels);
    const uint8_t *outs[MAX_PARTS];
    size_t sizes[MAX_PARTS];
    for (unsigned i = 0; i < job->plan.n; i++) {
        cc_encode_part *p = &job->parts[i];
        job->err = job->err ? job->err : p->err;
        job->encode_ns += p->ns;
        job->convert_ns += p->paint_ns;
        job->levels_ns += p->levels_ns;
        if (job->levels_wanted)
            cc_levels_merge(&job->levels, &p->levels);
        outs[i] = p->out;
        sizes[i] = p->size;
    }
    if (!job->err && job->plan.n == 1)
        job->jpeg_size = job->parts[0].size;
    else if (!job->err)
        job->err = cc_jpeg_stitch(outs, sizes, job->plan.n, f->height,
                                  job->plan.restart_interval, job->jpeg,
                                  job->jpeg_cap, &job->jpeg_size);
    if (job->plan.n > 1)
        job->encode_ns += cc_monotonic_ns() - start;
}

static void count(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Polls the queue without its lock until a strip is queued, the pool
 * stops, or until_ns. Returns whether it saw work (or the stop). It
 * yields its CPU now and then: the thread that submits the work may be
 * waiting for that CPU (the scheduler does not always preempt a spinning
 * thread for a waking one in time). */
static bool poll_queue(worker *w, uint64_t until_ns)
{
    cc_encoder *enc = w->enc;
    uint64_t start = cc_monotonic_ns(), now = start;
    bool seen = false;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(&enc->queued, memory_order_relaxed) ||
            atomic_load_explicit(&enc->stopping, memory_order_relaxed)) {
            seen = true;
            break;
        }
        cpu_relax();
        if (i % 32 != 0)
            continue;
        if ((now = cc_monotonic_ns()) >= until_ns)
            break;
        sched_yield();
    }
    count(&w->c.polls, 1);
    count(&w->c.poll_hits, seen);
    count(&w->c.poll_ns, (seen ? cc_monotonic_ns() : now) - start);
    return seen;
}

/* What an idle worker does next: poll until *poll_end, or sleep (until
 * *wake_at when not 0). spun: it polled once already since it ran dry.
 * *due: the expected submit it planned for. */
static void plan_idle(worker *w, uint64_t now, bool spun, uint64_t *poll_end,
                      uint64_t *wake_at, uint64_t *due_seen)
{
    const cc_encoder_tuning *t = &w->enc->tuning;
    *poll_end = *wake_at = 0;
    uint64_t due = *due_seen = atomic_load(&w->enc->expected_ns);
    if (t->spin_us && !spun) {
        *poll_end = now + (uint64_t)t->spin_us * 1000;
        return;
    }
    if (!t->prewake_us || !w->may_prewake)
        return;
    uint64_t lead = (uint64_t)t->prewake_us * 1000;
    if (!due || w->prewaked_for == due || now >= due + lead)
        return; /* nothing expected, or it did not come in time: sleep */
    if (now + lead < due) {
        *wake_at = due - lead;
        return;
    }
    w->prewaked_for = due;
    *poll_end = due + lead;
}

/* A prewaker about to sleep with no time to wake: counted, so that
 * cc_encoder_expect wakes it. False when the expected time changed since
 * it planned (seq_cst: either expect sees the count, or this sees the new
 * time). Lock held. */
static bool blind_sleep_begin(worker *w, uint64_t due_seen)
{
    cc_encoder *enc = w->enc;
    atomic_fetch_add(&enc->blind_prewakers, 1);
    if (atomic_load(&enc->expected_ns) == due_seen)
        return true;
    atomic_fetch_sub(&enc->blind_prewakers, 1);
    return false;
}

/* Sleeps on the queue (until wake_at, if not 0). Lock held. */
static void sleep_on_queue(worker *w, uint64_t wake_at)
{
    cc_encoder *enc = w->enc;
    count(&w->c.sleeps, 1);
    enc->sleepers++;
    int rc = 0;
    if (wake_at) {
        struct timespec ts = {.tv_sec = (time_t)(wake_at / 1000000000u),
                              .tv_nsec = (long)(wake_at % 1000000000u)};
        rc = pthread_cond_timedwait(&enc->wake, &enc->lock, &ts);
    } else {
        pthread_cond_wait(&enc->wake, &enc->lock);
    }
    enc->sleepers--;
    if (rc == 0 && !enc->head && !enc->stop)
        count(&w->c.empty_wakes, 1);
}

/* Next strip; NULL only once stopping and the queue is drained, so every
 * queued job gets its done callback. */
static cc_encode_part *pop(worker *w)
{
    cc_encoder *enc = w->enc;
    int how = CC_STRIP_BUSY;
    bool spun = false;
    pthread_mutex_lock(&enc->lock);
    bool blind_watch = enc->tuning.prewake_us && w->may_prewake;
    while (!enc->head && !enc->stop) {
        uint64_t poll_end, wake_at, due;
        plan_idle(w, cc_monotonic_ns(), spun, &poll_end, &wake_at, &due);
        if (poll_end) {
            spun = true;
            pthread_mutex_unlock(&enc->lock);
            bool seen = poll_queue(w, poll_end);
            pthread_mutex_lock(&enc->lock);
            how = seen ? CC_STRIP_POLLED : how;
            continue;
        }
        bool blind = blind_watch && !wake_at;
        if (blind && !blind_sleep_begin(w, due))
            continue; /* a new expected time: plan again */
        sleep_on_queue(w, wake_at);
        if (blind)
            atomic_fetch_sub(&enc->blind_prewakers, 1);
        how = CC_STRIP_WOKEN;
    }
    cc_encode_part *p = enc->head;
    if (p) {
        enc->head = p->next;
        if (!enc->head)
            enc->tail = NULL;
        p->next = NULL;
        atomic_fetch_sub_explicit(&enc->queued, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&enc->lock);
    if (p) {
        p->how = how;
        p->worker = w->index;
    }
    return p;
}

/* The strip's figures for benchmarks, and the worker's counters. */
static void note_start(worker *w, cc_encode_part *p)
{
    p->start_ns = cc_monotonic_ns();
    p->cpu = sched_getcpu();
    count(&w->c.strips, 1);
    if (p->how == CC_STRIP_BUSY)
        return;
    uint64_t wait = p->start_ns > p->queued_ns ? p->start_ns - p->queued_ns : 0;
    count(&w->c.idle_strips, 1);
    count(&w->c.idle_wait_ns, wait);
    if (wait > atomic_load_explicit(&w->c.idle_wait_max_ns, memory_order_relaxed))
        atomic_store_explicit(&w->c.idle_wait_max_ns, wait, memory_order_relaxed);
}

/* Pins the calling worker to the index-th CPU it may run on. Returns the
 * CPU, or -1. */
static int pin_self(unsigned index)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return -1;
    int n = CPU_COUNT(&allowed);
    if (n < 1)
        return -1;
    int want = (int)(index % (unsigned)n);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed) || want-- > 0)
            continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        return pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0 ? cpu : -1;
    }
    return -1;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    cc_encoder *enc = w->enc;
    char name[16];
    snprintf(name, sizeof name, "jpeg-%u", w->index);
    pthread_setname_np(pthread_self(), name);
    atomic_store_explicit(&w->c.tid, (int)gettid(), memory_order_relaxed);
    atomic_store_explicit(&w->c.cpu, enc->tuning.pin ? pin_self(w->index) : -1,
                          memory_order_relaxed);
    pthread_mutex_lock(&enc->lock);
    enc->n_running++;
    pthread_cond_broadcast(&enc->started);
    pthread_mutex_unlock(&enc->lock);

    cc_encode_part *p;
    while ((p = pop(w))) {
        cc_encode_job *job = p->job;
        note_start(w, p);
        encode_part(w->tj, p);
        /* acq_rel: the last strip's worker sees every other strip's output
         * (their release), then merges. */
        if (atomic_fetch_sub_explicit(&job->pending, 1,
                                      memory_order_acq_rel) == 1) {
            finish_job(job);
            job->done(job, job->arg);
        }
    }
    return NULL;
}

static unsigned resolve_workers(unsigned workers)
{
    if (workers == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        if (cores < 1)
            return 1;
        workers = cores < MAX_WORKERS ? (unsigned)cores : MAX_WORKERS;
    }
    return workers < MAX_WORKERS ? workers : MAX_WORKERS;
}

static int init_queue(cc_encoder *enc)
{
    int err = pthread_mutex_init(&enc->lock, NULL);
    if (err)
        return -err;
    pthread_condattr_t attr;
    err = pthread_condattr_init(&attr);
    if (!err) {
        err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        if (!err)
            err = pthread_cond_init(&enc->wake, &attr);
        pthread_condattr_destroy(&attr);
    }
    if (err) {
        pthread_mutex_destroy(&enc->lock);
        return -err;
    }
    err = pthread_cond_init(&enc->started, NULL);
    if (err) {
        pthread_cond_destroy(&enc->wake);
        pthread_mutex_destroy(&enc->lock);
        return -err;
    }
    atomic_init(&enc->queued, 0);
    atomic_init(&enc->stopping, false);
    atomic_init(&enc->expected_ns, 0);
    atomic_init(&enc->blind_prewakers, 0);
    return 0;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (unsigned)n;
}

/* Handles are made before any thread runs so a failure needs no
 * reporting back from a thread. Returns once every thread runs. */
static int start_workers(cc_encoder *enc)
{
    unsigned cpus = online_cpus();
    unsigned prewakers = cpus > 1 ? cpus - 1 : 1;
    for (unsigned i = 0; i < enc->n_workers; i++) {
        worker *w = &enc->workers[i];
        *w = (worker){.enc = enc, .index = i, .may_prewake = i < prewakers};
        atomic_init(&w->c.tid, 0);
        atomic_init(&w->c.cpu, -1);
        w->tj = tjInitCompress();
        /* tjInitCompress fails only when out of memory. */
        if (!w->tj)
            return -ENOMEM;
    }
    int err = 0;
    for (unsigned i = 0; i < enc->n_workers && !err; i++) {
        worker *w = &enc->workers[i];
        err = pthread_create(&w->thread, NULL, worker_main, w);
        if (!err)
            enc->n_started++;
    }
    pthread_mutex_lock(&enc->lock);
    while (enc->n_running < enc->n_started)
        pthread_cond_wait(&enc->started, &enc->lock);
    pthread_mutex_unlock(&enc->lock);
    return -err;
}

int cc_encoder_new_tuned(cc_encoder **out, unsigned workers,
                         const cc_encoder_tuning *tuning)
{
    unsigned n = resolve_workers(workers);
    cc_encoder *enc = calloc(1, sizeof *enc + n * sizeof enc->workers[0]);
    if (!enc)
        return -ENOMEM;
    int err = init_queue(enc);
    if (err) {
        free(enc);
        return err;
    }
    enc->tuning = tuning ? *tuning : (cc_encoder_tuning){0};
    enc->n_workers = n;
    err = start_workers(enc);
    if (err) {
        cc_encoder_free(enc);
        return err;
    }
    *out = enc;
    return 0;
}

int cc_encoder_new(cc_encoder **out, unsigned workers)
{
    return cc_encoder_new_tuned(out, workers, NULL);
}

unsigned cc_encoder_workers(const cc_encoder *enc)
{
    return enc->n_workers;
}

const cc_encoder_tuning *cc_encoder_get_tuning(const cc_encoder *enc)
{
    return &enc->tuning;
}

void cc_encode_batch_init(cc_encode_batch *b)
{
    *b = (cc_encode_batch){0};
}

void cc_encode_batch_add(cc_encode_batch *b, cc_encode_job *job)
{
    unsigned n = job->plan.n;
    atomic_store_explicit(&job->pending, n, memory_order_relaxed);
    for (unsigned i = 0; i < n; i++) {
        cc_encode_part *p = &job->parts[i];
        p->next = NULL;
        if (b->tail)
            b->tail->next = p;
        else
            b->head = p;
        b->tail = p;
    }
    b->strips += n;
}

void cc_encoder_submit_batch(cc_encoder *enc, cc_encode_batch *b)
{
    if (!b->head)
        return;
    uint64_t now = cc_monotonic_ns();
    for (cc_encode_part *p = b->head; p; p = p->next)
        p->queued_ns = now;
    pthread_mutex_lock(&enc->lock);
    if (enc->tail)
        enc->tail->next = b->head;
    else
        enc->head = b->head;
    enc->tail = b->tail;
    atomic_fetch_add_explicit(&enc->queued, b->strips, memory_order_relaxed);
    /* Polling workers see queued; only sleeping ones need a wake-up. */
    if (enc->sleepers > 0 && b->strips >= enc->sleepers)
        pthread_cond_broadcast(&enc->wake);
    else
        for (unsigned i = 0; i < b->strips && i < enc->sleepers; i++)
            pthread_cond_signal(&enc->wake);
    pthread_mutex_unlock(&enc->lock);
    cc_encode_batch_init(b);
}

void cc_encoder_submit(cc_encoder *enc, cc_encode_job *job)
{
    cc_encode_batch b;
    cc_encode_batch_init(&b);
    cc_encode_batch_add(&b, job);
    cc_encoder_submit_batch(enc, &b);
}

void cc_encoder_expect(cc_encoder *enc, uint64_t when_ns)
{
    atomic_store(&enc->expected_ns, when_ns);
    /* A prewaker asleep without a time to wake plans again (see
     * blind_sleep_begin); the others sleep on. */
    if (atomic_load(&enc->blind_prewakers) == 0)
        return;
    pthread_mutex_lock(&enc->lock);
    pthread_cond_broadcast(&enc->wake);
    pthread_mutex_unlock(&enc->lock);
}

static uint64_t load(const atomic_uint_fast64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

void cc_encoder_worker_stats_get(const cc_encoder *enc, unsigned i,
                                 cc_encoder_worker_stats *out)
{
    const worker_counters *c = &enc->workers[i].c;
    *out = (cc_encoder_worker_stats){
        .tid = atomic_load_explicit(&c->tid, memory_order_relaxed),
        .cpu = atomic_load_explicit(&c->cpu, memory_order_relaxed),
        .strips = load(&c->strips),
        .sleeps = load(&c->sleeps),
        .empty_wakes = load(&c->empty_wakes),
        .polls = load(&c->polls),
        .poll_hits = load(&c->poll_hits),
        .poll_ns = load(&c->poll_ns),
        .idle_strips = load(&c->idle_strips),
        .idle_wait_ns = load(&c->idle_wait_ns),
        .idle_wait_max_ns = load(&c->idle_wait_max_ns),
    };
}

void cc_encoder_free(cc_encoder *enc)
{
    if (!enc)
        return;
    pthread_mutex_lock(&enc->lock);
    enc->stop = true;
    atomic_store_explicit(&enc->stopping, true, memory_order_relaxed);
    pthread_cond_broadcast(&enc->wake);
    pthread_mutex_unlock(&enc->lock);

    for (unsigned i = 0; i < enc->n_started; i++)
        pthread_join(enc->workers[i].thread, NULL);
    for (unsigned i = 0; i < enc->n_workers; i++)
        if (enc->workers[i].tj)
            tjDestroy(enc->workers[i].tj);
    pthread_cond_destroy(&enc->started);
    pthread_cond_destroy(&enc->wake);
    pthread_mutex_destroy(&enc->lock);
    free(enc);
}

/* ---- tuning from the environment ---- */

/* name's value as an integer in lo..hi; unset or empty: *out untouched. */
static int env_uint(const char *name, unsigned lo, unsigned hi, unsigned *out,
                    char *err, size_t errlen)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno || *end || end == v || *v == '-' || n < lo || n > hi) {
        snprintf(err, errlen, "%s=%s: not a whole number from %u to %u", name, v,
                 lo, hi);
        return -EINVAL;
    }
    *out = (unsigned)n;
    return 0;
}

int cc_encoder_tuning_from_env(cc_encoder_tuning *t, char *err, size_t errlen)
{
    *t = (cc_encoder_tuning){0};
    unsigned pin = 0, batch = 1;
    int rc = env_uint("CAMCAST_ENCODER_SPIN_US", 0, 10000, &t->spin_us, err, errlen);
    if (!rc)
        rc = env_uint("CAMCAST_ENCODER_PREWAKE_US", 0, 10000, &t->prewake_us, err,
                      errlen);
    if (!rc)
        rc = env_uint("CAMCAST_ENCODER_PIN", 0, 1, &pin, err, errlen);
    if (!rc)
        rc = env_uint("CAMCAST_ENCODER_BATCH", 0, 1, &batch, err, errlen);
    if (!rc)
        rc = env_uint("CAMCAST_ENCODER_STRIPS", 0, MAX_PARTS, &t->strips, err, errlen);
    t->pin = pin == 1;
    t->unbatched = batch == 0;
    return rc;
}

const char *cc_encoder_tuning_str(const cc_encoder_tuning *t, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
#define ADD(...)                                                              \
    do {                                                                      \
        if (n < cap)                                                          \
            n += (size_t)snprintf(buf + n, cap - n, "%s", n ? ", " : "");     \
        if (n < cap)                                                          \
            n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__);             \
    } while (0)
    if (t->spin_us)
        ADD("spin %u us", t->spin_us);
    if (t->prewake_us)
        ADD("prewake %u us", t->prewake_us);
    if (t->pin)
        ADD("pinned");
    if (t->unbatched)
        ADD("unbatched");
    if (t->strips)
        ADD("%u strips", t->strips);
#undef ADD
    return buf;
}
