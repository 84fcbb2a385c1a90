/* The connection state machine and its backoff: 0.5 s doubling to 5 s,
 * reset only by a stream that reached its hello. */
#include "../../tests/check.h"
#include "reconnect.h"

static void backoff_doubles_to_max(void)
{
    cc_reconnect r;
    cc_reconnect_init(&r, 500, 5000);
    CHECK_EQ_INT(r.state, CC_CONN_IDLE);
    const uint32_t want[] = {500, 1000, 2000, 4000, 5000, 5000, 5000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cc_reconnect_connecting(&r);
        CHECK_EQ_INT(r.state, CC_CONN_CONNECTING);
        CHECK_EQ_INT(r.attempts, i + 1);
        CHECK_EQ_INT(cc_reconnect_closed(&r), want[i]);
        CHECK_EQ_INT(r.state, CC_CONN_WAITING);
    }
}

static void hello_resets(void)
{
    cc_reconnect r;
    cc_reconnect_init(&r, 500, 5000);
    for (int i = 0; i < 4; i++) {
        cc_reconnect_connecting(&r);
        cc_reconnect_closed(&r);
    }
    cc_reconnect_connecting(&r);
    cc_reconnect_opened(&r);
    CHECK_EQ_INT(r.state, CC_CONN_OPEN);
    cc_reconnect_streaming(&r);
    CHECK_EQ_INT(r.state, CC_CONN_STREAMING);
    CHECK_EQ_INT(r.attempts, 0);
    /* The stream worked: the next outage starts at the minimum again. */
    CHECK_EQ_INT(cc_reconnect_closed(&r), 500);
    CHECK_EQ_INT(cc_reconnect_closed(&r), 1000);
}

static void open_without_hello_keeps_backing_off(void)
{
    cc_reconnect r;
    cc_reconnect_init(&r, 500, 5000);
    uint32_t last = 0;
    for (int i = 0; i < 5; i++) {
        cc_reconnect_connecting(&r);
        cc_reconnect_opened(&r); /* accepted, then dropped before a hello */
        last = cc_reconnect_closed(&r);
    }
    CHECK_EQ_INT(last, 5000);
    CHECK_EQ_INT(r.attempts, 5);
}

static void odd_limits(void)
{
    cc_reconnect r;
    cc_reconnect_init(&r, 300, 1000);
    CHECK_EQ_INT(cc_reconnect_closed(&r), 300);
    CHECK_EQ_INT(cc_reconnect_closed(&r), 600);
    CHECK_EQ_INT(cc_reconnect_closed(&r), 1000); /* capped, not 1200 */
    CHECK_EQ_INT(cc_reconnect_closed(&r), 1000);
    /* A huge max does not overflow the doubling. */
    cc_reconnect_init(&r, 3000000000u, 4000000000u);
    CHECK_EQ_INT(cc_reconnect_closed(&r), 3000000000u);
    CHECK_EQ_INT(cc_reconnect_closed(&r), 4000000000u);
    /* max below min: min wins. */
    cc_reconnect_init(&r, 500, 100);
    CHECK_EQ_INT(cc_reconnect_closed(&r), 500);
    CHECK_EQ_INT(cc_reconnect_closed(&r), 500);
}

static void state_names(void)
{
    CHECK_STR_CONTAINS(cc_conn_state_name(CC_CONN_WAITING), "offline");
    CHECK_STR_CONTAINS(cc_conn_state_name(CC_CONN_STREAMING), "streaming");
    CHECK_STR_CONTAINS(cc_conn_state_name(CC_CONN_CONNECTING), "connecting");
    CHECK_STR_CONTAINS(cc_conn_state_name(CC_CONN_OPEN), "hello");
}

int main(void)
{
    RUN(backoff_doubles_to_max);
    RUN(hello_resets);
    RUN(open_without_hello_keeps_backing_off);
    RUN(odd_limits);
    RUN(state_names);
    return CHECK_DONE();
}
