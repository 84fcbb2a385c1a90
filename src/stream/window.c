#include "window.h"

#include <errno.h>
#include <string.h>

void cc_window_init(cc_window *w)
{
    memset(w, 0, sizeof *w);
}

void cc_window_set(cc_window *w, unsigned size)
{
    if (size > CC_CONTROL_MAX_WINDOW)
        size = CC_CONTROL_MAX_WINDOW;
    if (size == 0 || w->size == 0) {
        /* Off, or just on: nothing sent so far is waited for. */
        w->acked = w->last_sent;
        w->n = 0;
    }
    w->size = size;
}

void cc_window_sent(cc_window *w, uint64_t seq)
{
    if (w->first_sent == 0)
        w->first_sent = seq;
    w->last_sent = seq;
    if (w->size == 0)
        return;
    if (w->n == CC_CONTROL_MAX_WINDOW) { /* never, while sends wait for an open window */
        w->acked = w->unacked[0];
        memmove(w->unacked, w->unacked + 1, (w->n - 1) * sizeof w->unacked[0]);
        w->n--;
    }
    w->unacked[w->n++] = seq;
}

int cc_window_ack(cc_window *w, uint64_t seq)
{
    if (w->size == 0)
        return -EPERM;
    if (w->first_sent == 0 || seq < w->first_sent)
        return -ENOENT;
    if (seq <= w->acked)
        return 0;
    for (unsigned k = 0; k < w->n; k++) {
        if (w->unacked[k] != seq)
            continue;
        w->acked = seq;
        w->n -= k + 1;
        memmove(w->unacked, w->unacked + k + 1, w->n * sizeof w->unacked[0]);
        return 0;
    }
    return -ENOENT;
}
