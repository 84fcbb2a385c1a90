/* The bytes wslay frames during one wslay_event_send(), gathered so the
 * caller writes them with one uv_write: whole frames only. Shared by the
 * server and the client library. */
#ifndef CAMCAST_WS_SENDBUF_H
#define CAMCAST_WS_SENDBUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <wslay/wslay.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cc_ws_sendbuf {
    uint8_t *data;
    size_t len;
    size_t cap; /* grows, never shrinks: no allocation in steady state */
} cc_ws_sendbuf;

/* Appends len bytes. Returns 0 or -ENOMEM (the buffer is unchanged). */
int cc_ws_sendbuf_append(cc_ws_sendbuf *b, const uint8_t *data, size_t len);
void cc_ws_sendbuf_destroy(cc_ws_sendbuf *b);
/* The body of a wslay send callback that gathers into b: appends, or on
 * failure sets wslay's error and returns -1. */
ssize_t cc_ws_sendbuf_wslay(cc_ws_sendbuf *b, wslay_event_context_ptr ctx,
                            const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif
