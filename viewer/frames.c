#include "frames.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cc_frame_init(cc_frame *f)
{
    memset(f, 0, sizeof *f);
    f->scale_num = f->scale_denom = 1;
    f->sync_group = -1;
}

void cc_frame_destroy(cc_frame *f)
{
    free(f->pixels);
    free(f->jpeg);
    cc_frame_init(f);
}

int cc_buf_reserve(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    /* JPEG sizes vary from frame to frame: a quarter more, so the buffer
     * soon stops growing. */
    size_t grown = need + need / 4;
    uint8_t *p = malloc(grown);
    if (!p)
        return -ENOMEM;
    free(*buf);
    *buf = p;
    *cap = grown;
    return 0;
}

int cc_frames_new(cc_frames **out)
{
    cc_frames *fs = calloc(1, sizeof *fs);
    if (!fs)
        return -ENOMEM;
    for (size_t i = 0; i < CC_MAX_TILES; i++) {
        for (int k = 0; k < 3; k++)
            cc_frame_init(&fs->slots[i][k]);
        fs->producer[i] = &fs->slots[i][0];
        fs->consumer[i] = &fs->slots[i][1];
        int rc = cc_mailbox_init(&fs->box[i], &fs->slots[i][2]);
        if (rc) {
            cc_frames_free(fs); /* boxes not made yet are zero: safe */
            return rc;
        }
    }
    *out = fs;
    return 0;
}

void cc_frames_free(cc_frames *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < CC_MAX_TILES; i++) {
        cc_mailbox_destroy(&fs->box[i]);
        for (int k = 0; k < 3; k++)
            cc_frame_destroy(&fs->slots[i][k]);
    }
    free(fs);
}

bool cc_frames_post(cc_frames *fs, size_t i)
{
    void *slot = fs->producer[i];
    bool replaced = cc_mailbox_post(&fs->box[i], &slot);
    fs->producer[i] = slot;
    return replaced;
}

bool cc_frames_take(cc_frames *fs, size_t i)
{
    void *slot = fs->consumer[i];
    bool took = cc_mailbox_take(&fs->box[i], &slot, 0) == CC_MAILBOX_TOOK;
    fs->consumer[i] = slot;
    return took;
}

uint64_t cc_frames_replaced(cc_frames *fs, size_t i)
{
    return cc_mailbox_replaced(&fs->box[i]);
}

void cc_frames_set_want(cc_frames *fs, size_t i, int w, int h)
{
    SDL_AtomicSet(&fs->want_w[i], w);
    SDL_AtomicSet(&fs->want_h[i], h);
}

void cc_frames_get_want(cc_frames *fs, size_t i, int *w, int *h)
{
    *w = SDL_AtomicGet(&fs->want_w[i]);
    *h = SDL_AtomicGet(&fs->want_h[i]);
}
