#include "encode_bench.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encode/encoder.h"
#include "proc_stats.h"
#include "capture/source.h"

#define FRAMES_PER_PATTERN 2 /* distinct frames, so caches see new data */
#define MAX_FRAMES (3 * FRAMES_PER_PATTERN)
#define MAX_THREADS 64

typedef struct frame_set {
    cc_frame frames[MAX_FRAMES];
    unsigned n;
} frame_set;

/* Completed jobs come back to the submitting thread through this. */
typedef struct runner {
    pthread_mutex_t lock;
    pthread_cond_t done;
    cc_encode_job *finished; /* stack of jobs done, guarded by lock */
} runner;

static void frame_set_free(frame_set *fs)
{
    for (unsigned i = 0; i < fs->n; i++)
        free(fs->frames[i].data);
    fs->n = 0;
}

static int grab_frames(frame_set *fs, const cc_enc_spec *spec, cc_pattern pattern)
{
    cc_camera_config cfg = {.source = CC_SOURCE_TESTPATTERN, .width = spec->width,
                            .height = spec->height, .pixfmt = spec->fmt,
                            .grab_fps = 10000, .pattern = pattern};
    cc_source *src;
    int rc = cc_testpattern_new(&src, &cfg);
    if (rc < 0)
        return rc;
    size_t bytes = cc_pixfmt_row_bytes(src->fmt, src->width) * src->height;
    for (unsigned i = 0; i < FRAMES_PER_PATTERN && rc == 0; i++) {
        cc_frame *f = &fs->frames[fs->n];
        *f = (cc_frame){.data = malloc(bytes), .capacity = bytes};
        if (!f->data) {
            rc = -ENOMEM;
            break;
        }
        fs->n++;
        /* Painted once here: the reference is TurboJPEG on ready pixels. */
        rc = cc_source_grab(src, f, -1);
        if (rc == 0)
            rc = cc_frame_fill(f);
    }
    cc_source_free(src);
    return rc;
}

static int frame_set_init(frame_set *fs, const cc_enc_spec *spec)
{
    static const cc_pattern all[] = {CC_PATTERN_SCROLL, CC_PATTERN_BARS,
                                     CC_PATTERN_CHECKER};
    memset(fs, 0, sizeof *fs);
    int rc = 0;
    for (unsigned p = 0; p < 3 && rc == 0; p++)
        if (spec->pattern == 0 || spec->pattern == all[p])
            rc = grab_frames(fs, spec, all[p]);
    if (rc < 0)
        frame_set_free(fs);
    return rc;
}

static void on_done(cc_encode_job *job, void *arg)
{
    runner *r = arg;
    pthread_mutex_lock(&r->lock);
    job->next = r->finished; /* the pool no longer holds it */
    r->finished = job;
    pthread_cond_signal(&r->done);
    pthread_mutex_unlock(&r->lock);
}

static cc_encode_job *wait_done(runner *r)
{
    pthread_mutex_lock(&r->lock);
    while (!r->finished)
        pthread_cond_wait(&r->done, &r->lock);
    cc_encode_job *job = r->finished;
    r->finished = job->next;
    pthread_mutex_unlock(&r->lock);
    return job;
}

typedef struct tally {
    uint64_t frames, bytes, job_ns, levels_ns;
    int err;
} tally;

/* Keeps one job per worker in flight until the time or frame budget is
 * spent, then collects the jobs still out. */
static void pump(cc_encoder *enc, runner *r, cc_encode_job *jobs, unsigned n,
                 const frame_set *fs, double seconds, uint64_t max_frames,
                 tally *t)
{
    double end = cc_mono_s() + seconds;
    uint64_t submitted = 0;
    unsigned out = 0;
    for (unsigned i = 0; i < n; i++) {
        jobs[i].frame = &fs->frames[submitted++ % fs->n];
        cc_encoder_submit(enc, &jobs[i]);
        out++;
    }
    while (out > 0) {
        cc_encode_job *job = wait_done(r);
        out--;
        t->frames++;
        t->bytes += job->jpeg_size;
        t->job_ns += job->encode_ns;
        t->levels_ns += job->levels_ns;
        if (job->err && !t->err)
            t->err = job->err;
        bool more = max_frames ? submitted < max_frames : cc_mono_s() < end;
        if (more && !t->err) {
            job->frame = &fs->frames[submitted++ % fs->n];
            cc_encoder_submit(enc, job);
            out++;
        }
    }
}

