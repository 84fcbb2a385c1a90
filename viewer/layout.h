/* Where tiles and images go in the window: a grid that fits any number of
 * cameras, each image scaled with its aspect ratio kept. */
#ifndef CC_VIEWER_LAYOUT_H
#define CC_VIEWER_LAYOUT_H

#include <stddef.h>

typedef struct cc_rect {
    int x, y, w, h;
} cc_rect;

typedef struct cc_size {
    int w, h;
} cc_size;

/* Picks the number of columns that shows the images largest: for each
 * column count, the smallest image scale over all tiles; the largest of
 * those wins (fewer columns on a tie). images[i] is camera i's size. */
int cc_layout_columns(size_t n, const cc_size *images, cc_rect area);

/* Tile i of n in a grid of cols columns filling area, row by row; the
 * last row's tiles are centred. Tiles share the area's pixels exactly. */
cc_rect cc_layout_tile(size_t i, size_t n, int cols, cc_rect area);

/* The largest rect of the image's aspect ratio centred in tile. */
cc_rect cc_layout_fit(cc_rect tile, cc_size image);

/* Lays out all n tiles: tiles[i] the cell, images[i] the fitted image
 * inside it, with gap pixels between cells. */
void cc_layout_grid(size_t n, const cc_size *sizes, cc_rect area, int gap,
                    cc_rect *tiles, cc_rect *images);

#endif
