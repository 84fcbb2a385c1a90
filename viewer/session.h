/* What the network thread knows, for the other threads: the current
 * hello (with a generation that changes with every hello) and the state
 * of the connection. Guarded by one mutex; read a few times per frame. */
#ifndef CC_VIEWER_SESSION_H
#define CC_VIEWER_SESSION_H

#include <SDL.h>
#include <stdint.h>

#include "hello.h"
#include "reconnect.h"

typedef struct cc_session_status {
    cc_conn_state state;
    uint64_t gen;          /* 0 until the first hello */
    uint32_t retry_ms;     /* WAITING: the delay before the next attempt */
    uint64_t retry_at_ms;  /* WAITING: SDL_GetTicks64() of the next attempt */
    char reason[128];      /* why the last connection ended */
} cc_session_status;

typedef struct cc_session {
    SDL_mutex *lock;
    cc_hello hello;
    cc_session_status status;
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

#endif
