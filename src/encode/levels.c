#include "levels.h"

#include <string.h>

void cc_levels_clear(cc_levels *lv)
{
    memset(lv, 0, sizeof *lv);
}

/* Four histograms of the 256 values, so that runs of equal pixels do not
 * wait on one counter; folded into 64 bins at the end. */
typedef struct counts {
    uint32_t h[4][256];
} counts;

static void add_gray(counts *c, const uint8_t *row, uint32_t width)
{
    uint32_t x = 0;
    for (; x + 4 <= width; x += 4) {
        c->h[0][row[x]]++;
        c->h[1][row[x + 1]]++;
        c->h[2][row[x + 2]]++;
        c->h[3][row[x + 3]]++;
    }
    for (; x < width; x++)
        c->h[0][row[x]]++;
}

/* Colour: the luminance into the histogram. */
static void add_colour(counts *restrict c, const uint8_t *restrict row, uint32_t width,
                       bool bgr)
{
    unsigned wr = bgr ? 29u : 77u, wb = bgr ? 77u : 29u;
    for (uint32_t x = 0; x < width; x++, row += 3)
        c->h[x & 3][(wr * row[0] + 150u * row[1] + wb * row[2]) >> 8]++;
}

void cc_levels_add(cc_levels *lv, const uint8_t *px, size_t pitch, uint32_t width,
                   uint32_t rows, unsigned channels, bool bgr)
{
    counts c;
    memset(&c, 0, sizeof c);
    for (uint32_t y = 0; y < rows; y++) {
        const uint8_t *row = px + (size_t)y * pitch;
        if (channels == 1)
            add_gray(&c, row, width);
        else
            add_colour(&c, row, width, bgr);
    }
    uint32_t n[256];
    for (unsigned v = 0; v < 256; v++) {
        n[v] = c.h[0][v] + c.h[1][v] + c.h[2][v] + c.h[3][v];
        lv->bins[v >> 2] += n[v];
    }
    lv->pixels += (uint64_t)width * rows;
    lv->low += n[0];
    lv->high += n[255];
}

void cc_levels_merge(cc_levels *into, const cc_levels *from)
{
    for (unsigned k = 0; k < CC_LEVELS_BINS; k++)
        into->bins[k] += from->bins[k];
    into->pixels += from->pixels;
    into->low += from->low;
    into->high += from->high;
}
