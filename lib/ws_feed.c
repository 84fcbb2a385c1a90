#include "camcast/ws_feed.h"

#include <string.h>

ssize_t cc_ws_feed_read(cc_ws_feed *f, wslay_event_context_ptr ctx,
                        uint8_t *buf, size_t len)
{
    if (f->len == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t n = len < f->len ? len : f->len;
    memcpy(buf, f->data, n);
    f->data += n;
    f->len -= n;
    return (ssize_t)n;
}
