/* The stream tick: newest frame of every camera -> JPEG workers -> one
 * FrameBundle, handed to the tick's readers (reader.h).
 *
 * Runs on the event loop. At each tick the newest frame of each camera is
 * taken from its ring (the older ones are released unread) and encoded in
 * parallel on the worker pool, straight from the ring slot: a frame that is
 * not streamed is never encoded or copied. Frames are split in as many
 * strips as it takes to share a tick evenly among the workers (encoder.h).
 * When the last encode of the tick finishes, the bundle is written and
 * handed to every reader.
 *
 * Two ticks may be in flight, so the workers never idle at the end of a
 * tick while an overloaded daemon has work: a camera still encoding for the
 * older tick is taken for the newer one as soon as that encode is done (a
 * ring lends its consumer one frame at a time). Bundles go out in tick
 * order. A tick that comes due while both are busy starts as soon as one is
 * done: an overloaded daemon streams as fast as it encodes, without a queue.
 *
 * Variants ([variant NAME], docs/protocol.md 1.1) are encoded from the same
 * ring frame as the full stream, by the same workers, on the ticks someone
 * wants them: at the start of each tick the mux asks its readers (plan)
 * which cameras of each variant they take, and the frame goes back to its
 * ring when all of its jobs are done. Each tick then gives one bundle per
 * variant that was wanted (same bundle_seq). Nothing is encoded that no
 * reader takes, the full stream included.
 *
 * Levels (encode/levels.h) of a camera some reader asks them of are
 * counted by one of the camera's jobs on a tick it is encoded anyway, at
 * most CC_MUX_LEVELS_HZ times a second, and handed to the readers before
 * the tick's bundles.
 *
 * Sync groups ([sync NAME], docs/sync.md): a camera of a group is not
 * taken at its newest frame but at the frame of the group's moment, which
 * align.h picks at the tick's start from the frames its ring holds; the
 * ring keeps the newer ones for the next tick. Its entries carry the
 * camera's device time (entry flag bit 1 while the group shares a clock)
 * and a bundle whose groups are each complete and of one moment has
 * bundle flag bit 0 (aligned).
 */
#ifndef CC_MUX_H
#define CC_MUX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "align.h"
#include "bundle.h"
#include "capture/camera.h"
#include "config/config.h"
#include "encode/encoder.h"
#include "reader.h"

#define CC_MUX_ENCODE_SAMPLES 128 /* encode times kept for percentiles */
#define CC_MUX_TICKS 2            /* ticks in flight at most */
#define CC_MUX_LEVELS_HZ 4        /* levels per camera and second, at most */
#define CC_MUX_SPREAD_SAMPLES 128 /* a sync group's spreads kept for percentiles */
#define CC_MUX_PEEK_MAX 64        /* frames of a ring looked at (its most) */

struct cc_mux_tick;

/* One camera in one tick. */
typedef struct cc_mux_entry {
    cc_encode_job jobs[CC_VARIANTS]; /* jobs[v]: variant v */
    struct cc_mux_tick *tick;
    unsigned index;     /* the camera's */
    uint32_t wanted;    /* bit v: variant v is encoded this tick */
    atomic_uint left;   /* jobs not finished; the last sets tick->finished */
    int levels_v;       /* the variant whose job counts levels, or -1 */
    bool has_frame;     /* a frame was taken and submitted */
    bool deferred;      /* the camera was busy in the other tick */
    bool done;
    /* In a sync group: the ring's frame to take (cc_ring_take), -1: none;
     * and its instant on the group's timeline. */
    int pick;
    uint64_t instant;
    /* Copied at take time: the ring slot goes back as soon as it is encoded. */
    uint64_t seq, frame_id, capture_ns, device_ns;
} cc_mux_entry;

typedef struct cc_mux_tick {
    struct cc_mux *mux;
    cc_mux_entry *entries;      /* one per camera */
    atomic_uint_fast64_t finished; /* bit i: camera i encoded (workers set it) */
    uint64_t order;             /* ticks start, and bundles leave, in order */
    size_t waiting;             /* entries not done */
    bool active;
    uint64_t matched;           /* cameras taken at their group's moment */
    uint64_t shared;            /* cameras whose group shares a clock now */
    uint32_t pending;           /* bit g: sync group g waits for a frame */
    uint64_t since_ns;          /* when it started (CLOCK_REALTIME) */
} cc_mux_tick;

