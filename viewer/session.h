/* One connection's shared state. What the network thread knows, for the
 * other threads: the current hello (with a generation that changes with
 * every hello), the state of the connection, the server's clock offset and
 * the variant it sends. And what the render thread wants from it: the
 * variant its tiles call for. Guarded by one mutex; read a few times per
 * frame. */
#ifndef CC_VIEWER_SESSION_H
#define CC_VIEWER_SESSION_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "hello.h"
#include "reconnect.h"

typedef struct cc_session_status {
    cc_conn_state state;
    uint64_t gen;          /* 0 until the first hello */
    uint32_t retry_ms;     /* WAITING: the delay before the next attempt */
    uint64_t retry_at_ms;  /* WAITING: SDL_GetTicks64() of the next attempt */
    char reason[128];      /* why the last connection ended */
    /* The server's clock = ours + clock_offset_ns, to clock_rtt_ns / 2
     * (ping/pong, clock.h); have_clock false until measured. */
    bool have_clock;
    int64_t clock_offset_ns;
    uint64_t clock_rtt_ns;
    /* The variant last asked for on this connection and not refused
     * ("full" after each hello: the server's default). */
    char variant[CC_HELLO_VARIANT_NAME_CAP];
} cc_session_status;

typedef struct cc_session {
    SDL_mutex *lock;
    cc_hello hello;
    cc_session_status status;
    /* The render thread's wish, for the hello of generation want_gen. */
    char want_variant[CC_HELLO_VARIANT_NAME_CAP];
    uint64_t want_gen;
    /* The decode thread's newest bundle taken (decoded, or dropped: stale
     * or malformed), with the generation it came with: the network thread
     * acknowledges it (flow control, protocol 1.2). */
    uint64_t taken_gen, taken_seq;
} cc_session;

int cc_session_init(cc_session *s);
void cc_session_destroy(cc_session *s);

/* Takes over *h (left empty) as the current hello; returns its generation. */
uint64_t cc_session_set_hello(cc_session *s, cc_hello *h);
/* Copies the current hello into an empty dst; *gen gets its generation. */
int cc_session_hello(cc_session *s, cc_hello *dst, uint64_t *gen);

void cc_session_set_state(cc_session *s, cc_conn_state state);
/* The connection ended: why, and when the next attempt comes. */
void cc_session_set_waiting(cc_session *s, const char *reason,
                            uint32_t retry_ms, uint64_t retry_at_ms);
cc_session_status cc_session_get_status(cc_session *s);

/* Network thread: the clock offset (clock.h), and the variant the server
 * sends. */
void cc_session_set_clock(cc_session *s, bool have, int64_t offset_ns,
                          uint64_t rtt_ns);
void cc_session_set_variant(cc_session *s, const char *name);

/* Render thread: the variant its tiles want, picked from the hello of
 * generation gen. Network thread: that wish (name "" when there is none)
 * and its generation. */
void cc_session_want_variant(cc_session *s, uint64_t gen, const char *name);
uint64_t cc_session_wanted_variant(cc_session *s, char name[CC_HELLO_VARIANT_NAME_CAP]);

/* Decode thread: a bundle was taken. Network thread: the newest taken. */
void cc_session_set_taken(cc_session *s, uint64_t gen, uint64_t seq);
void cc_session_taken(cc_session *s, uint64_t *gen, uint64_t *seq);

#endif
