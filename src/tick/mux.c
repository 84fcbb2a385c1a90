#include "mux.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/timerfd.h>
#endif

#include "camcast/framebundle.h"
#include "log.h"
#include "clock.h"

/* Worker thread. The last job of a camera's frame marks it finished: the
 * acq_rel countdown makes every job's output visible to that worker, whose
 * release fetch_or publishes them all; the loop thread's acquire exchange
 * in collect() pairs with it. Wakeups coalesce, so the bits carry which
 * cameras finished. */
static void on_encoded(cc_encode_job *job, void *arg)
{
    (void)job;
    cc_mux_entry *e = arg;
    if (atomic_fetch_sub_explicit(&e->left, 1, memory_order_acq_rel) != 1)
        return;
    cc_mux_tick *t = e->tick;
    atomic_fetch_or_explicit(&t->finished, UINT64_C(1) << e->index,
                             memory_order_acq_rel);
    uv_async_send(&t->mux->done);
}

static int other(const cc_mux *m, const cc_mux_tick *t)
{
    return t == &m->ticks[0] ? 1 : 0;
}

static void entry_done(cc_mux_tick *t, cc_mux_entry *e)
{
    e->done = true;
    t->waiting--;
}

/* Camera i's frame for tick t: its newest, or in a sync group the one its
 * group picked (plan_group). */
static const cc_frame *take_frame(cc_mux *m, cc_mux_entry *e, size_t i)
{
    cc_ring *ring = m->cams[i].ring;
    if (!e->wanted)
        return NULL;
    if (m->slots[i].sync < 0)
        return cc_ring_take_newest(ring, NULL);
    if (e->pick < 0)
        return NULL;
    m->slots[i].last_instant = e->instant;
    return cc_ring_take(ring, (uint32_t)e->pick, NULL);
}

/* Takes camera i's frame for tick t and adds its encodes to b. */
static void take(cc_mux *m, cc_mux_tick *t, size_t i, cc_encode_batch *b)
{
    cc_mux_entry *e = &t->entries[i];
    e->deferred = false;
    const cc_frame *f = take_frame(m, e, i);
    if (!f) {
        entry_done(t, e);
        return;
    }
    e->has_frame = true;
    e->seq = f->seq;
    e->frame_id = f->frame_id;
    e->capture_ns = f->capture_ns;
    e->device_ns = f->device_ns;
    m->slots[i].busy = (int)(t - m->ticks);
    atomic_store_explicit(&e->left, (unsigned)__builtin_popcount(e->wanted),
                          memory_order_relaxed);
    for (size_t v = 0; v < m->n_var; v++) {
        if (e->wanted >> v & 1) {
            e->jobs[v].frame = f;
            e->jobs[v].levels_wanted = (int)v == e->levels_v;
            cc_encode_batch_add(b, &e->jobs[v]);
        }
    }
    /* Tuned unbatched: camera by camera, as before batches. */
    if (cc_encoder_get_tuning(m->enc)->unbatched)
        cc_encoder_submit_batch(m->enc, b);
}

/* Whether camera i counts levels on this tick: a reader wants them, it is
 * encoded anyway, and the last were long enough ago. By its first variant's
 * job (each counts the full-size frame). */
static int levels_variant(cc_mux *m, size_t i, uint32_t wanted, uint64_t levels,
                          uint64_t now)
{
    cc_mux_camera *s = &m->slots[i];
    if (!wanted || !(levels >> i & 1) ||
        (s->levels_ns && now - s->levels_ns < 1000000000u / CC_MUX_LEVELS_HZ))
        return -1;
    s->levels_ns = now;
    return __builtin_ctz(wanted);
}

/* Which variants each camera encodes on tick t: those a reader takes on
 * it. A camera nobody takes is not even taken from its ring. */
