/* Lock-free single-producer single-consumer ring of preallocated frame slots.
 *
 * The producer is a camera's grab thread, the consumer the stream tick. The
 * grab thread never blocks and never allocates: it always has a slot to fill
 * (cc_ring_write_slot); cc_ring_publish hands it over, or, when the consumer
 * is behind and the ring is full, keeps it unpublished so the next grab
 * overwrites it. The consumer usually takes the newest published frame and
 * releases the older ones unread ("newest frame wins"); a sync group's
 * consumer looks at the published frames first and takes the one of the
 * group's moment, releasing those before it and keeping those after it.
 *
 * Frames carry a grab sequence number (cc_frame.seq), so the consumer counts
 * every frame it never saw, whether skipped in the ring or overwritten by the
 * producer, as the difference of two seq values.
 */
#ifndef CC_RING_H
#define CC_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

typedef struct cc_ring cc_ring;

/* slots: a power of two, at least 4. Each slot gets slot_bytes of data;
 * with 0, none (data NULL: for painted frames). Returns 0, -EINVAL or
 * -ENOMEM. */
int cc_ring_new(cc_ring **out, uint32_t slots, size_t slot_bytes);
void cc_ring_free(cc_ring *r);
uint32_t cc_ring_slots(const cc_ring *r);

/* Slot count for a producer at grab_fps drained at drain_fps: room for all
 * frames between two drains plus margin, rounded up to a power of two and
 * clamped to [4, max_slots]. */
uint32_t cc_ring_slots_for(double grab_fps, double drain_fps, uint32_t max_slots);

/* --- producer side (one thread) --- */

/* The slot the producer fills next. Always valid; the same slot is returned
 * until a publish succeeds. */
cc_frame *cc_ring_write_slot(cc_ring *r);
/* Makes the filled slot visible to the consumer. Returns false when the ring
 * is full: the frame stays unpublished and is overwritten by the next one. */
bool cc_ring_publish(cc_ring *r);
/* Frames the producer overwrote because the ring was full (any thread). */
uint64_t cc_ring_overwritten(const cc_ring *r);

/* --- consumer side (one thread at a time) --- */

/* Takes the newest published frame and holds it until cc_ring_release;
 * older published frames are released unread and *skipped (if not NULL)
 * gets their count. Returns NULL (skipped = 0) when nothing new was
 * published. Must not be called while a frame is held. */
const cc_frame *cc_ring_take_newest(cc_ring *r, uint32_t *skipped);
/* The frames published and not taken yet, oldest first: counts them and
 * makes frames 0 .. n-1 readable with cc_ring_peek until the next take
 * (frames published later are counted by the next call). May be called
 * while a frame is held: the held one is not among them, and their
 * numbering stays the same when it is released. */
uint32_t cc_ring_readable(cc_ring *r);
/* Frame i (0: the oldest) of the last cc_ring_readable count. */
const cc_frame *cc_ring_peek(const cc_ring *r, uint32_t i);
/* Takes frame i of the last cc_ring_readable count and holds it until
 * cc_ring_release: the frames before it are released unread (*skipped,
 * if not NULL, gets their count), the ones after it stay published. Must
 * not be called while a frame is held. */
const cc_frame *cc_ring_take(cc_ring *r, uint32_t i, uint32_t *skipped);
/* Gives the held frame's slot back to the producer. */
void cc_ring_release(cc_ring *r);

#endif
