#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int cc_session_init(cc_session *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->status.variant, sizeof s->status.variant, "full");
    s->lock = SDL_CreateMutex();
    return s->lock ? 0 : -ENOMEM;
}

void cc_session_destroy(cc_session *s)
{
    cc_hello_destroy(&s->hello);
    if (s->lock)
        SDL_DestroyMutex(s->lock);
    memset(s, 0, sizeof *s);
}

uint64_t cc_session_set_hello(cc_session *s, cc_hello *h)
{
    SDL_LockMutex(s->lock);
    cc_hello_destroy(&s->hello);
    s->hello = *h;
    memset(h, 0, sizeof *h);
    uint64_t gen = ++s->status.gen;
    /* A new connection: the server sends full frames until asked. */
    snprintf(s->status.variant, sizeof s->status.variant, "full");
    /* Cameras anew: what was known or asked is the old hello's. */
    memset(s->cams, 0, sizeof s->cams);
    memset(s->sets, 0, sizeof s->sets);
    SDL_UnlockMutex(s->lock);
    return gen;
}

int cc_session_hello(cc_session *s, cc_hello *dst, uint64_t *gen)
{
    SDL_LockMutex(s->lock);
    int rc = cc_hello_copy(dst, &s->hello);
    *gen = s->status.gen;
    SDL_UnlockMutex(s->lock);
    return rc;
}

void cc_session_set_state(cc_session *s, cc_conn_state state)
{
    SDL_LockMutex(s->lock);
    s->status.state = state;
    SDL_UnlockMutex(s->lock);
}

void cc_session_set_waiting(cc_session *s, const char *reason,
                            uint32_t retry_ms, uint64_t retry_at_ms)
{
    SDL_LockMutex(s->lock);
    s->status.state = CC_CONN_WAITING;
    s->status.retry_ms = retry_ms;
    s->status.retry_at_ms = retry_at_ms;
    snprintf(s->status.reason, sizeof s->status.reason, "%s", reason);
    SDL_UnlockMutex(s->lock);
}

cc_session_status cc_session_get_status(cc_session *s)
{
    SDL_LockMutex(s->lock);
    cc_session_status st = s->status;
    SDL_UnlockMutex(s->lock);
    return st;
}

void cc_session_set_clock(cc_session *s, bool have, int64_t offset_ns,
                          uint64_t rtt_ns)
{
    SDL_LockMutex(s->lock);
    s->status.have_clock = have;
    s->status.clock_offset_ns = offset_ns;
    s->status.clock_rtt_ns = rtt_ns;
    SDL_UnlockMutex(s->lock);
}

void cc_session_set_variant(cc_session *s, const char *name)
{
    SDL_LockMutex(s->lock);
    snprintf(s->status.variant, sizeof s->status.variant, "%s", name);
    SDL_UnlockMutex(s->lock);
}

void cc_session_want_variant(cc_session *s, uint64_t gen, const char *name)
{
    SDL_LockMutex(s->lock);
    snprintf(s->want_variant, sizeof s->want_variant, "%s", name);
    s->want_gen = gen;
    SDL_UnlockMutex(s->lock);
}

uint64_t cc_session_wanted_variant(cc_session *s, char name[CC_HELLO_VARIANT_NAME_CAP])
{
    SDL_LockMutex(s->lock);
    memcpy(name, s->want_variant, CC_HELLO_VARIANT_NAME_CAP);
    uint64_t gen = s->want_gen;
    SDL_UnlockMutex(s->lock);
    return gen;
}

void cc_session_set_taken(cc_session *s, uint64_t gen, uint64_t seq)
{
    SDL_LockMutex(s->lock);
    s->taken_gen = gen;
    s->taken_seq = seq;
    SDL_UnlockMutex(s->lock);
}

void cc_session_taken(cc_session *s, uint64_t *gen, uint64_t *seq)
{
    SDL_LockMutex(s->lock);
    *gen = s->taken_gen;
    *seq = s->taken_seq;
    SDL_UnlockMutex(s->lock);
}
/* ---- camera control ---- */

