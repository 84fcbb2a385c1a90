/* What the server's files share (server.h is the public side): one
 * connection, the server, and the calls between its jobs.
 *
 *   server.c      connections: accept, limits and eviction, socket options,
 *                 writes, closing; listening and shutdown
 *   http_serve.c  an HTTP request: routing, the page and its assets, /stats
 *                 and the other pages, refusals
 *   ws_session.c  a WebSocket client: the upgrade, what it sends (control
 *                 messages, subscriptions), replies, reloads
 *   fanout.c      the tick's bundles to every client (the server's reader
 *                 of the tick)
 *
 * Loop thread only.
 */
#ifndef CC_SERVER_INTERNAL_H
#define CC_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include <wslay/wslay.h>

#include "camcast/ws_feed.h"
#include "camcast/ws_guard.h"
#include "camcast/ws_sendbuf.h"
#include "http.h"
#include "server.h"
#include "tick/group.h"
#include "tick/owed.h"
#include "tick/reader.h"
#include "window.h"

#define BUNDLES_IN_FLIGHT 2
#define READ_BUF 16384 /* per-connection read buffer */
#define RETRY_AFTER "Retry-After: 5\r\n"
#define CLOSE_POLICY 1008 /* RFC 6455 7.4.1: policy violation */

typedef enum cc_conn_state { CONN_HTTP, CONN_WS } cc_conn_state;

typedef struct cc_client cc_client;

/* A bundle write in flight: header storage, the reference it holds, and
 * the `dropped` fields written anew for a client that owes frames. */
typedef struct cc_bundle_write {
    uv_write_t req;
    uint8_t hdr[10];
    cc_bundle *bundle;
    cc_client *c;
    cc_dropped_patch patch;
} cc_bundle_write;

/* A limit that bites logs once per episode (its first hit after ten quiet
 * seconds), not once per connection; /stats counts all. */
typedef struct cc_episode {
    uint64_t last_ns;
} cc_episode;

struct cc_client {
    uv_tcp_t tcp;
    uv_timer_t timer; /* handshake deadline, then close deadline */
    uv_shutdown_t shutdown;
    cc_server *srv;
    cc_client *prev, *next;
    uint64_t id;
    char peer[64];  /* "address:port", for logs */
    char addr[48];  /* the address alone, for the per-address cap */
    cc_conn_state state;
    bool closing;
    int open_handles;
    char reason[96];
    uint64_t since_ns;

    cc_http_request http;
    char response[1024];

    wslay_event_context_ptr ws;
    cc_ws_feed in;       /* received bytes not yet given to wslay */
    cc_ws_guard guard;   /* frame rules wslay answers badly (1002) */
    cc_ws_sendbuf out;   /* frames being assembled by wslay_event_send */
    size_t ctl_backlog;  /* control bytes written, not yet completed */
    cc_group *group;     /* its cameras and rate: the bundles it shares */

    cc_bundle_write writes[BUNDLES_IN_FLIGHT];
    unsigned in_flight;
    uint64_t bundles_sent, bundles_skipped;
    /* Flow control (window.h): bundles of its group withheld while its
     * window was closed, owed in its next entries' `dropped`. */
    cc_window window;
    cc_owed owed;
    uint64_t bundles_withheld, acks_refused;
    uint64_t stalled_since_ns; /* first skip since a bundle went out; 0: none */

    uint8_t rbuf[READ_BUF];
};

struct cc_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    bool listening;
    const cc_server_config *cfg;
    cc_hello_fn hello;
    void *hello_arg;
    size_t n_cameras;
    uint64_t all_cameras;
    cc_client *clients;
    size_t n_ws, n_http;
    uint64_t next_id;
    cc_group_set groups;
    cc_tick_reader reader; /* fanout.c */
    cc_page_fn page;
    void *page_arg;
    cc_server_counters counters;
    cc_episode ep_evict, ep_full, ep_per_address, ep_token, ep_origin, ep_host, ep_stall,
        ep_congestion;
    bool shutting_down;
    void (*shutdown_done)(void *);
    void *shutdown_arg;
};

/* server.c */
uint64_t cc_realtime_ns(void);
/* True when a limit's hit starts an episode: the one to log. */
bool cc_episode_starts(cc_episode *e);
/* Copies data and writes it; a failure closes the client. */
void cc_client_write(cc_client *c, const void *data, size_t len);
/* Writes bytes that live as long as the program (embedded files). */
void cc_client_write_static(cc_client *c, const void *data, size_t len);
/* Lets queued bytes go out, then closes (a peer that does not read gets
 * a grace period). */
void cc_client_close(cc_client *c, const char *reason);
/* The subscription mask of every camera. */
uint64_t cc_all_cameras(size_t n);

/* http_serve.c: bytes of a connection still in its request head. */
void cc_http_serve_receive(cc_client *c, const char *data, size_t len);
/* A whole response, then the connection closes. */
void cc_http_serve_reply(cc_client *c, int status, const char *extra, const char *body);

/* ws_session.c */
/* The upgrade of a routed request: limits, hello, the session. */
void cc_session_upgrade(cc_client *c);
/* Bytes from a WebSocket client. */
void cc_session_receive(cc_client *c, const uint8_t *data, size_t len);
/* Close with code and reason, then the connection. */
void cc_session_fail(cc_client *c, uint16_t code, const char *why);
/* Close 1001 (a WebSocket client), then the connection. */
void cc_session_going_away(cc_client *c, const char *why);
/* Frees what the session holds (the client is going). */
void cc_session_end(cc_client *c);

/* fanout.c: the server's reader of the tick. */
void cc_fanout_init(cc_server *s);

#endif
