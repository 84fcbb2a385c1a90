/* The built-in font: every printable character drawn, all different,
 * descenders only where they belong. */
#include <stdbool.h>
#include <string.h>

#include "../../tests/check.h"
#include "font.h"

static void glyph(char c, uint8_t rows[CC_FONT_GLYPH_H])
{
    for (int r = 0; r < CC_FONT_GLYPH_H; r++)
        rows[r] = cc_font_row(c, r);
}

static void all_drawn_and_distinct(void)
{
    uint8_t a[CC_FONT_GLYPH_H], b[CC_FONT_GLYPH_H];
    for (char c = CC_FONT_FIRST; c <= CC_FONT_LAST; c++) {
        glyph(c, a);
        int on = 0;
        for (int r = 0; r < CC_FONT_GLYPH_H; r++) {
            CHECK(a[r] < 32); /* five columns */
            on += a[r] != 0;
        }
        CHECK(c == ' ' ? on == 0 : on > 0);
        for (char d = CC_FONT_FIRST; d < c; d++) {
            glyph(d, b);
            if (memcmp(a, b, sizeof a) == 0)
                fprintf(stderr, "  '%c' and '%c' look the same\n", c, d);
            CHECK(memcmp(a, b, sizeof a) != 0);
        }
    }
}

static void descenders(void)
{
    const char *down = "gjpqy,;";
    for (char c = CC_FONT_FIRST; c <= CC_FONT_LAST; c++) {
        bool below = cc_font_row(c, 7) || cc_font_row(c, 8);
        CHECK(below == (strchr(down, c) != NULL));
    }
}

static void shapes(void)
{
    /* 'T': a full top bar, then the middle column. */
    CHECK_EQ_INT(cc_font_row('T', 0), 0x1f);
    CHECK_EQ_INT(cc_font_row('T', 6), 0x04);
    CHECK_EQ_INT(cc_font_row('L', 6), 0x1f);
    CHECK_EQ_INT(cc_font_row('L', 0), 0x10);
    /* Outside printable ASCII: '?'; rows out of range: empty. */
    for (int r = 0; r < CC_FONT_GLYPH_H; r++) {
        CHECK_EQ_INT(cc_font_row('\n', r), cc_font_row('?', r));
        CHECK_EQ_INT(cc_font_row((char)0xE9, r), cc_font_row('?', r));
    }
    CHECK_EQ_INT(cc_font_row('A', -1), 0);
    CHECK_EQ_INT(cc_font_row('A', CC_FONT_GLYPH_H), 0);
}

int main(void)
{
    RUN(all_drawn_and_distinct);
    RUN(descenders);
    RUN(shapes);
    return CHECK_DONE();
}
