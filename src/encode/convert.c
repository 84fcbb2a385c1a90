#include "convert.h"

#include <errno.h>

cc_layout cc_convert_layout(cc_pixfmt fmt)
{
    if (fmt == CC_PIX_BGR8)
        return CC_LAYOUT_BGR;
    if (!cc_pixfmt_name(fmt))
        return 0;
    return cc_pixfmt_is_mono(fmt) ? CC_LAYOUT_GRAY : CC_LAYOUT_RGB;
}

bool cc_convert_needed(cc_pixfmt fmt)
{
    return cc_pixfmt_name(fmt) && fmt != CC_PIX_MONO8 && fmt != CC_PIX_RGB8 &&
           fmt != CC_PIX_BGR8;
}

size_t cc_convert_bytes(cc_pixfmt fmt, uint32_t width, uint32_t height)
{
    if (!cc_convert_needed(fmt))
        return 0;
    size_t channels = cc_convert_layout(fmt) == CC_LAYOUT_GRAY ? 1 : 3;
    if ((size_t)width > SIZE_MAX / channels / (height ? height : 1))
        return 0;
    return (size_t)width * height * channels;
}

/* ---- monochrome: the top 8 bits of each pixel ---- */

/* Mono10/12/16: 16-bit little-endian containers holding `bits` bits. Values
 * above the format's range (invalid) are clipped. */
static void mono16_row(const uint8_t *src, uint8_t *dst, uint32_t w,
                       unsigned bits)
{
    unsigned shift = bits - 8;
    for (uint32_t x = 0; x < w; x++) {
        unsigned v = (unsigned)(src[2 * x] | src[2 * x + 1] << 8) >> shift;
        dst[x] = v > 255 ? 255 : (uint8_t)v;
    }
}

/* GigE Vision Mono10Packed/Mono12Packed: 2 pixels in 3 bytes, and bytes 0
 * and 2 of each group are the high 8 bits of pixels 0 and 1. */
static void gige_packed_row(const uint8_t *src, uint8_t *dst, uint32_t w)
{
    for (uint32_t x = 0; x < w; x++)
        dst[x] = src[x / 2 * 3 + (x & 1) * 2];
}

/* PFNC Mono10p/Mono12p: one LSB-first bit stream per row. */
static void pfnc_packed_row(const uint8_t *src, uint8_t *dst, uint32_t w,
                            unsigned bits, size_t row_bytes)
{
    for (uint32_t x = 0; x < w; x++) {
        size_t bit = (size_t)x * bits, byte = bit / 8;
        uint32_t v = src[byte];
        if (byte + 1 < row_bytes)
            v |= (uint32_t)src[byte + 1] << 8;
        if (byte + 2 < row_bytes)
            v |= (uint32_t)src[byte + 2] << 16;
        v = (v >> (bit % 8)) & ((1u << bits) - 1);
        dst[x] = (uint8_t)(v >> (bits - 8));
    }
}

/* ---- Bayer: bilinear demosaicing ---- */

static bool is_bayer(cc_pixfmt fmt)
{
    return fmt == CC_PIX_BAYER_RG8 || fmt == CC_PIX_BAYER_GB8 ||
           fmt == CC_PIX_BAYER_GR8 || fmt == CC_PIX_BAYER_BG8;
}

/* Where red sits in the 2x2 tile, (rx, ry). Blue is diagonal to it. */
static void red_site(cc_pixfmt fmt, unsigned *rx, unsigned *ry)
{
    *rx = fmt == CC_PIX_BAYER_GR8 || fmt == CC_PIX_BAYER_BG8;
    *ry = fmt == CC_PIX_BAYER_GB8 || fmt == CC_PIX_BAYER_BG8;
}

/* One RGB row. up and down are the neighbouring rows, mirrored at the
 * image edges (row -1 is row 1), as are columns: mirroring by one keeps
 * every site's colour, so edges need no special case but the index. The
 * row holds `own` colour (red in a red row, else blue) at x parity p and
 * green elsewhere; `other` is the colour of the rows above and below. */
static void bayer_row(const uint8_t *up, const uint8_t *mid,
                      const uint8_t *down, uint8_t *dst, uint32_t w,
                      unsigned p, bool red_row)
{
    unsigned own_c = red_row ? 0 : 2, other_c = 2 - own_c;
    for (uint32_t x = 0; x < w; x++) {
        uint32_t l = x ? x - 1 : 1, r = x + 1 < w ? x + 1 : w - 2;
        uint8_t *o = dst + 3 * (size_t)x;
        if ((x & 1) == p) {
            o[own_c] = mid[x];
            o[1] = (uint8_t)((mid[l] + mid[r] + up[x] + down[x] + 2) / 4);
            o[other_c] =
                (uint8_t)((up[l] + up[r] + down[l] + down[r] + 2) / 4);
        } else {
            o[1] = mid[x];
            o[own_c] = (uint8_t)((mid[l] + mid[r] + 1) / 2);
            o[other_c] = (uint8_t)((up[x] + down[x] + 1) / 2);
        }
    }
}

