#include "feed.h"

static cc_feed *of(cc_tick_reader *r)
{
    return (cc_feed *)((char *)r - offsetof(cc_feed, reader));
}

static void plan(cc_tick_reader *r, cc_tick_plan *p)
{
    cc_feed *f = of(r);
    if (f->variant >= p->n_variants)
        return;
    uint64_t playing = 0;
    for (size_t i = 0; i < f->n_cams; i++)
        if (f->sink.wants(f->sink.arg, i))
            playing |= UINT64_C(1) << i;
    bool takes = playing && cc_pace_due(&f->pace, f->fps, p->stream_fps);
    cc_pace_push(&f->pace, takes);
    p->held[f->variant] |= playing;
    if (takes)
        p->due[f->variant] |= playing;
}

static void take(cc_tick_reader *r, cc_bundle *const *b, size_t n_variants)
{
    cc_feed *f = of(r);
    const cc_bundle *mine = f->variant < n_variants ? b[f->variant] : NULL;
    if (cc_pace_pop(&f->pace) != 1 || !mine)
        return;
    for (unsigned k = 0; k < mine->n_entries; k++) {
        f->sink.push(f->sink.arg, &mine->entries[k]);
        f->pushed++;
    }
}

void cc_feed_init(cc_feed *f, const cc_feed_sink *sink, size_t n_cams, unsigned variant,
                  double fps)
{
    *f = (cc_feed){.reader = {.plan = plan, .take = take}, .sink = *sink, .n_cams = n_cams};
    cc_feed_set(f, variant, fps);
}

void cc_feed_set(cc_feed *f, unsigned variant, double fps)
{
    f->variant = variant;
    f->fps = fps;
    cc_pace_init(&f->pace);
}
