/* The built-in test pattern: a moving, textured image with the frame number
 * in big digits in the bottom-left corner (clients draw their overlays at
 * the top).
 *
 * Painting a textured 1920x1200 image takes far longer than a frame period at
 * 400 FPS, so each pattern is painted once, at creation, into a "world" the
 * size of a frame that wraps around in both directions. Frame k is the world
 * shifted by k times the pattern's velocity. A grab only records that shift
 * (the frame's paint_x, paint_y): the pixels are painted by the encoder
 * worker, for the frames that get streamed (cc_painter in frame.h), so the
 * grab thread costs what a camera's DMA would, and a benchmark measures the
 * daemon, not the pattern. Painting is one or two memcpy per row, then the
 * digits over a small box. The texture (edges, gradients, noise) gives JPEG
 * sizes like a real camera's.
 *
 * Like a sensor, it has an exposure time and a gain (features
 * ExposureTime and Gain, docs/control.md): brightness scales with
 * exposure / 10 ms times the gain's factor, clipping at white. A frame
 * carries the brightness it was grabbed with (paint_level), and the worker
 * scales the rows it paints (a table lookup per byte, only when it is not
 * 1: the default costs nothing).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schedule.h"
#include "source.h"
#include "clock.h"

#define NS_PER_MS 1000000ull
#define NS_PER_US 1000ull

/* The exposure that paints the image as it is, and the features' ranges
 * (config/camera.c checks exposure_us and gain_db against the same). */
#define UNITY_EXPOSURE_US 10000.0
#define MIN_EXPOSURE_US CC_TESTPATTERN_MIN_EXPOSURE_US
#define MAX_EXPOSURE_US CC_TESTPATTERN_MAX_EXPOSURE_US
#define MAX_GAIN_DB CC_TESTPATTERN_MAX_GAIN_DB
/* Beyond this every pixel that is not black is white. */
#define MAX_LEVEL (256u * CC_PAINT_UNITY)

typedef struct testpattern {
    cc_source base; /* first, so a cc_source * is a testpattern * */
    cc_painter painter;
    /* Read-only once created: painters on any thread read them. */
    uint8_t *world; /* height rows of row_bytes, wrapping in x and y */
    size_t row_bytes;
    unsigned bpp;
    uint32_t dx, dy; /* pixels the image moves per frame */
    unsigned scale;  /* digit font pixels are scale x scale */
    /* The grab thread's. */
    double exposure_us, gain_db; /* the features */
    uint32_t level;              /* their brightness, for paint_level */
    uint32_t xo, yo; /* world offset of the next frame */
    uint64_t frame_id;
    /* Absolute schedule: frame n after a (re)sync is due at
     * epoch_ns + n * period_ns, so pacing does not drift. In a sync group
     * with trigger = software, frames are due on the group's schedule
     * instead (schedule.h): next_grid_ns, then every grid_ns. */
    double period_ns;
    uint64_t epoch_ns;
    uint64_t n;
    uint64_t grid_ns;      /* 0: the pattern's own schedule */
    uint64_t next_grid_ns;
    /* A frame is delivered delay_ns after its instant, plus up to
     * jitter_ns drawn for each frame (extra_ns, while one is pending). */
    uint64_t delay_ns, jitter_ns;
    uint64_t extra_ns;
    bool extra_drawn;
    uint64_t rng;
} testpattern;

/* ---- painting (at creation only) ---- */

/* The world is painted in RGB, then converted for Mono8. */
typedef struct canvas {
    uint8_t *px;
    uint32_t w, h;
} canvas;

