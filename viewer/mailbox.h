/* A one-slot mailbox between two threads where the newest item wins.
 *
 * Three slots circulate: the producer fills one, the consumer reads one,
 * the third waits in the box. Posting swaps the producer's slot with the
 * box's; if the box held an unread item, that item is replaced (counted)
 * and its slot comes back to the producer to be overwritten. The box never
 * queues, so a slow consumer sees the newest item, not a backlog, and
 * nothing is allocated or copied per item: only pointers change hands. */
#ifndef CC_VIEWER_MAILBOX_H
#define CC_VIEWER_MAILBOX_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct cc_mailbox {
    SDL_mutex *lock;
    SDL_cond *cond;
    void *slot;         /* unread item when full, else a free slot */
    bool full;
    bool closed;
    uint64_t posted;
    uint64_t replaced;  /* items overwritten before the consumer took them */
} cc_mailbox;

/* spare: the third slot (the producer and the consumer hold the others). */
int cc_mailbox_init(cc_mailbox *mb, void *spare);
/* Returns the slot held by the box (the caller frees the slots). */
void *cc_mailbox_destroy(cc_mailbox *mb);

/* Producer: hands over *slot and gets a free slot back in *slot. Returns
 * true when an unread item was replaced. */
bool cc_mailbox_post(cc_mailbox *mb, void **slot);

enum { CC_MAILBOX_EMPTY = 0, CC_MAILBOX_TOOK = 1, CC_MAILBOX_CLOSED = -1 };
/* Consumer: swaps *slot (read, given back) for the newest item, waiting up
 * to timeout_ms for one (0: do not wait). Returns CC_MAILBOX_TOOK,
 * CC_MAILBOX_EMPTY on timeout, or CC_MAILBOX_CLOSED once closed and empty. */
int cc_mailbox_take(cc_mailbox *mb, void **slot, uint32_t timeout_ms);

/* Wakes a waiting consumer; later takes return CLOSED when empty. */
void cc_mailbox_close(cc_mailbox *mb);
uint64_t cc_mailbox_replaced(cc_mailbox *mb);

#endif