static void plan_variants(cc_mux *m, cc_mux_tick *t)
{
    cc_tick_plan p = {.n_variants = m->n_var, .stream_fps = m->cfg->stream_fps};
    for (cc_tick_reader *r = m->readers; r; r = r->next)
        r->plan(r, &p);
    uint64_t now = uv_hrtime();
    for (size_t i = 0; i < m->n; i++) {
        uint32_t wanted = 0;
        for (size_t v = 0; v < m->n_var; v++) {
            if (p.due[v] >> i & 1)
                wanted |= UINT32_C(1) << v;
            if (!(p.held[v] >> i & 1))
                m->slots[i].last_seq[v] = 0; /* dropped restarts at 0 */
        }
        t->entries[i].wanted = wanted;
        t->entries[i].levels_v = levels_variant(m, i, wanted, p.levels, now);
    }
}

/* ---- sync groups ---- */

static void on_poll(uv_timer_t *timer);

/* A group's cameras share a clock while all keep the host's time (test
 * patterns; cameras whose clock reads the host's, devclock.h) or all are
 * PTP-locked: their device times are then comparable. */
static bool shares_clock(const cc_mux *m, uint64_t cams)
{
    bool host = true, ptp = true;
    for (size_t i = 0; i < m->n; i++) {
        if (!(cams >> i & 1))
            continue;
        const cc_camera *cam = &m->cams[i];
        const cc_source *src = cam->source;
        host &= src->host_clock ||
                atomic_load_explicit(&cam->clock_host, memory_order_relaxed);
        ptp &= cc_ptp_locked(atomic_load_explicit(&src->stats.ptp, memory_order_relaxed));
    }
    return host || ptp;
}

/* Where a group places a frame in time: the camera's own time on a clock
 * the group shares (so the tolerance holds on it), else the frame's host
 * instant (a software trigger's, or the device time mapped). */
static uint64_t instant_of(const cc_mux_sync *s, const cc_frame *f)
{
    return s->shared && f->device_ns ? f->device_ns : f->sync_ns;
}

/* Logs cameras leaving and rejoining their group's step (due ones only:
 * one nobody takes is neither; nor is one before its first frame). */
static void log_step(cc_mux *m, cc_mux_sync *s, uint64_t due, uint64_t out,
                     uint64_t delivered)
{
    s->delivered |= delivered;
    s->out = (s->out & ~due) | out;
    uint64_t gone = out & ~s->announced & s->delivered, back = s->announced & due & ~out;
    s->announced = (s->announced | gone) & ~back;
    for (size_t i = 0; i < m->n; i++) {
        const cc_camera *cam = &m->cams[i];
        if (gone >> i & 1)
            cc_warn("sync %s: camera %s is %s; the group goes on without it, not aligned",
                    s->cfg->name, cam->cfg->name,
                    atomic_load_explicit(&cam->online, memory_order_relaxed)
                        ? "late (more than wait_ms behind)" : "offline");
        if (back >> i & 1)
            cc_info("sync %s: camera %s is back in step", s->cfg->name, cam->cfg->name);
    }
}

static void add_spread(cc_mux_sync *s, uint64_t ns)
{
    s->spread_ns[s->spread_next] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
    s->spread_next = (s->spread_next + 1) % CC_MUX_SPREAD_SAMPLES;
    if (s->spread_samples < CC_MUX_SPREAD_SAMPLES)
        s->spread_samples++;
}

/* Which frame each camera of group g gives on tick t (align.h), from the
 * frames its ring holds; works while a camera's frame is held by the other
 * tick (the pick is taken once that is released). Returns false when the
 * group waits for a frame (may_wait: it has waited less than its wait). */
