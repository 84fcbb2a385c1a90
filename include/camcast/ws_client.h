/* A WebSocket client for CameraCast streams, on a libuv loop.
 *
 * Shared by camcast-viewer and camcast-bench. RFC 6455 client side: the
 * handshake (with the server's Sec-WebSocket-Accept checked), masked frames
 * to the server, whole messages from it. Binary messages (FrameBundles) are
 * assembled in one reusable buffer per client: no allocation per message
 * in steady state.
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
     * ...), or 0 with reason describing a network or protocol error. The
     * client may be freed from here. */
    void (*on_close)(cc_ws_client *c, int code, const char *reason, void *arg);
} cc_ws_client_callbacks;

/* Splits "ws://host[:port][/path]" (default port 80, path "/"). IPv6 hosts
 * in brackets. Returns 0 or -EINVAL. */
int cc_ws_url_parse(const char *url, char *host, size_t host_cap, uint16_t *port,
                    char *path, size_t path_cap);

/* max_message: largest message accepted (larger: close 1009). */
int cc_ws_client_new(cc_ws_client **out, uv_loop_t *loop,
                     const cc_ws_client_callbacks *cb, void *arg,
                     size_t max_message);
/* Starts connecting (name resolution, TCP, handshake). Errors after this
 * returns arrive through on_close. Returns 0 or a negative error. */
int cc_ws_client_connect(cc_ws_client *c, const char *url);
/* Queues a text message (a control message). Returns 0 or an error. */
int cc_ws_client_send_text(cc_ws_client *c, const char *text);
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