static uint64_t next_rand(uint64_t *state)
{
    /* splitmix64: tiny, and the same image on every run. */
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int rand_range(uint64_t *state, int lo, int hi)
{
    return lo + (int)(next_rand(state) % (uint64_t)(hi - lo + 1));
}

static uint8_t clamp8(int v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* 0..255..0 over one period: a gradient that wraps without a seam. */
static int tri(uint32_t pos, uint32_t period)
{
    int t = (int)((uint64_t)(pos % period) * 510 / period);
    return t <= 255 ? t : 510 - t;
}

static uint8_t *pixel(const canvas *c, uint32_t x, uint32_t y)
{
    return c->px + ((size_t)y * c->w + x) * 3;
}

static void set_rgb(uint8_t *p, int r, int g, int b)
{
    p[0] = clamp8(r);
    p[1] = clamp8(g);
    p[2] = clamp8(b);
}

static uint32_t wrap(int64_t v, uint32_t n)
{
    int64_t m = v % (int64_t)n;
    return (uint32_t)(m < 0 ? m + n : m);
}

/* Circle kinds: flat disc, radial gradient, ring, zone plate (fine rings). */
static void paint_circle(canvas *c, int cx, int cy, int r, int kind,
                         const int rgb[3])
{
    int64_t r2 = (int64_t)r * r;
    for (int dy = -r; dy <= r; dy++) {
        for (int dx = -r; dx <= r; dx++) {
            int64_t d2 = (int64_t)dx * dx + (int64_t)dy * dy;
            if (d2 > r2)
                continue;
            int k = 256;
            if (kind == 1)
                k = (int)(256 - d2 * 256 / r2);
            else if (kind == 2 && d2 < (int64_t)(r - 4) * (r - 4))
                continue;
            else if (kind == 3)
                k = (d2 / (2 * r)) & 1 ? 256 : 128;
            uint8_t *p = pixel(c, wrap(cx + dx, c->w), wrap(cy + dy, c->h));
            set_rgb(p, rgb[0] * k / 256, rgb[1] * k / 256, rgb[2] * k / 256);
        }
    }
}

/* Soft gradients with discs, rings and zone plates over them. */
static void paint_scroll(canvas *c, uint64_t *rng)
{
    for (uint32_t y = 0; y < c->h; y++) {
        for (uint32_t x = 0; x < c->w; x++) {
            int gx = tri(x, c->w), gy = tri(y, c->h);
            set_rgb(pixel(c, x, y), 20 + gx * 3 / 5, 30 + gy / 2 + gx / 5,
                    90 + (gx - gy) / 3);
        }
    }
    uint32_t min_side = c->w < c->h ? c->w : c->h;
    int r_max = (int)min_side / 8 > 6 ? (int)min_side / 8 : 6;
    int r_min = r_max / 5 > 4 ? r_max / 5 : 4;
    uint64_t count = (uint64_t)c->w * c->h / 20000;
    for (uint64_t i = 0; i < count || i < 8; i++) {
        int rgb[3] = {rand_range(rng, 0, 255), rand_range(rng, 0, 255),
                      rand_range(rng, 0, 255)};
        paint_circle(c, rand_range(rng, 0, (int)c->w - 1),
                     rand_range(rng, 0, (int)c->h - 1),
                     rand_range(rng, r_min, r_max), rand_range(rng, 0, 3), rgb);
    }
}

/* Colour bars at 75% (classic order), the second set darker. */
static const uint8_t bar_colours[8][3] = {
    {191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0},
    {191, 0, 191},   {191, 0, 0},   {0, 0, 191},   {16, 16, 16},
};

/* Vertical bars with hairlines or hatching inside, shaded top to bottom,
 * with a bright horizontal band that the vertical motion moves along. */
static void paint_bars(canvas *c)
{
    const uint32_t n_bars = 16;
    uint32_t band_h = c->h / 6 ? c->h / 6 : 1;
    for (uint32_t y = 0; y < c->h; y++) {
        int shade = 160 + tri(y, c->h) * 96 / 255;
        int band = y < band_h ? tri(y, band_h) / 4 : 0;
        for (uint32_t x = 0; x < c->w; x++) {
            uint32_t bar = (uint32_t)((uint64_t)x * n_bars / c->w);
            int level = bar < 8 ? 256 : 150;
            int detail = bar % 2 ? (x % 4 == 0 ? -20 : 0)
                                 : ((x + y) % 6 == 0 ? 16 : 0);
            const uint8_t *col = bar_colours[bar % 8];
            int k = shade * level / 256;
            set_rgb(pixel(c, x, y), col[0] * k / 256 + detail + band + 16,
                    col[1] * k / 256 + detail + band + 16,
                    col[2] * k / 256 + detail + band + 16);
        }
    }
}

/* A checkerboard with a thin cross in every cell over a soft gradient. The
 * cell count is even both ways so the board wraps without a seam. */
static void paint_checker(canvas *c)
{
    uint32_t cell = c->h / 16 > 8 ? c->h / 16 : 8;
    uint32_t nx = (c->w / cell) & ~1u, ny = (c->h / cell) & ~1u;
    nx = nx ? nx : 2;
    ny = ny ? ny : 2;
    for (uint32_t y = 0; y < c->h; y++) {
        uint32_t cy = (uint32_t)((uint64_t)y * ny / c->h);
        uint32_t ly = y - (uint32_t)((uint64_t)cy * c->h / ny);
        uint32_t ch = (uint32_t)((uint64_t)(cy + 1) * c->h / ny) - (y - ly);
        for (uint32_t x = 0; x < c->w; x++) {
            uint32_t cx = (uint32_t)((uint64_t)x * nx / c->w);
            uint32_t lx = x - (uint32_t)((uint64_t)cx * c->w / nx);
            uint32_t cw = (uint32_t)((uint64_t)(cx + 1) * c->w / nx) - (x - lx);
            bool light = (cx + cy) % 2;
            bool cross = (lx == cw / 2 && ly > ch / 4 && ly < ch * 3 / 4) ||
                         (ly == ch / 2 && lx > cw / 4 && lx < cw * 3 / 4);
            int g = (tri(x, c->w) - 128) / 5;
            int v = light ? (cross ? -120 : 0) : (cross ? 120 : 0);
            if (light)
                set_rgb(pixel(c, x, y), 215 + g + v, 205 + g + v, 165 + g + v);
            else
                set_rgb(pixel(c, x, y), 40 + g + v, 50 + g + v, 85 + g + v);
        }
    }
}

/* Fine sensor-like noise of +-amp on every byte. */
static void add_noise(uint8_t *p, size_t n, int amp, uint64_t *rng)
{
    uint64_t span = (uint64_t)(2 * amp + 1);
    for (size_t i = 0; i < n; i++)
        p[i] = clamp8(p[i] + (int)(next_rand(rng) % span) - amp);
}

static uint8_t *rgb_to_mono(const canvas *c)
{
    size_t n = (size_t)c->w * c->h;
    uint8_t *out = malloc(n);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = c->px + i * 3;
        out[i] = (uint8_t)((77 * p[0] + 150 * p[1] + 29 * p[2]) >> 8);
    }
    return out;
}

/* Motion in pixels per frame (scroll sideways; bars drift and their band
 * moves down; checker diagonally) and noise amplitude, per pattern. */
static const struct {
    uint32_t dx, dy;
    int noise;
} styles[] = {
    [CC_PATTERN_SCROLL] = {4, 0, 4},
    [CC_PATTERN_BARS] = {2, 3, 4},
    [CC_PATTERN_CHECKER] = {3, 2, 7},
};

static int paint_world(testpattern *tp, cc_pattern pattern)
{
    canvas c = {.w = tp->base.width, .h = tp->base.height};
    c.px = malloc((size_t)c.w * c.h * 3);
    if (!c.px)
        return -ENOMEM;
    uint64_t rng = (uint64_t)pattern;
    switch (pattern) {
    case CC_PATTERN_SCROLL:
        paint_scroll(&c, &rng);
        break;
    case CC_PATTERN_BARS:
        paint_bars(&c);
        break;
    case CC_PATTERN_CHECKER:
        paint_checker(&c);
        break;
    }
    if (tp->base.fmt == CC_PIX_MONO8) {
        tp->world = rgb_to_mono(&c);
        free(c.px);
        if (!tp->world)
            return -ENOMEM;
    } else {
        tp->world = c.px;
    }
    add_noise(tp->world, tp->row_bytes * c.h, styles[pattern].noise, &rng);
    return 0;
}

/* ---- per frame ---- */

/* 5x7 digits, one byte per row, bit 4 the leftmost pixel. */
static const uint8_t font[10][7] = {
    {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e},
    {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e},
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f},
    {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e},
    {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02},
    {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e},
    {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e},
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
    {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e},
    {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c},
};