static bool plan_group(cc_mux *m, cc_mux_tick *t, size_t g, bool may_wait)
{
    cc_mux_sync *s = &m->syncs[g];
    uint64_t cams = m->sync_masks[g];
    cc_align_cam ac[CC_MAX_CAMERAS];
    unsigned at[CC_MAX_CAMERAS];
    size_t k = 0;
    uint64_t due = 0, delivered = 0;
    s->shared = shares_clock(m, cams);
    for (size_t i = 0; i < m->n; i++) {
        if (!(cams >> i & 1))
            continue;
        cc_mux_entry *e = &t->entries[i];
        cc_ring *ring = m->cams[i].ring;
        uint32_t n = e->wanted ? cc_ring_readable(ring) : 0;
        uint64_t *ts = m->instants + i * CC_MUX_PEEK_MAX;
        uint64_t *arrived = m->arrivals + i * CC_MUX_PEEK_MAX;
        n = n < CC_MUX_PEEK_MAX ? n : CC_MUX_PEEK_MAX;
        for (uint32_t j = 0; j < n; j++) {
            const cc_frame *f = cc_ring_peek(ring, j);
            ts[j] = instant_of(s, f);
            arrived[j] = f->capture_ns;
        }
        ac[k] = (cc_align_cam){
            .due = e->wanted != 0,
            .online = atomic_load_explicit(&m->cams[i].online, memory_order_relaxed),
            .n = n, .t = ts, .arrived = arrived, .last_ns = m->slots[i].last_instant};
        due |= (uint64_t)ac[k].due << i;
        delivered |= (uint64_t)(n || m->slots[i].last_instant) << i;
        at[k++] = (unsigned)i;
    }
    cc_align_result r = cc_align_pick(&s->align, ac, k, cc_realtime_ns(), may_wait);
    if (r.wait)
        return false;
    uint64_t out = 0;
    for (size_t j = 0; j < k; j++) {
        cc_mux_entry *e = &t->entries[at[j]];
        e->pick = ac[j].pick;
        e->instant = e->pick >= 0 ? ac[j].t[e->pick] : 0;
        t->matched |= (r.matched >> j & 1) << at[j];
        out |= (r.out >> j & 1) << at[j];
    }
    if (s->shared)
        t->shared |= cams;
    if (r.matched && !r.out)
        add_spread(s, r.spread_ns);
    log_step(m, s, due, out, delivered);
    return true;
}

/* Camera i's frame for tick t, now, or once the other tick gives it back. */
static void take_or_defer(cc_mux *m, cc_mux_tick *t, size_t i, cc_encode_batch *b)
{
    if (m->slots[i].busy >= 0)
        t->entries[i].deferred = true; /* taken when the other tick is done with it */
    else
        take(m, t, i, b);
}

/* A group waiting in the older tick waits in this one too: its frames are
 * picked only after the older tick took its own. */
static bool older_waits(const cc_mux *m, const cc_mux_tick *t, size_t g)
{
    const cc_mux_tick *o = &m->ticks[other(m, t)];
    return o->active && o->order < t->order && (o->pending >> g & 1);
}

/* The groups of tick t that can be planned now; their cameras are taken
 * (their encodes added to b), but on the first call: start_tick takes every
 * camera. */
static void resolve_groups(cc_mux *m, cc_mux_tick *t, bool first, cc_encode_batch *b)
{
    uint64_t now = cc_realtime_ns();
    for (size_t g = 0; g < m->n_syncs; g++) {
        if (!first && !(t->pending >> g & 1))
            continue;
        bool may_wait = now - t->since_ns < m->syncs[g].align.wait_ns;
        if (older_waits(m, t, g) || !plan_group(m, t, g, may_wait)) {
            if (!(t->pending >> g & 1))
                m->syncs[g].ticks_waited++;
            t->pending |= 1u << g;
            continue;
        }
        t->pending &= ~(1u << g);
        if (first)
            continue; /* start_tick takes every camera */
        for (size_t i = 0; i < m->n; i++)
            if (m->sync_masks[g] >> i & 1)
                take_or_defer(m, t, i, b);
    }
}

static bool group_waits(const cc_mux *m, const cc_mux_tick *t, size_t i)
{
    int g = m->slots[i].sync;
    return g >= 0 && (t->pending >> g & 1);
}

static void start_tick(cc_mux *m, cc_mux_tick *t)
{
    t->active = true;
    t->order = ++m->ticks_started;
    t->waiting = m->n;
    t->since_ns = cc_realtime_ns();
    t->matched = t->shared = 0;
    t->pending = 0;
    plan_variants(m, t);
    resolve_groups(m, t, true, NULL);
    cc_encode_batch b;
    cc_encode_batch_init(&b);
    for (size_t i = 0; i < m->n; i++) {
        cc_mux_entry *e = &t->entries[i];
        e->has_frame = e->done = e->deferred = false;
        if (!group_waits(m, t, i))
            take_or_defer(m, t, i, &b);
    }
    cc_encoder_submit_batch(m->enc, &b);
    if (t->pending)
        uv_timer_start(&m->poll, on_poll, 1, 1);
}

