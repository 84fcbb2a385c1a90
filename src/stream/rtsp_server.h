/* RTSP output (docs/rtsp.md): each camera at rtsp://HOST:PORT/NAME, Motion
 * JPEG over RTP (RFC 2435), TCP (interleaved) or UDP.
 *
 * A build without GStreamer's RTSP server (-Drtsp=disabled) links
 * rtsp_none.c instead: the same functions, cc_rtsp_new refusing.
 *
 * GStreamer's RTSP server runs a GMainLoop on a thread of its own, with a
 * GMainContext of its own (never the default one, which the daemon and its
 * libraries may use). Each camera has one shared media: a single pipeline
 * (appsrc ! rtpjpegpay) feeds every client of that camera, so a JPEG is
 * pushed once whatever the number of clients. The daemon hands over JPEGs
 * it has already encoded; nothing is re-encoded here.
 *
 * A camera's media exists from the first client's DESCRIBE or SETUP until
 * its last client leaves (TEARDOWN, or the connection closes; a UDP client
 * that vanishes is dropped when its session times out, 60 s). While it
 * exists, cc_rtsp_wants is true and pushes go to it; a live media needs
 * frames to finish preparing, so "wants" starts before PLAY. At most two
 * frames wait in the appsrc: when the pipeline is behind, the oldest is
 * dropped (newest wins), and the pushing thread never waits.
 */
#ifndef CC_RTSP_SERVER_H
#define CC_RTSP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tick/feed.h"

typedef struct cc_rtsp cc_rtsp;

typedef struct cc_rtsp_opts {
    const char *listen; /* address to bind: "0.0.0.0", "127.0.0.1", "::" */
    unsigned port;      /* 0: any free port (cc_rtsp_port tells which) */
    /* NULL or "": open. Else every DESCRIBE and SETUP needs it: RTSP Basic
     * authentication with any user name and the token as password, or
     * ?token=TOKEN (percent-encoded) in the URL. A connection that gave it
     * once stays authenticated until the token changes (clients do not
     * repeat the query on the URLs they build from Content-Base). */
    const char *token;
    double fps;         /* nominal rate, for the caps' framerate; 0: 30 */
} cc_rtsp_opts;

/* Binds, mounts names[i] at /names[i] (n of them, at most 64) and starts
 * the server's thread. Returns 0, -EINVAL (bad options or names), -ENOENT
 * (a GStreamer element missing: gstreamer1.0-plugins-good, -base), -errno
 * of the bind (-EADDRINUSE, ...), or -EIO, with a message in err. */
int cc_rtsp_new(cc_rtsp **out, const cc_rtsp_opts *o, const char *const *names, size_t n,
                char *err, size_t errlen);

/* The bound port (useful with port 0). */
unsigned cc_rtsp_port(const cc_rtsp *r);

/* A JPEG of camera cam, from one thread at a time (the daemon's loop).
 * Never waits: when camera cam has a media, copies the JPEG into a buffer
 * and queues it (dropping the oldest queued one if two wait already);
 * when it has none, returns at once without allocating. capture_ns is the
 * frame's CLOCK_REALTIME: timestamps follow capture times, so a client
 * sees the camera's own timing. The JPEG must be baseline YCbCr 4:2:0 or
 * 4:2:2 (RFC 2435 has no grayscale; a gray camera goes as YCbCr with
 * neutral chroma). A width or height above 2040 goes in the SDP only
 * (x-dimensions), which not every client reads. */
void cc_rtsp_push(cc_rtsp *r, size_t cam, const uint8_t *jpeg, size_t len, uint32_t width,
                  uint32_t height, uint64_t capture_ns);

/* Whether camera cam has a media now (a client is playing it or about to):
 * encode its JPEG only then. Any thread. */
bool cc_rtsp_wants(const cc_rtsp *r, size_t cam);

/* A new token (NULL or "": open from now on). Connections that gave the
 * old one must give the new one on their next DESCRIBE or SETUP; media
 * already playing keep playing. Returns 0 or -EINVAL (not a valid token). */
int cc_rtsp_set_token(cc_rtsp *r, const char *token);

typedef struct cc_rtsp_stats {
    uint64_t clients_now;     /* RTSP connections open */
    uint64_t sessions_now;    /* RTSP sessions (SETUP done, not torn down) */
    uint64_t media_now;       /* cameras with a media (cc_rtsp_wants) */
    uint64_t clients_total;   /* connections accepted since the start */
    uint64_t refused_token;   /* DESCRIBE/SETUP answered 401 (Basic clients
                                 get one before sending credentials) */
    uint64_t frames_pushed;   /* JPEGs queued to a media */
    uint64_t frames_dropped;  /* JPEGs pushed while the camera had no media
                                 playing (none, starting, or going) */
    uint64_t frames_replaced; /* queued JPEGs a newer one pushed out */
} cc_rtsp_stats;

/* Counters so far. Any thread. */
void cc_rtsp_get_stats(const cc_rtsp *r, cc_rtsp_stats *out);

/* What the tick's feed (tick/feed.h) pushes to: cc_rtsp_wants and
 * cc_rtsp_push of r. */
cc_feed_sink cc_rtsp_sink(cc_rtsp *r);

/* Closes every client, unprepares the media, stops the thread and frees
 * everything. Not concurrently with cc_rtsp_push. NULL is a no-op. */
void cc_rtsp_free(cc_rtsp *r);

#endif