/* White digits on a black box 9s high, 2s from the left and bottom edges,
 * s = scale: each digit is 5s wide plus a gap of s, with a margin of s
 * around the text. Digits that do not
 * fit are dropped from the left, keeping the ones that change. Draws the
 * box's rows that fall in y0 .. y0 + rows - 1 (dst holds those rows). */
static void draw_number(const testpattern *tp, uint64_t number, uint32_t y0,
                        uint32_t rows, uint8_t *dst, size_t dst_stride)
{
    uint32_t w = tp->base.width, h = tp->base.height;
    unsigned s = tp->scale, bpp = tp->bpp, cell = 6 * s, bx = 2 * s;
    if (h < 11 * s || w < bx + s + cell)
        return;
    uint32_t by = h - 11 * s;
    uint8_t digits[20]; /* least significant first */
    unsigned nd = 0;
    do {
        digits[nd++] = (uint8_t)(number % 10);
        number /= 10;
    } while (number);
    unsigned fit = (w - bx - s) / cell;
    nd = nd < fit ? nd : fit;

    size_t box_bytes = (size_t)(s + nd * cell) * bpp;
    uint32_t bottom = by + 9 * s; /* the box is rows by .. bottom - 1 */
    uint32_t from = y0 > by ? y0 : by;
    uint32_t to = y0 + rows < bottom ? y0 + rows : bottom;
    for (uint32_t y = from; y < to; y++) {
        unsigned r = y - by;
        uint8_t *row = dst + (size_t)(y - y0) * dst_stride + (size_t)bx * bpp;
        memset(row, 0, box_bytes);
        if (r < s || r >= 8 * s)
            continue;
        for (unsigned i = 0; i < nd; i++) {
            uint8_t bits = font[digits[nd - 1 - i]][(r - s) / s];
            for (unsigned fx = 0; fx < 5; fx++)
                if (bits & (0x10 >> fx))
                    memset(row + (size_t)(s + i * cell + fx * s) * bpp, 255,
                           (size_t)s * bpp);
        }
    }
}

