#include "clock.h"

#include <string.h>

void cc_clock_sync_reset(cc_clock_sync *c)
{
    memset(c, 0, sizeof *c);
}

void cc_clock_ping_sent(cc_clock_sync *c, uint64_t sent_ns)
{
    c->waiting = true;
    c->sent_ns = sent_ns;
}

bool cc_clock_pong(cc_clock_sync *c, uint64_t recv_ns, uint64_t server_ns)
{
    if (!c->waiting)
        return false; /* unasked, or late after being counted lost */
    c->waiting = false;
    c->done++;
    if (recv_ns < c->sent_ns || server_ns == 0)
        return false; /* our clock stepped back; a server without a clock */
    uint64_t rtt = recv_ns - c->sent_ns;
    /* Midpoint without overflow: sent + rtt / 2. */
    int64_t offset = (int64_t)(server_ns - (c->sent_ns + rtt / 2));
    if (!c->burst_have || rtt < c->burst_rtt_ns) {
        c->burst_have = true;
        c->burst_rtt_ns = rtt;
        c->burst_offset_ns = offset;
    }
    return true;
}

void cc_clock_ping_lost(cc_clock_sync *c)
{
    c->waiting = false;
    c->done++;
}

static void end_burst(cc_clock_sync *c, uint64_t now_ms)
{
    c->bursts++;
    c->done = 0;
    if (!c->burst_have)
        return;
    c->burst_have = false;
    bool old = c->have && now_ms - c->taken_ms > CC_CLOCK_MAX_AGE_MS;
    if (c->have && c->burst_rtt_ns > c->rtt_ns && !old)
        return;
    c->have = true;
    c->offset_ns = c->burst_offset_ns;
    c->rtt_ns = c->burst_rtt_ns;
    c->taken_ms = now_ms;
}

uint32_t cc_clock_next_ms(cc_clock_sync *c, uint64_t now_ms)
{
    if (c->done < CC_CLOCK_BURST)
        return CC_CLOCK_SPACING_MS;
    end_burst(c, now_ms);
    bool good = c->have && c->rtt_ns < CC_CLOCK_GOOD_RTT_NS;
    return !good && c->bursts < CC_CLOCK_RETRIES ? CC_CLOCK_RETRY_MS
                                                 : CC_CLOCK_REFRESH_MS;
}
