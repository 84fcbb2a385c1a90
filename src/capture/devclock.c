#include "devclock.h"

#include <string.h>

void cc_devclock_init(cc_devclock *c)
{
    memset(c, 0, sizeof *c);
}

static void restart(cc_devclock *c, uint64_t host, int64_t diff)
{
    c->valid = true;
    c->offset_ns = diff;
    c->window_min = diff;
    c->window_start = host;
    c->anchored = false;
    c->has_drift = false;
    c->drift_ppm = 0;
    c->n = c->st = c->so = c->stt = c->sto = 0;
}

/* One window's offset into the fit; the slope once it spans enough. */
static void fit(cc_devclock *c, uint64_t host)
{
    double t = (double)(host - c->anchor_host) / 1e9;
    double o = (double)(c->offset_ns - c->anchor_offset);
    c->n += 1;
    c->st += t;
    c->so += o;
    c->stt += t * t;
    c->sto += t * o;
    double den = c->n * c->stt - c->st * c->st;
    if (host - c->anchor_host < CC_DEVCLOCK_DRIFT_SPAN_NS || den <= 0)
        return;
    /* offset = host - device grows (ns per s) when the device runs slow. */
    double slope = (c->n * c->sto - c->st * c->so) / den;
    c->drift_ppm = -slope / 1e3;
    c->has_drift = true;
}

/* The window ends: its least difference is the offset. The first complete
 * window anchors the drift; later ones measure it against that one. */
static void end_window(cc_devclock *c, uint64_t host, int64_t diff)
{
    c->offset_ns = c->window_min;
    if (!c->anchored) {
        c->anchored = true;
        c->anchor_offset = c->offset_ns;
        c->anchor_host = host;
    }
    fit(c, host);
    c->window_min = diff;
    c->window_start = host;
}

bool cc_devclock_add(cc_devclock *c, uint64_t host_ns, uint64_t device_ns)
{
    /* Unsigned wrap then signed: right for any two clocks within 292 years. */
    int64_t diff = (int64_t)(host_ns - device_ns);
    if (!c->valid) {
        restart(c, host_ns, diff);
        return false;
    }
    int64_t now = c->window_min < c->offset_ns ? c->window_min : c->offset_ns;
    uint64_t off = diff > now ? (uint64_t)(diff - now) : (uint64_t)(now - diff);
    if (off > CC_DEVCLOCK_JUMP_NS || host_ns < c->window_start) {
        c->jumps++;
        restart(c, host_ns, diff);
        return true;
    }
    if (diff < c->window_min)
        c->window_min = diff;
    if (c->window_min < c->offset_ns && !c->anchored)
        c->offset_ns = c->window_min; /* the first window: the least so far */
    if (host_ns - c->window_start >= CC_DEVCLOCK_WINDOW_NS)
        end_window(c, host_ns, diff);
    return false;
}

uint64_t cc_devclock_to_host(const cc_devclock *c, uint64_t device_ns)
{
    return device_ns + (uint64_t)c->offset_ns;
}