/* What each byte becomes at brightness level (CC_PAINT_UNITY: itself). */
static void level_table(uint32_t level, uint8_t lut[256])
{
    for (uint32_t v = 0; v < 256; v++) {
        uint64_t x = ((uint64_t)v * level + CC_PAINT_UNITY / 2) / CC_PAINT_UNITY;
        lut[v] = x > 255 ? 255 : (uint8_t)x;
    }
}

static void apply_level(uint8_t *row, size_t n, const uint8_t lut[256])
{
    for (size_t i = 0; i < n; i++)
        row[i] = lut[row[i]];
}

/* cc_painter: the world shifted to the frame's position at the frame's
 * brightness, then its number. */
static void paint(const cc_painter *p, const cc_frame *f, uint32_t y0,
                  uint32_t rows, uint8_t *dst, size_t dst_stride)
{
    const testpattern *tp =
        (const testpattern *)((const char *)p - offsetof(testpattern, painter));
    uint32_t h = tp->base.height;
    size_t head = (size_t)(f->paint_x % tp->base.width) * tp->bpp;
    size_t tail = tp->row_bytes - head;
    uint32_t wy = (uint32_t)(((uint64_t)f->paint_y + y0) % h);
    bool scaled = f->paint_level != CC_PAINT_UNITY;
    uint8_t lut[256];
    if (scaled)
        level_table(f->paint_level, lut);
    for (uint32_t y = 0; y < rows; y++) {
        const uint8_t *src = tp->world + (size_t)wy * tp->row_bytes;
        uint8_t *out = dst + (size_t)y * dst_stride;
        memcpy(out, src + head, tail);
        memcpy(out + tail, src, head);
        if (scaled)
            apply_level(out, tp->row_bytes, lut);
        wy = wy + 1 < h ? wy + 1 : 0;
    }
    draw_number(tp, f->frame_id, y0, rows, dst, dst_stride);
}

static void sleep_until(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / CC_NS_PER_SEC),
                          .tv_nsec = (long)(ns % CC_NS_PER_SEC)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* The instant of the next frame (CLOCK_MONOTONIC). */
static uint64_t next_instant(const testpattern *tp)
{
    if (tp->grid_ns)
        return tp->next_grid_ns;
    return tp->epoch_ns + (uint64_t)((double)tp->n * tp->period_ns);
}

/* More than a frame behind: restart the schedule at the latest instant
 * whose frame is due by now, rather than burst out the missed frames. */
static void resync(testpattern *tp, uint64_t now)
{
    uint64_t late = tp->delay_ns + tp->extra_ns;
    uint64_t instant = now > late ? now - late : 0;
    if (tp->grid_ns) {
        tp->next_grid_ns = instant / tp->grid_ns * tp->grid_ns;
    } else {
        tp->epoch_ns = instant;
        tp->n = 0;
    }
}

