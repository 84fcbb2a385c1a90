#include "encode/jpeg_stitch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "check.h"

enum { MAX_STRIPS = 16, QUALITY = 80 };
#define FLAGS (TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT)

/* ---- the plan ---- */

static void check_plan(uint32_t w, uint32_t h, unsigned mcu_w, unsigned mcu_h,
                       unsigned max_strips, uint32_t min_rows, unsigned n,
                       uint32_t rows, unsigned interval)
{
    cc_strip_plan plan = {0};
    CHECK_EQ_INT(cc_strip_plan_make(&plan, w, h, mcu_w, mcu_h, max_strips,
                                    min_rows),
                 0);
    CHECK_EQ_INT(plan.n, n);
    CHECK_EQ_INT(plan.rows, rows);
    CHECK_EQ_INT(plan.restart_interval, interval);
}

static void test_plan(void)
{
    /* Gray, 8x8 MCUs: 240 x 150 of them. */
    check_plan(1920, 1200, 8, 8, 2, 64, 2, 600, 240 * 75);
    /* 4:2:0, 16x16: 120 x 75, ceil(75 / 2) = 38 MCU rows a strip. */
    check_plan(1920, 1200, 16, 16, 2, 64, 2, 608, 120 * 38);
    check_plan(1920, 1200, 16, 16, 4, 0, 4, 304, 120 * 19);
    /* No split asked for. */
    check_plan(1920, 1200, 8, 8, 1, 0, 1, 1200, 0);
    /* Too small to split: 2 MCU rows, strips of at least 8. */
    check_plan(640, 16, 8, 8, 4, 64, 1, 16, 0);
    /* min_rows rounds up to whole MCU rows: 33 -> 3 of them, and 7 MCU
     * rows make 2 strips, 4 + 3. */
    check_plan(64, 100, 16, 16, 4, 33, 2, 64, 4 * 4);
    /* min_rows holds for the last strip too: 10 MCU rows, at least 3 a
     * strip: 4 + 4 + 2 will not do, 5 + 5 does. */
    check_plan(8, 80, 8, 8, 4, 24, 2, 40, 5);
    /* No empty strip: 10 MCU rows in 6 strips would be 2 + 2 + 2 + 2 + 2 +
     * 0, so 5 strips. */
    check_plan(8, 80, 8, 8, 6, 0, 5, 16, 2);
    /* More strips than MCU rows asked: one MCU row each. */
    check_plan(16, 24, 8, 8, 100, 0, 3, 8, 2);
    /* Width not a multiple of the MCU: partial MCUs count. 1001 / 8 -> 126,
     * 333 / 8 -> 42 MCU rows. */
    check_plan(1001, 333, 8, 8, 3, 0, 3, 112, 126 * 14);
    /* 999 / 16 -> 63, 517 / 16 -> 33: 17 + 16. */
    check_plan(999, 517, 16, 16, 2, 0, 2, 272, 63 * 17);
    /* Very wide: 65535 / 8 -> 8192 MCUs a row, at most 7 rows of them in
     * one restart interval (8 * 8192 = 65536 > 65535). */
    check_plan(65535, 64, 8, 8, 2, 0, 2, 32, 4 * 8192);
    /* 16 MCU rows: 2 strips of 8 are too wide, 3 are allowed. */
    check_plan(65535, 128, 8, 8, 2, 0, 1, 128, 0);
    check_plan(65535, 128, 8, 8, 3, 0, 3, 48, 6 * 8192);
    /* The interval limit beats min_rows: 2 strips of 64 rows wanted, 3 of
     * 56 (the last 16) it takes. */
    check_plan(65535, 128, 8, 8, 4, 64, 3, 56, 7 * 8192);
    /* One strip needs no interval, however wide. */
    check_plan(65535, 128, 8, 8, 4, 128, 1, 128, 0);

    cc_strip_plan plan;
    CHECK_EQ_INT(cc_strip_plan_make(NULL, 64, 64, 8, 8, 2, 0), -EINVAL);
    CHECK_EQ_INT(cc_strip_plan_make(&plan, 0, 64, 8, 8, 2, 0), -EINVAL);
    CHECK_EQ_INT(cc_strip_plan_make(&plan, 64, 0, 8, 8, 2, 0), -EINVAL);
    CHECK_EQ_INT(cc_strip_plan_make(&plan, 64, 64, 0, 8, 2, 0), -EINVAL);
    CHECK_EQ_INT(cc_strip_plan_make(&plan, 64, 64, 8, 0, 2, 0), -EINVAL);
    CHECK_EQ_INT(cc_strip_plan_make(&plan, 64, 64, 8, 8, 0, 0), -EINVAL);
    CHECK_EQ_INT(cc_strip_plan_make(&plan, 65536, 64, 8, 8, 2, 0), -EINVAL);
    CHECK_EQ_INT(cc_strip_plan_make(&plan, 64, 65536, 8, 8, 2, 0), -EINVAL);
}

