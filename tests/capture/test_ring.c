/* Tests for the SPSC frame ring: single-thread behaviour of every call, then
 * a producer and a consumer thread hammering one ring (run it under TSan).
 *
 * Usage: test_ring [stress_frames]   (default 3000000)
 */
#include "capture/ring.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "check.h"

#define SLOT_BYTES 4096
#define PATTERN_BYTES 64
/* A safety bound on the stress run; it stops producing early, it does not
 * fail. */
#define STRESS_SECONDS 20.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static uint8_t pattern_byte(uint64_t seq, size_t i)
{
    return (uint8_t)(seq * 0x9E3779B97F4A7C15ull >> 56) ^ (uint8_t)i;
}

/* Varies the size so the tail pattern moves around in the slot. */
static size_t frame_size(uint64_t seq, size_t capacity)
{
    size_t span = capacity - 2 * PATTERN_BYTES + 1;
    return 2 * PATTERN_BYTES + (size_t)(seq * 2654435761u % span);
}

static void fill_frame(cc_frame *f, uint64_t seq)
{
    f->seq = seq;
    f->frame_id = seq ^ 0xABCDu;
    f->size = frame_size(seq, f->capacity);
    for (size_t i = 0; i < PATTERN_BYTES; i++) {
        f->data[i] = pattern_byte(seq, i);
        f->data[f->size - 1 - i] = pattern_byte(seq, i + PATTERN_BYTES);
    }
}

static bool frame_intact(const cc_frame *f)
{
    if (f->frame_id != (f->seq ^ 0xABCDu) ||
        f->size != frame_size(f->seq, f->capacity))
        return false;
    for (size_t i = 0; i < PATTERN_BYTES; i++)
        if (f->data[i] != pattern_byte(f->seq, i) ||
            f->data[f->size - 1 - i] != pattern_byte(f->seq, i + PATTERN_BYTES))
            return false;
    return true;
}

static bool publish_seq(cc_ring *r, uint64_t seq)
{
    fill_frame(cc_ring_write_slot(r), seq);
    return cc_ring_publish(r);
}

static void test_new_rejects_bad_sizes(void)
{
    const uint32_t bad[] = {0, 1, 2, 3, 5, 6, 12, 100, UINT32_MAX};
    cc_ring *r = NULL;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(cc_ring_new(&r, bad[i], SLOT_BYTES), -EINVAL);
    /* slots * slot_bytes does not fit in size_t. */
    CHECK_EQ_INT(cc_ring_new(&r, 1u << 31, SIZE_MAX / 4), -ENOMEM);
    CHECK(r == NULL);
}

static void test_new_allocates_slots(void)
{
    const uint32_t n = 8;
    cc_ring *r = NULL;
    CHECK_EQ_INT(cc_ring_new(&r, n, 1000), 0);
    CHECK_EQ_INT(cc_ring_slots(r), n);
    /* Every write position is a distinct, aligned buffer of full capacity. */
    uint8_t *seen[8] = {0};
    for (uint32_t i = 0; i < n; i++) {
        cc_frame *f = cc_ring_write_slot(r);
        CHECK_EQ_INT(f->capacity, 1000);
        CHECK_EQ_INT((uintptr_t)f->data % 64, 0);
        memset(f->data, 0x5A, f->capacity);
        for (uint32_t j = 0; j < i; j++)
            CHECK(seen[j] != f->data);
        seen[i] = f->data;
        CHECK(cc_ring_publish(r));
        CHECK(cc_ring_take_newest(r, NULL) == f);
        cc_ring_release(r);
    }
    cc_ring_free(r);
    cc_ring_free(NULL);
}

/* Painted frames need no pixel storage: slots without data still carry
 * frames through. */
static void test_new_without_data(void)
{
    cc_ring *r = NULL;
    CHECK_EQ_INT(cc_ring_new(&r, 4, 0), 0);
    if (!r)
        return;
    for (uint64_t i = 1; i <= 6; i++) {
        cc_frame *w = cc_ring_write_slot(r);
        CHECK(w->data == NULL);
        CHECK_EQ_INT(w->capacity, 0);
        w->seq = i;
        CHECK(cc_ring_publish(r));
        const cc_frame *f = cc_ring_take_newest(r, NULL);
        CHECK(f == w);
        cc_ring_release(r);
    }
    cc_ring_free(r);
}

