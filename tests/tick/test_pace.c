/* Tests for pace.c: a reader's rate over the ticks and its queue of
 * decisions for the ticks in flight. */
#include "tick/pace.h"

#include "check.h"

/* Every tick at the stream's rate, or with no rate. */
static void test_every_tick(void)
{
    cc_pace p;
    cc_pace_init(&p);
    for (int t = 0; t < 100; t++) {
        CHECK(cc_pace_due(&p, 0, 30));
        CHECK(cc_pace_due(&p, 30, 30));
        CHECK(cc_pace_due(&p, 45, 30));
    }
}

/* A third of the rate: every third tick, starting with the first (a new
 * reader gets the next tick), never two in a row. */
static void test_spread(void)
{
    cc_pace p;
    cc_pace_init(&p);
    int taken = 0, run = 0, longest = 0;
    for (int t = 0; t < 300; t++) {
        bool takes = cc_pace_due(&p, 10, 30);
        if (t == 0)
            CHECK(takes);
        taken += takes;
        run = takes ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    CHECK_EQ_INT(taken, 100);
    CHECK_EQ_INT(longest, 1);
    /* A rate that does not divide the stream's: 7 of 30 on average (a
     * credit capped at one tick's worth gave 6). */
    cc_pace_init(&p);
    taken = 0;
    for (int t = 0; t < 3000; t++)
        taken += cc_pace_due(&p, 7, 30);
    CHECK(taken >= 699 && taken <= 701);
    /* 25 of 30: five ticks in a row at most, one skipped between. */
    cc_pace_init(&p);
    taken = 0;
    for (int t = 0; t < 3000; t++)
        taken += cc_pace_due(&p, 25, 30);
    CHECK(taken >= 2499 && taken <= 2501);
}

/* Decisions come back in the order they were taken; none queued: -1. */
static void test_queue(void)
{
    cc_pace p;
    cc_pace_init(&p);
    CHECK_EQ_INT(cc_pace_pop(&p), -1);
    cc_pace_push(&p, true);
    cc_pace_push(&p, false);
    cc_pace_push(&p, true);
    CHECK_EQ_INT(cc_pace_pop(&p), 1);
    CHECK_EQ_INT(cc_pace_pop(&p), 0);
    cc_pace_push(&p, false);
    CHECK_EQ_INT(cc_pace_pop(&p), 1);
    CHECK_EQ_INT(cc_pace_pop(&p), 0);
    CHECK_EQ_INT(cc_pace_pop(&p), -1);
    /* A reload forgets the ticks in flight. */
    cc_pace_push(&p, true);
    cc_pace_forget(&p);
    CHECK_EQ_INT(cc_pace_pop(&p), -1);
    /* More than the queue holds: the oldest eight are kept, in order. */
    for (int k = 0; k < 12; k++)
        cc_pace_push(&p, k % 2 == 0);
    for (int k = 0; k < 8; k++)
        CHECK_EQ_INT(cc_pace_pop(&p), k % 2 == 0);
    CHECK_EQ_INT(cc_pace_pop(&p), -1);
}

int main(void)
{
    RUN(test_every_tick);
    RUN(test_spread);
    RUN(test_queue);
    return CHECK_DONE();
}
