/* The connection's state machine with reconnect backoff: after the server
 * goes away, wait min_ms, then twice that after each failed attempt, up to
 * max_ms. Only a stream that got as far as its hello resets the delay, so a
 * server that accepts and drops connections is not hammered. */
#ifndef CC_VIEWER_RECONNECT_H
#define CC_VIEWER_RECONNECT_H

#include <stdint.h>

typedef enum cc_conn_state {
    CC_CONN_IDLE,       /* not started */
    CC_CONN_CONNECTING, /* resolving, TCP, WebSocket handshake */
    CC_CONN_OPEN,       /* handshake done, waiting for the hello */
    CC_CONN_STREAMING,  /* hello received: bundles flow */
    CC_CONN_WAITING,    /* disconnected, retry when the delay is over */
} cc_conn_state;

typedef struct cc_reconnect {
    cc_conn_state state;
    uint32_t min_ms, max_ms;
    uint32_t next_ms;   /* the delay the next failure waits */
    uint32_t attempts;  /* connection attempts since the last stream */
} cc_reconnect;

void cc_reconnect_init(cc_reconnect *r, uint32_t min_ms, uint32_t max_ms);
/* An attempt starts (from IDLE or WAITING). */
void cc_reconnect_connecting(cc_reconnect *r);
/* The WebSocket handshake succeeded. */
void cc_reconnect_opened(cc_reconnect *r);
/* A valid hello arrived: the stream works, the backoff starts over. */
void cc_reconnect_streaming(cc_reconnect *r);
/* The connection failed or ended: returns the delay before the next
 * attempt, and doubles the one after (up to max_ms). */
uint32_t cc_reconnect_closed(cc_reconnect *r);

const char *cc_conn_state_name(cc_conn_state s);

#endif