/* Sleeps until the next frame is delivered (its instant plus the delay)
 * and gives its instant. Returns 0, or -EAGAIN after sleeping timeout_ms
 * when it comes later than that (a negative timeout waits). */
static int wait_due(testpattern *tp, int timeout_ms, uint64_t *instant)
{
    if (!tp->extra_drawn) {
        tp->extra_ns = tp->jitter_ns ? next_rand(&tp->rng) % (tp->jitter_ns + 1) : 0;
        tp->extra_drawn = true;
    }
    uint64_t now = cc_clock_ns(CLOCK_MONOTONIC);
    uint64_t due = next_instant(tp) + tp->delay_ns + tp->extra_ns;
    if (now > due && now - due > (uint64_t)tp->period_ns) {
        resync(tp, now);
    } else if (due > now) {
        if (timeout_ms >= 0 && due - now > (uint64_t)timeout_ms * NS_PER_MS) {
            sleep_until(now + (uint64_t)timeout_ms * NS_PER_MS);
            return -EAGAIN;
        }
        sleep_until(due);
    }
    *instant = next_instant(tp);
    tp->n++;
    tp->next_grid_ns += tp->grid_ns;
    tp->extra_drawn = false;
    return 0;
}

/* Records which image is due; the encoder paints it (see the top). */
static int tp_grab(cc_source *src, cc_frame *dst, int timeout_ms)
{
    testpattern *tp = (testpattern *)src;
    uint64_t instant;
    int rc = wait_due(tp, timeout_ms, &instant);
    if (rc < 0)
        return rc;
    dst->size = 0;
    dst->width = src->width;
    dst->height = src->height;
    dst->stride = (uint32_t)tp->row_bytes;
    dst->fmt = src->fmt;
    dst->frame_id = tp->frame_id++;
    dst->painter = &tp->painter;
    dst->paint_x = tp->xo;
    dst->paint_y = tp->yo;
    dst->paint_level = tp->level;
    tp->xo = (tp->xo + tp->dx) % src->width;
    tp->yo = (tp->yo + tp->dy) % src->height;
    dst->capture_ns = cc_clock_ns(CLOCK_REALTIME);
    /* The host's clock is the pattern's: the frame's instant is exact and
     * the same for every pattern fired at it. */
    dst->device_ns = cc_schedule_real_ns(instant);
    dst->sync_ns = dst->device_ns;
    return 0;
}

static void tp_free(cc_source *src)
{
    testpattern *tp = (testpattern *)src;
    free(tp->world);
    free(tp);
}

/* ---- features: ExposureTime and Gain ---- */

static void set_level(testpattern *tp)
{
    double level = tp->exposure_us / UNITY_EXPOSURE_US * pow(10.0, tp->gain_db / 20.0) *
                   CC_PAINT_UNITY;
    tp->level = level >= MAX_LEVEL ? MAX_LEVEL : (uint32_t)lround(level);
}

static void float_feature(cc_feature_state *f, const char *name, double value,
                          double min, double max, const char *unit)
{
    *f = (cc_feature_state){.kind = CC_FEATURE_FLOAT, .has_range = true, .min = min,
                            .max = max, .writable = true,
                            .value = {.kind = CC_FEATURE_FLOAT, .number = value}};
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->unit, sizeof f->unit, "%s", unit);
}

static int tp_read_feature(cc_source *src, cc_feature_state *f)
{
    testpattern *tp = (testpattern *)src;
    if (strcmp(f->name, "ExposureTime") == 0)
        float_feature(f, "ExposureTime", tp->exposure_us, MIN_EXPOSURE_US, MAX_EXPOSURE_US,
                      "us");
    else if (strcmp(f->name, "Gain") == 0)
        float_feature(f, "Gain", tp->gain_db, 0, MAX_GAIN_DB, "dB");
    else
        return -ENOENT;
    return 0;
}

static int tp_list_features(cc_source *src, cc_feature_state *out, size_t max)
{
    static const char *const names[] = {"ExposureTime", "Gain"};
    size_t n = 0;
    for (; n < max && n < sizeof names / sizeof names[0]; n++) {
        snprintf(out[n].name, sizeof out[n].name, "%s", names[n]);
        tp_read_feature(src, &out[n]);
    }
    return (int)n;
}