static void test_empty_take_returns_null(void)
{
    cc_ring *r = NULL;
    CHECK_EQ_INT(cc_ring_new(&r, 4, SLOT_BYTES), 0);
    uint32_t skipped = 99;
    CHECK(cc_ring_take_newest(r, &skipped) == NULL);
    CHECK_EQ_INT(skipped, 0);
    CHECK(cc_ring_take_newest(r, NULL) == NULL);
    CHECK_EQ_INT(cc_ring_overwritten(r), 0);
    cc_ring_free(r);
}

static void test_single_frame_round_trip(void)
{
    cc_ring *r = NULL;
    CHECK_EQ_INT(cc_ring_new(&r, 4, SLOT_BYTES), 0);
    cc_frame *w = cc_ring_write_slot(r);
    CHECK(cc_ring_write_slot(r) == w);
    fill_frame(w, 42);
    w->width = 640;
    w->height = 480;
    CHECK(cc_ring_publish(r));
    CHECK(cc_ring_write_slot(r) != w);

    uint32_t skipped = 99;
    const cc_frame *f = cc_ring_take_newest(r, &skipped);
    CHECK(f == w);
    CHECK_EQ_INT(skipped, 0);
    CHECK_EQ_INT(f->seq, 42);
    CHECK_EQ_INT(f->width, 640);
    CHECK_EQ_INT(f->height, 480);
    CHECK(frame_intact(f));
    cc_ring_release(r);

    skipped = 99;
    CHECK(cc_ring_take_newest(r, &skipped) == NULL);
    CHECK_EQ_INT(skipped, 0);
    cc_ring_free(r);
}

static void test_take_newest_skips_older(void)
{
    cc_ring *r = NULL;
    CHECK_EQ_INT(cc_ring_new(&r, 8, SLOT_BYTES), 0);
    for (uint64_t seq = 1; seq <= 5; seq++)
        CHECK(publish_seq(r, seq));
    uint32_t skipped = 0;
    const cc_frame *f = cc_ring_take_newest(r, &skipped);
    CHECK(f && f->seq == 5 && frame_intact(f));
    CHECK_EQ_INT(skipped, 4);
    cc_ring_release(r);
    CHECK(cc_ring_take_newest(r, &skipped) == NULL);

    /* Publishing while a frame is held: the next take sees only the new. */
    CHECK(publish_seq(r, 6));
    f = cc_ring_take_newest(r, NULL);
    CHECK(f && f->seq == 6);
    CHECK(publish_seq(r, 7));
    CHECK(publish_seq(r, 8));
    CHECK(f->seq == 6 && frame_intact(f));
    cc_ring_release(r);
    f = cc_ring_take_newest(r, &skipped);
    CHECK(f && f->seq == 8);
    CHECK_EQ_INT(skipped, 1);
    cc_ring_release(r);
    CHECK_EQ_INT(cc_ring_overwritten(r), 0);
    cc_ring_free(r);
}

/* A sync group's consumer: look at the published frames, take one in the
 * middle; the older ones go, the newer ones stay readable, also while the
 * taken one is held and after it is released. */
