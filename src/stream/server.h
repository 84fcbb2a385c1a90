/* The one TCP port: HTTP requests, WebSocket upgrades and the bundle fan-out
 * (server_internal.h says which file does what).
 *
 * Runs on the libuv loop. wslay parses what clients send and frames the small
 * replies (hello, pong, errors, close). Bundles bypass wslay: the server
 * writes the 2-10 byte frame header itself and hands uv_write the header and
 * the shared bundle, holding a reference until the write callback, so a
 * bundle is never copied per client. A client holds at most two bundles in
 * flight; when it is behind, later bundles skip it until it catches up.
 */
#ifndef CC_SERVER_H
#define CC_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "http.h"
#include "tick/reader.h"

typedef struct cc_server cc_server;

/* Builds the JSON text a client gets first, when it connects: a malloc'd
 * string (the server frees it), or NULL when out of memory. On the loop. */
typedef char *(*cc_hello_fn)(void *arg);

int cc_server_new(cc_server **out, uv_loop_t *loop, const cc_server_config *cfg,
                  cc_hello_fn hello, void *hello_arg, size_t n_cameras);
/* Binds and listens on cfg->listen:cfg->port. Writes the stream URL, with
 * the real port, into url. Returns 0 or a libuv error. */
int cc_server_listen(cc_server *s, char *url, size_t cap);
/* The daemon's own pages (/stats, /metrics, /healthz; http.h). */
void cc_server_set_pages(cc_server *s, cc_page_fn fn, void *arg);

/* One WebSocket client, as /stats reports it. */
typedef struct cc_client_info {
    uint64_t id;
    const char *peer;        /* "address:port"; NULL unless the config
                                exposes client addresses */
    uint64_t since_ns;       /* CLOCK_REALTIME of the upgrade */
    uint64_t bundles_sent;
    uint64_t bundles_skipped;
    size_t queued_bytes;     /* written, not yet taken by the kernel */
    uint64_t cameras;        /* subscription mask */
    unsigned variant;        /* 0: full; v: the config's variant v - 1 */
    double max_fps;          /* 0: every tick */
    unsigned window;         /* flow control: 0 off, else its size */
    uint64_t bundles_withheld; /* while its window was closed */
    uint64_t acks_refused;   /* acks of bundles it was not sent, or without a window */
} cc_client_info;

void cc_server_foreach_client(const cc_server *s,
                              void (*fn)(const cc_client_info *info, void *arg),
                              void *arg);

/* The server's reader of the tick (fanout.c): cc_mux_add_reader it. Each
 * tick's bundles go to every client that can take its own now. */
cc_tick_reader *cc_server_reader(cc_server *s);
/* After a reload changed the variants: old_to_new[v] is the new index of
 * old variant v (by name), or -1: its clients go to full. */
void cc_server_variants_changed(cc_server *s, const int *old_to_new, size_t n_old);
/* Stops listening, sends close 1001 to every client, and calls done once
 * every connection is closed. */
void cc_server_shutdown(cc_server *s, void (*done)(void *arg), void *arg);
size_t cc_server_client_count(const cc_server *s);

/* What the limits and access checks did since the start (/stats). */
typedef struct cc_server_counters {
    uint64_t evicted_pending;     /* idle connections closed for a new one */
    uint64_t handshake_timeouts;  /* request head not complete in time (408) */
    uint64_t refused_full;        /* max_clients reached (503) */
    uint64_t refused_per_address; /* max_clients_per_address reached (503) */
    uint64_t refused_token;       /* no or wrong access token (401) */
    uint64_t refused_origin;      /* Origin not allowed (403) */
    uint64_t refused_host;        /* Host not a name of this server (421) */
    uint64_t closed_stalled;      /* read nothing for stall_timeout (1008) */
    uint64_t protocol_errors;     /* WebSocket protocol errors (1002, ...) */
    size_t pending;               /* connections not yet upgraded, now */
} cc_server_counters;
cc_server_counters cc_server_get_counters(const cc_server *s);
/* After a reload changed the cameras: every client gets the new hello, its
 * subscription follows its cameras to their new indexes (old_to_new[i]:
 * new index of old camera i, or -1 if removed), and a client whose cameras
 * are all gone is closed with 1001. */
void cc_server_cameras_changed(cc_server *s, size_t n_cameras, const int *old_to_new,
                               size_t n_old);
/* After the loop has run the shutdown to its end. */
void cc_server_free(cc_server *s);

#endif
