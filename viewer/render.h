/* Drawing the viewer's window: tiles with their overlays, banners for
 * tiles that are not live, the status bar; and screenshots. */
#ifndef CC_VIEWER_RENDER_H
#define CC_VIEWER_RENDER_H

#include <SDL.h>

#include "layout.h"
#include "overlay.h"
#include "text.h"
#include "tile.h"

/* Colours (R, G, B). The tile background never occurs in a grayscale
 * image (R != B), which tests use to tell image pixels from background. */
#define CC_COLOR_WINDOW 16, 17, 22
#define CC_COLOR_TILE 30, 32, 46
#define CC_COLOR_STATUS 40, 44, 60

/* Text scale for a width: 2 (12 px per character) where it fits. */
int cc_render_text_scale(int width);
/* Height of the status bar for a window out_w pixels wide. */
int cc_render_status_height(int out_w);

void cc_render_clear(SDL_Renderer *r);

/* A tile: its background, its image (dimmed when banner is not ""), the
 * overlay lines in its top-left corner and the banner across it. */
void cc_render_tile(SDL_Renderer *r, cc_text *txt, const cc_tile *t,
                    char lines[CC_OVERLAY_LINES][CC_OVERLAY_LINE_CAP],
                    const char *banner);

/* Colours of the levels box (L): histogram bars, and the end bins where
 * pixels clip (black, white). The bars are never gray (R == G != B), which
 * tests use to find the box. */
#define CC_COLOR_LEVEL_BAR 210, 210, 150
#define CC_COLOR_LEVEL_LOW 80, 140, 255
#define CC_COLOR_LEVEL_HIGH 235, 80, 70

/* A tile's levels in the bottom-left corner of its image: the histogram
 * of lv (bars scaled to the largest inner bin: an image mostly clipped
 * still shows the rest) over the lines. */
void cc_render_levels(SDL_Renderer *r, cc_text *txt, cc_rect image,
                      const cc_control_levels *lv,
                      char lines[CC_OVERLAY_LEVEL_LINES][CC_OVERLAY_LINE_CAP]);

/* Text centred in area on a dark box (a banner, or "connecting ..."). */
void cc_render_centered(SDL_Renderer *r, cc_text *txt, cc_rect area, int scale,
                        const char *s);

/* The status bar: left text, and right text if both fit. */
void cc_render_status(SDL_Renderer *r, cc_text *txt, cc_rect bar,
                      const char *left, const char *right);

/* Saves what was drawn (call before SDL_RenderPresent) as a BMP file.
 * Returns 0 or -EIO (SDL's reason in SDL_GetError). */
int cc_render_screenshot(SDL_Renderer *r, const char *path);

#endif
