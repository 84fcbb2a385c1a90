#include "render.h"

#include <errno.h>
#include <string.h>

#define PAD 4 /* pixels around text on its box */

static const SDL_Color white = {255, 255, 255, 255};
static const SDL_Color amber = {255, 200, 90, 255};

static void fill(SDL_Renderer *r, cc_rect rc, Uint8 red, Uint8 g, Uint8 b, Uint8 a)
{
    SDL_Rect s = {rc.x, rc.y, rc.w, rc.h};
    SDL_SetRenderDrawBlendMode(r, a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, red, g, b, a);
    SDL_RenderFillRect(r, &s);
}

int cc_render_text_scale(int width)
{
    return width >= 560 ? 2 : 1;
}

int cc_render_status_height(int out_w)
{
    return cc_text_height(cc_render_text_scale(out_w)) + 2 * PAD;
}

void cc_render_clear(SDL_Renderer *r)
{
    SDL_SetRenderDrawColor(r, CC_COLOR_WINDOW, 255);
    SDL_RenderClear(r);
}

static void draw_lines(SDL_Renderer *r, cc_text *txt, cc_rect image,
                       char lines[CC_OVERLAY_LINES][CC_OVERLAY_LINE_CAP])
{
    int w = 0;
    for (int i = 0; i < CC_OVERLAY_LINES; i++) {
        int lw = cc_text_width(lines[i], 1);
        w = lw > w ? lw : w;
    }
    /* The tile's width alone sets the size: tiles of one grid get the
     * same text whatever their labels' lengths. */
    int scale = cc_render_text_scale(image.w);
    int lh = cc_text_height(scale);
    w *= scale;
    /* Clipped to the image: a tiny tile shows what fits. */
    cc_rect box = {image.x, image.y, w + 2 * PAD, CC_OVERLAY_LINES * lh + 2 * PAD};
    box.w = box.w < image.w ? box.w : image.w;
    box.h = box.h < image.h ? box.h : image.h;
    SDL_Rect clip = {image.x, image.y, image.w, image.h};
    SDL_RenderSetClipRect(r, &clip);
    fill(r, box, 0, 0, 0, 150);
    for (int i = 0; i < CC_OVERLAY_LINES; i++)
        cc_text_draw(txt, image.x + PAD, image.y + PAD + i * lh, scale, white, lines[i]);
    SDL_RenderSetClipRect(r, NULL);
}

void cc_render_tile(SDL_Renderer *r, cc_text *txt, const cc_tile *t,
                    char lines[CC_OVERLAY_LINES][CC_OVERLAY_LINE_CAP],
                    const char *banner)
{
    if (t->image.w <= 0 || t->image.h <= 0)
        return;
    fill(r, t->cell, CC_COLOR_TILE, 255);
    if (t->has_frame) {
        SDL_Rect dst = {t->image.x, t->image.y, t->image.w, t->image.h};
        SDL_RenderCopy(r, t->tex, NULL, &dst);
    }
    if (banner[0]) {
        if (t->has_frame)
            fill(r, t->image, 0, 0, 0, 140); /* an old image, plainly not live */
        cc_render_centered(r, txt, t->image, cc_render_text_scale(t->image.w) + 1,
                           banner);
    }
    draw_lines(r, txt, t->image, lines);
}

/* The histogram: one bar per bin, bin_w pixels wide, in the box at x, y. */
static void draw_histogram(SDL_Renderer *r, int x, int y, int bin_w, int h,
                           const cc_control_levels *lv)
{
    double top = 1;
    for (int i = 1; i < CC_CONTROL_BINS - 1; i++)
        top = lv->bins[i] > top ? lv->bins[i] : top;
    for (int i = 0; i < CC_CONTROL_BINS; i++) {
        int bh = (int)(h * lv->bins[i] / top + 0.5);
        if (bh > h) /* an end bin above the inner ones */
            bh = h;
        if (bh < 1 && lv->bins[i] > 0)
            bh = 1;
        cc_rect bar = {x + i * bin_w, y + h - bh, bin_w > 1 ? bin_w - 1 : 1, bh};
        if (i == 0 && lv->clipped_low > 0)
            fill(r, bar, CC_COLOR_LEVEL_LOW, 255);
        else if (i == CC_CONTROL_BINS - 1 && lv->clipped_high > 0)
            fill(r, bar, CC_COLOR_LEVEL_HIGH, 255);
        else
            fill(r, bar, CC_COLOR_LEVEL_BAR, 255);
    }
}

