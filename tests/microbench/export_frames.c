#include "export_frames.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "capture/source.h"
#include "encode/encoder.h"

typedef struct one_job {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
} one_job;

static void on_done(cc_encode_job *job, void *arg)
{
    (void)job;
    one_job *o = arg;
    pthread_mutex_lock(&o->lock);
    o->done = true;
    pthread_cond_signal(&o->cond);
    pthread_mutex_unlock(&o->lock);
}

static int encode(cc_encoder *enc, cc_encode_job *job, one_job *o)
{
    o->done = false;
    cc_encoder_submit(enc, job);
    pthread_mutex_lock(&o->lock);
    while (!o->done)
        pthread_cond_wait(&o->cond, &o->lock);
    pthread_mutex_unlock(&o->lock);
    return job->err;
}

static int write_file(const char *path, const void *data, size_t n, char *err,
                      size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    size_t w = fwrite(data, 1, n, f);
    if (fclose(f) != 0 || w != n) {
        snprintf(err, errlen, "%s: write failed", path);
        return -EIO;
    }
    return 0;
}

/* The JPEG decoded as 8-bit gray or RGB into raw (width * height * 1 or 3). */
static int decode(tjhandle tj, const cc_encode_job *job, uint8_t *raw)
{
    int pf = job->gray ? TJPF_GRAY : TJPF_RGB;
    return tjDecompress2(tj, job->jpeg, (unsigned long)job->jpeg_size, raw,
                         (int)job->width, 0, (int)job->height, pf, TJFLAG_ACCURATEDCT)
               ? -EIO
               : 0;
}

typedef struct cam_ctx {
    const char *dir;
    unsigned count, skip;
    cc_encoder *enc;
    tjhandle tj;
    one_job *o;
} cam_ctx;

static int export_camera(const cam_ctx *c, const cc_config *cfg, size_t i,
                         cc_export_camera *out, char *err, size_t errlen)
{
    cc_camera_config cc = cfg->cameras[i];
    cc.grab_fps = 1e9; /* grab() records the next position at once */
    cc_source *src;
    int rc = cc_testpattern_new(&src, &cc);
    if (rc < 0)
        return rc;
    cc_encode_job job;
    cc_encode_opts opts = {.painted = true};
    rc = cc_encode_job_init(&job, src->width, src->height, src->fmt, &opts);
    if (rc < 0) {
        cc_source_free(src);
        return rc;
    }
    cc_frame frame = {0};
    job.frame = &frame;
    job.quality = cfg->server.jpeg_quality;
    job.done = on_done;
    job.arg = c->o;
    snprintf(out->name, sizeof out->name, "%s", cc.name);
    uint8_t *raw = malloc((size_t)src->width * src->height * 3);
    double bytes = 0;
    for (unsigned n = 0; n < c->count && rc == 0; n++) {
        for (unsigned k = 0; k < c->skip && rc == 0; k++)
            rc = cc_source_grab(src, &frame, -1);
        if (rc == 0)
            rc = raw ? encode(c->enc, &job, c->o) : -ENOMEM;
        if (rc == 0)
            rc = decode(c->tj, &job, raw);
        char path[4096];
        size_t px = (size_t)job.width * job.height * (job.gray ? 1 : 3);
        snprintf(path, sizeof path, "%s/%s-%03u.jpg", c->dir, cc.name, n);
        if (rc == 0)
            rc = write_file(path, job.jpeg, job.jpeg_size, err, errlen);
        snprintf(path, sizeof path, "%s/%s-%03u.raw", c->dir, cc.name, n);
        if (rc == 0)
            rc = write_file(path, raw, px, err, errlen);
        bytes += (double)job.jpeg_size;
    }
    out->width = job.width;
    out->height = job.height;
    out->gray = job.gray;
    out->jpeg_bytes = bytes / c->count;
    free(raw);
    cc_encode_job_destroy(&job);
    cc_source_free(src);
    return rc;
}

int cc_export_frames(cc_export *out, const char *config, const char *dir,
                     unsigned count, double fps, char *err, size_t errlen)
{
    cc_config cfg;
    int rc = cc_config_load(&cfg, config, err, errlen);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof *out);
    out->fps = fps > 0 ? fps : cfg.server.stream_fps;
    out->quality = cfg.server.jpeg_quality;
    out->count = count;
    one_job o = {.done = false};
    pthread_mutex_init(&o.lock, NULL);
    pthread_cond_init(&o.cond, NULL);
    cam_ctx c = {.dir = dir, .count = count, .o = &o, .tj = tjInitDecompress()};
    rc = c.tj ? cc_encoder_new(&c.enc, 1) : -ENOMEM;
    for (size_t i = 0; i < cfg.n_cameras && rc == 0; i++) {
        if (cfg.cameras[i].source != CC_SOURCE_TESTPATTERN) {
            snprintf(err, errlen, "camera %s: only test patterns can be exported",
                     cfg.cameras[i].name);
            rc = -EINVAL;
            break;
        }
        long skip = (long)(cfg.cameras[i].grab_fps / out->fps + 0.5);
        c.skip = skip < 1 ? 1 : (unsigned)skip;
        rc = export_camera(&c, &cfg, i, &out->cameras[i], err, errlen);
        out->n_cameras += rc == 0;
    }
    cc_encoder_free(c.enc);
    if (c.tj)
        tjDestroy(c.tj);
    pthread_mutex_destroy(&o.lock);
    pthread_cond_destroy(&o.cond);
    cc_config_destroy(&cfg);
    return rc;
}
