/* The newest-wins mailbox, single-threaded for its rules and hammered from
 * two threads (suite 'threads', also run under ThreadSanitizer): the
 * consumer only ever sees newer items, sees the last one, and every item is
 * either taken or counted as replaced. */
#include <stdint.h>
#include <stdlib.h>

#include "../../tests/check.h"
#include "mailbox.h"

typedef struct item {
    uint64_t seq;
    uint64_t check; /* seq * 3: a torn or reused slot would not match */
} item;

static void rules(void)
{
    item slots[3] = {{0, 0}, {0, 0}, {0, 0}};
    cc_mailbox mb;
    CHECK_EQ_INT(cc_mailbox_init(&mb, &slots[2]), 0);
    void *prod = &slots[0], *cons = &slots[1];

    CHECK_EQ_INT(cc_mailbox_take(&mb, &cons, 0), CC_MAILBOX_EMPTY);
    CHECK_EQ_INT(cc_mailbox_take(&mb, &cons, 10), CC_MAILBOX_EMPTY); /* bounded */

    ((item *)prod)->seq = 1;
    CHECK(!cc_mailbox_post(&mb, &prod));
    CHECK(prod == &slots[2]); /* the spare comes back */
    ((item *)prod)->seq = 2;
    CHECK(cc_mailbox_post(&mb, &prod)); /* 1 was unread: replaced */
    CHECK(prod == &slots[0]);           /* ... and its slot is reused */
    CHECK_EQ_INT(cc_mailbox_take(&mb, &cons, 0), CC_MAILBOX_TOOK);
    CHECK_EQ_INT(((item *)cons)->seq, 2);
    CHECK_EQ_INT(cc_mailbox_take(&mb, &cons, 0), CC_MAILBOX_EMPTY);
    CHECK_EQ_INT(((item *)cons)->seq, 2); /* still ours after an empty take */
    CHECK_EQ_INT(cc_mailbox_replaced(&mb), 1);

    /* The three slots stay distinct. */
    void *held = cc_mailbox_destroy(&mb);
    CHECK(prod != cons && prod != held && cons != held);
}

static void close_wakes(void)
{
    item slots[3];
    cc_mailbox mb;
    CHECK_EQ_INT(cc_mailbox_init(&mb, &slots[2]), 0);
    void *prod = &slots[0], *cons = &slots[1];
    cc_mailbox_post(&mb, &prod);
    cc_mailbox_close(&mb);
    /* An item posted before the close is still delivered, then CLOSED. */
    CHECK_EQ_INT(cc_mailbox_take(&mb, &cons, 1000), CC_MAILBOX_TOOK);
    CHECK_EQ_INT(cc_mailbox_take(&mb, &cons, 1000), CC_MAILBOX_CLOSED);
    cc_mailbox_destroy(&mb);
}

typedef struct shared {
    cc_mailbox mb;
    item slots[3];
    uint64_t n;
} shared;

static int producer(void *arg)
{
    shared *s = arg;
    void *slot = &s->slots[0];
    for (uint64_t i = 1; i <= s->n; i++) {
        item *it = slot;
        it->seq = i;
        it->check = i * 3;
        cc_mailbox_post(&s->mb, &slot);
    }
    cc_mailbox_close(&s->mb);
    return 0;
}

static void two_threads(uint64_t n)
{
    static shared s;
    s.n = n;
    CHECK_EQ_INT(cc_mailbox_init(&s.mb, &s.slots[2]), 0);
    SDL_Thread *t = SDL_CreateThread(producer, "producer", &s);
    CHECK(t != NULL);
    void *slot = &s.slots[1];
    uint64_t last = 0, taken = 0, bad = 0;
    /* Bounded: the producer closes after n posts; each wait is 1 s at most
     * and the loop gives up after a generous number of them. */
    for (int idle = 0; idle < 60;) {
        int rc = cc_mailbox_take(&s.mb, &slot, 1000);
        if (rc == CC_MAILBOX_CLOSED)
            break;
        if (rc == CC_MAILBOX_EMPTY) {
            idle++;
            continue;
        }
        const item *it = slot;
        if (it->seq <= last || it->check != it->seq * 3)
            bad++;
        last = it->seq;
        taken++;
    }
    SDL_WaitThread(t, NULL);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(last, n); /* the newest item always arrives */
    CHECK_EQ_INT(taken + cc_mailbox_replaced(&s.mb), n);
    fprintf(stderr, "  %llu posted, %llu taken, %llu replaced\n",
            (unsigned long long)n, (unsigned long long)taken,
            (unsigned long long)cc_mailbox_replaced(&s.mb));
    cc_mailbox_destroy(&s.mb);
}

static void hammer(void)
{
    two_threads(200000);
}

int main(void)
{
    RUN(rules);
    RUN(close_wakes);
    RUN(hammer);
    return CHECK_DONE();
}
