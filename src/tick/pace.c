#include "pace.h"

/* Decisions kept: far more than the ticks in flight (mux.h). */
#define PLAN_MAX 8

void cc_pace_init(cc_pace *p)
{
    *p = (cc_pace){.credit = 1};
}

bool cc_pace_due(cc_pace *p, double rate, double stream_fps)
{
    if (rate <= 0 || rate >= stream_fps)
        return true;
    /* What is left after a tick is taken carries over: capping the credit
     * at one tick's worth would round every rate down to stream_fps / k
     * (7 of 30 gave 6). It never reaches two: rate < stream_fps. */
    bool takes = p->credit >= 1 - 1e-9;
    if (takes)
        p->credit -= 1;
    p->credit += rate / stream_fps;
    return takes;
}

void cc_pace_push(cc_pace *p, bool takes)
{
    if (p->planned < PLAN_MAX) {
        p->plan |= (uint8_t)(takes << p->planned);
        p->planned++;
    }
}

int cc_pace_pop(cc_pace *p)
{
    if (p->planned == 0)
        return -1;
    int takes = p->plan & 1;
    p->plan >>= 1;
    p->planned--;
    return takes;
}

void cc_pace_forget(cc_pace *p)
{
    p->plan = p->planned = 0;
}