static cc_mux_tick *free_tick(cc_mux *m)
{
    for (int k = 0; k < CC_MUX_TICKS; k++)
        if (!m->ticks[k].active)
            return &m->ticks[k];
    return NULL;
}

/* ---- muxing a finished tick ---- */

/* Entries of variant v in tick t: taken, wanted for v, encoded. */
static bool in_bundle(const cc_mux_entry *e, size_t v)
{
    return e->has_frame && (e->wanted >> v & 1) && e->jobs[v].err == 0;
}

static size_t tick_bytes(const cc_mux_tick *t, size_t n, size_t v)
{
    size_t payload = 0, entries = 0;
    for (size_t i = 0; i < n; i++) {
        const cc_mux_entry *e = &t->entries[i];
        if (in_bundle(e, v)) {
            payload += e->jobs[v].jpeg_size;
            entries++;
        }
    }
    return cc_fb_bundle_size(entries, payload);
}

static void count_entry(cc_mux_camera *s, const cc_mux_entry *e, uint64_t skipped)
{
    const cc_encode_job *job = &e->jobs[0];
    s->encoded++;
    s->dropped += skipped;
    s->jpeg_bytes += job->jpeg_size;
    s->last_jpeg_bytes = job->jpeg_size;
    s->last_capture_ns = e->capture_ns;
    uint64_t us = job->encode_ns / 1000;
    s->encode_us[s->encode_next] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    s->encode_next = (s->encode_next + 1) % CC_MUX_ENCODE_SAMPLES;
    if (s->encode_samples < CC_MUX_ENCODE_SAMPLES)
        s->encode_samples++;
}

/* Camera index's entry of variant v; dropped counts the frames since that
 * variant's previous entry of the camera. */
static void add_entry(cc_mux *m, cc_bundle *b, const cc_mux_entry *e, unsigned index,
                      size_t v)
{
    cc_mux_camera *s = &m->slots[index];
    const cc_encode_job *job = &e->jobs[v];
    uint64_t skipped = s->last_seq[v] == 0 && s->encoded ? 0 : e->seq - s->last_seq[v] - 1;
    bool shared = e->tick->shared >> index & 1;
    cc_fb_entry fe = {
        .camera_index = (uint16_t)index,
        .width = job->width,
        .height = job->height,
        .codec = CC_FB_CODEC_JPEG,
        .flags = (uint16_t)((job->gray ? CC_FB_ENTRY_FLAG_GRAY : 0) |
                            (shared ? CC_FB_ENTRY_FLAG_SHARED_CLOCK : 0)),
        .frame_id = e->frame_id,
        .capture_time_ns = e->capture_ns,
        .payload_size = (uint32_t)job->jpeg_size,
        .dropped = skipped > UINT32_MAX ? UINT32_MAX : (uint32_t)skipped,
        .device_time_ns = e->device_ns,
        .payload = job->jpeg,
    };
    /* The bundle was sized for exactly these entries. */
    int rc = cc_bundle_add(b, &fe);
    assert(rc == CC_FB_OK);
    (void)rc;
    s->last_seq[v] = e->seq;
    m->vars[v].encoded++;
    m->vars[v].jpeg_bytes += job->jpeg_size;
    m->vars[v].encode_ns += job->encode_ns;
    m->vars[v].convert_ns += job->convert_ns;
    /* The camera's own figures: once per frame, by its first variant. */
    if (v == (size_t)__builtin_ctz(e->wanted))
        count_entry(s, e, skipped);
}

/* Whether variant v was wanted for any camera on tick t. */
static bool tick_has(const cc_mux *m, const cc_mux_tick *t, size_t v)
{
    for (size_t i = 0; i < m->n; i++)
        if (t->entries[i].wanted >> v & 1)
            return true;
    return false;
}

