#include "text.h"

#include <errno.h>
#include <string.h>

#include "font.h"

#define N_GLYPHS (CC_FONT_LAST - CC_FONT_FIRST + 1)

static void paint_glyph(SDL_Surface *s, int g)
{
    for (int row = 0; row < CC_FONT_GLYPH_H; row++) {
        uint8_t bits = cc_font_row((char)(CC_FONT_FIRST + g), row);
        uint32_t *px = (uint32_t *)(void *)((uint8_t *)s->pixels + row * s->pitch);
        for (int x = 0; x < CC_FONT_GLYPH_W; x++)
            if (bits & (0x10 >> x))
                px[g * CC_FONT_GLYPH_W + x] = 0xffffffffu;
    }
}

int cc_text_init(cc_text *t, SDL_Renderer *r)
{
    memset(t, 0, sizeof *t);
    t->renderer = r;
    /* White glyphs on transparent: colour comes from SetTextureColorMod. */
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(
        0, N_GLYPHS * CC_FONT_GLYPH_W, CC_FONT_GLYPH_H, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return -ENOMEM;
    SDL_FillRect(s, NULL, 0);
    for (int g = 0; g < N_GLYPHS; g++)
        paint_glyph(s, g);
    t->atlas = SDL_CreateTextureFromSurface(r, s);
    SDL_FreeSurface(s);
    if (!t->atlas)
        return -ENOMEM;
    SDL_SetTextureBlendMode(t->atlas, SDL_BLENDMODE_BLEND);
    /* Crisp pixels at any scale, whatever filter the images use. */
    SDL_SetTextureScaleMode(t->atlas, SDL_ScaleModeNearest);
    return 0;
}

void cc_text_destroy(cc_text *t)
{
    if (t->atlas)
        SDL_DestroyTexture(t->atlas);
    memset(t, 0, sizeof *t);
}

int cc_text_width(const char *s, int scale)
{
    return (int)strlen(s) * CC_FONT_CELL_W * scale;
}

int cc_text_height(int scale)
{
    return CC_FONT_CELL_H * scale;
}

void cc_text_draw(cc_text *t, int x, int y, int scale, SDL_Color color,
                  const char *s)
{
    SDL_SetTextureColorMod(t->atlas, color.r, color.g, color.b);
    SDL_SetTextureAlphaMod(t->atlas, color.a);
    for (; *s; s++, x += CC_FONT_CELL_W * scale) {
        char c = *s;
        if (c < CC_FONT_FIRST || c > CC_FONT_LAST)
            c = '?';
        if (c == ' ')
            continue;
        SDL_Rect src = {(c - CC_FONT_FIRST) * CC_FONT_GLYPH_W, 0,
                        CC_FONT_GLYPH_W, CC_FONT_GLYPH_H};
        SDL_Rect dst = {x, y + scale, CC_FONT_GLYPH_W * scale,
                        CC_FONT_GLYPH_H * scale};
        SDL_RenderCopy(t->renderer, t->atlas, &src, &dst);
    }
}
