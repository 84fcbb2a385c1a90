#include "align.h"

#include <string.h>

#define BIT(k) (UINT64_C(1) << (k))

void cc_align_group_init(cc_align_group *g, uint64_t tolerance_ns, uint64_t wait_ns)
{
    memset(g, 0, sizeof *g);
    g->tolerance_ns = tolerance_ns;
    g->wait_ns = wait_ns;
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

/* The cameras in step: due, online, with a frame, and at most the wait
 * behind the group's newest. The others that are due are out. */
static uint64_t in_step(const cc_align_group *g, const cc_align_cam *cams, size_t n,
                        uint64_t *out)
{
    uint64_t top = 0, t;
    for (size_t k = 0; k < n; k++)
        if (cams[k].due && cams[k].online && newest(&cams[k], &t) && t > top)
            top = t;
    uint64_t step = 0;
    *out = 0;
    for (size_t k = 0; k < n; k++) {
        if (!cams[k].due)
            continue;
        if (cams[k].online && newest(&cams[k], &t) && t + g->wait_ns >= top)
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

static cc_align_result pick_in_step(cc_align_group *g, cc_align_cam *cams, size_t n,
                                    uint64_t now_ns);

cc_align_result cc_align_pick(cc_align_group *g, cc_align_cam *cams, size_t n,
                              uint64_t now_ns)
{
    cc_align_result r = pick_in_step(g, cams, n, now_ns);
    pick_late(cams, n, r.out);
    return r;
}

static cc_align_result pick_in_step(cc_align_group *g, cc_align_cam *cams, size_t n,
                                    uint64_t now_ns)
{
    cc_align_result r = {0};
    clear_picks(cams, n);
    uint64_t step = in_step(g, cams, n, &r.out);
    uint64_t ready = 0;
    for (size_t k = 0; k < n; k++)
        if (step & BIT(k) && cams[k].n)
            ready |= BIT(k);
    if (!ready)
        return r;
    /* Every camera in step has a frame: the newest moment they share. */
    size_t slow = slowest(cams, n, ready);
    for (uint32_t j = cams[slow].n; ready == step && j-- > 0;) {
        uint64_t spread = pick_nearest(cams, n, ready, cams[slow].t[j]);
        if (spread <= g->tolerance_ns) {
            r.matched = ready;
            r.spread_ns = spread;
            g->last_spread_ns = spread;
            g->last_take_ns = now_ns;
            if (r.out)
                g->partial++;
            else
                g->aligned++;
            return r;
        }
    }
    clear_picks(cams, n);
    if (now_ns - g->last_take_ns < g->wait_ns) {
        g->skipped++;
        return r;
    }
    /* Waited long enough: the frames nearest the slowest's newest. */
    r.spread_ns = pick_nearest(cams, n, ready, cams[slow].t[cams[slow].n - 1]);
    g->last_take_ns = now_ns;
    g->unaligned++;
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