static cc_bundle *mux_bundle(cc_mux *m, cc_mux_tick *t, size_t v)
{
    cc_bundle *b = cc_bundle_get(&m->pool, tick_bytes(t, m->n, v));
    if (!b)
        return NULL;
    cc_bundle_begin(b, m->seq, cc_realtime_ns());
    uint64_t wanted = 0;
    for (size_t i = 0; i < m->n; i++) {
        const cc_mux_entry *e = &t->entries[i];
        wanted |= (uint64_t)(e->wanted >> v & 1) << i;
        if (!e->has_frame || !(e->wanted >> v & 1))
            continue;
        if (e->jobs[v].err != 0) {
            if (v == 0)
                m->slots[i].encode_errors++;
            m->vars[v].encode_errors++;
            continue;
        }
        add_entry(m, b, e, (unsigned)i, v);
    }
    cc_bundle_set_sync(b, m->sync_masks, (unsigned)m->n_syncs, t->matched, wanted);
    cc_bundle_end(b);
    b->variant = (unsigned)v;
    m->vars[v].ticks++;
    return b;
}

/* The levels counted on tick t, to the readers that take them. */
static void emit_levels(cc_mux *m, const cc_mux_tick *t)
{
    for (size_t i = 0; i < m->n; i++) {
        const cc_mux_entry *e = &t->entries[i];
        if (!e->has_frame || e->levels_v < 0 || e->jobs[e->levels_v].err != 0)
            continue;
        for (cc_tick_reader *r = m->readers; r; r = r->next)
            if (r->levels)
                r->levels(r, (unsigned)i, e->frame_id, &e->jobs[e->levels_v].levels);
    }
}

/* The tick's bundles, one per variant encoded, handed to every reader. */
static void emit_tick(cc_mux *m, cc_mux_tick *t)
{
    cc_bundle *b[CC_VARIANTS] = {0};
    emit_levels(m, t);
    ++m->seq;
    for (size_t v = 0; v < m->n_var; v++)
        if (tick_has(m, t, v))
            b[v] = mux_bundle(m, t, v);
    for (cc_tick_reader *r = m->readers; r; r = r->next)
        r->take(r, b, m->n_var);
    for (size_t v = 0; v < m->n_var; v++)
        if (b[v])
            cc_bundle_unref(b[v]);
}

/* ---- completions, on the loop ---- */

/* Gives back the ring frames of the encodes that finished in t, and takes
 * the next frame for the other tick where it waits for one. */
static void collect(cc_mux *m, cc_mux_tick *t)
{
    uint64_t fin = atomic_exchange_explicit(&t->finished, 0, memory_order_acq_rel);
    cc_encode_batch b;
    cc_encode_batch_init(&b);
    for (size_t i = 0; fin && i < m->n; i++) {
        if (!(fin & (UINT64_C(1) << i)))
            continue;
        fin &= ~(UINT64_C(1) << i);
        cc_ring_release(m->cams[i].ring);
        m->slots[i].busy = -1;
        entry_done(t, &t->entries[i]);
        cc_mux_tick *o = &m->ticks[other(m, t)];
        if (o->active && o->entries[i].deferred)
            take(m, o, i, &b);
    }
    cc_encoder_submit_batch(m->enc, &b);
}

static cc_mux_tick *oldest_active(cc_mux *m)
{
    cc_mux_tick *best = NULL;
    for (int k = 0; k < CC_MUX_TICKS; k++)
        if (m->ticks[k].active && (!best || m->ticks[k].order < best->order))
            best = &m->ticks[k];
    return best;
}

/* Sends finished ticks in order, then starts a tick that came due. */
static void emit_ready(cc_mux *m)
{
    cc_mux_tick *t;
    while ((t = oldest_active(m)) && t->waiting == 0) {
        emit_tick(m, t);
        t->active = false;
        if (m->tick_due && !m->stopped) {
            m->tick_due = false;
            start_tick(m, free_tick(m));
        }
    }
}

static void on_done(uv_async_t *h)
{
    cc_mux *m = h->data;
    if (m->stopped)
        return;
    for (int k = 0; k < CC_MUX_TICKS; k++)
        if (m->ticks[k].active)
            collect(m, &m->ticks[k]);
    emit_ready(m);
}

/* A tick waits for a sync group's frame: ask again every millisecond, in
 * tick order, until no tick waits (each within its group's wait). */
