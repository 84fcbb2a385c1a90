#include "align.h"

#include <string.h>

#define BIT(k) (UINT64_C(1) << (k))

void cc_align_group_init(cc_align_group *g, uint64_t tolerance_ns, uint64_t wait_ns,
                         bool free_running)
{
    memset(g, 0, sizeof *g);
    g->tolerance_ns = tolerance_ns;
    g->wait_ns = wait_ns;
    g->free_running = free_running;
}

static uint64_t dist(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* The newest instant a camera has: its newest frame's, or the last one
 * taken when nothing new came since. */
static bool newest(const cc_align_cam *c, uint64_t *t)
{
    if (c->n) {
        *t = c->t[c->n - 1];
        return true;
    }
    *t = c->last_ns;
    return c->last_ns != 0;
}

/* When the group started waiting for a camera whose newest instant is
 * after: the first arrival, of any camera, of a frame of a later moment;
 * UINT64_MAX when none has come. */
static uint64_t waiting_since(const cc_align_group *g, const cc_align_cam *cams, size_t n,
                              uint64_t after)
{
    uint64_t since = UINT64_MAX;
    for (size_t k = 0; k < n; k++) {
        const cc_align_cam *c = &cams[k];
        if (!c->due || !c->online)
            continue;
        for (uint32_t j = 0; j < c->n; j++) {
            if (c->t[j] > after + g->tolerance_ns) {
                since = c->arrived[j] < since ? c->arrived[j] : since;
                break;
            }
        }
    }
    return since;
}

/* The cameras in step: due, online, with a frame, not behind the last
 * moment taken, and either with a frame of the group's newest moment or
 * waited for less than the wait. The others that are due are out. */
static uint64_t in_step(cc_align_group *g, const cc_align_cam *cams, size_t n,
                        uint64_t now_ns, uint64_t *out)
{
    uint64_t top = 0, t;
    for (size_t k = 0; k < n; k++)
        if (cams[k].due && cams[k].online && newest(&cams[k], &t) && t > top)
            top = t;
    /* The instants went back (a clock that had jumped came back): the
     * last moment no longer says who is behind. */
    if (top + g->tolerance_ns < g->last_moment)
        g->last_moment = 0;
    uint64_t step = 0;
    *out = 0;
    for (size_t k = 0; k < n; k++) {
        if (!cams[k].due)
            continue;
        bool ok = cams[k].online && newest(&cams[k], &t) &&
                  t + g->tolerance_ns >= g->last_moment;
        if (ok && t + g->tolerance_ns < top) {
            uint64_t since = waiting_since(g, cams, n, t);
            ok = since == UINT64_MAX || now_ns <= since || now_ns - since <= g->wait_ns;
        }
        if (ok)
            step |= BIT(k);
        else
            *out |= BIT(k);
    }
    return step;
}

static int nearest(const cc_align_cam *c, uint64_t at)
{
    int best = 0;
    for (uint32_t j = 1; j < c->n; j++)
        if (dist(c->t[j], at) < dist(c->t[best], at))
            best = (int)j;
    return best;
}

/* Every camera of mask picks its frame nearest at; the spread of those. */
static uint64_t pick_nearest(cc_align_cam *cams, size_t n, uint64_t mask, uint64_t at)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t k = 0; k < n; k++) {
        if (!(mask & BIT(k)))
            continue;
        cams[k].pick = nearest(&cams[k], at);
        uint64_t t = cams[k].t[cams[k].pick];
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
    }
    return hi >= lo ? hi - lo : 0;
}

/* The slowest camera of mask: the one whose newest frame is oldest. */
static size_t slowest(const cc_align_cam *cams, size_t n, uint64_t mask)
{
    size_t slow = n;
    for (size_t k = 0; k < n; k++)
        if (mask & BIT(k) &&
            (slow == n || cams[k].t[cams[k].n - 1] < cams[slow].t[cams[slow].n - 1]))
            slow = k;
    return slow;
}

static void clear_picks(cc_align_cam *cams, size_t n)
{
    for (size_t k = 0; k < n; k++)
        cams[k].pick = -1;
}

/* A camera out of step but online gives its newest frame (shown, the
 * bundle not aligned): its ring drains, so it can catch up. */
static void pick_late(cc_align_cam *cams, size_t n, uint64_t out)
{
    for (size_t k = 0; k < n; k++)
        if (out & BIT(k) && cams[k].online && cams[k].n)
            cams[k].pick = (int)cams[k].n - 1;
}

/* The newest moment every camera of ready has a frame of, within the
 * tolerance: the slowest camera's frames, newest first. */
static bool match(cc_align_group *g, cc_align_cam *cams, size_t n, uint64_t ready,
                  cc_align_result *r)
{
    size_t slow = slowest(cams, n, ready);
    for (uint32_t j = cams[slow].n; j-- > 0;) {
        uint64_t spread = pick_nearest(cams, n, ready, cams[slow].t[j]);
        if (spread <= g->tolerance_ns) {
            r->matched = ready;
            r->spread_ns = spread;
            g->last_spread_ns = spread;
            g->last_moment = cams[slow].t[j];
            return true;
        }
    }
    clear_picks(cams, n);
    return false;
}

static cc_align_result pick_in_step(cc_align_group *g, cc_align_cam *cams, size_t n,
                                    uint64_t now_ns, bool may_wait)
{
    cc_align_result r = {0};
    clear_picks(cams, n);
    uint64_t step = in_step(g, cams, n, now_ns, &r.out);
    uint64_t ready = 0;
    for (size_t k = 0; k < n; k++)
        if (step & BIT(k) && cams[k].n)
            ready |= BIT(k);
    if (!ready)
        return r; /* nothing new of anyone: nothing to wait for */
    if (ready == step && match(g, cams, n, ready, &r)) {
        if (r.out)
            g->partial++;
        else
            g->aligned++;
        return r;
    }
    /* A camera in step has no frame of the moment yet, or (triggered)
     * the frames do not meet: it may still come. Free-running frames that
     * do not meet now will not. */
    if (may_wait && (ready != step || !g->free_running)) {
        r.wait = true;
        return r;
    }
    /* Waited long enough: the frames nearest the slowest's newest. */
    size_t slow = slowest(cams, n, ready);
    g->last_moment = cams[slow].t[cams[slow].n - 1];
    r.spread_ns = pick_nearest(cams, n, ready, g->last_moment);
    g->unaligned++;
    return r;
}

cc_align_result cc_align_pick(cc_align_group *g, cc_align_cam *cams, size_t n,
                              uint64_t now_ns, bool may_wait)
{
    cc_align_result r = pick_in_step(g, cams, n, now_ns, may_wait);
    if (!r.wait)
        pick_late(cams, n, r.out);
    return r;
}

bool cc_align_flag(const uint64_t *groups, size_t n, uint64_t wanted, uint64_t present,
                   uint64_t matched)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        uint64_t want = groups[i] & wanted;
        if (!want)
            continue;
        uint64_t here = groups[i] & present;
        if ((want & ~here) || (here & ~matched))
            return false;
        any = true;
    }
    return any;
}
