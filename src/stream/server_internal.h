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
 *                 of the tick), levels to those who want them
 *   camctl.c      camera control: the cameras' features as last known,
 *                 sets handed to their grab threads, results to clients
 *   api.c         the HTTP API (/api/cameras...): features, sets, snapshots
 *
 * Loop thread only.
 */
#ifndef CC_SERVER_INTERNAL_H
#define CC_SERVER_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include <wslay/wslay.h>

#include "camcast/ws_feed.h"
#include "camcast/ws_guard.h"
#include "camcast/ws_sendbuf.h"
#include "capture/camera.h"
#include "http.h"
#include "server.h"
#include "tick/group.h"
#include "tick/owed.h"
#include "tick/reader.h"
#include "tick/snapshot.h"
#include "window.h"
#include "clock.h"

#define BUNDLES_IN_FLIGHT 2
#define READ_BUF 16384 /* per-connection read buffer */
#define RETRY_AFTER "Retry-After: 5\r\n"
#define RETRY_AFTER_1 "Retry-After: 1\r\n"
#define CLOSE_POLICY 1008 /* RFC 6455 7.4.1: policy violation */
#define API_BODY_MAX 4096 /* an /api request body; larger: 413 */

/* Whom a set's result goes to (cc_tuning_result.request). */
enum { CC_ASKED_WS = 0, CC_ASKED_HTTP = 1 };

/* A rate limit: credit for sets, earned over time (camctl.c). */
typedef struct cc_bucket {
    double credit;
    uint64_t since_ns;
} cc_bucket;

typedef enum cc_conn_state { CONN_HTTP, CONN_WS } cc_conn_state;

typedef struct cc_client cc_client;

/* One camera as camera control knows it (camctl.c). */
typedef struct cc_ctl_camera {
    struct cc_server *srv;
    unsigned index;
    cc_camera *cam;
    cc_feature_state *table; /* CC_FEATURES_MAX: the features as last known */
    size_t n;
} cc_ctl_camera;

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

    bool levels;         /* wants levels messages (1.2) */
    cc_bucket sets;      /* its sets' rate limit */
    /* /api: the body being read, then the answer waited for */
    bool body_wanted;
    bool api_waiting;
    size_t body_len;
    char body[API_BODY_MAX + 1];

    cc_bundle_write writes[BUNDLES_IN_FLIGHT];
    unsigned in_flight;
    uint64_t bundles_sent, bundles_skipped;
    /* Flow control (window.h): bundles of its group withheld while its
     * window was closed. pending_seq: the bundle_seq of its group's newest
     * bundle when that one was withheld from it (or skipped), 0 otherwise:
     * sent at once if an ack opens the window before the group's next,
     * owed in its next entries' `dropped` once that next replaces it. */
    cc_window window;
    uint64_t pending_seq;
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
    uint64_t levels_mask;  /* cameras some client wants levels of */
    /* camctl.c */
    cc_camera *cams;
    cc_ctl_camera ctl[CC_MAX_CAMERAS];
    size_t n_ctl;
    uv_async_t ctl_wake;
    bool ctl_open;
    atomic_uint_fast64_t ctl_news; /* bit i: camera i posted results */
    cc_bucket http_sets;   /* every HTTP client's sets, together */
    /* api.c */
    cc_snapshots snaps;
    unsigned api_waiting;
    cc_page_fn page;
    void *page_arg;
    cc_server_counters counters;
    cc_episode ep_evict, ep_full, ep_per_address, ep_token, ep_origin, ep_host, ep_stall,
        ep_congestion;
    bool shutting_down;
    void (*shutdown_done)(void *);
    void *shutdown_arg;
};

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

/* Queues a text message to a WebSocket client and sends it. */
void cc_session_send_text(cc_client *c, const char *text);
/* The same to every WebSocket client. */
void cc_session_broadcast(cc_server *s, const char *text);
/* An error about a camera's feature to one client. */
void cc_session_error_about(cc_client *c, const char *message, const char *camera,
                            const char *feature);
/* Cameras some client wants levels of, counted again. */
void cc_session_levels_changed(cc_server *s);

/* fanout.c: the server's reader of the tick. */
void cc_fanout_init(cc_server *s);
/* c's ack opened its window: its group's newest bundle now if it was
 * withheld from c, within the send-queue bound and the bundles in flight;
 * else nothing (the next tick's comes). At most one send per call. */
void cc_fanout_window_opened(cc_client *c);
/* c leaves its group for another: its group's newest bundle, if withheld
 * from c, is owed, and so is what its group owes its members; what the
 * other owes its members c had (tick/owed.h, cc_owed_move). None of the
 * other's bundles made before is sent to c. */
void cc_fanout_regroup(cc_client *c, const cc_group *to);

/* camctl.c */
int cc_camctl_init(cc_server *s);
/* The cameras now (start, reload); each posts its table again. */
int cc_camctl_set_cameras(cc_server *s, cc_camera *cams, size_t n);
/* Unhooks the cameras and closes the wake-up handle. */
void cc_camctl_close(cc_server *s);
void cc_camctl_free(cc_server *s);
/* Camera index by name, or -1. */
int cc_camctl_find(const cc_server *s, const char *name);
const cc_feature_state *cc_camctl_feature(const cc_server *s, unsigned cam,
                                          const char *name);
bool cc_camctl_online(const cc_server *s, unsigned cam);
/* Takes one set from the bucket if it has credit. */
bool cc_bucket_take(cc_bucket *b);
/* Checks v against the camera's feature as last known and hands it to the
 * camera. Returns 0 (the result comes later), or an HTTP status with the
 * reason in err: 404 no such feature, 422 refused, 503 offline, 500. */
int cc_camctl_set(cc_server *s, unsigned cam, const char *feature, cc_feature_value *v,
                  uint64_t client, uint64_t request, char *err, size_t errlen);
/* The client that asked, if still here. */
cc_client *cc_client_by_id(cc_server *s, uint64_t id);

/* api.c */
void cc_api_init(cc_server *s);
/* A complete request head for /api: reads its body if it has one, then
 * answers (now, or when a camera or the tick has). */
void cc_api_start(cc_client *c, const char *rest, size_t len);
/* More bytes of the body. */
void cc_api_receive(cc_client *c, const char *data, size_t len);
/* A set's result for an HTTP client waiting for it. */
void cc_api_set_done(cc_client *c, const char *camera, unsigned index,
                     const cc_tuning_result *r);
/* The waiting client's deadline passed. */
void cc_api_timeout(cc_client *c);
/* The client goes: what it waits for is forgotten. */
void cc_api_end(cc_client *c);
/* An HTTP status for a refused set (cc_tuning_result.status). */
int cc_api_status_of(int status);

#endif