static void test_take_middle_keeps_newer(void)
{
    cc_ring *r = NULL;
    CHECK_EQ_INT(cc_ring_new(&r, 8, SLOT_BYTES), 0);
    CHECK_EQ_INT(cc_ring_readable(r), 0);
    for (uint64_t seq = 1; seq <= 5; seq++)
        CHECK(publish_seq(r, seq));
    CHECK_EQ_INT(cc_ring_readable(r), 5);
    for (uint32_t i = 0; i < 5; i++)
        CHECK(cc_ring_peek(r, i)->seq == i + 1 && frame_intact(cc_ring_peek(r, i)));
    uint32_t skipped = 99;
    const cc_frame *f = cc_ring_take(r, 2, &skipped);
    CHECK(f && f->seq == 3 && frame_intact(f));
    CHECK_EQ_INT(skipped, 2);

    /* Held: 4 and 5 are readable, numbered from 0, and more come. */
    CHECK_EQ_INT(cc_ring_readable(r), 2);
    CHECK(cc_ring_peek(r, 0)->seq == 4 && cc_ring_peek(r, 1)->seq == 5);
    CHECK(publish_seq(r, 6));
    CHECK_EQ_INT(cc_ring_readable(r), 3);
    CHECK(cc_ring_peek(r, 2)->seq == 6);
    /* The held frame and the kept ones (3..6: 4 of 8 slots) leave the
     * producer room for three more, then it overwrites its own slot. */
    for (uint64_t seq = 7; seq <= 9; seq++)
        CHECK(publish_seq(r, seq));
    CHECK(!publish_seq(r, 10));
    CHECK(f->seq == 3 && frame_intact(f));
    cc_ring_release(r);

    /* Released: the numbering did not move. */
    CHECK_EQ_INT(cc_ring_readable(r), 6);
    CHECK(cc_ring_peek(r, 0)->seq == 4 && cc_ring_peek(r, 5)->seq == 9);
    f = cc_ring_take(r, 0, &skipped);
    CHECK(f && f->seq == 4 && skipped == 0);
    cc_ring_release(r);
    f = cc_ring_take_newest(r, &skipped);
    CHECK(f && f->seq == 9 && frame_intact(f));
    CHECK_EQ_INT(skipped, 4);
    cc_ring_release(r);
    CHECK_EQ_INT(cc_ring_readable(r), 0);
    CHECK_EQ_INT(cc_ring_overwritten(r), 1);
    cc_ring_free(r);
}

static void test_full_ring_overwrites(void)
{
    const uint32_t n = 8;
    cc_ring *r = NULL;
    CHECK_EQ_INT(cc_ring_new(&r, n, SLOT_BYTES), 0);
    for (uint64_t seq = 1; seq <= n - 1; seq++)
        CHECK(publish_seq(r, seq));
    CHECK_EQ_INT(cc_ring_overwritten(r), 0);

    /* Full: the same slot is refilled, nothing published is touched. */
    cc_frame *w = cc_ring_write_slot(r);
    CHECK(!publish_seq(r, n));
    CHECK(cc_ring_write_slot(r) == w);
    CHECK(!publish_seq(r, n + 1));
    CHECK_EQ_INT(cc_ring_overwritten(r), 2);

    uint32_t skipped = 0;
    const cc_frame *f = cc_ring_take_newest(r, &skipped);
    CHECK(f && f->seq == n - 1 && frame_intact(f));
    CHECK_EQ_INT(skipped, n - 2);

    /* The held frame still counts: n - 2 more fit before the ring is full. */
    for (uint64_t i = 0; i < n - 2; i++)
        CHECK(publish_seq(r, n + 2 + i));
    CHECK(!publish_seq(r, 2 * n));
    CHECK_EQ_INT(cc_ring_overwritten(r), 3);
    CHECK(f->seq == n - 1 && frame_intact(f));
    cc_ring_release(r);

    CHECK(publish_seq(r, 2 * n + 1));
    f = cc_ring_take_newest(r, &skipped);
    CHECK(f && f->seq == 2 * n + 1);
    CHECK_EQ_INT(skipped, n - 2);
    cc_ring_release(r);
    cc_ring_free(r);
}

/* From every head position, fill the ring around a held frame and check the
 * producer is never handed the held slot, even while the ring is full. */
static void test_held_slot_never_write_slot(void)
{
    const uint32_t n = 4;
    cc_ring *r = NULL;
    CHECK_EQ_INT(cc_ring_new(&r, n, SLOT_BYTES), 0);
    uint64_t seq = 0;
    for (uint32_t round = 0; round < 4 * n; round++) {
        /* Each publish, take and release moves the start by one slot. */
        for (uint32_t i = 0; i < round % n; i++) {
            CHECK(publish_seq(r, ++seq));
            CHECK(cc_ring_take_newest(r, NULL) != NULL);
            cc_ring_release(r);
        }
        for (uint32_t i = 0; i <= round % (n - 1); i++)
            CHECK(publish_seq(r, ++seq));
        const cc_frame *held = cc_ring_take_newest(r, NULL);
        CHECK(held && held->seq == seq);
        for (uint32_t i = 0; i < n + 2; i++) {
            CHECK(cc_ring_write_slot(r) != held);
            CHECK(publish_seq(r, ++seq) == (i < n - 2));
            CHECK(cc_ring_write_slot(r) != held);
        }
        CHECK(frame_intact(held));
        cc_ring_release(r);
        const cc_frame *f = cc_ring_take_newest(r, NULL);
        CHECK(f && frame_intact(f));
        cc_ring_release(r);
    }
    cc_ring_free(r);
}

