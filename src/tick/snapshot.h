/* Snapshots (docs/protocol.md 1.2, GET /api/cameras/NAME/snapshot.jpg): a
 * reader of the tick that makes a camera's variant due on the next tick
 * and hands that tick's JPEG of it to whoever asked.
 *
 * A request makes its camera and variant due on every tick until one has
 * its entry (a camera with no new frame since the last tick has none), or
 * until its deadline: the JPEG is then the camera's newest frame, encoded
 * at its variant's quality whether or not anybody watches it. The JPEG is
 * read from the bundle's index, never parsed. Loop thread only.
 */
#ifndef CC_SNAPSHOT_H
#define CC_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "camcast/framebundle.h"
#include "reader.h"

#define CC_SNAPSHOTS_MAX 32 /* requests waiting at once */

/* The answer: e is the entry (its payload valid during the call only), or
 * NULL when the deadline passed without one. */
typedef void (*cc_snapshot_fn)(void *arg, uint64_t who, const cc_fb_entry *e);

typedef struct cc_snapshot_req {
    uint64_t who;
    unsigned camera, variant;
    uint64_t deadline_ns; /* uv_hrtime */
} cc_snapshot_req;

typedef struct cc_snapshots {
    cc_tick_reader reader; /* cc_mux_add_reader(mux, &snaps.reader) */
    cc_snapshot_fn fn;
    void *arg;
    cc_snapshot_req reqs[CC_SNAPSHOTS_MAX];
    size_t n;
} cc_snapshots;

void cc_snapshots_init(cc_snapshots *s, cc_snapshot_fn fn, void *arg);
/* Asks for camera's JPEG of variant (the tick's index space) by
 * deadline_ns (uv_hrtime). Returns 0 or -EBUSY (too many waiting). */
int cc_snapshots_request(cc_snapshots *s, uint64_t who, unsigned camera, unsigned variant,
                         uint64_t deadline_ns);
/* Forgets who's requests (it went away). */
void cc_snapshots_cancel(cc_snapshots *s, uint64_t who);
/* Answers every request with NULL (a reload renumbers cameras, or the end). */
void cc_snapshots_fail_all(cc_snapshots *s);

#endif
