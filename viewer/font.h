/* The viewer's built-in bitmap font: 5x7 pixel glyphs for printable ASCII,
 * plus two rows below the baseline for descenders (g, j, p, q, y).
 * No font files, no extra library: the same text on every platform. */
#ifndef CC_VIEWER_FONT_H
#define CC_VIEWER_FONT_H

#include <stdint.h>

#define CC_FONT_GLYPH_W 5
#define CC_FONT_GLYPH_H 9
#define CC_FONT_FIRST ' '
#define CC_FONT_LAST '~'
/* Glyph cell including spacing: the advance and the line height. */
#define CC_FONT_CELL_W 6
#define CC_FONT_CELL_H 11

/* One glyph row as bits: bit 4 is the leftmost column. Characters outside
 * printable ASCII are drawn as '?'. */
uint8_t cc_font_row(char c, int row);

#endif
