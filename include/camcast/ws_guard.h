/* Frame-level checks wslay leaves to us (RFC 6455 5.2, 5.5).
 *
 * wslay 1.1.1 answers a frame it cannot parse (a control frame over 125
 * bytes or fragmented, a length not in its shortest form or with the top
 * bit set) with a close frame without a status code (1005) and a callback
 * failure. The peer should get 1002. So the bytes are checked here before
 * wslay sees them: the first bad header is held back, and the caller sends
 * the close frame with 1002 itself. Shared by the server and the client
 * library.
 */
#ifndef CAMCAST_WS_GUARD_H
#define CAMCAST_WS_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CC_WS_CLOSE_PROTOCOL_ERROR 1002

/* Bytes of a frame header: 2, then 2 or 8 for a longer length, then 4 for a
 * mask. Returns the full header size once the first 2 bytes are known. */
size_t cc_ws_header_size(const uint8_t hdr[2]);

/* Checks a complete frame header (cc_ws_header_size bytes). Returns 0, or
 * CC_WS_CLOSE_PROTOCOL_ERROR with *why saying which rule it breaks. */
int cc_ws_header_check(const uint8_t *hdr, const char **why);

/* The payload length of a complete, checked header. */
uint64_t cc_ws_header_payload(const uint8_t *hdr);

/* Where a byte stream stands: in a header, or in a payload. */
typedef struct cc_ws_guard {
    uint8_t hdr[14];
    size_t hdr_len;
    uint64_t payload_left;
    int code;          /* 0, or the close code once a header broke a rule */
    const char *why;
} cc_ws_guard;

void cc_ws_guard_init(cc_ws_guard *g);

/* Scans the next len bytes of the stream. Returns how many of them may go
 * to wslay: len, or, at the first bad header, the bytes before that header
 * began in this chunk (g->code and g->why then say why; later calls return
 * 0). A header split across calls is checked when it is complete: its
 * first bytes may already have gone to wslay, which cannot act on a
 * partial header. */
size_t cc_ws_guard_scan(cc_ws_guard *g, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif
