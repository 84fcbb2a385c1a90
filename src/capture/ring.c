/* SPSC ring after PipeWire's spa_ringbuffer and DPDK's rte_ring: two
 * free-running 32-bit indices on their own cache lines, a power-of-two slot
 * count and a mask.
 *
 *   head  producer-written: frames published so far
 *   tail  consumer-written: frames released so far
 *
 * Slots [tail, head) are published and not yet released; the consumer's held
 * frame is the first of them until cc_ring_release (taken at tail, after the
 * older ones were released): the frames after it are the readable ones. At most N-1 are ever
 * published, so slot[head & mask], the producer's write slot, is always
 * outside that range: the producer never writes a slot the consumer may read.
 * The indices wrap at 2^32, which a power-of-two N divides, so unsigned
 * differences and masking stay right across the wrap.
 */
#include "ring.h"

/* The invariants checked below guard against writes into a slot another
 * thread is reading; keep them in release builds too. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64
#define MIN_SLOTS 4u
/* Slots beyond the frames per drain: the held frame and the producer's write
 * slot. A late drain costs no blocking: the producer then refills its own
 * unpublished slot, so the newest frame still wins. */
#define SLOTS_MARGIN 2u

struct cc_ring {
    /* Producer's line. */
    alignas(CACHE_LINE) _Atomic uint32_t head;
    _Atomic uint64_t overwritten;

    /* Consumer's line; held, holding and seen are only touched by the
     * consumer. seen: head as the last cc_ring_readable loaded it. */
    alignas(CACHE_LINE) _Atomic uint32_t tail;
    uint32_t held;
    uint32_t seen;
    bool holding;

    /* Read-only after cc_ring_new. */
    alignas(CACHE_LINE) uint32_t mask;
    cc_frame *slots;
    uint8_t *data;
};

static bool is_pow2(uint32_t x)
{
    return x && (x & (x - 1)) == 0;
}

static size_t round_up(size_t x, size_t to)
{
    return (x + to - 1) / to * to;
}

/* slot_bytes 0 gives slots without pixel storage, for painted frames. */
int cc_ring_new(cc_ring **out, uint32_t slots, size_t slot_bytes)
{
    if (slots < MIN_SLOTS || !is_pow2(slots) ||
        slot_bytes > SIZE_MAX - CACHE_LINE)
        return -EINVAL;
    /* Each slot starts on its own cache line so neighbours never share one. */
    size_t stride = round_up(slot_bytes, CACHE_LINE);
    if (stride > SIZE_MAX / slots)
        return -ENOMEM;

    cc_ring *r = aligned_alloc(CACHE_LINE, sizeof *r);
    if (!r)
        return -ENOMEM;
    *r = (cc_ring){.mask = slots - 1};
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->overwritten, 0);
    r->slots = calloc(slots, sizeof *r->slots);
    r->data = stride ? aligned_alloc(CACHE_LINE, stride * slots) : NULL;
    if (!r->slots || (stride && !r->data)) {
        cc_ring_free(r);
        return -ENOMEM;
    }
    /* Touch every page now: a first write from the grab thread would
     * page-fault in the hot path. */
    if (stride)
        memset(r->data, 0, stride * slots);
    for (uint32_t i = 0; i < slots; i++) {
        r->slots[i].data = stride ? r->data + (size_t)i * stride : NULL;
        r->slots[i].capacity = slot_bytes;
    }
    *out = r;
    return 0;
}

void cc_ring_free(cc_ring *r)
{
    if (!r)
        return;
    free(r->data);
    free(r->slots);
    free(r);
}

uint32_t cc_ring_slots(const cc_ring *r)
{
    return r->mask + 1;
}

static uint32_t floor_pow2(uint32_t x)
{
    uint32_t p = 1;
    while (p <= x / 2)
        p <<= 1;
    return p;
}

static uint32_t ceil_pow2(uint32_t x)
{
    uint32_t p = 1;
    while (p < x)
        p <<= 1;
    return p;
}

/* Rates that are not positive and finite give no basis for sizing, so they
 * get the minimum ring; newest-frame-wins stays correct at any size. */
