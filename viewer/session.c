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
