/* Pixel formats (frame.c) and their conversion for JPEG (convert.c): each
 * format converts a known pattern to the expected pixels. */
#include "encode/convert.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* A frame over caller-owned bytes. */
static cc_frame frame_of(uint8_t *data, size_t size, uint32_t w, uint32_t h,
                         uint32_t stride, cc_pixfmt fmt)
{
    return (cc_frame){.data = data, .capacity = size, .size = size,
                      .width = w, .height = h, .stride = stride, .fmt = fmt};
}

static void test_formats(void)
{
    cc_pixfmt f;
    CHECK_EQ_INT(cc_pixfmt_parse("mono12", &f), 0);
    CHECK_EQ_INT(f, CC_PIX_MONO12);
    CHECK_EQ_INT(cc_pixfmt_parse("YUV422Packed", &f), 0); /* GigE Vision name */
    CHECK_EQ_INT(f, CC_PIX_YUV422_UYVY);
    CHECK_EQ_INT(cc_pixfmt_parse("RGB8Packed", &f), 0);
    CHECK_EQ_INT(f, CC_PIX_RGB8);
    CHECK_EQ_INT(cc_pixfmt_parse("YUV422", &f), -EINVAL);
    CHECK_EQ_INT(cc_pixfmt_parse("Mono14", &f), -EINVAL);
    /* Every format has a PFNC code that maps back to it. */
    for (int i = 1; i < CC_PIX_COUNT; i++) {
        CHECK(cc_pixfmt_name((cc_pixfmt)i) != NULL);
        CHECK_EQ_INT(cc_pixfmt_from_pfnc(cc_pixfmt_pfnc((cc_pixfmt)i), &f), 0);
        CHECK_EQ_INT(f, i);
        CHECK(cc_convert_layout((cc_pixfmt)i) != 0);
    }
    CHECK_EQ_INT(cc_pixfmt_pfnc(CC_PIX_MONO8), 0x01080001);
    CHECK_EQ_INT(cc_pixfmt_pfnc(CC_PIX_BAYER_RG8), 0x01080009);
    CHECK_EQ_INT(cc_pixfmt_pfnc(CC_PIX_YUV422_YUYV), 0x02100032);
    CHECK_EQ_INT(cc_pixfmt_from_pfnc(0x01100025 /* Mono14 */, &f), -ENOENT);
    CHECK(cc_pixfmt_name(CC_PIX_COUNT) == NULL);
    CHECK(cc_pixfmt_name((cc_pixfmt)0) == NULL);

    CHECK_EQ_INT(cc_pixfmt_row_bytes(CC_PIX_MONO8, 7), 7);
    CHECK_EQ_INT(cc_pixfmt_row_bytes(CC_PIX_RGB8, 7), 21);
    CHECK_EQ_INT(cc_pixfmt_row_bytes(CC_PIX_MONO12, 7), 14);
    CHECK_EQ_INT(cc_pixfmt_row_bytes(CC_PIX_MONO12_PACKED, 4), 6);
    CHECK_EQ_INT(cc_pixfmt_row_bytes(CC_PIX_MONO12_PACKED, 3), 5);
    CHECK_EQ_INT(cc_pixfmt_row_bytes(CC_PIX_MONO10P, 4), 5);
    CHECK_EQ_INT(cc_pixfmt_row_bytes(CC_PIX_MONO10P, 5), 7);
    CHECK_EQ_INT(cc_pixfmt_row_bytes(CC_PIX_YUV422_UYVY, 4), 8);
    CHECK_EQ_INT(cc_pixfmt_bpp(CC_PIX_MONO16), 2);
    CHECK_EQ_INT(cc_pixfmt_bpp(CC_PIX_MONO12P), 0); /* bit-packed */
    CHECK(cc_pixfmt_is_mono(CC_PIX_MONO10P));
    CHECK(!cc_pixfmt_is_mono(CC_PIX_BAYER_GR8));

    char list[512];
    cc_pixfmt_list(list, sizeof list);
    CHECK_STR_CONTAINS(list, "Mono8, RGB8, BGR8, Mono10, Mono12, Mono16, ");
    CHECK_STR_CONTAINS(list, "BayerBG8, YUV422_8_UYVY, YUV422_8");
}

