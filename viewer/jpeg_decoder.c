#include "jpeg_decoder.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* XRGB8888 is a 32-bit word: its bytes in memory depend on endianness. */
/* The daemon's largest frame side: a bigger one is not a camera's. */
#define CC_JPEG_MAX_DIM 16384

#if SDL_BYTEORDER == SDL_LIL_ENDIAN
#define XRGB_TJPF TJPF_BGRX
#else
#define XRGB_TJPF TJPF_XRGB
#endif

int cc_jpeg_decoder_init(cc_jpeg_decoder *d)
{
    memset(d, 0, sizeof *d);
    d->tj = tjInitDecompress();
    return d->tj ? 0 : -ENOMEM;
}

void cc_jpeg_decoder_destroy(cc_jpeg_decoder *d)
{
    if (d->tj)
        tjDestroy(d->tj);
    free(d->gray);
    memset(d, 0, sizeof *d);
}

tjscalingfactor cc_jpeg_pick_scale(int w, int h, int want_w, int want_h)
{
    tjscalingfactor best = {1, 1};
    if (want_w <= 0 || want_h <= 0)
        return best;
    int n = 0;
    const tjscalingfactor *f = tjGetScalingFactors(&n);
    for (int i = 0; f && i < n; i++) {
        if (f[i].num > f[i].denom)
            continue; /* upscaling is the renderer's job */
        if (TJSCALED(w, f[i]) < want_w || TJSCALED(h, f[i]) < want_h)
            continue;
        /* a/b < c/d  <=>  a*d < c*b */
        if (f[i].num * best.denom < best.num * f[i].denom)
            best = f[i];
    }
    return best;
}

static int tj_fail(cc_jpeg_decoder *d)
{
    snprintf(d->err, sizeof d->err, "%s", tjGetErrorStr2(d->tj));
    return -EINVAL;
}

/* TurboJPEG returns -1 for warnings too (a truncated scan): the image is
 * still usable then, only fatal errors lose the frame. */
static bool tj_failed(cc_jpeg_decoder *d, int rc)
{
    return rc != 0 && tjGetErrorCode(d->tj) == TJERR_FATAL;
}

static void gray_to_xrgb(const uint8_t *g, uint8_t *px, size_t n)
{
    uint32_t *out = (uint32_t *)(void *)px;
    for (size_t i = 0; i < n; i++)
        out[i] = 0xff000000u | (uint32_t)g[i] * 0x010101u;
}

static int decode_pixels(cc_jpeg_decoder *d, const cc_fb_entry *e, int w,
                         int h, bool gray, cc_frame *f)
{
    size_t n = (size_t)w * (size_t)h;
    if (cc_buf_reserve(&f->pixels, &f->pixels_cap, n * 4))
        return -ENOMEM;
    uint8_t *dst = f->pixels;
    if (gray) {
        if (cc_buf_reserve(&d->gray, &d->gray_cap, n))
            return -ENOMEM;
        dst = d->gray;
    }
    /* LIMITSCANS: a progressive JPEG of thousands of tiny scans costs
     * seconds of CPU in a few kB. */
    int rc = tjDecompress2(d->tj, e->payload, e->payload_size, dst, w,
                           gray ? w : w * 4, h, gray ? TJPF_GRAY : XRGB_TJPF,
                           TJFLAG_FASTDCT | TJFLAG_LIMITSCANS);
    if (tj_failed(d, rc))
        return tj_fail(d);
    if (gray)
        gray_to_xrgb(d->gray, f->pixels, n);
    return 0;
}

int cc_jpeg_decode(cc_jpeg_decoder *d, const cc_fb_entry *e, int want_w,
                   int want_h, cc_frame *f)
{
    /* Not all set for a tables-only stream: start from 0x0. */
    int jw = 0, jh = 0, subsamp, colorspace;
    if (tjDecompressHeader3(d->tj, e->payload, e->payload_size, &jw, &jh,
                            &subsamp, &colorspace))
        return tj_fail(d);
    /* TurboJPEG accepts a tables-only stream, which has no image. */
    if (jw <= 0 || jh <= 0 || jw > CC_JPEG_MAX_DIM || jh > CC_JPEG_MAX_DIM) {
        snprintf(d->err, sizeof d->err, "no image of a usable size (%dx%d)", jw, jh);
        return -EINVAL;
    }
    /* The entry's size was checked against the hello; the JPEG's is what
     * the buffers would be sized for. */
    if ((uint32_t)jw != e->width || (uint32_t)jh != e->height) {
        snprintf(d->err, sizeof d->err, "the JPEG is %dx%d, its entry says %" PRIu32
                 "x%" PRIu32, jw, jh, e->width, e->height);
        return -EPROTO;
    }
    tjscalingfactor s = cc_jpeg_pick_scale(jw, jh, want_w, want_h);
    int w = TJSCALED(jw, s), h = TJSCALED(jh, s);
    int rc = decode_pixels(d, e, w, h, e->flags & CC_FB_ENTRY_FLAG_GRAY, f);
    if (rc)
        return rc;
    if (cc_buf_reserve(&f->jpeg, &f->jpeg_cap, e->payload_size))
        return -ENOMEM;
    memcpy(f->jpeg, e->payload, e->payload_size);
    f->entry = *e;
    f->entry.payload = f->jpeg;
    f->w = w;
    f->h = h;
    f->scale_num = s.num;
    f->scale_denom = s.denom;
    return 0;
}