/* ---- images and TurboJPEG ---- */

/* A textured image: gradients, sharp edges and noise (xorshift32), so the
 * entropy data has every kind of byte, FF 00 stuffing included. */
static uint8_t *image_make(uint32_t w, uint32_t h, unsigned ch, uint32_t seed)
{
    uint8_t *px = malloc((size_t)w * h * ch);
    uint32_t s = 0x9E3779B9u ^ seed;
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            unsigned edge = ((x / 37 + y / 23) % 3 == 0 ? 90 : 0) +
                            (x > 2 * y ? 60 : 0);
            for (unsigned c = 0; c < ch; c++) {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                unsigned v = x * 200 / w + y * (60 + 40 * c) / h + edge +
                             s % 40;
                px[((size_t)y * w + x) * ch + c] = (uint8_t)v;
            }
        }
    }
    return px;
}

typedef struct shape {
    uint32_t w, h;
    int subsamp; /* TJSAMP_* */
} shape;

static unsigned channels(const shape *s)
{
    return s->subsamp == TJSAMP_GRAY ? 1 : 3;
}

static int pixfmt(const shape *s)
{
    return s->subsamp == TJSAMP_GRAY ? TJPF_GRAY : TJPF_RGB;
}

/* Encodes rows [y0, y0 + rows) of px (s->w wide) as one JPEG; NULL on
 * failure. */
static uint8_t *encode(tjhandle tj, const uint8_t *px, const shape *s,
                       uint32_t y0, uint32_t rows, int quality, int flags,
                       size_t *size)
{
    size_t pitch = (size_t)s->w * channels(s);
    unsigned long cap = tjBufSize((int)s->w, (int)rows, s->subsamp);
    uint8_t *jpeg = malloc(cap);
    unsigned long len = cap;
    int rc = tjCompress2(tj, px + y0 * pitch, (int)s->w, (int)pitch,
                         (int)rows, pixfmt(s), &jpeg, &len, s->subsamp,
                         quality, flags);
    CHECK_EQ_INT(rc, 0);
    if (rc) {
        free(jpeg);
        return NULL;
    }
    *size = len;
    return jpeg;
}

/* Decodes a s->w x s->h JPEG; NULL when it does not decode to that. */
static uint8_t *decode(tjhandle tj, const uint8_t *jpeg, size_t size,
                       const shape *s)
{
    int w = 0, h = 0, subsamp = -1, cs = -1;
    if (tjDecompressHeader3(tj, jpeg, size, &w, &h, &subsamp, &cs) != 0 ||
        w != (int)s->w || h != (int)s->h || subsamp != s->subsamp)
        return NULL;
    uint8_t *px = malloc((size_t)w * h * channels(s));
    if (tjDecompress2(tj, jpeg, size, px, w, 0, h, pixfmt(s), FLAGS) != 0) {
        free(px);
        return NULL;
    }
    return px;
}

/* An image cut into strips per its plan, each encoded on its own. */
typedef struct strips {
    cc_strip_plan plan;
    const uint8_t *part[MAX_STRIPS];
    uint8_t *jpeg[MAX_STRIPS];
    size_t size[MAX_STRIPS];
} strips;