static void bayer(const cc_frame *f, uint8_t *dst)
{
    unsigned rx, ry;
    red_site(f->fmt, &rx, &ry);
    uint32_t w = f->width, h = f->height;
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *mid = f->data + (size_t)y * f->stride;
        const uint8_t *up = f->data + (size_t)(y ? y - 1 : 1) * f->stride;
        const uint8_t *down =
            f->data + (size_t)(y + 1 < h ? y + 1 : h - 2) * f->stride;
        bool red_row = (y & 1) == ry;
        bayer_row(up, mid, down, dst + (size_t)y * w * 3, w,
                  red_row ? rx : rx ^ 1, red_row);
    }
}

/* ---- YUV 4:2:2 ---- */

static uint8_t clamp8(int v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* Full-range BT.601 (JFIF) in 8.8 fixed point. The offset keeps the
 * shifted values non-negative, so the shift is a floor. */
#define FIX(x) ((int)((x) * 256 + 0.5))
#define SHIFT_OFFSET (1 << 20)

static int scaled(int v)
{
    return ((v + 128 + SHIFT_OFFSET) >> 8) - (SHIFT_OFFSET >> 8);
}

static void yuv_pixel(int y, int u, int v, uint8_t *o)
{
    o[0] = clamp8(y + scaled(FIX(1.402) * v));
    o[1] = clamp8(y - scaled(FIX(0.344136) * u + FIX(0.714136) * v));
    o[2] = clamp8(y + scaled(FIX(1.772) * u));
}

/* yi: offsets of Y0, U, Y1, V in a 4-byte group (UYVY: 1 0 3 2). */
static void yuv422_row(const uint8_t *src, uint8_t *dst, uint32_t w,
                       const unsigned yi[4])
{
    for (uint32_t x = 0; x < w; x += 2) {
        const uint8_t *g = src + 2 * (size_t)x;
        int u = g[yi[1]] - 128, v = g[yi[3]] - 128;
        yuv_pixel(g[yi[0]], u, v, dst + 3 * (size_t)x);
        yuv_pixel(g[yi[2]], u, v, dst + 3 * (size_t)x + 3);
    }
}

/* ---- dispatch ---- */

static bool shape_ok(const cc_frame *f)
{
    if (is_bayer(f->fmt))
        return f->width >= 2 && f->height >= 2;
    if (f->fmt == CC_PIX_YUV422_UYVY || f->fmt == CC_PIX_YUV422_YUYV)
        return f->width % 2 == 0;
    return true;
}

static int check(const cc_frame *f, size_t cap)
{
    size_t row = cc_pixfmt_row_bytes(f->fmt, f->width);
    if (!cc_convert_needed(f->fmt) || !f->data || f->width == 0 ||
        f->height == 0 || f->stride < row || !shape_ok(f))
        return -EINVAL;
    if ((uint64_t)f->stride * (f->height - 1) + row > f->size)
        return -EINVAL;
    size_t need = cc_convert_bytes(f->fmt, f->width, f->height);
    if (need == 0)
        return -EINVAL;
    return need > cap ? -ENOSPC : 0;
}

static void convert_row(const cc_frame *f, const uint8_t *src, uint8_t *dst)
{
    static const unsigned uyvy[4] = {1, 0, 3, 2}, yuyv[4] = {0, 1, 2, 3};
    uint32_t w = f->width;
    switch (f->fmt) {
    case CC_PIX_MONO10:
        mono16_row(src, dst, w, 10);
        break;
    case CC_PIX_MONO12:
        mono16_row(src, dst, w, 12);
        break;
    case CC_PIX_MONO16:
        mono16_row(src, dst, w, 16);
        break;
    case CC_PIX_MONO10_PACKED:
    case CC_PIX_MONO12_PACKED:
        gige_packed_row(src, dst, w);
        break;
    case CC_PIX_MONO10P:
    case CC_PIX_MONO12P:
        pfnc_packed_row(src, dst, w, cc_pixfmt_bits(f->fmt),
                        cc_pixfmt_row_bytes(f->fmt, w));
        break;
    case CC_PIX_YUV422_UYVY:
        yuv422_row(src, dst, w, uyvy);
        break;
    case CC_PIX_YUV422_YUYV:
        yuv422_row(src, dst, w, yuyv);
        break;
    default: /* Bayer is done whole; the rest needs no conversion */
        break;
    }
}

int cc_convert(const cc_frame *src, uint8_t *dst, size_t cap)
{
    int rc = check(src, cap);
    if (rc)
        return rc;
    if (is_bayer(src->fmt)) { /* needs the neighbouring rows */
        bayer(src, dst);
        return 0;
    }
    size_t out_row = cc_convert_bytes(src->fmt, src->width, 1);
    for (uint32_t y = 0; y < src->height; y++)
        convert_row(src, src->data + (size_t)y * src->stride,
                    dst + (size_t)y * out_row);
    return 0;
}
