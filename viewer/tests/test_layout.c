/* Grid layout: N cameras x window size -> tiles and images, aspect kept. */
#include <stdbool.h>
#include <stdlib.h>

#include "../../tests/check.h"
#include "layout.h"

static bool inside(cc_rect in, cc_rect out)
{
    return in.x >= out.x && in.y >= out.y && in.x + in.w <= out.x + out.w &&
           in.y + in.h <= out.y + out.h;
}

static bool overlap(cc_rect a, cc_rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* Aspect kept: w/h equals the camera's within one pixel of rounding. */
static bool aspect_kept(cc_rect r, cc_size s)
{
    long long lhs = (long long)r.w * s.h, rhs = (long long)r.h * s.w;
    return llabs(lhs - rhs) <= (long long)(s.w > s.h ? s.w : s.h);
}

/* The invariants of any layout. */
static void check_grid(size_t n, const cc_size *sizes, cc_rect area)
{
    cc_rect tiles[64], images[64];
    cc_layout_grid(n, sizes, area, 4, tiles, images);
    for (size_t i = 0; i < n; i++) {
        CHECK(inside(tiles[i], area));
        CHECK(inside(images[i], tiles[i]));
        CHECK(aspect_kept(images[i], sizes[i]));
        /* The image touches two opposite sides of its tile. */
        CHECK(images[i].w == tiles[i].w || images[i].h == tiles[i].h);
        for (size_t j = 0; j < i; j++)
            CHECK(!overlap(tiles[i], tiles[j]));
    }
}

static void one_camera_fills(void)
{
    cc_size s = {1920, 1200};
    cc_rect area = {0, 0, 1280, 694}, tile, image;
    cc_layout_grid(1, &s, area, 0, &tile, &image);
    CHECK_EQ_INT(tile.w, 1280);
    CHECK_EQ_INT(tile.h, 694);
    /* 16:10 in a wider area: full height, centred horizontally. */
    CHECK_EQ_INT(image.h, 694);
    CHECK_EQ_INT(image.w, 1110);
    CHECK_EQ_INT(image.x, (1280 - 1110) / 2);
    CHECK_EQ_INT(image.y, 0);
}

static void three_cameras_two_by_two(void)
{
    cc_size s[3] = {{1920, 1200}, {1920, 1200}, {1920, 1200}};
    cc_rect area = {0, 0, 1280, 694};
    /* One row: 426 px wide tiles (scale 0.22); 2x2: 640x347 (0.29). */
    CHECK_EQ_INT(cc_layout_columns(3, s, area), 2);
    cc_rect t0 = cc_layout_tile(0, 3, 2, area), t2 = cc_layout_tile(2, 3, 2, area);
    CHECK_EQ_INT(t0.x, 0);
    CHECK_EQ_INT(t0.w, 640);
    CHECK_EQ_INT(t0.h, 347);
    /* The lone tile of the last row is centred. */
    CHECK_EQ_INT(t2.y, 347);
    CHECK_EQ_INT(t2.x, 320);
    CHECK_EQ_INT(t2.w, 640);
    check_grid(3, s, area);
}

static void window_shape_decides(void)
{
    cc_size s[2] = {{640, 480}, {640, 480}};
    /* Wide: side by side. Tall: stacked. */
    CHECK_EQ_INT(cc_layout_columns(2, s, (cc_rect){0, 0, 1600, 600}), 2);
    CHECK_EQ_INT(cc_layout_columns(2, s, (cc_rect){0, 0, 600, 1600}), 1);
    check_grid(2, s, (cc_rect){0, 0, 1600, 600});
    check_grid(2, s, (cc_rect){0, 0, 600, 1600});
}

static void mixed_sizes(void)
{
    cc_size s[3] = {{640, 480}, {320, 240}, {1920, 400}};
    for (int w = 100; w <= 2000; w += 190)
        for (int h = 100; h <= 1200; h += 110)
            check_grid(3, s, (cc_rect){10, 20, w, h});
}

static void many_cameras(void)
{
    cc_size s[64];
    for (int i = 0; i < 64; i++)
        s[i] = (cc_size){640 + 16 * i, 480};
    for (size_t n = 1; n <= 64; n++)
        check_grid(n, s, (cc_rect){0, 0, 1920, 1080});
    /* 16 cameras of 4:3 in 16:9: a 4 or 5 column grid, not a line. */
    int cols = cc_layout_columns(16, s, (cc_rect){0, 0, 1920, 1080});
    CHECK(cols >= 4 && cols <= 5);
}

static void tiles_cover_full_rows(void)
{
    cc_rect area = {0, 0, 1001, 701};
    /* Integer edges: neighbours meet, the last tile ends at the edge. */
    cc_rect a = cc_layout_tile(0, 6, 3, area), b = cc_layout_tile(1, 6, 3, area),
            c = cc_layout_tile(2, 6, 3, area), d = cc_layout_tile(3, 6, 3, area);
    CHECK_EQ_INT(a.x + a.w, b.x);
    CHECK_EQ_INT(b.x + b.w, c.x);
    CHECK_EQ_INT(c.x + c.w, 1001);
    CHECK_EQ_INT(a.y + a.h, d.y);
    CHECK_EQ_INT(d.y + d.h, 701);
}

static void fit_keeps_aspect(void)
{
    cc_rect r = cc_layout_fit((cc_rect){100, 50, 400, 400}, (cc_size){1920, 1080});
    CHECK_EQ_INT(r.w, 400);
    CHECK_EQ_INT(r.h, 225);
    CHECK_EQ_INT(r.x, 100);
    CHECK_EQ_INT(r.y, 50 + (400 - 225) / 2);
    r = cc_layout_fit((cc_rect){0, 0, 400, 400}, (cc_size){100, 200});
    CHECK_EQ_INT(r.w, 200);
    CHECK_EQ_INT(r.h, 400);
    CHECK_EQ_INT(r.x, 100);
}

static void degenerate_sizes(void)
{
    cc_size s[2] = {{640, 480}, {0, 0}};
    cc_rect tiles[2], images[2];
    /* A zero-size window or image gives empty rects, not a crash. */
    cc_layout_grid(2, s, (cc_rect){0, 0, 0, 0}, 4, tiles, images);
    CHECK_EQ_INT(images[0].w, 0);
    CHECK_EQ_INT(images[1].w, 0);
    cc_layout_grid(2, s, (cc_rect){0, 0, 800, 600}, 4, tiles, images);
    CHECK(images[0].w > 0);
    CHECK_EQ_INT(images[1].w, 0);
    CHECK_EQ_INT(images[1].h, 0);
}

int main(void)
{
    RUN(one_camera_fills);
    RUN(three_cameras_two_by_two);
    RUN(window_shape_decides);
    RUN(mixed_sizes);
    RUN(many_cameras);
    RUN(tiles_cover_full_rows);
    RUN(fit_keeps_aspect);
    RUN(degenerate_sizes);
    return CHECK_DONE();
}
