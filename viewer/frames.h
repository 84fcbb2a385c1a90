/* Decoded frames on their way from the decode thread to the tiles: one
 * newest-wins mailbox per tile, and the size each tile wants its images
 * decoded at (set by the render thread, read by the decode thread). */
#ifndef CC_VIEWER_FRAMES_H
#define CC_VIEWER_FRAMES_H

#include <SDL.h>
#include <stddef.h>
#include <stdint.h>

#include <camcast/framebundle.h>

#include "mailbox.h"

/* Tiles the viewer shows; a hello listing more cameras shows the first. */
#define CC_MAX_TILES 64

typedef struct cc_frame {
    uint64_t gen;          /* hello generation this frame belongs to */
    uint64_t bundle_seq;
    uint64_t mux_time_ns;  /* server clock */
    uint64_t recv_ns;      /* client wall clock when the bundle arrived */
    cc_fb_entry entry;     /* as received; payload points to jpeg below */
    /* Decoded image, XRGB8888 (SDL_PIXELFORMAT_XRGB8888), pitch w * 4. */
    uint8_t *pixels;
    size_t pixels_cap;
    int w, h;
    int scale_num, scale_denom; /* decoded at this fraction of the JPEG size */
    /* Its sync group in the hello (-1: none) as its bundle had it: aligned
     * (bundle flag bit 0), and the spread of the group's device times in
     * ms (< 0: not on one clock). */
    int sync_group;
    bool sync_aligned;
    double sync_spread_ms;
    /* The original JPEG bytes, for saving. */
    uint8_t *jpeg;
    size_t jpeg_cap;
} cc_frame;

void cc_frame_init(cc_frame *f);
void cc_frame_destroy(cc_frame *f);
/* Grows *buf to at least need bytes (contents not kept). 0 or -ENOMEM. */
int cc_buf_reserve(uint8_t **buf, size_t *cap, size_t need);

typedef struct cc_frames {
    cc_mailbox box[CC_MAX_TILES];
    cc_frame slots[CC_MAX_TILES][3];
    cc_frame *producer[CC_MAX_TILES]; /* the decode thread's slots */
    cc_frame *consumer[CC_MAX_TILES]; /* the render thread's slots */
    /* Two atomics, not one pair: a torn read only decodes one frame at a
     * mixed size. */
    SDL_atomic_t want_w[CC_MAX_TILES], want_h[CC_MAX_TILES];
} cc_frames;

int cc_frames_new(cc_frames **out);
void cc_frames_free(cc_frames *fs);

/* Decode thread: posts its filled frame for tile i. Returns true when an
 * undisplayed frame was replaced. */
bool cc_frames_post(cc_frames *fs, size_t i);
/* Render thread: the newest frame of tile i into consumer[i], if any. */
bool cc_frames_take(cc_frames *fs, size_t i);
uint64_t cc_frames_replaced(cc_frames *fs, size_t i);

/* Render thread: the size tile i shows images at (0 x 0: full size). */
void cc_frames_set_want(cc_frames *fs, size_t i, int w, int h);
void cc_frames_get_want(cc_frames *fs, size_t i, int *w, int *h);

#endif