/* Many cycles of 1..n-1 publishes per take, so the indices wrap around the
 * slots many times with every phase. Wrapping the 32-bit indices themselves
 * would take 2^32 publishes, too slow for a unit test; the index arithmetic
 * is unsigned subtraction and masking, which a power-of-two n keeps exact. */
static void test_many_cycles(void)
{
    const uint32_t n = 8;
    cc_ring *r = NULL;
    CHECK_EQ_INT(cc_ring_new(&r, n, SLOT_BYTES), 0);
    uint64_t seq = 0;
    uint32_t rng = 12345;
    for (uint32_t cycle = 0; cycle < 100 * n; cycle++) {
        uint32_t k = 1 + xorshift(&rng) % (n - 1);
        for (uint32_t i = 0; i < k; i++)
            CHECK(publish_seq(r, ++seq));
        uint32_t skipped = 0;
        const cc_frame *f = cc_ring_take_newest(r, &skipped);
        CHECK(f && f->seq == seq && frame_intact(f));
        CHECK_EQ_INT(skipped, k - 1);
        cc_ring_release(r);
    }
    CHECK(cc_ring_take_newest(r, NULL) == NULL);
    CHECK_EQ_INT(cc_ring_overwritten(r), 0);
    cc_ring_free(r);
}

static void test_slots_for(void)
{
    /* 400/30 = 13.3 -> 14 frames per drain, + 3 = 17 -> 32. */
    CHECK_EQ_INT(cc_ring_slots_for(400, 30, 64), 16);
    CHECK_EQ_INT(cc_ring_slots_for(390, 30, 64), 16);
    CHECK_EQ_INT(cc_ring_slots_for(1000, 60, 64), 32);
    CHECK_EQ_INT(cc_ring_slots_for(30, 30, 64), 4);
    CHECK_EQ_INT(cc_ring_slots_for(10, 30, 64), 4);
    CHECK_EQ_INT(cc_ring_slots_for(60, 30, 64), 4);
    CHECK_EQ_INT(cc_ring_slots_for(120, 30, 64), 8);
    /* Clamped to max_slots, rounded down to a power of two, at least 4. */
    CHECK_EQ_INT(cc_ring_slots_for(400, 30, 16), 16);
    CHECK_EQ_INT(cc_ring_slots_for(1000, 60, 20), 16);
    CHECK_EQ_INT(cc_ring_slots_for(1000, 60, 3), 4);
    CHECK_EQ_INT(cc_ring_slots_for(1000, 60, 0), 4);
    CHECK_EQ_INT(cc_ring_slots_for(1e12, 1, 1024), 1024);
    CHECK_EQ_INT(cc_ring_slots_for(1e300, 1e-300, UINT32_MAX), 1u << 31);
    /* No usable rates: the minimum. */
    CHECK_EQ_INT(cc_ring_slots_for(400, 0, 64), 4);
    CHECK_EQ_INT(cc_ring_slots_for(400, -30, 64), 4);
    CHECK_EQ_INT(cc_ring_slots_for(0, 30, 64), 4);
    CHECK_EQ_INT(cc_ring_slots_for(NAN, 30, 64), 4);
    CHECK_EQ_INT(cc_ring_slots_for(400, NAN, 64), 4);
    CHECK_EQ_INT(cc_ring_slots_for(INFINITY, 30, 64), 4);
}

/* --- two-thread stress --- */

/* Every this many takes the consumer holds its frame until the producer has
 * gone round the ring, which forces overwrites and checks the held frame
 * survives them. */
#define STALL_EVERY 4096u

