/* The network thread: a libuv loop with one WebSocket client that connects,
 * reads the hello into the session, hands every bundle to the decode thread
 * (newest wins) and reconnects with backoff when the server goes away. */
#ifndef CC_VIEWER_NET_H
#define CC_VIEWER_NET_H

#include <SDL.h>
#include <stdbool.h>
#include <uv.h>

#include <camcast/ws_client.h>

#include "bundle_decoder.h"
#include "mailbox.h"
#include "reconnect.h"
#include "session.h"

/* Reconnect delays: 0.5 s, doubling up to 5 s. */
#define CC_NET_RETRY_MIN_MS 500
#define CC_NET_RETRY_MAX_MS 5000

typedef struct cc_net {
    uv_loop_t loop;
    uv_async_t wake;        /* stop requests from other threads */
    uv_timer_t retry;
    cc_ws_client *client;
    bool active;            /* connect() called, on_close not yet */
    bool stopping;
    cc_reconnect rc;
    const char *url;
    bool has_token;         /* a token is presented: a 401 means a wrong one */
    uint64_t gen;           /* generation of this connection's hello */
    uint64_t early;         /* bundles before a hello, ignored */
    cc_session *session;
    cc_mailbox *out;
    cc_raw_bundle *slot;    /* the producer's slot of out */
    SDL_Thread *thread;
} cc_net;

/* Sets up the loop and starts the thread, which connects at once. url
 * must stay valid until cc_net_stop; token (NULL: none) is copied. */
int cc_net_start(cc_net *n, const char *url, const char *token,
                 cc_session *session, cc_mailbox *out, cc_raw_bundle *slot);
/* Closes the connection (close code 1000), ends the loop and joins. */
void cc_net_stop(cc_net *n);

#endif
