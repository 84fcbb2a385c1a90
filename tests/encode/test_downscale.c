/* Tests for downscale.c: every box size and edge against a plain mean. */
#include "encode/downscale.h"

#include <errno.h>
#include <stdlib.h>

#include "check.h"

/* The rounded mean of the box, computed the slow way. */
static uint8_t box_mean(const uint8_t *img, uint32_t w, uint32_t h, unsigned ch,
                        unsigned k, uint32_t ox, uint32_t oy, unsigned c)
{
    uint32_t s = 0, n = 0;
    for (uint32_t y = oy * k; y < oy * k + k && y < h; y++)
        for (uint32_t x = ox * k; x < ox * k + k && x < w; x++, n++)
            s += img[((size_t)y * w + x) * ch + c];
    return (uint8_t)((s + n / 2) / n);
}

/* Returns the largest difference from box_mean over the whole output. */
static int check_shape(uint32_t w, uint32_t h, unsigned ch, unsigned k,
                       unsigned seed)
{
    uint8_t *img = malloc((size_t)w * h * ch);
    for (size_t i = 0; i < (size_t)w * h * ch; i++)
        img[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
    cc_downscale d;
    CHECK_EQ_INT(cc_downscale_init(&d, w, h, ch, k), 0);
    CHECK_EQ_INT(d.out_w, (w + k - 1) / k);
    CHECK_EQ_INT(d.out_h, (h + k - 1) / k);
    uint8_t *out = malloc((size_t)d.out_w * d.out_h * ch);
    const uint8_t *rows[16];
    for (uint32_t oy = 0; oy < d.out_h; oy++) {
        unsigned n = cc_downscale_rows(&d, oy);
        CHECK(n >= 1 && n <= k);
        for (unsigned j = 0; j < n; j++)
            rows[j] = img + (size_t)(oy * k + j) * w * ch;
        cc_downscale_row(&d, oy, rows, out + (size_t)oy * d.out_w * ch);
    }
    int worst = 0;
    for (uint32_t oy = 0; oy < d.out_h; oy++)
        for (uint32_t ox = 0; ox < d.out_w; ox++)
            for (unsigned c = 0; c < ch; c++) {
                int want = box_mean(img, w, h, ch, k, ox, oy, c);
                int got = out[((size_t)oy * d.out_w + ox) * ch + c];
                int diff = abs(want - got);
                worst = diff > worst ? diff : worst;
            }
    cc_downscale_destroy(&d);
    free(out);
    free(img);
    return worst;
}

static void test_all_boxes(void)
{
    for (unsigned k = 1; k <= 16; k++) {
        /* Exact multiples and leftover edges, gray and RGB. */
        CHECK(check_shape(16 * k, 3 * k, 1, k, k) == 0);
        CHECK(check_shape(16 * k + k / 2 + 1, 3 * k + 1, 1, k, k) == 0);
        CHECK(check_shape(7 * k + 1, 2 * k + k - 1, 3, k, k) == 0);
    }
}

/* Saturated boxes must not wrap the 16-bit sums. */
static void test_white(void)
{
    enum { W = 64, H = 32 };
    uint8_t img[W * H];
    memset(img, 255, sizeof img);
    cc_downscale d;
    CHECK_EQ_INT(cc_downscale_init(&d, W, H, 1, 16), 0);
    const uint8_t *rows[16];
    uint8_t out[4];
    for (unsigned j = 0; j < 16; j++)
        rows[j] = img + j * W;
    cc_downscale_row(&d, 0, rows, out);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(out[i], 255);
    cc_downscale_destroy(&d);
}

static void test_errors(void)
{
    cc_downscale d;
    CHECK_EQ_INT(cc_downscale_init(&d, 0, 10, 1, 2), -EINVAL);
    CHECK_EQ_INT(cc_downscale_init(&d, 10, 10, 2, 2), -EINVAL);
    CHECK_EQ_INT(cc_downscale_init(&d, 10, 10, 1, 17), -EINVAL);
    CHECK_EQ_INT(cc_downscale_init(&d, 10, 10, 1, 0), -EINVAL);
    cc_downscale_destroy(&d); /* after a failed init: harmless */
}

int main(void)
{
    RUN(test_all_boxes);
    RUN(test_white);
    RUN(test_errors);
    return CHECK_DONE();
}