typedef struct stress {
    cc_ring *ring;
    uint64_t target;
    double deadline;
    /* Last seq the producer has filled and tried to publish (release). */
    atomic_uint_least64_t progress;
    atomic_bool done;

    /* The consumer takes frames in the middle (a sync group's), not the
     * newest, and checks the newer ones stay. */
    bool middle;

    /* Consumer results, read after join. */
    uint64_t taken, skipped, inferred_overwrites, last_seq, stalls, kept;
    unsigned torn, out_of_order, bad_skips, bad_overwrites, timed_out, lost_kept;
} stress;

static void *producer(void *arg)
{
    stress *s = arg;
    uint32_t rng = 0x1234567u;
    for (uint64_t seq = 1; seq <= s->target; seq++) {
        if (seq % 4096 == 0 && now_s() > s->deadline)
            break;
        publish_seq(s->ring, seq);
        atomic_store_explicit(&s->progress, seq, memory_order_release);
        /* Sometimes let the consumer catch up so the ring also runs empty. */
        if (xorshift(&rng) % 512 == 0)
            sched_yield();
    }
    atomic_store_explicit(&s->done, true, memory_order_release);
    return NULL;
}

static void consumer_pause(uint32_t *rng)
{
    uint32_t x = xorshift(rng) % 64;
    if (x == 0)
        nanosleep(&(struct timespec){.tv_nsec = 20000}, NULL);
    else if (x < 8)
        sched_yield();
}

/* Holds f until the producer has tried n more frames than f; with f held it
 * can publish at most n - 2 of them, so the rest must be overwritten. */
static void consumer_stall(stress *s, const cc_frame *f, uint32_t n)
{
    uint64_t want = f->seq + n;
    while (atomic_load_explicit(&s->progress, memory_order_acquire) < want) {
        if (atomic_load_explicit(&s->done, memory_order_acquire) ||
            now_s() > s->deadline)
            return;
        sched_yield();
    }
    uint64_t tried = atomic_load_explicit(&s->progress, memory_order_acquire);
    s->stalls++;
    /* The producer's overwrites happen before its progress store, which this
     * thread has seen. Frames after f: at most n - 2 published. */
    if (cc_ring_overwritten(s->ring) <
        s->inferred_overwrites + (tried - f->seq) - (n - 2))
        s->bad_overwrites++;
    if (!frame_intact(f))
        s->torn++;
}

static void consume_one(stress *s, const cc_frame *f, uint32_t skipped)
{
    if (!frame_intact(f))
        s->torn++;
    if (f->seq <= s->last_seq) {
        s->out_of_order++;
        return;
    }
    uint64_t gap = f->seq - s->last_seq - 1;
    if (skipped > gap)
        s->bad_skips++;
    else
        s->inferred_overwrites += gap - skipped;
    /* Every frame inferred as overwritten was counted before f's publish. */
    if (cc_ring_overwritten(s->ring) < s->inferred_overwrites)
        s->bad_overwrites++;
    s->last_seq = f->seq;
    s->taken++;
    s->skipped += skipped;
}

/* Looks at every readable frame, takes a random one: the newer ones must
 * still be there, first, once it is taken and again once it is released. */
static const cc_frame *take_middle(stress *s, uint32_t *rng, uint32_t *skipped,
                                   uint64_t *next_seq)
{
    uint32_t n = cc_ring_readable(s->ring);
    if (!n)
        return NULL;
    uint64_t prev = s->last_seq;
    for (uint32_t i = 0; i < n; i++) {
        const cc_frame *p = cc_ring_peek(s->ring, i);
        if (!frame_intact(p))
            s->torn++;
        if (p->seq <= prev)
            s->out_of_order++;
        prev = p->seq;
    }
    uint32_t i = xorshift(rng) % n;
    *next_seq = i + 1 < n ? cc_ring_peek(s->ring, i + 1)->seq : 0;
    const cc_frame *f = cc_ring_take(s->ring, i, skipped);
    if (*next_seq && (cc_ring_readable(s->ring) < n - i - 1 ||
                      cc_ring_peek(s->ring, 0)->seq != *next_seq))
        s->lost_kept++;
    return f;
}

