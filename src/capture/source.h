/* Camera source interface: where a camera's frames come from.
 *
 * A source is driven by exactly one grab thread (camera.c). grab() blocks
 * until the next frame (at most about timeout_ms) and writes it straight into
 * the ring slot it is given, so a frame is copied at most once on its way in;
 * a painted source (the test pattern) writes no pixels at all, only what the
 * encoder needs to paint the frame if it is streamed (cc_painter, frame.h).
 *
 * A source that can be lost (a camera on a cable) has disconnect and
 * connect: when grab() reports it lost, the grab thread releases it and
 * opens it again, on its own thread since both may block for seconds.
 */
#ifndef CC_SOURCE_H
#define CC_SOURCE_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "feature.h"
#include "frame.h"

typedef struct cc_source cc_source;

typedef struct cc_source_ops {
    const char *kind; /* "testpattern", "aravis" */
    /* Waits for the next frame and fills dst: data (up to dst->capacity),
     * size, width, height, stride, fmt, frame_id, capture_ns, device_ns
     * (0 if none), sync_ns (0 unless the source knows the frame's host
     * instant: camera.c maps device_ns then), and painter (NULL unless
     * painted) with its position. Does not touch dst->seq. Returns 0;
     * -EAGAIN if no frame came within timeout_ms (call
     * again); a lost error (cc_source_lost); or another negative errno for
     * a frame that could not be used. */
    int (*grab)(cc_source *src, cc_frame *dst, int timeout_ms);
    /* Optional: NULL for sources that are never lost. Releases what is left
     * of a lost source; connected becomes false. */
    void (*disconnect)(cc_source *src);
    /* Opens the source again, with the same shape. Returns 0 or a negative
     * errno with the reason in err. */
    int (*connect)(cc_source *src, char *err, size_t errlen);
    void (*free)(cc_source *src);
    /* Optional: for a reload, the source keeps running with cfg, an equal
     * copy of the config it was made with (the old one is freed). Called
     * while no thread drives the source. */
    void (*rebind)(cc_source *src, const cc_camera_config *cfg);
    /* Optional: the grab thread stops for a while, the source stays open
     * (a reload): stop producing, drop what came; grab() resumes. */
    void (*pause)(cc_source *src);
    /* Optional: live control (feature.h, docs/control.md). Called only by
     * the thread that drives the source, while it is connected. */
    /* The features it offers and their state now, up to max of them into
     * out. Returns how many, or a negative errno. */
    int (*list_features)(cc_source *src, cc_feature_state *out, size_t max);
    /* f->name's state now, into f. Returns 0, -ENOENT or -EIO. */
    int (*read_feature)(cc_source *src, cc_feature_state *f);
    /* Sets feature name to v (executes a command), checking v against the
     * feature's state now first. Returns 0; -EPERM, -ERANGE or -EINVAL (a
     * value refused, err says why with what it takes); -ENOENT; or -EIO (the
     * camera refused or failed, err says what it said). */
    int (*write_feature)(cc_source *src, const char *name, cc_feature_value *v, char *err,
                         size_t errlen);
} cc_source_ops;

/* How the transport's receive thread is scheduled. */
typedef enum cc_stream_priority {
    CC_PRIORITY_NORMAL,
    CC_PRIORITY_NICE,     /* raised nice level */
    CC_PRIORITY_REALTIME, /* SCHED_RR */
} cc_stream_priority;

/* A camera's PTP (IEEE 1588) state, as GenICam's PtpStatus names it. */
typedef enum cc_ptp_state {
    CC_PTP_OFF = 0,   /* not asked for (ptp = off) */
    CC_PTP_UNKNOWN,   /* asked for, not read yet or unreadable */
    CC_PTP_INITIALIZING,
    CC_PTP_FAULTY,
    CC_PTP_DISABLED,
    CC_PTP_LISTENING,
    CC_PTP_PRE_MASTER,
    CC_PTP_MASTER,
    CC_PTP_PASSIVE,
    CC_PTP_UNCALIBRATED,
    CC_PTP_SLAVE,
} cc_ptp_state;

/* "Slave", "Master", ...; NULL for CC_PTP_OFF. */
const char *cc_ptp_state_name(cc_ptp_state s);
/* The state a camera's PtpStatus entry names (case as GenICam writes it). */
cc_ptp_state cc_ptp_state_parse(const char *name);
/* Locked to a PTP time: the camera's timestamps are on the shared clock. */
static inline bool cc_ptp_locked(cc_ptp_state s)
{
    return s == CC_PTP_MASTER || s == CC_PTP_SLAVE;
}

/* Transport counters, summed over reconnections. Written by the grab
 * thread, read anywhere (relaxed): for stats. */
typedef struct cc_source_stats {
    atomic_uint_fast64_t completed; /* buffers received whole */
    atomic_uint_fast64_t failed;    /* buffers received incomplete */
    atomic_uint_fast64_t underruns; /* frames lost for want of a buffer */
    atomic_uint_fast64_t resent;    /* GigE Vision packets resent */
    atomic_uint_fast64_t missing;   /* GigE Vision packets never received */
    atomic_int stream_priority; /* cc_stream_priority, set by that thread */
    atomic_int ptp;             /* cc_ptp_state */
} cc_source_stats;

struct cc_source {
    const cc_source_ops *ops;
    /* What the source really delivers (read back from the device). Fixed
     * once created: a reconnected camera must deliver the same. */
    uint32_t width, height;
    cc_pixfmt fmt;
    double fps;
    bool painted; /* frames come with a painter, not pixels (frame.h) */
    bool host_clock; /* device_ns is on the host's CLOCK_REALTIME */
    /* Owned by the thread that drives the source. */
    bool connected;
    char detail[160]; /* what is connected, for log lines */
    cc_source_stats stats;
};

/* grab() results that mean the source is gone until reconnected: never
 * connected or released (-ENOTCONN), the device said so (-ECONNRESET), or
 * no frame for the source's timeout (-ETIMEDOUT). */
static inline bool cc_source_lost(int rc)
{
    return rc == -ENOTCONN || rc == -ECONNRESET || rc == -ETIMEDOUT;
}

/* Bytes of the largest frame the source delivers into a ring slot: 0 for
 * a painted source. */
size_t cc_source_frame_bytes(const cc_source *src);

static inline int cc_source_grab(cc_source *src, cc_frame *dst, int timeout_ms)
{
    return src->ops->grab(src, dst, timeout_ms);
}

static inline void cc_source_free(cc_source *src)
{
    if (src)
        src->ops->free(src);
}

/* The built-in test pattern (testpattern.c). Returns 0, -EINVAL, -ENOMEM. */
int cc_testpattern_new(cc_source **out, const cc_camera_config *cfg);

#endif
