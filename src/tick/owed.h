/* Frames a reader was not sent, per camera, so that its next entry of each
 * camera says so in `dropped` (docs/protocol.md: "frames of this camera
 * grabbed but not streamed since its previous entry").
 *
 * A client group at max_fps owes its members the ticks it does not send
 * (group.h); a client whose flow-control window is closed owes itself the
 * bundles of its group it was not sent (src/stream/fanout.c). The group
 * builds its next bundle with the frames owed added; a client gets its
 * group's bytes as they are, with only the 4-byte `dropped` fields of the
 * entries it owes for written anew (a dropped patch): no copy of a bundle
 * for one client. Loop thread only.
 */
#ifndef CC_OWED_H
#define CC_OWED_H

#include <stdbool.h>
#include <stdint.h>

#include "bundle.h"
#include "config/config.h"

typedef struct cc_owed {
    uint64_t cameras;              /* bit i: n[i] != 0 */
    /* Frames; below 0 for a reader that joined a group which owes its
     * members frames this reader had (cc_owed_move). */
    int64_t n[CC_MAX_CAMERAS];
} cc_owed;

/* Some entries of a bundle with another `dropped` each: where the field
 * lies in the bundle's bytes and its new value, little-endian, in the
 * order of the entries. */
typedef struct cc_dropped_patch {
    unsigned n;
    uint32_t at[CC_MAX_CAMERAS];
    uint8_t value[CC_MAX_CAMERAS][4];
} cc_dropped_patch;

void cc_owed_clear(cc_owed *o);
/* Whether o owes frames of any of these cameras. */
static inline bool cc_owed_any(const cc_owed *o, uint64_t cameras)
{
    return (o->cameras & cameras) != 0;
}
/* b was not sent: each of its entries of mask's cameras is owed, with the
 * frames its own `dropped` counts. */
void cc_owed_add(cc_owed *o, const cc_bundle *b, uint64_t mask);
/* A reader leaves group `from` for group `to` (group.h), each with what it
 * owes its members: from's frames it never sent are owed to this reader
 * too, and to's will be counted in to's next entries, though this reader
 * was sent them or owes them already: taken off. */
void cc_owed_move(cc_owed *o, const cc_owed *from, const cc_owed *to);
/* The `dropped` of an entry of camera i that is sent now: its own plus
 * what is owed for camera i (0 to UINT32_MAX), which is settled. */
uint32_t cc_owed_settle(cc_owed *o, unsigned camera, uint32_t dropped);
/* The same for every entry of b whose camera is owed, as a patch of b's
 * bytes. Returns p->n (0: b goes out as it is). */
unsigned cc_owed_patch(cc_owed *o, const cc_bundle *b, cc_dropped_patch *p);

#endif