static int jobs_init(cc_encode_job *jobs, unsigned n, const cc_enc_spec *spec,
                     runner *r)
{
    for (unsigned i = 0; i < n; i++) {
        cc_encode_opts opts = {.scale = spec->scale};
        int rc = cc_encode_job_init(&jobs[i], spec->width, spec->height,
                                    spec->fmt, &opts);
        if (rc < 0) {
            while (i-- > 0)
                cc_encode_job_destroy(&jobs[i]);
            return rc;
        }
        jobs[i].quality = spec->quality;
        jobs[i].levels_wanted = spec->levels;
        jobs[i].done = on_done;
        jobs[i].arg = r;
    }
    return 0;
}

static int measure(const cc_enc_spec *spec, unsigned threads, const frame_set *fs,
                   double seconds, uint64_t max_frames, cc_enc_result *res)
{
    runner r = {.finished = NULL};
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.done, NULL);
    cc_encode_job jobs[MAX_THREADS];
    cc_encoder *enc = NULL;
    int rc = jobs_init(jobs, threads, spec, &r);
    if (rc == 0 && (rc = cc_encoder_new(&enc, threads)) < 0)
        for (unsigned i = 0; i < threads; i++)
            cc_encode_job_destroy(&jobs[i]);
    if (rc < 0)
        return rc;

    cc_proc_sample a, b;
    tally t = {0};
    cc_proc_sample_take(getpid(), &a);
    pump(enc, &r, jobs, threads, fs, seconds, max_frames, &t);
    cc_proc_sample_take(getpid(), &b);
    cc_encoder_free(enc);
    for (unsigned i = 0; i < threads; i++)
        cc_encode_job_destroy(&jobs[i]);
    pthread_mutex_destroy(&r.lock);
    pthread_cond_destroy(&r.done);
    if (t.err)
        return t.err;

    *res = (cc_enc_result){.threads = threads, .frames = t.frames,
                           .wall_s = b.wall_s - a.wall_s,
                           .cpu_s = b.encode_s - a.encode_s};
    res->fps = (double)t.frames / res->wall_s;
    res->cpu_ms_per_frame = res->cpu_s * 1e3 / (double)t.frames;
    res->mpix_per_s = res->fps * spec->width * spec->height / 1e6;
    res->jpeg_bytes = (double)t.bytes / (double)t.frames;
    res->job_ms = (double)t.job_ns / 1e6 / (double)t.frames;
    res->levels_ms = (double)t.levels_ns / 1e6 / (double)t.frames;
    return 0;
}

int cc_enc_run(const cc_enc_spec *spec, unsigned threads, double seconds,
               uint64_t max_frames, cc_enc_result *out)
{
    if (threads == 0 || threads > MAX_THREADS)
        return -EINVAL;
    frame_set fs;
    int rc = frame_set_init(&fs, spec);
    if (rc < 0)
        return rc;
    rc = measure(spec, threads, &fs, seconds, max_frames, out);
    frame_set_free(&fs);
    return rc;
}

const char *cc_enc_spec_name(const cc_enc_spec *spec, char *buf, size_t cap)
{
    const char *fmt = cc_pixfmt_name(spec->fmt);
    if (spec->scale > 1)
        snprintf(buf, cap, "%ux%u %s 1/%u", spec->width, spec->height, fmt ? fmt : "?",
                 spec->scale);
    else
        snprintf(buf, cap, "%ux%u %s", spec->width, spec->height, fmt ? fmt : "?");
    return buf;
}
