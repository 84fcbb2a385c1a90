#include "mux.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "camcast/framebundle.h"

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Worker thread. The release half of the fetch_sub publishes this job's
 * output; the loop thread's acquire load in on_done pairs with it. */
static void on_encoded(cc_encode_job *job, void *arg)
{
    (void)job;
    cc_mux *m = arg;
    if (atomic_fetch_sub_explicit(&m->pending, 1, memory_order_acq_rel) == 1)
        uv_async_send(&m->done);
}

static void start_tick(cc_mux *m)
{
    unsigned taken = 0;
    for (size_t i = 0; i < m->n; i++) {
        cc_mux_camera *s = &m->slots[i];
        s->frame = cc_ring_take_newest(m->cams[i].ring, NULL);
        if (s->frame)
            taken++;
    }
    m->in_flight = true;
    if (taken == 0) {
        /* Nothing new: still mux an empty bundle so clients see the tick. */
        uv_async_send(&m->done);
        return;
    }
    atomic_store_explicit(&m->pending, taken, memory_order_relaxed);
    for (size_t i = 0; i < m->n; i++) {
        cc_mux_camera *s = &m->slots[i];
        if (!s->frame)
            continue;
        s->job.frame = s->frame;
        cc_encoder_submit(m->enc, &s->job);
    }
}

static size_t tick_bytes(const cc_mux *m, size_t *entries)
{
    size_t payload = 0;
    *entries = 0;
    for (size_t i = 0; i < m->n; i++) {
        const cc_mux_camera *s = &m->slots[i];
        if (s->frame && s->job.err == 0) {
            payload += s->job.jpeg_size;
            (*entries)++;
        }
    }
    return cc_fb_bundle_size(*entries, payload);
}

static void count_entry(cc_mux_camera *s, uint64_t skipped)
{
    s->encoded++;
    s->dropped += skipped;
    s->jpeg_bytes += s->job.jpeg_size;
    s->last_jpeg_bytes = s->job.jpeg_size;
    s->last_capture_ns = s->frame->capture_ns;
    uint64_t us = s->job.encode_ns / 1000;
    s->encode_us[s->encode_next] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    s->encode_next = (s->encode_next + 1) % CC_MUX_ENCODE_SAMPLES;
    if (s->encode_samples < CC_MUX_ENCODE_SAMPLES)
        s->encode_samples++;
}

static void add_entry(cc_fb_writer *w, cc_mux_camera *s, unsigned index)
{
    uint64_t skipped = s->frame->seq - s->last_seq - 1;
    cc_fb_entry e = {
        .camera_index = (uint16_t)index,
        .width = s->job.width,
        .height = s->job.height,
        .codec = CC_FB_CODEC_JPEG,
        .flags = s->job.gray ? CC_FB_ENTRY_FLAG_GRAY : 0,
        .frame_id = s->frame->frame_id,
        .capture_time_ns = s->frame->capture_ns,
        .payload_size = (uint32_t)s->job.jpeg_size,
        .dropped = skipped > UINT32_MAX ? UINT32_MAX : (uint32_t)skipped,
        .payload = s->job.jpeg,
    };
    /* The bundle was sized for exactly these entries. */
    int rc = cc_fb_writer_add(w, &e);
    assert(rc == CC_FB_OK);
    (void)rc;
    s->last_seq = s->frame->seq;
    count_entry(s, skipped);
}

/* Writes the bundle of the finished tick and gives the frames back. */
static cc_bundle *mux_bundle(cc_mux *m)
{
    size_t entries;
    cc_bundle *b = cc_bundle_get(&m->pool, tick_bytes(m, &entries));
    cc_fb_writer w;
    if (b)
        cc_fb_writer_begin(&w, b->data, b->cap, ++m->seq, realtime_ns());
    for (size_t i = 0; i < m->n; i++) {
        cc_mux_camera *s = &m->slots[i];
        if (!s->frame)
            continue;
        if (s->job.err != 0)
            s->encode_errors++;
        else if (b) {
            add_entry(&w, s, (unsigned)i);
            b->cameras |= UINT64_C(1) << i;
        }
        cc_ring_release(m->cams[i].ring);
        s->frame = NULL;
    }
    if (b) {
        b->len = cc_fb_writer_end(&w);
        b->seq = m->seq;
    }
    return b;
}

static void on_done(uv_async_t *h)
{
    cc_mux *m = h->data;
    /* Pairs with the workers' fetch_sub (see on_encoded). */
    if (!m->in_flight || atomic_load_explicit(&m->pending, memory_order_acquire) != 0)
        return;
    if (m->stopped)
        return;
    cc_bundle *b = mux_bundle(m);
    m->in_flight = false;
    if (b) {
        m->on_bundle(b, m->arg);
        cc_bundle_unref(b);
    }
    if (m->tick_due) {
        m->tick_due = false;
        start_tick(m);
    }
}

