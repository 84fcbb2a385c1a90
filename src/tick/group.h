/* Groups of clients that get the same bytes: the same cameras of the same
 * variant at the same rate (docs/protocol.md 1.1, "Per-client rate and
 * variant").
 *
 * A group's bundle is built once per tick it sends and shared by all its
 * members, as the full bundle is shared by the clients that want
 * everything: a group with every camera at every tick sends the mux's
 * bundle itself, no copy. A group at max_fps sends on evenly spread ticks
 * (a credit of max_fps / stream_fps per tick) and keeps, per camera, the
 * frames it did not send since its last entry, so that entry's `dropped`
 * counts them all.
 *
 * Whether a group sends on a tick is decided when the tick starts
 * (cc_group_plan), so that a variant is encoded only for the ticks a group
 * of it sends on (pace.h); cc_group_tick uses the decision when the tick's
 * bundles come. A subset is built from the bundle's entry index (bundle.h).
 * A group keeps its newest bundle until the next replaces it (a pool
 * buffer held one tick longer), for members whose flow-control window
 * opens between ticks. Loop thread only.
 */
#ifndef CC_GROUP_H
#define CC_GROUP_H

#include <stdbool.h>
#include <stdint.h>

#include "bundle.h"
#include "config/config.h"
#include "owed.h"
#include "pace.h"
#include "reader.h"

typedef struct cc_group {
    uint64_t mask;                 /* cameras */
    double max_fps;                /* 0: every tick */
    unsigned variant;              /* the mux's index; 0: full */
    cc_pace pace;                  /* its ticks */
    cc_owed owed;                  /* frames not sent since its last entry */
    cc_bundle *now;                /* this tick's bundle (a reference), or NULL */
    /* Its newest bundle (a reference), kept after its tick until the next
     * replaces it: what a windowed member whose ack opens its window gets
     * at once (src/stream/fanout.c). NULL before its first, and after a
     * reload. */
    cc_bundle *last;
    /* During a tick that replaced last: the one replaced (a reference,
     * dropped by cc_group_tick_end), so the fan-out can tell members that
     * were not sent it that they missed it. */
    cc_bundle *replaced;
    bool failed;                   /* due this tick, but out of memory */
    unsigned members;
    struct cc_group *prev, *next;
} cc_group;

typedef struct cc_group_set {
    cc_group *head;
    cc_bundle_pool pool; /* the groups' own bundles */
} cc_group_set;

void cc_group_set_init(cc_group_set *gs);
/* Every group must have been left. */
void cc_group_set_destroy(cc_group_set *gs);

/* The rate a client asking for max_fps gets (protocol.md, "Control
 * messages"): every k-th tick, k the fewest ticks that keep it within
 * max_fps, so stream_fps / k; 0 (every tick) for 0 or at least stream_fps.
 * So rates fall on one ladder and groups stay few: however many values
 * clients ask for, those at one rate share a group, and the groups of
 * every rate together cost at most stream_fps * (1 + 1/2 + 1/3 + ...)
 * builds a second per camera set and variant. */
double cc_group_rate(double max_fps, double stream_fps);

/* One more member of the group for (mask, max_fps, variant), made if there
 * is none; NULL when out of memory. */
cc_group *cc_group_join(cc_group_set *gs, uint64_t mask, double max_fps,
                        unsigned variant);
/* One member less; the group goes with its last. */
void cc_group_leave(cc_group_set *gs, cc_group *g);

/* A tick starts: decides which groups send on it; p->due[v] and p->held[v]
 * get the cameras of variant v that groups sending on it / any group want. */
void cc_group_plan(cc_group_set *gs, cc_tick_plan *p);
/* A tick's bundles came, b[v] for variant v (NULL: not made): sets each
 * group's now (NULL when it does not send on this tick, or when its bundle
 * is missing: then failed), and for a group that sends, last (the one it
 * had moves to replaced). A group that joined after the tick started sends
 * if its variant's bundle is there. */
void cc_group_tick(cc_group_set *gs, cc_bundle *const *b, size_t n_variants);
/* After the tick's sends: drops the references now and replaced hold
 * (last stays). */
void cc_group_tick_end(cc_group_set *gs);

/* After a reload renumbered the cameras: new_mask gives each group's new
 * mask; what was owed is forgotten (indexes changed), and so is last. */
void cc_group_remap(cc_group_set *gs, uint64_t (*new_mask)(uint64_t old, void *arg),
                    void *arg);
/* After a reload: group variants follow their names (old_to_new[v], -1:
 * gone, then full); ticks planned before it are forgotten, and so is last
 * (made with the old settings). */
void cc_group_remap_variants(cc_group_set *gs, const int *old_to_new, size_t n_old);

#endif
