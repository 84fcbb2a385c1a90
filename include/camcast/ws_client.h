/* A WebSocket client for CameraCast streams, on a libuv loop.
 *
 * Shared by camcast-viewer and camcast-bench. RFC 6455 client side: the
 * handshake (with the server's Sec-WebSocket-Accept checked), masked frames
 * to the server, whole messages from it. Binary messages (FrameBundles) are
 * assembled in one reusable buffer per client: no allocation per message
 * in steady state. The server is not trusted: every frame header is
 * checked (a control frame over 125 bytes or fragmented, a length not in
 * its shortest form: close 1002), and sizes are capped before anything is
 * buffered (close 1009).
 */
#ifndef CAMCAST_WS_CLIENT_H
#define CAMCAST_WS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cc_ws_client cc_ws_client;

typedef struct cc_ws_client_callbacks {
    /* Handshake done and verified. */
    void (*on_open)(cc_ws_client *c, void *arg);
    /* A whole text message (hello, pong, error); valid during the call. */
    void (*on_text)(cc_ws_client *c, const char *msg, size_t len, void *arg);
    /* A whole binary message (a FrameBundle); valid during the call. */
    void (*on_binary)(cc_ws_client *c, const uint8_t *msg, size_t len, void *arg);
    /* The connection is over. code: the server's close code (1000, 1001,
     * ...) with its reason (made printable ASCII: safe to log), or 0 with
     * reason describing a network or protocol error. The client may be
     * freed from here. */
    void (*on_close)(cc_ws_client *c, int code, const char *reason, void *arg);
} cc_ws_client_callbacks;

/* Splits "ws://host[:port][/path]" (default port 80, path "/"). IPv6 hosts
 * in brackets. Returns 0 or -EINVAL. */
int cc_ws_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
                    char *path, size_t path_cap);

/* Text messages (the hello, replies to control messages) are small: one
 * announcing more than this is refused before it is buffered. */
#define CC_WS_CLIENT_MAX_TEXT (1u << 20)

/* max_message: largest message accepted (larger: close 1009). Text
 * messages: at most CC_WS_CLIENT_MAX_TEXT (or max_message if smaller) unless
 * cc_ws_client_set_max_text says otherwise. */
int cc_ws_client_new(cc_ws_client **out, uv_loop_t *loop,
                     const cc_ws_client_callbacks *cb, void *arg,
                     size_t max_message);
/* Largest text message accepted (larger: close 1009, on_close says so),
 * never more than max_message. Returns 0, or -EINVAL for 0. */
int cc_ws_client_set_max_text(cc_ws_client *c, size_t max_text);
/* Changes max_message, also during a connection (from the next message
 * on): a client that learnt from the hello how large the server's bundles
 * can be (cc_fb_bound_add, camcast/framebundle.h) holds it to that. Text
 * messages stay within it too. Returns 0, or -EINVAL for 0. */
int cc_ws_client_set_max_message(cc_ws_client *c, size_t max_message);
/* The access token the handshakes of the next connections present, as
 * "Authorization: Bearer TOKEN" (NULL: none). Copied, never logged. Returns
 * 0, or -EINVAL for a string cc_token_valid refuses (camcast/token.h). */
int cc_ws_client_set_token(cc_ws_client *c, const char *token);
/* The socket receive buffer (SO_RCVBUF) of the next connections, in bytes;
 * 0: the system's (autotuned). Set before connecting, so that TCP picks
 * its window for it: a small one makes a slow reader visible to the
 * server at once (benchmarks, tests). Returns 0, or -EINVAL below 0. */
int cc_ws_client_set_recv_buffer(cc_ws_client *c, int bytes);
/* The HTTP status of the last handshake's response: 101 once open, 401
 * when the server wants a token (or another one: on_close then says "wrong
 * access token"), 0 before a response. */
int cc_ws_client_http_status(const cc_ws_client *c);
/* Starts connecting (name resolution, TCP, handshake). Errors after this
 * returns arrive through on_close. Returns 0 or a negative error. */
int cc_ws_client_connect(cc_ws_client *c, const char *url);
/* Queues a text message (a control message). Returns 0 or an error. */
int cc_ws_client_send_text(cc_ws_client *c, const char *text);
/* Flow control (docs/protocol.md 1.2, after a subscribe with "window"):
 * acknowledges the bundle with this bundle_seq and every one before it.
 * Returns 0 or an error, as cc_ws_client_send_text. */
int cc_ws_client_send_ack(cc_ws_client *c, uint64_t seq);
/* Stops (or resumes) reading from the socket: a client that does not read,
 * for tests and benchmarks of slow consumers. */
void cc_ws_client_set_reading(cc_ws_client *c, bool reading);
/* Starts the close handshake; on_close follows. */
void cc_ws_client_close(cc_ws_client *c, uint16_t code);
/* Frees a client that is not connected (never connected, or after
 * on_close). */
void cc_ws_client_free(cc_ws_client *c);

#ifdef __cplusplus
}
#endif

#endif