static void schedule(cc_mux *m);

static void on_timer(uv_timer_t *t)
{
    cc_mux *m = t->data;
    m->next_tick_ns += m->period_ns;
    if (m->in_flight) {
        m->tick_due = true;
        m->ticks_late++;
    } else {
        start_tick(m);
    }
    schedule(m);
}

/* Ticks follow an absolute schedule so the rate is exact on average even
 * though libuv timers count whole milliseconds. */
static void schedule(cc_mux *m)
{
    uint64_t now = uv_hrtime();
    if (m->next_tick_ns + m->period_ns < now)
        m->next_tick_ns = now; /* far behind (loop stalled): do not burst */
    uint64_t wait = m->next_tick_ns > now ? m->next_tick_ns - now : 0;
    uv_timer_start(&m->timer, on_timer, (wait + 999999) / 1000000, 0);
}

static int init_slots(cc_mux *m)
{
    for (size_t i = 0; i < m->n; i++) {
        const cc_source *src = m->cams[i].source;
        cc_mux_camera *s = &m->slots[i];
        int rc = cc_encode_job_init(&s->job, src->width, src->height, src->fmt);
        if (rc < 0)
            return rc;
        s->job.quality = m->quality;
        s->job.done = on_encoded;
        s->job.arg = m;
    }
    return 0;
}

static int alloc_slots(cc_mux *m, cc_camera *cams, size_t n, cc_encoder *enc,
                       const cc_server_config *cfg)
{
    m->cams = cams;
    m->n = n;
    m->enc = enc;
    m->quality = cfg->jpeg_quality;
    m->period_ns = (uint64_t)(1e9 / cfg->stream_fps);
    m->slots = calloc(n ? n : 1, sizeof *m->slots);
    if (!m->slots)
        return -ENOMEM;
    return init_slots(m);
}

static void free_slots(cc_mux *m)
{
    if (m->slots) {
        for (size_t i = 0; i < m->n; i++)
            cc_encode_job_destroy(&m->slots[i].job);
        free(m->slots);
    }
    m->slots = NULL;
}

int cc_mux_init(cc_mux *m, uv_loop_t *loop, cc_camera *cams, size_t n,
                cc_encoder *enc, const cc_server_config *cfg,
                cc_mux_bundle_fn on_bundle, void *arg)
{
    *m = (cc_mux){.on_bundle = on_bundle, .arg = arg};
    cc_bundle_pool_init(&m->pool);
    int rc = alloc_slots(m, cams, n, enc, cfg);
    if (rc == 0)
        rc = uv_timer_init(loop, &m->timer);
    if (rc == 0) {
        m->open_handles++;
        rc = uv_async_init(loop, &m->done, on_done);
    }
    if (rc == 0)
        m->open_handles++;
    m->timer.data = m;
    m->done.data = m;
    return rc;
}

int cc_mux_reset(cc_mux *m, cc_camera *cams, size_t n, cc_encoder *enc,
                 const cc_server_config *cfg)
{
    free_slots(m);
    m->in_flight = false;
    m->tick_due = false;
    m->stopped = false;
    atomic_store_explicit(&m->pending, 0, memory_order_relaxed);
    return alloc_slots(m, cams, n, enc, cfg);
}

void cc_mux_start(cc_mux *m)
{
    m->stopped = false;
    m->next_tick_ns = uv_hrtime() + m->period_ns;
    schedule(m);
}

void cc_mux_stop(cc_mux *m)
{
    m->stopped = true;
    if (m->open_handles > 0)
        uv_timer_stop(&m->timer);
}

void cc_mux_release(cc_mux *m)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->slots[i].frame) {
            cc_ring_release(m->cams[i].ring);
            m->slots[i].frame = NULL;
        }
    }
    m->in_flight = false;
}

static void on_handle_closed(uv_handle_t *h)
{
    cc_mux *m = h->data;
    m->open_handles--;
}

void cc_mux_close(cc_mux *m)
{
    if (m->open_handles >= 1 && !uv_is_closing((uv_handle_t *)&m->timer))
        uv_close((uv_handle_t *)&m->timer, on_handle_closed);
    if (m->open_handles >= 2 && !uv_is_closing((uv_handle_t *)&m->done))
        uv_close((uv_handle_t *)&m->done, on_handle_closed);
}

void cc_mux_destroy(cc_mux *m)
{
    free_slots(m);
    cc_bundle_pool_destroy(&m->pool);
    *m = (cc_mux){0};
}
