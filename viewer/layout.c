#include "layout.h"

static double fit_scale(cc_size cell, cc_size image)
{
    if (image.w <= 0 || image.h <= 0 || cell.w <= 0 || cell.h <= 0)
        return 0;
    double sx = (double)cell.w / image.w, sy = (double)cell.h / image.h;
    return sx < sy ? sx : sy;
}

static int rows_for(size_t n, int cols)
{
    return (int)((n + (size_t)cols - 1) / (size_t)cols);
}

int cc_layout_columns(size_t n, const cc_size *images, cc_rect area)
{
    int best = 1;
    double best_scale = -1;
    for (int cols = 1; (size_t)cols <= n; cols++) {
        cc_size cell = {area.w / cols, area.h / rows_for(n, cols)};
        double worst = -1;
        for (size_t i = 0; i < n; i++) {
            double s = fit_scale(cell, images[i]);
            if (worst < 0 || s < worst)
                worst = s;
        }
        if (worst > best_scale) {
            best_scale = worst;
            best = cols;
        }
    }
    return best;
}

cc_rect cc_layout_tile(size_t i, size_t n, int cols, cc_rect area)
{
    int rows = rows_for(n, cols);
    int row = (int)(i / (size_t)cols), col = (int)(i % (size_t)cols);
    int in_row = row == rows - 1 ? (int)(n - (size_t)row * (size_t)cols) : cols;
    /* A short last row keeps the cell width and is centred. */
    int row_w = area.w * in_row / cols;
    int x0 = area.x + (area.w - row_w) / 2;
    /* Edges from integer division: neighbours meet without gaps. */
    cc_rect r;
    r.y = area.y + area.h * row / rows;
    r.h = area.y + area.h * (row + 1) / rows - r.y;
    r.x = x0 + row_w * col / in_row;
    r.w = x0 + row_w * (col + 1) / in_row - r.x;
    return r;
}

cc_rect cc_layout_fit(cc_rect tile, cc_size image)
{
    cc_rect r = {tile.x, tile.y, 0, 0};
    if (image.w <= 0 || image.h <= 0 || tile.w <= 0 || tile.h <= 0)
        return r;
    /* Integer cross-multiplication: exact, no rounding drift. */
    if ((long long)tile.w * image.h <= (long long)tile.h * image.w) {
        r.w = tile.w;
        r.h = (int)((long long)tile.w * image.h / image.w);
    } else {
        r.h = tile.h;
        r.w = (int)((long long)tile.h * image.w / image.h);
    }
    r.x = tile.x + (tile.w - r.w) / 2;
    r.y = tile.y + (tile.h - r.h) / 2;
    return r;
}

void cc_layout_grid(size_t n, const cc_size *sizes, cc_rect area, int gap,
                    cc_rect *tiles, cc_rect *images)
{
    if (n == 0)
        return;
    int cols = cc_layout_columns(n, sizes, area);
    for (size_t i = 0; i < n; i++) {
        cc_rect t = cc_layout_tile(i, n, cols, area);
        /* Half the gap on each inner side keeps cells symmetric. */
        cc_rect inner = {t.x + gap / 2, t.y + gap / 2, t.w - gap, t.h - gap};
        if (inner.w < 0)
            inner.w = 0;
        if (inner.h < 0)
            inner.h = 0;
        tiles[i] = inner;
        images[i] = cc_layout_fit(inner, sizes[i]);
    }
}
