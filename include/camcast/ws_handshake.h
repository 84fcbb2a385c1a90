/* The WebSocket opening handshake's key and accept values (RFC 6455 4.1,
 * 4.2.2), shared by the server (camcastd) and the client library. */
#ifndef CAMCAST_WS_HANDSHAKE_H
#define CAMCAST_WS_HANDSHAKE_H

#ifdef __cplusplus
extern "C" {
#endif

#define CC_WS_KEY_RAW 16    /* a key is 16 random bytes ... */
#define CC_WS_KEY_LEN 24    /* ... sent as base64 */
#define CC_WS_ACCEPT_LEN 28 /* base64 of a SHA-1 digest */

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key, NUL terminated. Returns 0,
 * or -EINVAL for a key that is not base64 of exactly 16 bytes. */
int cc_ws_accept(const char *key, char out[CC_WS_ACCEPT_LEN + 1]);

/* A Sec-WebSocket-Key (NUL terminated) from 16 random bytes. */
void cc_ws_key(const unsigned char raw[CC_WS_KEY_RAW], char out[CC_WS_KEY_LEN + 1]);

#ifdef __cplusplus
}
#endif

#endif