static int tp_write_feature(cc_source *src, const char *name, cc_feature_value *v,
                            char *err, size_t errlen)
{
    testpattern *tp = (testpattern *)src;
    cc_feature_state f;
    snprintf(f.name, sizeof f.name, "%s", name);
    if (tp_read_feature(src, &f) < 0) {
        snprintf(err, errlen, "the test pattern has no feature %s", name);
        return -ENOENT;
    }
    int rc = cc_feature_check(&f, v, err, errlen);
    if (rc < 0)
        return rc;
    if (strcmp(name, "ExposureTime") == 0)
        tp->exposure_us = v->number;
    else
        tp->gain_db = v->number;
    set_level(tp);
    return 0;
}

static const cc_source_ops testpattern_ops = {
    .kind = "testpattern",
    .grab = tp_grab,
    .free = tp_free,
    .list_features = tp_list_features,
    .read_feature = tp_read_feature,
    .write_feature = tp_write_feature,
};

static bool valid_config(const cc_camera_config *cfg)
{
    unsigned bpp = cc_pixfmt_bpp(cfg->pixfmt);
    bool pattern_ok = cfg->pattern == CC_PATTERN_SCROLL ||
                      cfg->pattern == CC_PATTERN_BARS ||
                      cfg->pattern == CC_PATTERN_CHECKER;
    /* The stride must fit cc_frame.stride; RGB painting needs 3 bytes a
     * pixel whatever the format. */
    double exposure = cc_camera_has(cfg, CC_KEY_EXPOSURE_US) ? cfg->aravis.exposure_us
                                                             : UNITY_EXPOSURE_US;
    double gain = cc_camera_has(cfg, CC_KEY_GAIN_DB) ? cfg->aravis.gain_db : 0;
    bool tuning_ok = exposure >= MIN_EXPOSURE_US && exposure <= MAX_EXPOSURE_US &&
                     gain >= 0 && gain <= MAX_GAIN_DB;
    return pattern_ok && tuning_ok && bpp && cfg->width && cfg->height &&
           (uint64_t)cfg->width * 3 <= UINT32_MAX &&
           (size_t)cfg->width * cfg->height <= SIZE_MAX / 3 &&
           isfinite(cfg->grab_fps) && cfg->grab_fps > 0;
}

int cc_testpattern_new(cc_source **out, const cc_camera_config *cfg)
{
    if (!valid_config(cfg))
        return -EINVAL;
    testpattern *tp = calloc(1, sizeof *tp);
    if (!tp)
        return -ENOMEM;
    tp->base = (cc_source){.ops = &testpattern_ops,
                           .width = cfg->width,
                           .height = cfg->height,
                           .fmt = cfg->pixfmt,
                           .fps = cfg->grab_fps,
                           .connected = true,
                           .painted = true,
                           .host_clock = true};
    tp->painter.paint = paint;
    tp->bpp = cc_pixfmt_bpp(cfg->pixfmt);
    tp->row_bytes = (size_t)cfg->width * tp->bpp;
    tp->dx = styles[cfg->pattern].dx % cfg->width;
    tp->dy = styles[cfg->pattern].dy % cfg->height;
    unsigned scale = cfg->height / 120;
    tp->scale = scale < 1 ? 1 : scale > 8 ? 8 : scale;
    tp->period_ns = (double)CC_NS_PER_SEC / cfg->grab_fps;
    tp->exposure_us = cc_camera_has(cfg, CC_KEY_EXPOSURE_US) ? cfg->aravis.exposure_us
                                                             : UNITY_EXPOSURE_US;
    tp->gain_db = cc_camera_has(cfg, CC_KEY_GAIN_DB) ? cfg->aravis.gain_db : 0;
    set_level(tp);
    tp->epoch_ns = cc_clock_ns(CLOCK_MONOTONIC);
    if (cfg->sync.trigger == CC_SYNC_SOFTWARE) {
        tp->grid_ns = cc_schedule_period_ns(cfg->grab_fps);
        tp->next_grid_ns = cc_schedule_next(tp->grid_ns, tp->epoch_ns);
    }
    tp->delay_ns = (uint64_t)cfg->delay_us * NS_PER_US;
    tp->jitter_ns = (uint64_t)cfg->jitter_us * NS_PER_US;
    tp->rng = (uint64_t)(uintptr_t)tp ^ tp->epoch_ns;
    int rc = paint_world(tp, cfg->pattern);
    if (rc < 0) {
        free(tp);
        return rc;
    }
    *out = &tp->base;
    return 0;
}