static void *consumer(void *arg)
{
    stress *s = arg;
    uint32_t rng = 0x89ABCDEu;
    uint32_t n = cc_ring_slots(s->ring);
    for (;;) {
        if (now_s() > s->deadline + 10) {
            s->timed_out++;
            break;
        }
        /* Read done first: a NULL take after it means nothing is left. */
        bool done = atomic_load_explicit(&s->done, memory_order_acquire);
        uint32_t skipped = 0;
        uint64_t next_seq = 0;
        const cc_frame *f = s->middle && !done
                                ? take_middle(s, &rng, &skipped, &next_seq)
                                : cc_ring_take_newest(s->ring, &skipped);
        if (!f) {
            if (done)
                break;
            continue;
        }
        consume_one(s, f, skipped);
        if (s->taken % STALL_EVERY == 0) {
            consumer_stall(s, f, n);
        } else {
            consumer_pause(&rng);
            if (!frame_intact(f))
                s->torn++;
        }
        cc_ring_release(s->ring);
        if (next_seq) {
            s->kept++;
            if (cc_ring_readable(s->ring) == 0 || cc_ring_peek(s->ring, 0)->seq != next_seq)
                s->lost_kept++;
        }
    }
    return NULL;
}

static uint64_t stress_frames = 3000000;

static void run_stress(bool middle)
{
    stress s = {.target = stress_frames, .deadline = now_s() + STRESS_SECONDS,
                .middle = middle};
    CHECK_EQ_INT(cc_ring_new(&s.ring, 8, SLOT_BYTES), 0);
    atomic_init(&s.progress, 0);
    atomic_init(&s.done, false);
    double t0 = now_s();
    pthread_t p, c;
    CHECK_EQ_INT(pthread_create(&c, NULL, consumer, &s), 0);
    CHECK_EQ_INT(pthread_create(&p, NULL, producer, &s), 0);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    double secs = now_s() - t0;

    uint64_t produced = atomic_load(&s.progress);
    uint64_t overwritten = cc_ring_overwritten(s.ring);
    fprintf(stderr,
            "  stress%s: %llu produced in %.2f s, %llu taken, %llu skipped, "
            "%llu overwritten, %llu stalls, %llu kept newer\n",
            middle ? " (middle)" : "", (unsigned long long)produced, secs,
            (unsigned long long)s.taken, (unsigned long long)s.skipped,
            (unsigned long long)overwritten, (unsigned long long)s.stalls,
            (unsigned long long)s.kept);
    CHECK_EQ_INT(s.timed_out, 0);
    CHECK_EQ_INT(s.torn, 0);
    CHECK_EQ_INT(s.out_of_order, 0);
    CHECK_EQ_INT(s.bad_skips, 0);
    CHECK_EQ_INT(s.bad_overwrites, 0);
    CHECK_EQ_INT(s.lost_kept, 0);
    CHECK(s.taken > 0);
    if (middle)
        CHECK(s.kept > 0);
    /* Every frame was taken, skipped in the ring or overwritten. */
    CHECK_EQ_INT(s.taken + s.skipped + overwritten, produced);
    /* The consumer drained the ring, so what followed its last frame was
     * overwritten. */
    CHECK_EQ_INT(s.inferred_overwrites + (produced - s.last_seq), overwritten);
    /* A completed stall forces overwrites. */
    if (s.stalls > 0)
        CHECK(overwritten > 0);
    cc_ring_free(s.ring);
}

static void test_two_thread_stress(void)
{
    run_stress(false);
}

static void test_two_thread_stress_middle(void)
{
    run_stress(true);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        stress_frames = strtoull(argv[1], NULL, 10);
    RUN(test_new_rejects_bad_sizes);
    RUN(test_new_allocates_slots);
    RUN(test_new_without_data);
    RUN(test_empty_take_returns_null);
    RUN(test_single_frame_round_trip);
    RUN(test_take_newest_skips_older);
    RUN(test_take_middle_keeps_newer);
    RUN(test_full_ring_overwrites);
    RUN(test_held_slot_never_write_slot);
    RUN(test_many_cycles);
    RUN(test_slots_for);
    RUN(test_two_thread_stress);
    RUN(test_two_thread_stress_middle);
    return CHECK_DONE();
}