static bool strips_encode(strips *st, tjhandle tj, const uint8_t *px,
                          const shape *s, unsigned max_strips)
{
    *st = (strips){0};
    int sub = s->subsamp;
    if (cc_strip_plan_make(&st->plan, s->w, s->h, (unsigned)tjMCUWidth[sub],
                           (unsigned)tjMCUHeight[sub], max_strips, 0) != 0 ||
        st->plan.n > MAX_STRIPS)
        return false;
    for (unsigned i = 0; i < st->plan.n; i++) {
        uint32_t y0 = i * st->plan.rows;
        uint32_t rows = i + 1 < st->plan.n ? st->plan.rows : s->h - y0;
        st->jpeg[i] = encode(tj, px, s, y0, rows, QUALITY, FLAGS, &st->size[i]);
        st->part[i] = st->jpeg[i];
        if (!st->jpeg[i])
            return false;
    }
    return true;
}

static void strips_free(strips *st)
{
    for (unsigned i = 0; i < MAX_STRIPS; i++)
        free(st->jpeg[i]);
}

/* Merges st into a malloc'd buffer of cc_jpeg_stitch_bound bytes. */
static uint8_t *strips_merge(const strips *st, uint32_t height, size_t *size)
{
    size_t cap = cc_jpeg_stitch_bound(st->size, st->plan.n);
    uint8_t *out = malloc(cap);
    int rc = cc_jpeg_stitch(st->part, st->size, st->plan.n, height,
                            st->plan.restart_interval, out, cap, size);
    CHECK_EQ_INT(rc, 0);
    if (rc) {
        free(out);
        return NULL;
    }
    CHECK(*size <= cap);
    return out;
}

/* ---- reading markers back, independently of the module ---- */

/* Offset of marker m among the headers (SOI through SOS), or 0. */
static size_t find_marker(const uint8_t *p, size_t size, unsigned m)
{
    size_t at = 2;
    while (at + 4 <= size && p[at] == 0xFF) {
        while (at + 4 <= size && p[at + 1] == 0xFF) /* fill bytes */
            at++;
        if (p[at + 1] == m)
            return at;
        if (p[at + 1] == 0xDA)
            break;
        at += 2 + ((size_t)p[at + 2] << 8 | p[at + 3]);
    }
    return 0;
}

typedef struct markers {
    long dri;       /* the DRI interval; -1 without */
    unsigned rst;   /* RSTn markers in the entropy-coded data */
    bool rst_order; /* they cycle RST0..RST7 */
    bool eoi;       /* the data ends with EOI, no other marker in it */
} markers;

static markers scan_markers(const uint8_t *p, size_t size)
{
    markers mk = {.dri = -1, .rst_order = true};
    size_t dri = find_marker(p, size, 0xDD);
    if (dri && dri + 6 <= size && p[dri + 3] == 4)
        mk.dri = p[dri + 4] << 8 | p[dri + 5];
    size_t at = find_marker(p, size, 0xDA);
    if (!at)
        return mk;
    at += 2 + ((size_t)p[at + 2] << 8 | p[at + 3]);
    for (; at + 1 < size; at++) {
        if (p[at] != 0xFF)
            continue;
        unsigned m = p[++at];
        if (m == 0x00)
            continue; /* stuffed: data */
        if (m >= 0xD0 && m <= 0xD7) {
            mk.rst_order &= m == 0xD0 + mk.rst % 8;
            mk.rst++;
            continue;
        }
        mk.eoi = m == 0xD9 && at + 1 == size;
        break;
    }
    return mk;
}

/* ---- merging ---- */

/* Encodes s whole and in strips, merges them and wants the very pixels of
 * the whole encode. */