uint32_t cc_ring_slots_for(double grab_fps, double drain_fps, uint32_t max_slots)
{
    uint32_t cap = max_slots < MIN_SLOTS ? MIN_SLOTS : floor_pow2(max_slots);
    if (!(isfinite(grab_fps) && isfinite(drain_fps) && grab_fps > 0 &&
          drain_fps > 0))
        return MIN_SLOTS;
    /* Compared as double first so a huge ratio cannot overflow the cast. */
    double per_drain = grab_fps / drain_fps;
    if (per_drain + SLOTS_MARGIN >= cap)
        return cap;
    uint32_t frames = (uint32_t)per_drain;
    if (frames < per_drain)
        frames++;
    uint32_t slots = ceil_pow2(frames + SLOTS_MARGIN);
    if (slots < MIN_SLOTS)
        return MIN_SLOTS;
    return slots > cap ? cap : slots;
}

cc_frame *cc_ring_write_slot(cc_ring *r)
{
    /* Only the producer writes head. */
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    return &r->slots[head & r->mask];
}

bool cc_ring_publish(cc_ring *r)
{
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    /* Acquire pairs with the consumer's release stores of tail in
     * cc_ring_take_newest and cc_ring_release: its reads of the slots it gave
     * back happen before the producer refills them. */
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if ((uint32_t)(head + 1 - tail) > r->mask) {
        /* Publishing would leave no free write slot: keep this one. */
        atomic_fetch_add_explicit(&r->overwritten, 1, memory_order_relaxed);
        return false;
    }
    /* Release pairs with the acquire load of head in cc_ring_take_newest:
     * the slot's contents are visible before the consumer can index it. */
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

uint64_t cc_ring_overwritten(const cc_ring *r)
{
    /* A statistic: no ordering with the frames themselves. */
    return atomic_load_explicit(&r->overwritten, memory_order_relaxed);
}

/* The first readable frame: the one after the held frame, or tail. */
static uint32_t first_readable(const cc_ring *r)
{
    /* Only the consumer writes tail. */
    return r->holding ? r->held + 1
                      : atomic_load_explicit(&r->tail, memory_order_relaxed);
}

uint32_t cc_ring_readable(cc_ring *r)
{
    /* Acquire pairs with the release store of head in cc_ring_publish:
     * every slot before head is written before the consumer reads it. */
    r->seen = atomic_load_explicit(&r->head, memory_order_acquire);
    uint32_t n = r->seen - first_readable(r);
    assert(n <= r->mask);
    return n;
}

const cc_frame *cc_ring_peek(const cc_ring *r, uint32_t i)
{
    uint32_t first = first_readable(r);
    /* Published (before seen) and not released: the producer keeps out of
     * it until the consumer moves tail past it. */
    assert(i < r->seen - first);
    return &r->slots[(first + i) & r->mask];
}

const cc_frame *cc_ring_take(cc_ring *r, uint32_t i, uint32_t *skipped)
{
    assert(!r->holding);
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    assert(i < r->seen - tail);
    if (skipped)
        *skipped = i;
    r->held = tail + i;
    r->holding = true;
    /* Gives back the older frames unread; the held one stays counted as
     * published so the producer keeps out of it, and so do the newer ones.
     * Release pairs with the acquire load of tail in cc_ring_publish. */
    atomic_store_explicit(&r->tail, r->held, memory_order_release);
    return &r->slots[r->held & r->mask];
}

const cc_frame *cc_ring_take_newest(cc_ring *r, uint32_t *skipped)
{
    assert(!r->holding);
    uint32_t unread = cc_ring_readable(r);
    if (!unread) {
        if (skipped)
            *skipped = 0;
        return NULL;
    }
    return cc_ring_take(r, unread - 1, skipped);
}

void cc_ring_release(cc_ring *r)
{
    assert(r->holding);
    r->holding = false;
    /* Release pairs with the acquire load of tail in cc_ring_publish: the
     * consumer's reads of the held frame happen before the producer reuses
     * the slot. */
    atomic_store_explicit(&r->tail, r->held + 1, memory_order_release);
}