static void take_number(cc_control_number *known, const cc_control_number *heard)
{
    if (heard->known)
        *known = *heard;
}

int cc_session_control_take(cc_session *s, const cc_control_msg *m)
{
    SDL_LockMutex(s->lock);
    int tile = cc_hello_tile_of(&s->hello, m->camera);
    if (tile >= 0 && tile < CC_HELLO_MAX_CAMERAS) {
        cc_session_camera *c = &s->cams[tile];
        if (m->type == CC_CONTROL_MSG_FEATURES) {
            c->loaded = true;
            c->online = m->online;
            c->may_set = m->may_set;
            memcpy(c->number, m->number, sizeof c->number);
        } else if (m->type == CC_CONTROL_MSG_FEATURE) {
            for (int w = 0; w < CC_CONTROL_N; w++)
                take_number(&c->number[w], &m->number[w]);
        } else {
            c->levels = m->levels;
            c->levels_taken++;
        }
    } else {
        tile = -1;
    }
    SDL_UnlockMutex(s->lock);
    return tile;
}

void cc_session_set_refusal(cc_session *s, const char *message)
{
    SDL_LockMutex(s->lock);
    snprintf(s->refusal, sizeof s->refusal, "%s", message);
    s->refusals++;
    SDL_UnlockMutex(s->lock);
}

uint64_t cc_session_refusal(cc_session *s, char *buf, size_t cap)
{
    SDL_LockMutex(s->lock);
    snprintf(buf, cap, "%s", s->refusal);
    uint64_t n = s->refusals;
    SDL_UnlockMutex(s->lock);
    return n;
}

void cc_session_camera_get(cc_session *s, size_t tile, cc_session_camera *out)
{
    SDL_LockMutex(s->lock);
    if (tile < CC_HELLO_MAX_CAMERAS)
        *out = s->cams[tile];
    else
        memset(out, 0, sizeof *out);
    SDL_UnlockMutex(s->lock);
}

/* The slot of the feature's waiting set, or a free one, or NULL. */
static cc_session_set *set_slot(cc_session *s, unsigned camera, const char *feature)
{
    cc_session_set *free_slot = NULL;
    for (size_t i = 0; i < CC_SESSION_SETS; i++) {
        cc_session_set *q = &s->sets[i];
        if (q->pending && q->camera == camera && strcmp(q->feature, feature) == 0)
            return q;
        if (!q->pending && !free_slot)
            free_slot = q;
    }
    return free_slot;
}

int cc_session_post_set(cc_session *s, size_t tile, cc_control_which which, double value)
{
    SDL_LockMutex(s->lock);
    int rc = 0;
    cc_control_number *f = tile < s->hello.n_cameras && tile < CC_HELLO_MAX_CAMERAS
                               ? &s->cams[tile].number[which] : NULL;
    cc_session_set *q = NULL;
    if (!f || !f->known)
        rc = -ENOENT;
    else if (!(q = set_slot(s, s->hello.cameras[tile].index, f->name)))
        rc = -ENOSPC;
    if (q) {
        *q = (cc_session_set){.pending = true, .camera = s->hello.cameras[tile].index,
                              .value = value};
        snprintf(q->feature, sizeof q->feature, "%s", f->name);
        f->value = value; /* the next step starts here; the echo corrects it */
    }
    SDL_UnlockMutex(s->lock);
    return rc;
}

size_t cc_session_take_sets(cc_session *s, cc_session_set *out, size_t max)
{
    SDL_LockMutex(s->lock);
    size_t n = 0;
    for (size_t i = 0; i < CC_SESSION_SETS && n < max; i++)
        if (s->sets[i].pending) {
            out[n++] = s->sets[i];
            s->sets[i].pending = false;
        }
    SDL_UnlockMutex(s->lock);
    return n;
}

void cc_session_want_levels(cc_session *s, bool on)
{
    SDL_LockMutex(s->lock);
    s->want_levels = on;
    SDL_UnlockMutex(s->lock);
}

bool cc_session_wanted_levels(cc_session *s)
{
    SDL_LockMutex(s->lock);
    bool on = s->want_levels;
    SDL_UnlockMutex(s->lock);
    return on;
}
