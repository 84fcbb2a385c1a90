#include "encoder.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "convert.h"

enum { MAX_WORKERS = 64 };

/* TurboJPEG already compresses with the fast DCT by default, so
 * TJFLAG_FASTDCT would change nothing. With libjpeg-turbo 2.1.5 on x86-64
 * (AVX2) the accurate DCT measured about 3% faster at 1920x1200, and it is
 * more precise, so ask for it. NOREALLOC: the buffer is sized with
 * tjBufSize, so TurboJPEG must never reallocate it. */
#define COMPRESS_FLAGS (TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT)

typedef struct worker {
    cc_encoder *enc;
    tjhandle tj;
    pthread_t thread;
    unsigned index;
} worker;

struct cc_encoder {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    cc_encode_job *head, *tail; /* FIFO of queued jobs, guarded by lock */
    bool stop;                  /* guarded by lock */
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

int cc_encode_job_init(cc_encode_job *job, uint32_t width, uint32_t height,
                       cc_pixfmt fmt)
{
    *job = (cc_encode_job){0};
    int pixel_format, subsamp;
    size_t cap;
    int err = tj_format(fmt, &pixel_format, &subsamp);
    if (!err)
        err = jpeg_bound(width, height, subsamp, &cap);
    if (err)
        return err;
    size_t conv = cc_convert_bytes(fmt, width, height);
    if (cc_convert_needed(fmt) && conv == 0)
        return -EINVAL;
    /* With TJFLAG_NOREALLOC TurboJPEG never reallocates or frees the buffer,
     * so plain malloc (size_t, unlike tjAlloc's int) is compatible. */
    job->jpeg = malloc(cap);
    job->conv = conv ? malloc(conv) : NULL;
    if (!job->jpeg || (conv && !job->conv)) {
        cc_encode_job_destroy(job);
        return -ENOMEM;
    }
    job->jpeg_cap = cap;
    job->conv_cap = conv;
    return 0;
}

void cc_encode_job_destroy(cc_encode_job *job)
{
    free(job->jpeg);
    free(job->conv);
    job->jpeg = job->conv = NULL;
    job->jpeg_cap = job->conv_cap = 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Rejects what would make TurboJPEG read past the frame or write past the
 * job's buffer. */
static int check_job(const cc_encode_job *job, int subsamp)
{
    const cc_frame *f = job->frame;
    size_t bound;
    int err = jpeg_bound(f->width, f->height, subsamp, &bound);
    if (err)
        return err;
    uint64_t row = cc_pixfmt_row_bytes(f->fmt, f->width);
    if (!f->data || f->stride < row || f->stride > INT_MAX)
        return -EINVAL;
    if ((uint64_t)f->stride * (f->height - 1) + row > f->size)
        return -EINVAL;
    if (bound > job->jpeg_cap || job->quality < 1 || job->quality > 100)
        return -EINVAL;
    if (cc_convert_bytes(f->fmt, f->width, f->height) > job->conv_cap)
        return -EINVAL;
    return 0;
}

/* What TurboJPEG compresses: the frame itself, or its conversion. */
typedef struct image {
    const uint8_t *px;
    uint32_t pitch;
} image;

static int convert(cc_encode_job *job, image *img)
{
    const cc_frame *f = job->frame;
    int rc = cc_convert(f, job->conv, job->conv_cap);
    if (rc)
        return rc;
    img->px = job->conv;
    img->pitch = (uint32_t)cc_convert_bytes(f->fmt, f->width, 1);
    return 0;
}

static int compress(tjhandle tj, cc_encode_job *job, const image *img,
                    int pixel_format, int subsamp)
{
    const cc_frame *f = job->frame;
    unsigned char *out = job->jpeg;
    unsigned long size = job->jpeg_cap;
    int rc = tjCompress2(tj, img->px, (int)f->width, (int)img->pitch,
                         (int)f->height, pixel_format, &out, &size, subsamp,
                         job->quality, COMPRESS_FLAGS);
    if (rc != 0)
        return -EIO;
    job->jpeg_size = size;
    return 0;
}

static void encode(tjhandle tj, cc_encode_job *job)
{
    const cc_frame *f = job->frame;
    job->width = f->width;
    job->height = f->height;
    job->gray = cc_pixfmt_is_mono(f->fmt);
    job->jpeg_size = 0;
    job->encode_ns = job->convert_ns = 0;

    int pixel_format, subsamp;
    image img = {f->data, f->stride};
    uint64_t start = now_ns();
    job->err = tj_format(f->fmt, &pixel_format, &subsamp);
    if (!job->err)
        job->err = check_job(job, subsamp);
    if (!job->err && cc_convert_needed(f->fmt)) {
        job->err = convert(job, &img);
        job->convert_ns = now_ns() - start;
    }
    if (!job->err)
        job->err = compress(tj, job, &img, pixel_format, subsamp);
    job->encode_ns = now_ns() - start;
}

/* Next job; NULL only once stopping and the queue is drained, so every
 * queued job gets its done callback. */
static cc_encode_job *pop(cc_encoder *enc)
{
    pthread_mutex_lock(&enc->lock);
    while (!enc->head && !enc->stop)
        pthread_cond_wait(&enc->wake, &enc->lock);
    cc_encode_job *job = enc->head;
    if (job) {
        enc->head = job->next;
        if (!enc->head)
            enc->tail = NULL;
        job->next = NULL;
    }
    pthread_mutex_unlock(&enc->lock);
    return job;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    char name[16];
    snprintf(name, sizeof name, "jpeg-%u", w->index);
    pthread_setname_np(pthread_self(), name);

    cc_encode_job *job;
    while ((job = pop(w->enc))) {
        encode(w->tj, job);
        job->done(job, job->arg);
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
    err = pthread_cond_init(&enc->wake, NULL);
    if (err) {
        pthread_mutex_destroy(&enc->lock);
        return -err;
    }
    return 0;
}

/* Handles are made before any thread runs so a failure needs no
 * reporting back from a thread. */
static int start_workers(cc_encoder *enc)
{
    for (unsigned i = 0; i < enc->n_workers; i++) {
        enc->workers[i] = (worker){.enc = enc, .index = i};
        enc->workers[i].tj = tjInitCompress();
        /* tjInitCompress fails only when out of memory. */
        if (!enc->workers[i].tj)
            return -ENOMEM;
    }
    for (unsigned i = 0; i < enc->n_workers; i++) {
        worker *w = &enc->workers[i];
        int err = pthread_create(&w->thread, NULL, worker_main, w);
        if (err)
            return -err;
        enc->n_started++;
    }
    return 0;
}

int cc_encoder_new(cc_encoder **out, unsigned workers)
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
    enc->n_workers = n;
    err = start_workers(enc);
    if (err) {
        cc_encoder_free(enc);
        return err;
    }
    *out = enc;
    return 0;
}

unsigned cc_encoder_workers(const cc_encoder *enc)
{
    return enc->n_workers;
}

void cc_encoder_submit(cc_encoder *enc, cc_encode_job *job)
{
    pthread_mutex_lock(&enc->lock);
    job->next = NULL;
    if (enc->tail)
        enc->tail->next = job;
    else
        enc->head = job;
    enc->tail = job;
    pthread_cond_signal(&enc->wake);
    pthread_mutex_unlock(&enc->lock);
}

void cc_encoder_free(cc_encoder *enc)
{
    if (!enc)
        return;
    pthread_mutex_lock(&enc->lock);
    enc->stop = true;
    pthread_cond_broadcast(&enc->wake);
    pthread_mutex_unlock(&enc->lock);

    for (unsigned i = 0; i < enc->n_started; i++)
        pthread_join(enc->workers[i].thread, NULL);
    for (unsigned i = 0; i < enc->n_workers; i++)
        if (enc->workers[i].tj)
            tjDestroy(enc->workers[i].tj);
    pthread_cond_destroy(&enc->wake);
    pthread_mutex_destroy(&enc->lock);
    free(enc);
}