static void test_layouts(void)
{
    CHECK_EQ_INT(cc_convert_layout(CC_PIX_MONO8), CC_LAYOUT_GRAY);
    CHECK_EQ_INT(cc_convert_layout(CC_PIX_MONO12P), CC_LAYOUT_GRAY);
    CHECK_EQ_INT(cc_convert_layout(CC_PIX_RGB8), CC_LAYOUT_RGB);
    CHECK_EQ_INT(cc_convert_layout(CC_PIX_BGR8), CC_LAYOUT_BGR);
    CHECK_EQ_INT(cc_convert_layout(CC_PIX_BAYER_BG8), CC_LAYOUT_RGB);
    CHECK_EQ_INT(cc_convert_layout(CC_PIX_YUV422_YUYV), CC_LAYOUT_RGB);
    CHECK_EQ_INT(cc_convert_layout((cc_pixfmt)0), 0);
    /* TurboJPEG takes these three as they are. */
    CHECK(!cc_convert_needed(CC_PIX_MONO8));
    CHECK(!cc_convert_needed(CC_PIX_RGB8));
    CHECK(!cc_convert_needed(CC_PIX_BGR8));
    CHECK(cc_convert_needed(CC_PIX_MONO16));
    CHECK(!cc_convert_needed((cc_pixfmt)99));
    CHECK_EQ_INT(cc_convert_bytes(CC_PIX_MONO8, 640, 480), 0);
    CHECK_EQ_INT(cc_convert_bytes(CC_PIX_MONO12, 640, 480), 640 * 480);
    CHECK_EQ_INT(cc_convert_bytes(CC_PIX_BAYER_RG8, 640, 480), 640 * 480 * 3);
    CHECK_EQ_INT(cc_convert_bytes(CC_PIX_YUV422_UYVY, 2, 1), 6);
    CHECK_EQ_INT(cc_convert_bytes(CC_PIX_BAYER_RG8, UINT32_MAX, UINT32_MAX), 0);

    uint8_t px[12] = {0}, out[12];
    cc_frame f = frame_of(px, sizeof px, 4, 1, 12, CC_PIX_RGB8);
    CHECK_EQ_INT(cc_convert(&f, out, sizeof out), -EINVAL); /* nothing to do */
}

/* Little-endian 16-bit containers: the top 8 of `bits` bits, clipped. */
static void test_mono16(void)
{
    static const struct {
        cc_pixfmt fmt;
        uint16_t in[6];
        uint8_t want[6];
    } cases[] = {
        {CC_PIX_MONO10, {0, 3, 4, 512, 1023, 1024}, {0, 0, 1, 128, 255, 255}},
        {CC_PIX_MONO12, {0, 15, 16, 2048, 4095, 0xFFFF}, {0, 0, 1, 128, 255, 255}},
        {CC_PIX_MONO16, {0, 0xFF, 0x100, 0x1234, 0x8000, 0xFFFF},
         {0, 0, 1, 0x12, 0x80, 255}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        /* Two rows, the second the first reversed; rows padded by 4 bytes. */
        uint8_t px[2 * 16];
        memset(px, 0xEE, sizeof px);
        for (int i = 0; i < 6; i++) {
            uint16_t a = cases[c].in[i], b = cases[c].in[5 - i];
            px[2 * i] = (uint8_t)a;
            px[2 * i + 1] = (uint8_t)(a >> 8);
            px[16 + 2 * i] = (uint8_t)b;
            px[16 + 2 * i + 1] = (uint8_t)(b >> 8);
        }
        cc_frame f = frame_of(px, sizeof px - 4, 6, 2, 16, cases[c].fmt);
        uint8_t out[12];
        CHECK_EQ_INT(cc_convert(&f, out, sizeof out), 0);
        for (int i = 0; i < 6; i++) {
            CHECK_EQ_INT(out[i], cases[c].want[i]);
            CHECK_EQ_INT(out[6 + i], cases[c].want[5 - i]);
        }
    }
}

static const uint16_t values10[] = {0, 1, 4, 255, 256, 511, 512, 1020, 1023};
static const uint16_t values12[] = {0, 15, 16, 255, 256, 2047, 2048, 4080, 4095};
#define N_VALUES 9

/* GigE Vision packing: 2 pixels in 3 bytes, high bits in bytes 0 and 2. */
static size_t pack_gige(const uint16_t *v, size_t n, unsigned bits,
                        uint8_t *out)
{
    unsigned low = bits - 8, mask = (1u << low) - 1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 2) {
        out[o++] = (uint8_t)(v[i] >> low);
        uint8_t mid = (uint8_t)(v[i] & mask);
        if (i + 1 < n) {
            mid |= (uint8_t)((v[i + 1] & mask) << 4);
            out[o++] = mid;
            out[o++] = (uint8_t)(v[i + 1] >> low);
        } else {
            out[o++] = mid;
        }
    }
    return o;
}

/* PFNC packing: an LSB-first bit stream. */
static size_t pack_pfnc(const uint16_t *v, size_t n, unsigned bits,
                        uint8_t *out)
{
    size_t nbytes = (n * bits + 7) / 8;
    memset(out, 0, nbytes);
    for (size_t i = 0; i < n; i++)
        for (unsigned b = 0; b < bits; b++)
            if (v[i] >> b & 1)
                out[(i * bits + b) / 8] |= (uint8_t)(1u << ((i * bits + b) % 8));
    return nbytes;
}

