#include "ring_bench.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "capture/ring.h"

#define SLOTS 16      /* what camcastd uses for 400 fps streamed at 30 */
#define SLOT_BYTES 64 /* the hand-off, not memory bandwidth */

typedef struct shared {
    cc_ring *ring;
    double seconds;
    uint64_t max_items, pace_ns;
    atomic_bool producer_done;
    cc_ring_result *res;
} shared;

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool producer_more(const shared *s, uint64_t start, uint64_t n, uint64_t now)
{
    if (s->max_items)
        return n < s->max_items;
    return now - start < (uint64_t)(s->seconds * 1e9);
}

/* Counts in locals: the consumer's counters share the result struct, and
 * a shared cache line would slow both sides. */
static void *producer_main(void *arg)
{
    shared *s = arg;
    uint64_t start = mono_ns(), due = start, seq = 0, now = start;
    uint64_t published = 0, overwritten = 0;
    while (producer_more(s, start, published, now)) {
        if (s->pace_ns) {
            while ((now = mono_ns()) < due) /* spin: a sleep is too coarse */
                ;
            due += s->pace_ns;
        }
        cc_frame *f = cc_ring_write_slot(s->ring);
        f->seq = ++seq;
        f->size = 0;
        now = mono_ns();
        f->capture_ns = now;
        if (cc_ring_publish(s->ring))
            published++;
        else
            overwritten++;
    }
    s->res->published = published;
    s->res->overwritten = overwritten;
    s->res->seconds = (double)(mono_ns() - start) / 1e9;
    atomic_store_explicit(&s->producer_done, true, memory_order_release);
    return NULL;
}

static void consume(shared *s)
{
    cc_ring_result *res = s->res;
    for (;;) {
        /* Read before trying, so the last frames are taken after done. */
        bool done = atomic_load_explicit(&s->producer_done, memory_order_acquire);
        uint32_t skipped;
        const cc_frame *f = cc_ring_take_newest(s->ring, &skipped);
        if (!f) {
            if (done)
                return;
            continue;
        }
        uint64_t now = mono_ns();
        cc_hist_add(&res->latency_ns, now > f->capture_ns ? now - f->capture_ns : 0);
        res->taken++;
        res->skipped += skipped;
        cc_ring_release(s->ring);
    }
}

int cc_ring_bench_run(double seconds, uint64_t max_items, uint64_t pace_ns,
                      cc_ring_result *out)
{
    memset(out, 0, sizeof *out);
    shared s = {.seconds = seconds, .max_items = max_items, .pace_ns = pace_ns,
                .res = out};
    atomic_init(&s.producer_done, false);
    int rc = cc_ring_new(&s.ring, SLOTS, SLOT_BYTES);
    if (rc < 0)
        return rc;
    pthread_t producer;
    rc = pthread_create(&producer, NULL, producer_main, &s);
    if (rc) {
        cc_ring_free(s.ring);
        return -rc;
    }
    consume(&s);
    pthread_join(producer, NULL);
    cc_ring_free(s.ring);
    return 0;
}
