#include "reconnect.h"

void cc_reconnect_init(cc_reconnect *r, uint32_t min_ms, uint32_t max_ms)
{
    r->state = CC_CONN_IDLE;
    r->min_ms = min_ms;
    r->max_ms = max_ms < min_ms ? min_ms : max_ms;
    r->next_ms = min_ms;
    r->attempts = 0;
}

void cc_reconnect_connecting(cc_reconnect *r)
{
    r->state = CC_CONN_CONNECTING;
    r->attempts++;
}

void cc_reconnect_opened(cc_reconnect *r)
{
    r->state = CC_CONN_OPEN;
}

void cc_reconnect_streaming(cc_reconnect *r)
{
    r->state = CC_CONN_STREAMING;
    r->next_ms = r->min_ms;
    r->attempts = 0;
}

uint32_t cc_reconnect_closed(cc_reconnect *r)
{
    uint32_t delay = r->next_ms;
    r->state = CC_CONN_WAITING;
    r->next_ms = delay > r->max_ms / 2 ? r->max_ms : delay * 2;
    return delay;
}

const char *cc_conn_state_name(cc_conn_state s)
{
    switch (s) {
    case CC_CONN_IDLE: return "idle";
    case CC_CONN_CONNECTING: return "connecting";
    case CC_CONN_OPEN: return "waiting for hello";
    case CC_CONN_STREAMING: return "streaming";
    case CC_CONN_WAITING: return "offline";
    }
    return "?";
}
