/* Sync groups in the tick: which frame of each camera of a group the tick
 * takes, so that a bundle holds one moment of the group (docs/sync.md).
 *
 * The mux hands over, per camera of a group, the instants of the frames its
 * ring holds and has not streamed yet (oldest first) and when each reached
 * the host; cc_align_pick says which one to take. It looks for the newest
 * moment that every camera in step has a frame of: the slowest camera's
 * frames, newest first, each matched with every other camera's nearest
 * frame, accepted when they lie within the group's tolerance. Rings hold
 * the frames newer than that moment for the next tick.
 *
 * When a camera in step has no frame of the moment yet, the answer is to
 * wait: the mux asks again (the tick waits for the group) until the frame
 * is there or the group's wait is over; then it takes the frames nearest
 * the slowest camera's newest, not aligned, skipping the moment rather
 * than mixing two in an aligned bundle. Triggered groups wait the same way
 * for frames that do not meet (a camera that missed a trigger may deliver
 * the next one); free-running frames that do not meet now will not, so
 * they are taken at once, not aligned.
 *
 * The group waits for a camera's next frame at most its wait, counted from
 * the arrival of the first frame, of any camera, of a moment after the
 * camera's newest. A camera waited for longer, one the group went on
 * without (its newest is older than the last moment taken), or one that
 * is offline is out of step: the group goes on without it, showing its
 * newest frame (so its ring drains) in bundles that are not aligned, until
 * it has a frame of the group's moments again. Nothing (a camera's clock
 * that jumps, one that is gone) holds the group for longer than the wait.
 *
 * Pure functions, loop thread only; unit-tested in tests/tick/test_align.c.
 */
#ifndef CC_ALIGN_H
#define CC_ALIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One camera of a group on one tick. */
typedef struct cc_align_cam {
    bool due;            /* a reader takes it on this tick */
    bool online;
    uint32_t n;          /* frames not streamed yet */
    const uint64_t *t;   /* their instants (ns), oldest first */
    const uint64_t *arrived; /* when each reached the host (capture time,
                                CLOCK_REALTIME) */
    uint64_t last_ns;    /* the instant of its last frame taken; 0: none */
    int pick;            /* out: the frame to take, -1: none */
} cc_align_cam;

/* A group across ticks. */
typedef struct cc_align_group {
    uint64_t tolerance_ns;
    uint64_t wait_ns;
    bool free_running;     /* trigger = free: frames that do not meet never will */
    uint64_t last_moment;  /* the instant it last took; 0: none */
    /* Counters, for /stats. */
    uint64_t aligned;    /* ticks that took one moment of every camera in step */
    uint64_t partial;    /* ... of the cameras in step, some out of step */
    uint64_t unaligned;  /* ticks that took frames not of one moment */
    uint64_t last_spread_ns; /* of the last moment taken */
} cc_align_group;

/* What a tick takes of a group. */
typedef struct cc_align_result {
    uint64_t matched;  /* bit k: camera k's pick is of one moment, in tolerance */
    uint64_t out;      /* bit k: camera k is due and out of step (late, offline) */
    uint64_t spread_ns;
    bool wait;         /* no picks: ask again later (only when may_wait) */
} cc_align_result;

void cc_align_group_init(cc_align_group *g, uint64_t tolerance_ns, uint64_t wait_ns,
                         bool free_running);
/* Picks the frame of each of the n cameras (bit k of the result: cams[k])
 * for the tick at now_ns (CLOCK_REALTIME). may_wait: the tick has waited
 * for the group less than its wait, so it may wait more. */
cc_align_result cc_align_pick(cc_align_group *g, cc_align_cam *cams, size_t n,
                              uint64_t now_ns, bool may_wait);

/* Bundle flag bit 0 for a bundle with entries of the cameras in present,
 * made for a reader that takes the cameras in wanted: every group with a
 * wanted camera has all its wanted cameras present, each of one moment
 * (matched), and at least one group does. groups: n camera masks. */
bool cc_align_flag(const uint64_t *groups, size_t n, uint64_t wanted, uint64_t present,
                   uint64_t matched);

#endif
