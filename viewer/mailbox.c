#include "mailbox.h"

#include <errno.h>

int cc_mailbox_init(cc_mailbox *mb, void *spare)
{
    *mb = (cc_mailbox){.slot = spare};
    mb->lock = SDL_CreateMutex();
    mb->cond = SDL_CreateCond();
    if (!mb->lock || !mb->cond) {
        cc_mailbox_destroy(mb);
        return -ENOMEM;
    }
    return 0;
}

void *cc_mailbox_destroy(cc_mailbox *mb)
{
    void *slot = mb->slot;
    if (mb->cond)
        SDL_DestroyCond(mb->cond);
    if (mb->lock)
        SDL_DestroyMutex(mb->lock);
    *mb = (cc_mailbox){0};
    return slot;
}

bool cc_mailbox_post(cc_mailbox *mb, void **slot)
{
    SDL_LockMutex(mb->lock);
    void *mine = *slot;
    *slot = mb->slot;
    mb->slot = mine;
    bool replaced = mb->full;
    mb->full = true;
    mb->posted++;
    if (replaced)
        mb->replaced++;
    SDL_CondSignal(mb->cond);
    SDL_UnlockMutex(mb->lock);
    return replaced;
}

int cc_mailbox_take(cc_mailbox *mb, void **slot, uint32_t timeout_ms)
{
    SDL_LockMutex(mb->lock);
    if (!mb->full && !mb->closed && timeout_ms > 0)
        SDL_CondWaitTimeout(mb->cond, mb->lock, timeout_ms);
    int rc = CC_MAILBOX_EMPTY;
    if (mb->full) {
        void *mine = *slot;
        *slot = mb->slot;
        mb->slot = mine;
        mb->full = false;
        rc = CC_MAILBOX_TOOK;
    } else if (mb->closed) {
        rc = CC_MAILBOX_CLOSED;
    }
    SDL_UnlockMutex(mb->lock);
    return rc;
}

void cc_mailbox_close(cc_mailbox *mb)
{
    SDL_LockMutex(mb->lock);
    mb->closed = true;
    SDL_CondBroadcast(mb->cond);
    SDL_UnlockMutex(mb->lock);
}

uint64_t cc_mailbox_replaced(cc_mailbox *mb)
{
    SDL_LockMutex(mb->lock);
    uint64_t n = mb->replaced;
    SDL_UnlockMutex(mb->lock);
    return n;
}
