/* Text on an SDL renderer with the built-in font (font.h): one small
 * texture holds every glyph, each character is one textured copy. */
#ifndef CC_VIEWER_TEXT_H
#define CC_VIEWER_TEXT_H

#include <SDL.h>

typedef struct cc_text {
    SDL_Renderer *renderer;
    SDL_Texture *atlas;
} cc_text;

int cc_text_init(cc_text *t, SDL_Renderer *r);
void cc_text_destroy(cc_text *t);

/* Pixel size of s drawn at scale (each font pixel scale x scale). */
int cc_text_width(const char *s, int scale);
int cc_text_height(int scale);

/* Draws s with its top-left at x, y. */
void cc_text_draw(cc_text *t, int x, int y, int scale, SDL_Color color,
                  const char *s);

#endif
