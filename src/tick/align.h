/* Sync groups in the tick: which frame of each camera of a group the tick
 * takes, so that a bundle holds one moment of the group (docs/sync.md).
 *
 * The mux hands over, per camera of a group, the instants of the frames its
 * ring holds and has not streamed yet (oldest first); cc_align_pick says
 * which one to take. It looks for the newest moment that every camera in
 * step has a frame of: the slowest camera's frames, newest first, each
 * matched with every other camera's nearest frame, accepted when they lie
 * within the group's tolerance. Rings hold the frames newer than that
 * moment for the next tick, so a late camera costs the group the age of
 * its delay, not a wait on the event loop.
 *
 * A camera whose newest frame is more than the group's wait behind the
 * group's newest, or that is offline, is out of step: the group goes on
 * without it, and its bundles are not aligned until it is back. When no
 * moment matches (a camera has no frame of it yet) the tick takes nothing
 * of the group, skipping the moment rather than mixing two; once nothing
 * was taken for longer than the wait, it takes the frames nearest the
 * slowest camera's newest, unaligned: nothing (a camera's clock that jumps,
 * one that is gone) holds the group for longer than the wait.
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
    uint64_t last_ns;    /* the instant of its last frame taken; 0: none */
    int pick;            /* out: the frame to take, -1: none */
} cc_align_cam;

/* A group across ticks. */
typedef struct cc_align_group {
    uint64_t tolerance_ns;
    uint64_t wait_ns;
    uint64_t last_take_ns; /* when the group last took frames (the tick's clock) */
    /* Counters, for /stats. */
    uint64_t aligned;    /* ticks that took one moment of every camera in step */
    uint64_t partial;    /* ... of the cameras in step, some out of step */
    uint64_t unaligned;  /* ticks that took frames not of one moment */
    uint64_t skipped;    /* ticks that took nothing of the group (waiting) */
    uint64_t last_spread_ns; /* of the last moment taken */
} cc_align_group;

/* What a tick takes of a group. */
typedef struct cc_align_result {
    uint64_t matched;  /* bit k: camera k's pick is of one moment, in tolerance */
    uint64_t out;      /* bit k: camera k is due and out of step (late, offline) */
    uint64_t spread_ns;
} cc_align_result;

void cc_align_group_init(cc_align_group *g, uint64_t tolerance_ns, uint64_t wait_ns);
/* Picks the frame of each of the n cameras (bit k of the result: cams[k])
 * for the tick at now_ns. */
cc_align_result cc_align_pick(cc_align_group *g, cc_align_cam *cams, size_t n,
                              uint64_t now_ns);

/* Bundle flag bit 0 for a bundle with entries of the cameras in present,
 * made for a reader that takes the cameras in wanted: every group with a
 * wanted camera has all its wanted cameras present, each of one moment
 * (matched), and at least one group does. groups: n camera masks. */
bool cc_align_flag(const uint64_t *groups, size_t n, uint64_t wanted, uint64_t present,
                   uint64_t matched);

#endif
