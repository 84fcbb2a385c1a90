/* The network thread: one libuv loop with one WebSocket client per server.
 * Each connection connects, reads its hello into its session, hands every
 * bundle to its decode thread (newest wins), and reconnects with its own
 * backoff when its server goes away, whatever the others do. It also
 * measures its server's clock offset (ping/pong, clock.h) where the clocks
 * are not shared, asks its server for the variant the render thread
 * wants (protocol 1.1) until the server refuses one, and, where the server
 * offers flow control (1.2), for a window, acknowledging each bundle once
 * its decode thread has taken it (the session's taken seq). */
#ifndef CC_VIEWER_NET_H
#define CC_VIEWER_NET_H

#include <SDL.h>
#include <stdbool.h>
#include <uv.h>

#include <camcast/ws_client.h>

#include "bundle_decoder.h"
#include "clock.h"
#include "mailbox.h"
#include "reconnect.h"
#include "session.h"

/* Reconnect delays: 0.5 s, doubling up to 5 s. */
#define CC_NET_RETRY_MIN_MS 500
#define CC_NET_RETRY_MAX_MS 5000
/* Servers one viewer shows at once. */
#define CC_NET_MAX_CONNS 8

typedef struct cc_net cc_net;

/* What one connection is given. */
typedef struct cc_net_target {
    const char *url;        /* must stay valid until cc_net_stop */
    const char *label;      /* prefix of its log lines ("" or NULL: none) */
    bool ping_clock;        /* measure the clock offset (not a shared clock) */
    unsigned window;        /* flow control asked for: 0 off, 1..8 */
    cc_session *session;
    cc_mailbox *out;
    cc_raw_bundle *slot;    /* the producer's slot of out */
} cc_net_target;

typedef struct cc_net_conn {
    cc_net *net;
    uv_timer_t retry;
    uv_timer_t ping;        /* the next ping, or the wait for a pong */
    cc_ws_client *client;
    bool active;            /* connect() called, on_close not yet */
    cc_reconnect rc;
    const char *url;
    char tag[96];           /* "LABEL: " or "" */
    bool ping_clock;
    uint64_t gen;           /* generation of this connection's hello */
    uint64_t early;         /* bundles before a hello, ignored */
    cc_session *session;
    cc_mailbox *out;
    cc_raw_bundle *slot;
    cc_clock_sync clock;
    bool clock_logged;      /* the first offset of a connection is logged */
    /* Subscriptions on this connection: the variant asked for last, the
     * one before it (what the server keeps when it refuses; "" for not
     * known), and whether to ask for any but full. */
    char asked[CC_HELLO_VARIANT_NAME_CAP], prev[CC_HELLO_VARIANT_NAME_CAP];
    bool variants_off;
    bool hello_seen;        /* this connection had a hello already */
    /* Flow control (protocol 1.2): the window asked for where the server
     * offers it, and the newest bundle acknowledged on this connection,
     * whose hellos have generations from conn_gen on. */
    unsigned window;
    bool window_on;
    uint64_t conn_gen, acked;
} cc_net_conn;

struct cc_net {
    uv_loop_t loop;
    uv_async_t wake;        /* stop and subscription requests */
    SDL_atomic_t stop;
    SDL_atomic_t kickable;  /* wake may be sent: the thread runs */
    bool stopping;
    bool has_token;         /* a token is presented: a 401 means a wrong one */
    size_t n;
    cc_net_conn conns[CC_NET_MAX_CONNS];
    SDL_Thread *thread;
};

/* Sets up the loop and starts the thread, which connects each target at
 * once. token (NULL: none) is copied; every connection presents it. */
int cc_net_start(cc_net *n, const cc_net_target *targets, size_t count,
                 const char *token);
/* A session's wanted variant changed, or its decode thread took a bundle:
 * the network thread looks (coalesced). From any thread. */
void cc_net_kick(cc_net *n);
/* Closes the connections (close code 1000), ends the loop and joins. */
void cc_net_stop(cc_net *n);

#endif
