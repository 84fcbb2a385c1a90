/* A tile on screen: the texture of its camera's newest frame, the numbers
 * of its overlay, and where it goes in the window. Render thread only. */
#ifndef CC_VIEWER_TILE_H
#define CC_VIEWER_TILE_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "frames.h"
#include "layout.h"
#include "stats.h"

typedef struct cc_tile {
    SDL_Texture *tex;
    int tex_w, tex_h;
    bool has_frame;      /* tex shows a frame of the current hello */
    cc_tile_stats stats;
    uint64_t since_ms;   /* when the tile was (re)made */
    cc_rect cell, image; /* window pixels; image.w == 0: not shown */
} cc_tile;

void cc_tile_reset(cc_tile *t, uint64_t now_ms);
void cc_tile_destroy(cc_tile *t);

/* Puts f's pixels into the tile's streaming texture (made or remade to
 * f's size). Returns 0 or -ENOMEM (SDL's reason in SDL_GetError). */
int cc_tile_upload(cc_tile *t, SDL_Renderer *r, const cc_frame *f);

#endif
