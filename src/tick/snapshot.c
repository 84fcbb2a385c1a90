#include "snapshot.h"

#include <errno.h>
#include <uv.h>

static cc_snapshots *of(cc_tick_reader *r)
{
    return (cc_snapshots *)((char *)r - offsetof(cc_snapshots, reader));
}

static void plan(cc_tick_reader *r, cc_tick_plan *p)
{
    cc_snapshots *s = of(r);
    for (size_t k = 0; k < s->n; k++) {
        const cc_snapshot_req *q = &s->reqs[k];
        if (q->variant >= p->n_variants)
            continue;
        p->due[q->variant] |= UINT64_C(1) << q->camera;
        p->held[q->variant] |= UINT64_C(1) << q->camera;
    }
}

static const cc_fb_entry *entry_of(const cc_bundle *b, unsigned camera)
{
    for (unsigned k = 0; b && k < b->n_entries; k++)
        if (b->entries[k].camera_index == camera)
            return &b->entries[k];
    return NULL;
}

/* Removes request k, keeping the order of the others. */
static void drop(cc_snapshots *s, size_t k)
{
    for (size_t j = k + 1; j < s->n; j++)
        s->reqs[j - 1] = s->reqs[j];
    s->n--;
}

static void take(cc_tick_reader *r, cc_bundle *const *b, size_t n_variants)
{
    cc_snapshots *s = of(r);
    uint64_t now = uv_hrtime();
    for (size_t k = 0; k < s->n;) {
        cc_snapshot_req q = s->reqs[k];
        const cc_fb_entry *e = q.variant < n_variants ? entry_of(b[q.variant], q.camera) : NULL;
        if (!e && now < q.deadline_ns) {
            k++;
            continue;
        }
        drop(s, k);
        s->fn(s->arg, q.who, e);
    }
}

void cc_snapshots_init(cc_snapshots *s, cc_snapshot_fn fn, void *arg)
{
    *s = (cc_snapshots){.reader = {.plan = plan, .take = take}, .fn = fn, .arg = arg};
}

int cc_snapshots_request(cc_snapshots *s, uint64_t who, unsigned camera, unsigned variant,
                         uint64_t deadline_ns)
{
    if (s->n == CC_SNAPSHOTS_MAX || camera >= CC_MAX_CAMERAS || variant >= CC_VARIANTS)
        return -EBUSY;
    s->reqs[s->n++] = (cc_snapshot_req){.who = who, .camera = camera, .variant = variant,
                                        .deadline_ns = deadline_ns};
    return 0;
}

void cc_snapshots_cancel(cc_snapshots *s, uint64_t who)
{
    for (size_t k = 0; k < s->n;) {
        if (s->reqs[k].who == who)
            drop(s, k);
        else
            k++;
    }
}

void cc_snapshots_fail_all(cc_snapshots *s)
{
    while (s->n > 0) {
        uint64_t who = s->reqs[0].who;
        drop(s, 0);
        s->fn(s->arg, who, NULL);
    }
}