static void on_poll(uv_timer_t *timer)
{
    cc_mux *m = timer->data;
    if (m->stopped)
        return;
    bool pending = false;
    for (int pass = 0; pass < CC_MUX_TICKS; pass++) {
        cc_mux_tick *t = NULL;
        for (int k = 0; k < CC_MUX_TICKS; k++) {
            cc_mux_tick *c = &m->ticks[k];
            if (c->active && c->pending && (!t || c->order < t->order))
                t = c;
        }
        if (!t)
            break;
        cc_encode_batch b;
        cc_encode_batch_init(&b);
        resolve_groups(m, t, false, &b);
        cc_encoder_submit_batch(m->enc, &b);
        if (t->pending) {
            pending = true;
            break; /* the newer one waits behind it */
        }
    }
    for (int k = 0; k < CC_MUX_TICKS; k++)
        pending |= m->ticks[k].active && m->ticks[k].pending;
    if (!pending)
        uv_timer_stop(&m->poll);
    emit_ready(m);
}

static void schedule(cc_mux *m);

static void tick(cc_mux *m)
{
    m->next_tick_ns += m->period_ns;
    cc_mux_tick *t = free_tick(m);
    if (t) {
        start_tick(m, t);
        emit_ready(m); /* a tick with nothing new is done at once */
    } else {
        m->tick_due = true;
        m->ticks_late++;
    }
    schedule(m);
}

static void on_timer(uv_timer_t *timer)
{
    tick(timer->data);
}

#ifdef __linux__
static void on_tick_fd(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    cc_mux *m = h->data;
    uint64_t expirations;
    if (read(m->tick_fd, &expirations, sizeof expirations) != sizeof expirations)
        return; /* not due yet (EAGAIN): a spurious wake-up */
    tick(m);
}
#endif

/* Ticks follow an absolute schedule so the rate is exact on average. A
 * timerfd fires at the microsecond; libuv's timers count whole
 * milliseconds (ticks up to 1 ms late), used where there is no timerfd.
 * The encoder learns when the next tick's jobs come (its prewake). */
