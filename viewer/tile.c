#include "tile.h"

#include <errno.h>
#include <string.h>

void cc_tile_reset(cc_tile *t, uint64_t now_ms)
{
    cc_tile_destroy(t);
    cc_tile_stats_reset(&t->stats, now_ms);
    t->since_ms = now_ms;
}

void cc_tile_destroy(cc_tile *t)
{
    if (t->tex)
        SDL_DestroyTexture(t->tex);
    memset(t, 0, sizeof *t);
}

int cc_tile_upload(cc_tile *t, SDL_Renderer *r, const cc_frame *f)
{
    if (!t->tex || t->tex_w != f->w || t->tex_h != f->h) {
        if (t->tex)
            SDL_DestroyTexture(t->tex);
        t->tex = SDL_CreateTexture(r, SDL_PIXELFORMAT_XRGB8888,
                                   SDL_TEXTUREACCESS_STREAMING, f->w, f->h);
        t->tex_w = t->tex ? f->w : 0;
        t->tex_h = t->tex ? f->h : 0;
        t->has_frame = false;
        if (!t->tex)
            return -ENOMEM;
    }
    /* On failure the texture may hold anything: show nothing. */
    t->has_frame = SDL_UpdateTexture(t->tex, NULL, f->pixels, f->w * 4) == 0;
    return t->has_frame ? 0 : -EIO;
}
