/* The clock offset from ping/pong (clock.h): the shortest round trip of a
 * burst wins, bursts repeat until one is short, a worse burst does not
 * replace a better offset unless that is old; and the replies (reply.h). */
#include <string.h>

#include "../../tests/check.h"
#include "clock.h"
#include "reply.h"

#define MS 1000000u

/* The server's clock runs 7 s ahead of ours; each ping's way out takes
 * out_ms and its way back back_ms. Returns the delay before the next. */
static uint32_t ping(cc_clock_sync *c, uint64_t *now_ns, uint64_t now_ms, double out_ms,
                     double back_ms)
{
    const uint64_t ahead = 7000u * (uint64_t)MS;
    cc_clock_ping_sent(c, *now_ns);
    uint64_t server = *now_ns + (uint64_t)(out_ms * MS) + ahead;
    *now_ns += (uint64_t)((out_ms + back_ms) * MS);
    CHECK(cc_clock_pong(c, *now_ns, server));
    return cc_clock_next_ms(c, now_ms);
}

static void burst_keeps_shortest(void)
{
    cc_clock_sync c;
    cc_clock_sync_reset(&c);
    uint64_t now = 1700000000ull * 1000000000ull;
    /* Four slow pings (a pong behind bundles), one quick and symmetric. */
    CHECK_EQ_INT(ping(&c, &now, 0, 30, 5), CC_CLOCK_SPACING_MS);
    CHECK_EQ_INT(ping(&c, &now, 100, 1, 1), CC_CLOCK_SPACING_MS);
    CHECK_EQ_INT(ping(&c, &now, 200, 2, 40), CC_CLOCK_SPACING_MS);
    CHECK_EQ_INT(ping(&c, &now, 300, 10, 10), CC_CLOCK_SPACING_MS);
    CHECK(!c.have); /* nothing adopted before the burst ends */
    /* Burst over, 2 ms round trip: good, next in 30 s. */
    CHECK_EQ_INT(ping(&c, &now, 400, 3, 3), CC_CLOCK_REFRESH_MS);
    CHECK(c.have);
    CHECK_EQ_INT(c.rtt_ns, 2 * MS);
    CHECK_EQ_INT(c.offset_ns, 7000 * (int64_t)MS);
}

static void slow_bursts_retry(void)
{
    cc_clock_sync c;
    cc_clock_sync_reset(&c);
    uint64_t now = 5000ull * 1000000000ull;
    uint32_t next = 0;
    /* Every round trip 20 ms, 15 out and 5 back: offset off by 5 ms. */
    for (int burst = 1; burst <= CC_CLOCK_RETRIES + 1; burst++) {
        for (int i = 0; i < CC_CLOCK_BURST; i++)
            next = ping(&c, &now, (uint64_t)burst * 3000, 15, 5);
        CHECK_EQ_INT(next, burst < CC_CLOCK_RETRIES ? CC_CLOCK_RETRY_MS
                                                    : CC_CLOCK_REFRESH_MS);
    }
    CHECK(c.have);
    CHECK_EQ_INT(c.rtt_ns, 20 * MS);
    CHECK_EQ_INT(c.offset_ns, 7005 * (int64_t)MS); /* good to half the trip */
}

static void worse_burst_kept_out_until_old(void)
{
    cc_clock_sync c;
    cc_clock_sync_reset(&c);
    uint64_t now = 5000ull * 1000000000ull;
    for (int i = 0; i < CC_CLOCK_BURST; i++)
        ping(&c, &now, 0, 1, 1);
    CHECK_EQ_INT(c.rtt_ns, 2 * MS);
    CHECK_EQ_INT(c.taken_ms, 0);
    /* 30 s later, a worse burst: kept out. */
    for (int i = 0; i < CC_CLOCK_BURST; i++)
        ping(&c, &now, 30000, 4, 2);
    CHECK_EQ_INT(c.rtt_ns, 2 * MS);
    /* After two minutes the offset in use is old: the worse one wins. */
    for (int i = 0; i < CC_CLOCK_BURST; i++)
        ping(&c, &now, 150000, 4, 2);
    CHECK_EQ_INT(c.rtt_ns, 6 * MS);
    CHECK_EQ_INT(c.offset_ns, 7001 * (int64_t)MS);
    CHECK_EQ_INT(c.taken_ms, 150000);
}

static void lost_and_unasked(void)
{
    cc_clock_sync c;
    cc_clock_sync_reset(&c);
    /* A pong nobody asked for is ignored. */
    CHECK(!cc_clock_pong(&c, 100, 200));
    CHECK_EQ_INT(c.done, 0);
    /* Lost pings count toward the burst; a burst of only losses adopts
     * nothing and retries. */
    for (int i = 0; i < CC_CLOCK_BURST; i++) {
        cc_clock_ping_sent(&c, 1000);
        cc_clock_ping_lost(&c);
        CHECK(!cc_clock_pong(&c, 2000, 3000)); /* late: not taken */
        uint32_t next = cc_clock_next_ms(&c, 0);
        CHECK_EQ_INT(next, i + 1 < CC_CLOCK_BURST ? CC_CLOCK_SPACING_MS : CC_CLOCK_RETRY_MS);
    }
    CHECK(!c.have);
    /* Our clock stepped back, or a server without one: no sample. */
    cc_clock_ping_sent(&c, 5000);
    CHECK(!cc_clock_pong(&c, 4000, 9000));
    cc_clock_ping_sent(&c, 5000);
    CHECK(!cc_clock_pong(&c, 6000, 0));
    CHECK(!c.burst_have);
}

static void replies(void)
{
    cc_reply r;
    const char *pong = "{\"type\":\"pong\",\"time_ns\":1700000000123456768}";
    cc_reply_parse(&r, pong, strlen(pong));
    CHECK_EQ_INT(r.type, CC_REPLY_PONG);
    CHECK(r.time_ns > 1700000000123450000ull && r.time_ns < 1700000000123460000ull);
    const char *err = "{\"type\":\"error\",\"message\":\"subscribe: no variant \\\"x\\\"\\n\"}";
    cc_reply_parse(&r, err, strlen(err));
    CHECK_EQ_INT(r.type, CC_REPLY_ERROR);
    CHECK_STR_CONTAINS(r.message, "subscribe: no variant \"x\"?");
    const char *bare = "{\"type\":\"error\"}";
    cc_reply_parse(&r, bare, strlen(bare));
    CHECK_EQ_INT(r.type, CC_REPLY_ERROR);
    CHECK_STR_CONTAINS(r.message, "no message");
    const char *others[] = {"{\"type\":\"pong\",\"time_ns\":\"soon\"}", "{\"type\":\"stats\"}",
                            "[1,2]", "not json", ""};
    cc_reply_parse(&r, others[0], strlen(others[0]));
    CHECK_EQ_INT(r.type, CC_REPLY_PONG);
    CHECK_EQ_INT(r.time_ns, 0);
    for (size_t i = 1; i < sizeof others / sizeof others[0]; i++) {
        cc_reply_parse(&r, others[i], strlen(others[i]));
        CHECK_EQ_INT(r.type, CC_REPLY_OTHER);
    }
}

int main(void)
{
    RUN(burst_keeps_shortest);
    RUN(slow_bursts_retry);
    RUN(worse_burst_kept_out_until_old);
    RUN(lost_and_unasked);
    RUN(replies);
    return CHECK_DONE();
}