static void schedule(cc_mux *m)
{
    uint64_t now = uv_hrtime();
    if (m->next_tick_ns + m->period_ns < now)
        m->next_tick_ns = now; /* far behind (loop stalled): do not burst */
    cc_encoder_expect(m->enc, m->next_tick_ns);
#ifdef __linux__
    if (m->tick_fd >= 0) {
        struct itimerspec its = {
            .it_value = {.tv_sec = (time_t)(m->next_tick_ns / 1000000000u),
                         .tv_nsec = (long)(m->next_tick_ns % 1000000000u)}};
        if (timerfd_settime(m->tick_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
            return;
    }
#endif
    uint64_t wait = m->next_tick_ns > now ? m->next_tick_ns - now : 0;
    uv_timer_start(&m->timer, on_timer, (wait + 999999) / 1000000, 0);
}

/* ---- lifetime ---- */

/* As many strips per frame as share a tick evenly among the workers
 * (cc_encode_even_strips), unless the encoder is tuned otherwise. */
static unsigned strips_per_frame(const cc_mux *m)
{
    unsigned tuned = cc_encoder_get_tuning(m->enc)->strips;
    if (tuned)
        return tuned;
    return cc_encode_even_strips((unsigned)m->n, cc_encoder_workers(m->enc));
}

static const cc_encode_color encode_colors[] = {
    [CC_COLOR_AUTO] = CC_ENCODE_AUTO,
    [CC_COLOR_GRAY] = CC_ENCODE_GRAY,
    [CC_COLOR_YUV] = CC_ENCODE_YUV,
};

/* Camera i's job for variant v (0: full). */
static int init_job(cc_mux *m, cc_mux_entry *e, size_t i, size_t v)
{
    const cc_source *src = m->cams[i].source;
    cc_encode_job *job = &e->jobs[v];
    cc_encode_opts opts = {.painted = src->painted,
                           .max_parts = strips_per_frame(m)};
    int quality = m->quality;
    if (v > 0) {
        const cc_variant_config *vc = cc_variant_at(m->cfg, v);
        opts.scale = cc_variant_scale(vc, src->width);
        opts.color = encode_colors[vc->color];
        quality = vc->quality;
    }
    int rc = cc_encode_job_init(job, src->width, src->height, src->fmt, &opts);
    if (rc < 0)
        return rc;
    job->quality = quality;
    job->done = on_encoded;
    job->arg = e;
    return 0;
}

static int init_tick(cc_mux *m, cc_mux_tick *t)
{
    *t = (cc_mux_tick){.mux = m};
    atomic_init(&t->finished, 0);
    t->entries = calloc(m->n ? m->n : 1, sizeof *t->entries);
    if (!t->entries)
        return -ENOMEM;
    for (size_t i = 0; i < m->n; i++) {
        cc_mux_entry *e = &t->entries[i];
        e->tick = t;
        e->index = (unsigned)i;
        atomic_init(&e->left, 0);
        for (size_t v = 0; v < m->n_var; v++) {
            int rc = init_job(m, e, i, v);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* The config's sync groups; the alignment starts afresh (a reload). */
static void init_syncs(cc_mux *m, const cc_server_config *cfg)
{
    m->n_syncs = cfg->n_syncs;
    for (size_t g = 0; g < cfg->n_syncs; g++) {
        const cc_sync_config *sc = &cfg->syncs[g];
        cc_mux_sync *s = &m->syncs[g];
        *s = (cc_mux_sync){.cfg = sc};
        cc_align_group_init(&s->align, (uint64_t)sc->tolerance_us * 1000,
                            (uint64_t)(sc->wait_resolved_ms * 1e6),
                            sc->trigger == CC_SYNC_FREE);
        m->sync_masks[g] = sc->cameras;
        for (size_t i = 0; i < m->n; i++)
            if (sc->cameras >> i & 1)
                m->slots[i].sync = (int)g;
    }
}

static int alloc_slots(cc_mux *m, cc_camera *cams, size_t n, cc_encoder *enc,
                       const cc_server_config *cfg)
{
    assert(n <= 64); /* tick->finished is a 64-bit mask */
    m->cams = cams;
    m->n = n;
    m->enc = enc;
    m->quality = cfg->jpeg_quality;
    m->cfg = cfg;
    m->n_var = 1 + cc_variant_count(cfg);
    memset(m->vars, 0, sizeof m->vars);
    m->period_ns = (uint64_t)(1e9 / cfg->stream_fps);
    m->slots = calloc(n ? n : 1, sizeof *m->slots);
    m->instants = calloc((n ? n : 1) * CC_MUX_PEEK_MAX, sizeof *m->instants);
    m->arrivals = calloc((n ? n : 1) * CC_MUX_PEEK_MAX, sizeof *m->arrivals);
    if (!m->slots || !m->instants || !m->arrivals)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        m->slots[i].busy = -1;
        m->slots[i].sync = -1;
    }
    init_syncs(m, cfg);
    int rc = 0;
    for (int k = 0; k < CC_MUX_TICKS && rc == 0; k++)
        rc = init_tick(m, &m->ticks[k]);
    return rc;
}

static void free_slots(cc_mux *m)
{
    for (int k = 0; k < CC_MUX_TICKS; k++) {
        cc_mux_tick *t = &m->ticks[k];
        if (t->entries) {
            for (size_t i = 0; i < m->n; i++)
                for (size_t v = 0; v < CC_VARIANTS; v++)
                    cc_encode_job_destroy(&t->entries[i].jobs[v]);
            free(t->entries);
        }
        t->entries = NULL;
        t->active = false;
    }
    free(m->slots);
    m->slots = NULL;
    free(m->instants);
    free(m->arrivals);
    m->instants = m->arrivals = NULL;
}

static void close_tick_fd(cc_mux *m);

/* The timerfd that ticks (schedule()), if the system has one; without
 * it the libuv timer does. */
static void open_tick_fd(cc_mux *m, uv_loop_t *loop)
{
#ifdef __linux__
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0)
        return;
    if (uv_poll_init(loop, &m->tick_poll, fd) != 0) {
        close(fd);
        return;
    }
    m->tick_fd = fd;
    m->tick_poll.data = m;
    m->open_handles++;
#else
    (void)m;
    (void)loop;
#endif
}

int cc_mux_init(cc_mux *m, uv_loop_t *loop, cc_camera *cams, size_t n,
                cc_encoder *enc, const cc_server_config *cfg)
{
    *m = (cc_mux){0};
    cc_bundle_pool_init(&m->pool);
    int rc = alloc_slots(m, cams, n, enc, cfg);
    if (rc == 0)
        rc = uv_timer_init(loop, &m->timer);
    if (rc == 0) {
        m->open_handles++;
        rc = uv_async_init(loop, &m->done, on_done);
    }
    if (rc == 0) {
        m->open_handles++;
        rc = uv_timer_init(loop, &m->poll);
    }
    if (rc == 0)
        m->open_handles++;
    m->timer.data = m;
    m->done.data = m;
    m->poll.data = m;
    m->tick_fd = -1;
    if (rc == 0)
        open_tick_fd(m, loop);
    return rc;
}

int cc_mux_reset(cc_mux *m, cc_camera *cams, size_t n, cc_encoder *enc,
                 const cc_server_config *cfg)
{
    free_slots(m);
    m->tick_due = false;
    m->stopped = false;
    return alloc_slots(m, cams, n, enc, cfg);
}

void cc_mux_start(cc_mux *m)
{
    m->stopped = false;
    m->next_tick_ns = uv_hrtime() + m->period_ns;
#ifdef __linux__
    if (m->tick_fd >= 0 && uv_poll_start(&m->tick_poll, UV_READABLE, on_tick_fd) != 0)
        close_tick_fd(m); /* the libuv timer ticks */
#endif
    schedule(m);
}

void cc_mux_add_reader(cc_mux *m, cc_tick_reader *r)
{
    cc_tick_reader **at = &m->readers;
    while (*at)
        at = &(*at)->next;
    r->next = NULL;
    *at = r;
}

void cc_mux_remove_reader(cc_mux *m, cc_tick_reader *r)
{
    for (cc_tick_reader **at = &m->readers; *at; at = &(*at)->next) {
        if (*at == r) {
            *at = r->next;
            r->next = NULL;
            return;
        }
    }
}

void cc_mux_stop(cc_mux *m)
{
    m->stopped = true;
    if (m->open_handles > 0)
        uv_timer_stop(&m->timer);
    if (m->open_handles > 2)
        uv_timer_stop(&m->poll);
    if (m->tick_fd >= 0)
        uv_poll_stop(&m->tick_poll);
}

void cc_mux_release(cc_mux *m)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->slots[i].busy >= 0) {
            cc_ring_release(m->cams[i].ring);
            m->slots[i].busy = -1;
        }
    }
    for (int k = 0; k < CC_MUX_TICKS; k++) {
        m->ticks[k].active = false;
        m->ticks[k].pending = 0;
        atomic_store_explicit(&m->ticks[k].finished, 0, memory_order_relaxed);
    }
}

static void on_handle_closed(uv_handle_t *h)
{
    cc_mux *m = h->data;
    m->open_handles--;
}

/* uv_close stops polling at once, so the fd can go right after. */
static void close_tick_fd(cc_mux *m)
{
    if (m->tick_fd < 0)
        return;
    uv_close((uv_handle_t *)&m->tick_poll, on_handle_closed);
    close(m->tick_fd);
    m->tick_fd = -1;
}

void cc_mux_close(cc_mux *m)
{
    if (m->open_handles >= 1 && !uv_is_closing((uv_handle_t *)&m->timer))
        uv_close((uv_handle_t *)&m->timer, on_handle_closed);
    if (m->open_handles >= 2 && !uv_is_closing((uv_handle_t *)&m->done))
        uv_close((uv_handle_t *)&m->done, on_handle_closed);
    if (m->open_handles >= 3 && !uv_is_closing((uv_handle_t *)&m->poll))
        uv_close((uv_handle_t *)&m->poll, on_handle_closed);
    close_tick_fd(m);
}

void cc_mux_destroy(cc_mux *m)
{
    free_slots(m);
    cc_bundle_pool_destroy(&m->pool);
    *m = (cc_mux){.tick_fd = -1};
}
