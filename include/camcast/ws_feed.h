/* Received bytes on their way into wslay: the caller points the feed at
 * what it read and calls wslay_event_recv, whose recv callback pulls from
 * here until it is empty. Shared by the server and the client library. */
#ifndef CAMCAST_WS_FEED_H
#define CAMCAST_WS_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <wslay/wslay.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cc_ws_feed {
    const uint8_t *data; /* not owned: valid during wslay_event_recv */
    size_t len;
} cc_ws_feed;

/* The body of a wslay recv callback: copies up to len bytes into buf and
 * returns how many; with nothing left, sets WSLAY_ERR_WOULDBLOCK on ctx
 * and returns -1, which ends wslay_event_recv until the next read. */
ssize_t cc_ws_feed_read(cc_ws_feed *f, wslay_event_context_ptr ctx,
                        uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
