/* Who may use the RTSP port, and how much (docs/rtsp.md, "Limits").
 *
 * Installed on a GstRTSPServer: its GstRTSPAuth (a subclass) and its
 * "client-connected" signal.
 *
 *  - A connection past max_clients, or max_clients_per_address, gets one
 *    "503 Service Unavailable" line with Retry-After and is closed.
 *  - Every request but OPTIONS needs the token (401 with a Basic
 *    challenge otherwise); a connection that gave it stays authenticated
 *    until the token changes, and is then closed, its sessions with it.
 *    One that has not given it within auth_timeout is closed, and a
 *    request announcing a larger body than max_request gets 413 at once
 *    (16 times that after authentication).
 *  - A thread of its own resets a connection that sent more than
 *    4 * max_request bytes before authenticating, or more than
 *    64 * max_request plus max_request a second after: GStreamer's parser
 *    would read endless header lines on the server's thread.
 *  - Each connection keeps its sessions in a pool of its own: a session id
 *    names nothing on another connection (454), so it is no bearer
 *    credential. At most max_sessions_per_client there and max_sessions in
 *    all (503 with Retry-After), each ending session_timeout after its
 *    last keep-alive.
 *  - A DESCRIBE or SETUP of a camera that cannot play (offline) gets 503
 *    with Retry-After at once.
 * Each refusal is counted by reason and logged once per episode.
 *
 * Runs on the server's thread, unless said otherwise.
 */
#ifndef CC_RTSP_ACCESS_H
#define CC_RTSP_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include <gst/rtsp-server/rtsp-server.h>

#include "rtsp_server.h"

typedef struct cc_rtsp_access cc_rtsp_access;
/* One client connection, referenced by the media made on it. */
typedef struct cc_rtsp_peer cc_rtsp_peer;

/* Whether the camera of factory f can be played now. Any thread. */
typedef bool (*cc_rtsp_ready_fn)(GstRTSPMediaFactory *f, void *arg);

/* Takes over server's authentication and client handling, with limits l
 * (copied) and token (NULL or "": open; checked valid by the caller).
 * Returns NULL when out of memory. */
cc_rtsp_access *cc_rtsp_access_new(GstRTSPServer *server, GMainContext *ctx,
                                   const cc_rtsp_limits *l, const char *token,
                                   cc_rtsp_ready_fn ready, void *ready_arg);

/* A new token (NULL or "": open). When it differs, connections that
 * authenticated with another are closed on the server's thread. Any
 * thread. Returns 0 or -EINVAL. */
int cc_rtsp_access_set_token(cc_rtsp_access *a, const char *token);

/* Ends the sessions that timed out. */
void cc_rtsp_access_expire(cc_rtsp_access *a);

/* Closes every connection (shutdown). */
void cc_rtsp_access_close_all(cc_rtsp_access *a);

/* Counts a refusal of reason l; logs the first of an episode. Any thread. */
void cc_rtsp_access_count(cc_rtsp_access *a, cc_rtsp_limit l);

/* Its counters into out (clients, sessions, limited, refused_token). Any
 * thread. */
void cc_rtsp_access_get(const cc_rtsp_access *a, cc_rtsp_stats *out);

/* After the server's loop stopped. NULL is a no-op. */
void cc_rtsp_access_free(cc_rtsp_access *a);

/* The connection of the request being handled on this thread,
 * referenced; NULL outside a request. */
cc_rtsp_peer *cc_rtsp_access_current_peer(void);

/* Any thread. */
void cc_rtsp_peer_unref(cc_rtsp_peer *p);

/* Whether more than bytes written to the connection have not left the
 * host yet (SIOCOUTQNSD): a TCP client behind. Any thread. */
bool cc_rtsp_peer_unsent_above(cc_rtsp_peer *p, size_t bytes);

/* Closes the connection on the server's thread (once), counting reason
 * why. Any thread. */
void cc_rtsp_peer_close(cc_rtsp_peer *p, cc_rtsp_limit why);

/* Whether request (whose URL parsed to uri, NULL when it did not) gives
 * token: Basic credentials with it as password (any user name), or
 * token=TOKEN in the query, percent-decoded. What the server checks, and
 * what the fuzzer drives. */
bool cc_rtsp_request_has_token(const GstRTSPMessage *request, const GstRTSPUrl *uri,
                               const char *token);

#endif