void cc_render_levels(SDL_Renderer *r, cc_text *txt, cc_rect image,
                      const cc_control_levels *lv,
                      char lines[CC_OVERLAY_LEVEL_LINES][CC_OVERLAY_LINE_CAP])
{
    if (image.w <= 0 || image.h <= 0)
        return;
    int scale = cc_render_text_scale(image.w);
    int bin_w = 2 * scale, hist_h = 24 * scale, lh = cc_text_height(scale);
    int w = CC_CONTROL_BINS * bin_w;
    for (int i = 0; i < CC_OVERLAY_LEVEL_LINES; i++) {
        int lw = cc_text_width(lines[i], scale);
        w = lw > w ? lw : w;
    }
    int n_lines = lines[1][0] ? 2 : 1;
    cc_rect box = {image.x, 0, w + 2 * PAD, hist_h + n_lines * lh + 3 * PAD};
    box.y = image.y + image.h - box.h;
    SDL_Rect clip = {image.x, image.y, image.w, image.h};
    SDL_RenderSetClipRect(r, &clip);
    fill(r, box, 0, 0, 0, 170);
    draw_histogram(r, box.x + PAD, box.y + PAD, bin_w, hist_h, lv);
    for (int i = 0; i < n_lines; i++)
        cc_text_draw(txt, box.x + PAD, box.y + 2 * PAD + hist_h + i * lh, scale, white,
                     lines[i]);
    SDL_RenderSetClipRect(r, NULL);
}

void cc_render_centered(SDL_Renderer *r, cc_text *txt, cc_rect area, int scale,
                        const char *s)
{
    while (scale > 1 && cc_text_width(s, scale) + 2 * PAD > area.w)
        scale--;
    int w = cc_text_width(s, scale), h = cc_text_height(scale);
    cc_rect box = {area.x + (area.w - w) / 2 - PAD, area.y + (area.h - h) / 2 - PAD,
                   w + 2 * PAD, h + 2 * PAD};
    fill(r, box, 0, 0, 0, 200);
    cc_text_draw(txt, box.x + PAD, box.y + PAD, scale, amber, s);
}

void cc_render_status(SDL_Renderer *r, cc_text *txt, cc_rect bar,
                      const char *left, const char *right)
{
    int scale = cc_render_text_scale(bar.w);
    fill(r, bar, CC_COLOR_STATUS, 255);
    int room = bar.w - cc_text_width(left, scale) - 6 * PAD;
    cc_text_draw(txt, bar.x + PAD, bar.y + PAD, scale, white, left);
    /* The right text shrinks, then goes, before it would cover the left. */
    int rs = scale;
    while (rs > 0 && cc_text_width(right, rs) > room)
        rs--;
    if (rs > 0)
        cc_text_draw(txt, bar.x + bar.w - cc_text_width(right, rs) - PAD,
                     bar.y + (bar.h - cc_text_height(rs)) / 2, rs, amber, right);
}

int cc_render_screenshot(SDL_Renderer *r, const char *path)
{
    int w, h;
    if (SDL_GetRendererOutputSize(r, &w, &h))
        return -EIO;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return -ENOMEM;
    int rc = 0;
    if (SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) ||
        SDL_SaveBMP(s, path))
        rc = -EIO;
    SDL_FreeSurface(s);
    return rc;
}