static void check_packed(cc_pixfmt fmt, const uint16_t *v, unsigned bits,
                         size_t (*pack)(const uint16_t *, size_t, unsigned,
                                        uint8_t *))
{
    /* Widths with and without a partial group at the end. */
    for (size_t w = N_VALUES - 1; w <= N_VALUES; w++) {
        uint8_t px[2 * 32] = {0};
        size_t row = pack(v, w, bits, px);
        CHECK_EQ_INT(row, cc_pixfmt_row_bytes(fmt, (uint32_t)w));
        memcpy(px + 32, px, row); /* second row at a padded stride */
        cc_frame f = frame_of(px, 32 + row, (uint32_t)w, 2, 32, fmt);
        uint8_t out[2 * N_VALUES];
        CHECK_EQ_INT(cc_convert(&f, out, sizeof out), 0);
        for (size_t i = 0; i < w; i++) {
            CHECK_EQ_INT(out[i], v[i] >> (bits - 8));
            CHECK_EQ_INT(out[w + i], v[i] >> (bits - 8));
        }
    }
}

static void test_packed(void)
{
    check_packed(CC_PIX_MONO10_PACKED, values10, 10, pack_gige);
    check_packed(CC_PIX_MONO12_PACKED, values12, 12, pack_gige);
    check_packed(CC_PIX_MONO10P, values10, 10, pack_pfnc);
    check_packed(CC_PIX_MONO12P, values12, 12, pack_pfnc);
}

/* ---- Bayer ---- */

/* A smooth colour image: each channel linear in x and y, so bilinear
 * interpolation away from the edges gives it back exactly. */
static uint8_t truth(unsigned c, int x, int y)
{
    static const int base[3] = {10, 40, 230}, dx[3] = {6, 2, -3},
                     dy[3] = {3, 5, -4};
    return (uint8_t)(base[c] + dx[c] * x + dy[c] * y);
}

/* Colour (0 R, 1 G, 2 B) of a site of each pattern. */
static unsigned site(cc_pixfmt fmt, int x, int y)
{
    static const char *const tiles[] = {
        [CC_PIX_BAYER_RG8] = "RGGB", [CC_PIX_BAYER_GB8] = "GBRG",
        [CC_PIX_BAYER_GR8] = "GRBG", [CC_PIX_BAYER_BG8] = "BGGR",
    };
    char c = tiles[fmt][(y & 1) * 2 + (x & 1)];
    return c == 'R' ? 0 : c == 'G' ? 1 : 2;
}

static void check_bayer(cc_pixfmt fmt)
{
    enum { W = 20, H = 14, STRIDE = 24 };
    uint8_t px[STRIDE * H];
    memset(px, 0xEE, sizeof px);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            px[y * STRIDE + x] = truth(site(fmt, x, y), x, y);
    cc_frame f = frame_of(px, sizeof px, W, H, STRIDE, fmt);
    uint8_t out[W * H * 3];
    CHECK_EQ_INT(cc_convert(&f, out, sizeof out), 0);
    int bad_inside = 0, bad_sites = 0, worst_edge = 0;
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            const uint8_t *o = out + (y * W + x) * 3;
            bool inside = x > 0 && y > 0 && x < W - 1 && y < H - 1;
            /* A site keeps its own colour, edges included. */
            unsigned own = site(fmt, x, y);
            bad_sites += o[own] != truth(own, x, y);
            for (unsigned c = 0; c < 3; c++) {
                int err = abs(o[c] - truth(c, x, y));
                if (inside)
                    bad_inside += err > 1; /* rounding of the averages */
                else if (err > worst_edge)
                    worst_edge = err;
            }
        }
    }
    CHECK_EQ_INT(bad_inside, 0);
    CHECK_EQ_INT(bad_sites, 0);
    /* Mirrored edges: off by at most one step in x and one in y. */
    CHECK(worst_edge <= 9);
}

static void test_bayer(void)
{
    check_bayer(CC_PIX_BAYER_RG8);
    check_bayer(CC_PIX_BAYER_GB8);
    check_bayer(CC_PIX_BAYER_GR8);
    check_bayer(CC_PIX_BAYER_BG8);

    /* The smallest image: 2x2, every neighbour mirrored. */
    uint8_t px[4] = {200, 100, 100, 50}; /* R G / G B */
    cc_frame f = frame_of(px, 4, 2, 2, 2, CC_PIX_BAYER_RG8);
    uint8_t out[12];
    CHECK_EQ_INT(cc_convert(&f, out, sizeof out), 0);
    static const uint8_t want[12] = {200, 100, 50, 200, 100, 50,
                                     200, 100, 50, 200, 100, 50};
    CHECK_EQ_INT(memcmp(out, want, sizeof want), 0);
}