static void check_merge(const shape *s, unsigned max_strips, unsigned want_n)
{
    tjhandle tc = tjInitCompress(), td = tjInitDecompress();
    uint8_t *px = image_make(s->w, s->h, channels(s), s->w ^ s->h);
    size_t whole_size = 0, merged_size = 0;
    uint8_t *whole = encode(tc, px, s, 0, s->h, QUALITY, FLAGS, &whole_size);
    strips st;
    CHECK(strips_encode(&st, tc, px, s, max_strips));
    CHECK_EQ_INT(st.plan.n, want_n);
    uint8_t *merged = strips_merge(&st, s->h, &merged_size);
    uint8_t *want = whole ? decode(td, whole, whole_size, s) : NULL;
    uint8_t *got = merged ? decode(td, merged, merged_size, s) : NULL;
    CHECK(want != NULL);
    CHECK(got != NULL);
    if (want && got) {
        bool same = !memcmp(want, got, (size_t)s->w * s->h * channels(s));
        CHECK(same);
        if (!same)
            fprintf(stderr, "  %ux%u subsamp %d, %u strips: pixels differ\n",
                    (unsigned)s->w, (unsigned)s->h, s->subsamp, st.plan.n);
    }
    if (merged) {
        markers mk = scan_markers(merged, merged_size);
        CHECK_EQ_INT(mk.dri, st.plan.restart_interval);
        CHECK_EQ_INT(mk.rst, st.plan.n - 1);
        CHECK(mk.rst_order);
        CHECK(mk.eoi);
    }
    /* The whole encode has no restart markers: only the merge adds them. */
    if (whole) {
        markers mk = scan_markers(whole, whole_size);
        CHECK_EQ_INT(mk.dri, -1);
        CHECK_EQ_INT(mk.rst, 0);
        CHECK(mk.eoi);
    }
    free(got);
    free(want);
    free(merged);
    strips_free(&st);
    free(whole);
    free(px);
    tjDestroy(td);
    tjDestroy(tc);
}

static void test_merge_gray(void)
{
    shape s = {1920, 1200, TJSAMP_GRAY};
    check_merge(&s, 2, 2);
    check_merge(&s, 3, 3);
    check_merge(&s, 4, 4);
    check_merge(&s, 10, 10); /* 9 RSTs: RST0..RST7, RST0 */
}

static void test_merge_420(void)
{
    shape s = {1280, 720, TJSAMP_420};
    check_merge(&s, 2, 2);
    check_merge(&s, 3, 3);
    check_merge(&s, 4, 4);
}

/* Partial MCUs on the right, and a last strip of partial MCUs at the
 * bottom. */
static void test_merge_odd_sizes(void)
{
    shape gray = {1001, 333, TJSAMP_GRAY};
    check_merge(&gray, 2, 2);
    check_merge(&gray, 3, 3);
    check_merge(&gray, 4, 4);
    check_merge(&gray, 11, 11); /* 42 MCU rows: 10 x 4 + 2 */
    shape rgb = {999, 517, TJSAMP_420};
    check_merge(&rgb, 2, 2);
    check_merge(&rgb, 3, 3);
    check_merge(&rgb, 4, 4);
    check_merge(&rgb, 12, 11); /* 33 MCU rows: 11 x 3 */
}

/* Other samplings: 16x8 and 8x8 MCUs of three components. */
static void test_merge_other_sampling(void)
{
    shape s422 = {641, 479, TJSAMP_422};
    check_merge(&s422, 5, 5);
    shape s444 = {641, 479, TJSAMP_444};
    check_merge(&s444, 5, 5);
}

/* ---- what it refuses ---- */

/* Two strips of a small image, for the error cases: 6 MCU rows, 48 image
 * rows and then 40. */
static const shape small = {160, 88, TJSAMP_420};

static int stitch(const strips *st, uint8_t *out, size_t cap, size_t *size)
{
    return cc_jpeg_stitch(st->part, st->size, st->plan.n, small.h,
                          st->plan.restart_interval, out, cap, size);
}

/* p with len bytes ins inserted at offset at (malloc'd). */
static uint8_t *insert(const uint8_t *p, size_t size, size_t at,
                       const uint8_t *ins, size_t len)
{
    uint8_t *q = malloc(size + len);
    memcpy(q, p, at);
    memcpy(q + at, ins, len);
    memcpy(q + at + len, p + at, size - at);
    return q;
}

