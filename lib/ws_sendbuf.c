#include "camcast/ws_sendbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cc_ws_sendbuf_append(cc_ws_sendbuf *b, const uint8_t *data, size_t len)
{
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p)
            return -ENOMEM;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

void cc_ws_sendbuf_destroy(cc_ws_sendbuf *b)
{
    free(b->data);
    *b = (cc_ws_sendbuf){0};
}

ssize_t cc_ws_sendbuf_wslay(cc_ws_sendbuf *b, wslay_event_context_ptr ctx,
                            const uint8_t *data, size_t len)
{
    if (cc_ws_sendbuf_append(b, data, len) < 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}