/* ---- YUV 4:2:2 ---- */

static uint8_t clamp_round(double v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)lround(v);
}

/* JFIF (full-range BT.601) YCbCr -> RGB in floating point. */
static void yuv_truth(int y, int u, int v, uint8_t rgb[3])
{
    rgb[0] = clamp_round(y + 1.402 * (v - 128));
    rgb[1] = clamp_round(y - 0.344136 * (u - 128) - 0.714136 * (v - 128));
    rgb[2] = clamp_round(y + 1.772 * (u - 128));
}

static void check_yuv(cc_pixfmt fmt, const unsigned order[4])
{
    /* Pairs of (Y0, Y1, U, V): grey, saturated colours, extremes. */
    static const uint8_t pairs[][4] = {
        {128, 128, 128, 128}, {76, 80, 85, 255}, {150, 149, 44, 21},
        {29, 35, 255, 107},   {0, 255, 128, 128}, {255, 0, 0, 255},
        {16, 235, 255, 0},
    };
    enum { N = sizeof pairs / sizeof pairs[0] };
    uint8_t px[N * 4];
    for (int i = 0; i < N; i++) {
        uint8_t comp[4] = {pairs[i][0], pairs[i][2], pairs[i][1], pairs[i][3]};
        for (int k = 0; k < 4; k++)
            px[i * 4 + order[k]] = comp[k]; /* Y0 U Y1 V at their offsets */
    }
    cc_frame f = frame_of(px, sizeof px, 2 * N, 1, sizeof px, fmt);
    uint8_t out[N * 2 * 3];
    CHECK_EQ_INT(cc_convert(&f, out, sizeof out), 0);
    int worst = 0;
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 2; k++) {
            uint8_t want[3];
            yuv_truth(pairs[i][k], pairs[i][2], pairs[i][3], want);
            for (int c = 0; c < 3; c++) {
                int err = abs(out[(i * 2 + k) * 3 + c] - want[c]);
                worst = err > worst ? err : worst;
            }
        }
    }
    CHECK(worst <= 1);
    /* Grey stays grey exactly. */
    CHECK(out[0] == 128 && out[1] == 128 && out[2] == 128);
}

static void test_yuv422(void)
{
    static const unsigned uyvy[4] = {1, 0, 3, 2}, yuyv[4] = {0, 1, 2, 3};
    check_yuv(CC_PIX_YUV422_UYVY, uyvy);
    check_yuv(CC_PIX_YUV422_YUYV, yuyv);
    /* The two orders are not the same thing. */
    uint8_t px[4] = {76, 85, 80, 255}, a[6], b[6];
    cc_frame f = frame_of(px, 4, 2, 1, 4, CC_PIX_YUV422_YUYV);
    CHECK_EQ_INT(cc_convert(&f, a, sizeof a), 0);
    f.fmt = CC_PIX_YUV422_UYVY;
    CHECK_EQ_INT(cc_convert(&f, b, sizeof b), 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
}

static void test_errors(void)
{
    uint8_t px[64] = {0}, out[256];
    cc_frame f = frame_of(px, sizeof px, 4, 4, 8, CC_PIX_MONO16);
    CHECK_EQ_INT(cc_convert(&f, out, sizeof out), 0);
    CHECK_EQ_INT(cc_convert(&f, out, 15), -ENOSPC);
    cc_frame bad = f;
    bad.stride = 7; /* shorter than a row */
    CHECK_EQ_INT(cc_convert(&bad, out, sizeof out), -EINVAL);
    bad = f;
    bad.size = 8 * 3 + 7; /* last row cut short */
    CHECK_EQ_INT(cc_convert(&bad, out, sizeof out), -EINVAL);
    bad = f;
    bad.data = NULL;
    CHECK_EQ_INT(cc_convert(&bad, out, sizeof out), -EINVAL);
    bad = f;
    bad.height = 0;
    CHECK_EQ_INT(cc_convert(&bad, out, sizeof out), -EINVAL);
    bad = f;
    bad.fmt = (cc_pixfmt)99;
    CHECK_EQ_INT(cc_convert(&bad, out, sizeof out), -EINVAL);
    bad = frame_of(px, sizeof px, 8, 1, 8, CC_PIX_BAYER_BG8);
    CHECK_EQ_INT(cc_convert(&bad, out, sizeof out), -EINVAL); /* one row */
    bad = frame_of(px, sizeof px, 3, 2, 8, CC_PIX_YUV422_UYVY);
    CHECK_EQ_INT(cc_convert(&bad, out, sizeof out), -EINVAL); /* odd width */
}

int main(void)
{
    RUN(test_formats);
    RUN(test_layouts);
    RUN(test_mono16);
    RUN(test_packed);
    RUN(test_bayer);
    RUN(test_yuv422);
    RUN(test_errors);
    return CHECK_DONE();
}