static void test_errors(void)
{
    tjhandle tc = tjInitCompress();
    uint8_t *px = image_make(small.w, small.h, 3, 7);
    strips st;
    CHECK(strips_encode(&st, tc, px, &small, 2));
    CHECK_EQ_INT(st.plan.n, 2);
    uint8_t out[64 * 1024];
    size_t size = 0, merged_size = 0;
    CHECK_EQ_INT(stitch(&st, out, sizeof out, &merged_size), 0);

    /* cap: the exact size is enough, one byte less is not. */
    CHECK_EQ_INT(stitch(&st, out, merged_size, &size), 0);
    CHECK_EQ_INT(size, merged_size);
    CHECK_EQ_INT(stitch(&st, out, merged_size - 1, &size), -ENOSPC);

    /* Heights that are not the plan's. */
    strips bad = st;
    CHECK_EQ_INT(cc_jpeg_stitch(bad.part, bad.size, 2, small.h + 16,
                                bad.plan.restart_interval, out, sizeof out,
                                &size),
                 -EINVAL);
    CHECK_EQ_INT(cc_jpeg_stitch(bad.part, bad.size, 2, small.h,
                                bad.plan.restart_interval + 1, out,
                                sizeof out, &size),
                 -EINVAL);
    CHECK_EQ_INT(cc_jpeg_stitch(bad.part, bad.size, 2, small.h, 0, out,
                                sizeof out, &size),
                 -EINVAL);
    /* Parts swapped: the first is then the short one. */
    bad.part[0] = st.part[1];
    bad.part[1] = st.part[0];
    bad.size[0] = st.size[1];
    bad.size[1] = st.size[0];
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);

    /* Garbage, and a part cut short (no EOI, or no SOS). */
    static const uint8_t garbage[] = "hello, world, not a JPEG at all";
    bad = st;
    bad.part[1] = garbage;
    bad.size[1] = sizeof garbage;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);
    bad.part[0] = garbage;
    bad.size[0] = sizeof garbage;
    CHECK_EQ_INT(cc_jpeg_stitch(bad.part, bad.size, 1, small.h, 0, out,
                                sizeof out, &size),
                 -EINVAL);
    bad = st;
    bad.size[1] = st.size[1] - 2;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);
    bad.size[1] = st.size[1] - 1;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);
    bad.size[1] = find_marker(st.jpeg[1], st.size[1], 0xDA) + 6;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);
    bad.size[1] = 3;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);
    bad.size[1] = 0;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);

    /* A merged JPEG has a DRI and restart markers: not a part. */
    bad = st;
    bad.part[1] = out;
    bad.size[1] = merged_size;
    uint8_t out2[sizeof out];
    CHECK_EQ_INT(stitch(&bad, out2, sizeof out2, &size), -EINVAL);

    /* Parts of different widths. */
    shape narrow = {small.w - 16, small.h, small.subsamp};
    uint8_t *px_narrow = image_make(narrow.w, narrow.h, 3, 7);
    size_t narrow_size = 0;
    uint8_t *jn = encode(tc, px_narrow, &narrow, st.plan.rows,
                         small.h - st.plan.rows, QUALITY, FLAGS, &narrow_size);
    bad = st;
    bad.part[1] = jn;
    bad.size[1] = narrow_size;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);
    free(jn);
    free(px_narrow);

    /* Other tables (quality), subsampling, a progressive part. */
    uint32_t rows1 = small.h - st.plan.rows;
    uint8_t *jq = encode(tc, px, &small, st.plan.rows, rows1, QUALITY + 5,
                         FLAGS, &size);
    bad = st;
    bad.part[1] = jq;
    bad.size[1] = size;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);
    free(jq);
    shape s444 = {small.w, small.h, TJSAMP_444};
    uint8_t *js = encode(tc, px, &s444, st.plan.rows, rows1, QUALITY, FLAGS,
                         &size);
    bad.part[1] = js;
    bad.size[1] = size;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);
    free(js);
    uint8_t *jp = encode(tc, px, &small, st.plan.rows, rows1, QUALITY,
                         FLAGS | TJFLAG_PROGRESSIVE, &size);
    bad.part[1] = jp;
    bad.size[1] = size;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);
    free(jp);

    /* A first strip not of whole MCU rows. */
    uint8_t *j0 = encode(tc, px, &small, 0, st.plan.rows - 1, QUALITY, FLAGS,
                         &size);
    uint8_t *j1 = encode(tc, px, &small, st.plan.rows - 1, rows1 + 1, QUALITY,
                         FLAGS, &bad.size[1]);
    bad.part[0] = j0;
    bad.size[0] = size;
    bad.part[1] = j1;
    CHECK_EQ_INT(stitch(&bad, out, sizeof out, &size), -EINVAL);
    free(j1);
    free(j0);

    /* Arguments. */
    CHECK_EQ_INT(cc_jpeg_stitch(st.part, st.size, 0, small.h, 1, out,
                                sizeof out, &size),
                 -EINVAL);
    CHECK_EQ_INT(cc_jpeg_stitch(NULL, st.size, 2, small.h, 1, out, sizeof out,
                                &size),
                 -EINVAL);
    CHECK_EQ_INT(cc_jpeg_stitch(st.part, st.size, 2, small.h,
                                st.plan.restart_interval, NULL, sizeof out,
                                &size),
                 -EINVAL);

    strips_free(&st);
    free(px);
    tjDestroy(tc);
}