/* One camera across ticks. Loop thread only. */
typedef struct cc_mux_camera {
    int busy;                  /* tick holding its ring frame, or -1 */
    /* Grab seq of each variant's last entry; 0 while nobody holds the
     * variant, so a first entry after an idle spell says dropped 0. */
    uint64_t last_seq[CC_VARIANTS];
    /* For /stats. */
    uint64_t encoded;
    uint64_t encode_errors;
    uint64_t dropped;          /* sum of the entries' dropped fields */
    uint64_t jpeg_bytes;       /* sum of the payloads */
    uint64_t last_jpeg_bytes;
    uint64_t last_capture_ns;  /* of the last streamed frame */
    uint64_t levels_ns;        /* uv_hrtime of its last levels */
    uint32_t encode_us[CC_MUX_ENCODE_SAMPLES]; /* the latest, circular */
    unsigned encode_samples;   /* valid entries in encode_us */
    unsigned encode_next;
    int sync;                  /* its group in cc_mux.syncs, -1: none */
    uint64_t last_instant;     /* of the last frame its group took */
} cc_mux_camera;

/* A sync group across ticks. Loop thread only. */
typedef struct cc_mux_sync {
    const cc_sync_config *cfg;
    cc_align_group align;
    uint64_t out;              /* cameras out of step (of those due lately) */
    uint64_t announced;        /* ... that the log said so of */
    uint64_t delivered;        /* cameras that gave the group a frame */
    bool shared;               /* its clock is shared now */
    uint64_t ticks_waited;     /* ticks that waited for a frame of it */
    /* Spread of the moments taken whole, for /stats. */
    uint32_t spread_ns[CC_MUX_SPREAD_SAMPLES];
    unsigned spread_samples, spread_next;
} cc_mux_sync;

/* One variant across cameras and ticks, for /stats. Loop thread only. */
typedef struct cc_mux_variant {
    uint64_t ticks;            /* ticks it was encoded on */
    uint64_t encoded;          /* entries */
    uint64_t encode_errors;
    uint64_t jpeg_bytes;
    uint64_t encode_ns;        /* worker time, all its entries */
    uint64_t convert_ns;       /* of it: painting, converting, downscaling */
} cc_mux_variant;

typedef struct cc_mux {
    uv_timer_t timer;    /* ticks where there is no timerfd */
    uv_poll_t tick_poll; /* on tick_fd, a timerfd (-1: none) */
    int tick_fd;
    uv_async_t done;
    uv_timer_t poll;            /* while a tick waits for a sync group */
    cc_camera *cams;
    cc_mux_camera *slots;
    cc_mux_tick ticks[CC_MUX_TICKS];
    size_t n;
    cc_encoder *enc;
    int quality;
    const cc_server_config *cfg; /* its variants */
    size_t n_var;               /* 1 + cc_variant_count(cfg) */
    cc_mux_variant vars[CC_VARIANTS];
    cc_tick_reader *readers;
    cc_mux_sync syncs[CC_MAX_SYNC];
    uint64_t sync_masks[CC_MAX_SYNC]; /* each group's cameras */
    size_t n_syncs;
    uint64_t *instants;         /* CC_MUX_PEEK_MAX per camera: align's input, */
    uint64_t *arrivals;         /* the frames' instants and capture times */
    uint64_t period_ns;
    uint64_t next_tick_ns;
    uint64_t ticks_started;
    bool tick_due;
    bool stopped;
    int open_handles;
    uint64_t seq;
    uint64_t ticks_late;   /* ticks that came due while both were busy */
    cc_bundle_pool pool;
} cc_mux;

/* Returns 0, -ENOMEM or a libuv error. */
int cc_mux_init(cc_mux *m, uv_loop_t *loop, cc_camera *cams, size_t n,
                cc_encoder *enc, const cc_server_config *cfg);
/* For a reload: the mux stopped and released (see below), new cameras,
 * pool and settings; the handles, the bundle pool and bundle_seq stay.
 * Start it again with cc_mux_start. Returns 0 or -ENOMEM. */
int cc_mux_reset(cc_mux *m, cc_camera *cams, size_t n, cc_encoder *enc,
                 const cc_server_config *cfg);
void cc_mux_start(cc_mux *m);
/* Readers of the tick, called in the order they were added; a reader
 * removed between a tick's start and its bundles is simply not called. */
void cc_mux_add_reader(cc_mux *m, cc_tick_reader *r);
void cc_mux_remove_reader(cc_mux *m, cc_tick_reader *r);
/* Stops ticking. Call before the encoder is freed; after that, call
 * cc_mux_release to give held frames back, then cc_mux_close. */
void cc_mux_stop(cc_mux *m);
/* Gives back the frames of an unfinished tick. The encoder must be freed
 * (all done callbacks ran). */
void cc_mux_release(cc_mux *m);
/* Closes the libuv handles; cc_mux_destroy after the loop ran them closed. */
void cc_mux_close(cc_mux *m);
void cc_mux_destroy(cc_mux *m);

#endif
