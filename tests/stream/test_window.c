/* Tests for window.c: a client's flow-control window and its acks. */
#include "stream/window.h"

#include <errno.h>

#include "check.h"

static void test_off(void)
{
    cc_window w;
    cc_window_init(&w);
    for (uint64_t s = 1; s <= 20; s++) {
        CHECK(cc_window_open(&w));
        cc_window_sent(&w, s);
    }
    /* No window: every ack is refused, nothing else changes. */
    CHECK_EQ_INT(cc_window_ack(&w, 20), -EPERM);
    CHECK_EQ_INT(cc_window_ack(&w, 21), -EPERM);
    CHECK(cc_window_open(&w));
}

static void test_window_of_two(void)
{
    cc_window w;
    cc_window_init(&w);
    cc_window_sent(&w, 100); /* before the window: counts as acknowledged */
    cc_window_set(&w, 2);
    CHECK(cc_window_open(&w));
    CHECK_EQ_INT(cc_window_ack(&w, 100), 0); /* on its way when the window opened */
    CHECK_EQ_INT(cc_window_ack(&w, 99), -ENOENT); /* before the first one sent */
    CHECK_EQ_INT(cc_window_ack(&w, 0), -ENOENT);
    cc_window_sent(&w, 101);
    CHECK(cc_window_open(&w));
    cc_window_sent(&w, 104); /* 102, 103 skipped for this client */
    CHECK(!cc_window_open(&w));
    /* Never sent to it: ahead of what was sent, or one it was skipped. */
    CHECK_EQ_INT(cc_window_ack(&w, 105), -ENOENT);
    CHECK_EQ_INT(cc_window_ack(&w, 102), -ENOENT);
    CHECK(!cc_window_open(&w));
    CHECK_EQ_INT(w.n, 2);
    /* One ack covers every bundle before it. */
    CHECK_EQ_INT(cc_window_ack(&w, 104), 0);
    CHECK_EQ_INT(w.n, 0);
    CHECK(cc_window_open(&w));
    CHECK_EQ_INT(cc_window_ack(&w, 101), 0); /* late, acknowledged already */
    CHECK_EQ_INT(cc_window_ack(&w, 104), 0); /* a repeat */
    cc_window_sent(&w, 105);
    cc_window_sent(&w, 106);
    CHECK_EQ_INT(cc_window_ack(&w, 105), 0);
    CHECK_EQ_INT(w.n, 1);
    CHECK_EQ_INT(w.unacked[0], 106);
    CHECK(cc_window_open(&w));
}

static void test_resize(void)
{
    cc_window w;
    cc_window_init(&w);
    cc_window_set(&w, 8);
    CHECK_EQ_INT(cc_window_ack(&w, 1), -ENOENT); /* nothing sent yet */
    for (uint64_t s = 1; s <= 8; s++) {
        CHECK(cc_window_open(&w));
        cc_window_sent(&w, s);
    }
    CHECK(!cc_window_open(&w));
    /* Smaller: closed until the acks bring it below the new size. */
    cc_window_set(&w, 1);
    CHECK_EQ_INT(cc_window_ack(&w, 7), 0);
    CHECK(!cc_window_open(&w));
    CHECK_EQ_INT(cc_window_ack(&w, 8), 0);
    CHECK(cc_window_open(&w));
    cc_window_sent(&w, 9);
    /* Off: open at once, and what was sent needs no ack. */
    cc_window_set(&w, 0);
    CHECK(cc_window_open(&w));
    CHECK_EQ_INT(w.n, 0);
    CHECK_EQ_INT(cc_window_ack(&w, 9), -EPERM);
    /* On again: starts from what was sent. */
    cc_window_sent(&w, 12);
    cc_window_set(&w, 1);
    CHECK_EQ_INT(cc_window_ack(&w, 12), 0);
    CHECK_EQ_INT(cc_window_ack(&w, 13), -ENOENT);
    /* Out of range is clamped (the parser refuses it before). */
    cc_window_set(&w, 100);
    CHECK_EQ_INT(w.size, CC_CONTROL_MAX_WINDOW);
}

/* Whatever a client acks, the window keeps its bounds. */
static void test_ack_flood(void)
{
    cc_window w;
    cc_window_init(&w);
    cc_window_set(&w, 3);
    uint64_t x = 88172645463325252u, seq = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (cc_window_open(&w) && (x & 3) == 0) {
            seq += 1 + (x >> 8) % 3;
            cc_window_sent(&w, seq);
        }
        uint64_t a = seq - (x >> 16) % 6 + (x >> 32) % 3;
        int rc = cc_window_ack(&w, a);
        CHECK(rc == 0 || rc == -ENOENT);
        CHECK(w.n <= w.size);
        CHECK(w.acked <= w.last_sent);
        for (unsigned k = 0; k < w.n; k++)
            CHECK(w.unacked[k] > w.acked && w.unacked[k] <= w.last_sent);
    }
}

int main(void)
{
    RUN(test_off);
    RUN(test_window_of_two);
    RUN(test_resize);
    RUN(test_ack_flood);
    return CHECK_DONE();
}