/* One part is copied as it is. */
static void test_single(void)
{
    tjhandle tc = tjInitCompress();
    uint8_t *px = image_make(small.w, small.h, 3, 9);
    size_t size = 0, out_size = 0;
    uint8_t *j = encode(tc, px, &small, 0, small.h, QUALITY, FLAGS, &size);
    const uint8_t *parts[] = {j};
    uint8_t *out = malloc(size);
    CHECK_EQ_INT(cc_jpeg_stitch(parts, &size, 1, small.h, 0, out, size,
                                &out_size),
                 0);
    CHECK_EQ_INT(out_size, size);
    CHECK(!memcmp(out, j, size));
    CHECK_EQ_INT(cc_jpeg_stitch(parts, &size, 1, small.h, 0, out, size - 1,
                                &out_size),
                 -ENOSPC);
    CHECK_EQ_INT(cc_jpeg_stitch(parts, &size, 1, small.h - 1, 0, out, size,
                                &out_size),
                 -EINVAL);
    free(out);
    free(j);
    free(px);
    tjDestroy(tc);
}

/* Fill bytes (0xFF) before markers are allowed: before SOS in every part's
 * headers, and before EOI. */
static void test_fill_bytes(void)
{
    tjhandle tc = tjInitCompress(), td = tjInitDecompress();
    uint8_t *px = image_make(small.w, small.h, 3, 11);
    strips st;
    CHECK(strips_encode(&st, tc, px, &small, 2));
    CHECK_EQ_INT(st.plan.n, 2);
    uint8_t out[64 * 1024], filled_out[64 * 1024];
    size_t size = 0, filled_size = 0;
    CHECK_EQ_INT(stitch(&st, out, sizeof out, &size), 0);

    static const uint8_t fill[] = {0xFF, 0xFF, 0xFF};
    strips filled = st;
    for (unsigned i = 0; i < 2; i++) {
        size_t sos = find_marker(st.jpeg[i], st.size[i], 0xDA);
        uint8_t *a = insert(st.jpeg[i], st.size[i], sos, fill, sizeof fill);
        uint8_t *b = insert(a, st.size[i] + sizeof fill,
                            st.size[i] + sizeof fill - 2, fill, sizeof fill);
        free(a);
        filled.jpeg[i] = b;
        filled.part[i] = b;
        filled.size[i] = st.size[i] + 2 * sizeof fill;
    }
    CHECK_EQ_INT(stitch(&filled, filled_out, sizeof filled_out, &filled_size),
                 0);
    /* The same JPEG but for the fill bytes kept in the first headers. */
    CHECK_EQ_INT(filled_size, size + sizeof fill);
    uint8_t *want = decode(td, out, size, &small);
    uint8_t *got = decode(td, filled_out, filled_size, &small);
    CHECK(want && got &&
          !memcmp(want, got, (size_t)small.w * small.h * channels(&small)));
    free(got);
    free(want);
    free(filled.jpeg[0]);
    free(filled.jpeg[1]);
    strips_free(&st);
    free(px);
    tjDestroy(td);
    tjDestroy(tc);
}

static void test_bound(void)
{
    size_t sizes[] = {100, 200, 300};
    CHECK_EQ_INT(cc_jpeg_stitch_bound(sizes, 3), 600 + 6 + 3 * 2);
    size_t huge[] = {SIZE_MAX - 4, 100};
    CHECK(cc_jpeg_stitch_bound(huge, 2) == SIZE_MAX);
}

int main(void)
{
    RUN(test_plan);
    RUN(test_bound);
    RUN(test_merge_gray);
    RUN(test_merge_420);
    RUN(test_merge_odd_sizes);
    RUN(test_merge_other_sampling);
    RUN(test_single);
    RUN(test_fill_bytes);
    RUN(test_errors);
    return CHECK_DONE();
}
