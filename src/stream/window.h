/* A client's flow-control window (docs/protocol.md 1.2, "Flow control"):
 * which bundles it was sent and has not acknowledged yet.
 *
 * A client that subscribes with "window": N is sent a bundle only while
 * fewer than N it was sent are unacknowledged; an ack of bundle_seq S
 * acknowledges S and every bundle sent before it. Turning the window on
 * counts everything sent so far as acknowledged, so acks of bundles that
 * were on their way then are harmless. Pure bookkeeping, bounded work per
 * call (at most CC_CONTROL_MAX_WINDOW entries). Loop thread only.
 */
#ifndef CC_WINDOW_H
#define CC_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "control.h"

typedef struct cc_window {
    unsigned size;      /* 0: off, else 1..CC_CONTROL_MAX_WINDOW */
    uint64_t first_sent; /* bundle_seq of the first bundle sent (0: none) */
    uint64_t last_sent; /* bundle_seq of the newest bundle sent (0: none) */
    uint64_t acked;     /* this one and all before count as acknowledged */
    unsigned n;         /* unacknowledged bundles, oldest first */
    uint64_t unacked[CC_CONTROL_MAX_WINDOW];
} cc_window;

void cc_window_init(cc_window *w);
/* A subscribe's "window": 0 turns it off; a smaller size than the bundles
 * unacknowledged keeps the window closed until acks bring them below it. */
void cc_window_set(cc_window *w, unsigned size);
/* Whether a bundle may be sent now. */
static inline bool cc_window_open(const cc_window *w)
{
    return w->size == 0 || w->n < w->size;
}
/* A bundle with this bundle_seq was sent (with or without a window). */
void cc_window_sent(cc_window *w, uint64_t seq);
/* An ack of seq. 0: taken (or acknowledged already: nothing changes);
 * -EPERM: the client has no window; -ENOENT: no bundle with that seq was
 * sent to this client (ahead of the newest sent, before the first, or one
 * skipped since its window opened). A seq between the first bundle sent
 * and the window's start counts as acknowledged already: only the last
 * CC_CONTROL_MAX_WINDOW sent are known one by one. */
int cc_window_ack(cc_window *w, uint64_t seq);

#endif
