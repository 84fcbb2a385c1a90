/* RTSP output (docs/rtsp.md): each camera at rtsp://HOST:PORT/NAME, Motion
 * JPEG over RTP (RFC 2435), TCP (interleaved) or UDP.
 *
 * A build without GStreamer's RTSP server (-Drtsp=disabled) links
 * rtsp_none.c instead: the same functions, cc_rtsp_new refusing.
 *
 * GStreamer's RTSP server runs a GMainLoop on a thread of its own, with a
 * GMainContext of its own (never the default one, which the daemon and its
 * libraries may use). Every client session has a media of its own (appsrc
 * ! rtpjpegpay, made at its DESCRIBE or SETUP), so no client can replace,
 * freeze or end another's stream, whatever URL it gave; all of a camera's
 * media are fed the same JPEG, encoded once per tick by the daemon and
 * copied once into a buffer their pipelines share. A media needs no frame
 * to be prepared, so a DESCRIBE never waits for one.
 *
 * Newest frame wins for every client: a client whose pipeline still holds
 * the last frame, or whose connection still has more than half a frame
 * unsent (TCP, interleaved), is skipped for this one (counted), and one
 * skipped for stall_timeout is disconnected. UDP clients are never held up
 * by anyone.
 *
 * Access (rtsp_access.h): connections in total and per address, a
 * deadline and a byte budget before the first authenticated request,
 * sessions per connection and in total, each bound to its connection.
 */
#ifndef CC_RTSP_SERVER_H
#define CC_RTSP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/rtsp.h"
#include "tick/feed.h"

typedef struct cc_rtsp cc_rtsp;

/* What a client may take. Zeros are not defaults: fill every field
 * (cc_rtsp_limits_default: the CC_RTSP_ macros of config/rtsp.h), except
 * max_clients_per_address and stall_timeout_s, where 0 means no limit. */
typedef struct cc_rtsp_limits {
    unsigned max_clients;             /* connections open at once */
    unsigned max_clients_per_address; /* from one address; 0: no cap */
    unsigned max_sessions;            /* sessions (SETUP) at once, in all */
    unsigned max_sessions_per_client; /* on one connection */
    double session_timeout_s;         /* a session without keep-alive ends */
    double auth_timeout_s;            /* first authenticated request within */
    /* Before the first authenticated request: a larger Content-Length gets
     * 413 at once, and a connection that sends more than 4 times this is
     * reset. After it: bodies of 16 times this (GET_PARAMETER, say), and
     * at most 64 times this plus this much a second in all. */
    unsigned max_request;
    double stall_timeout_s;           /* a client skipped this long: closed; 0: never */
    unsigned rtp_port_min, rtp_port_max; /* UDP ports of RTP/RTCP; 0, 0: any */
} cc_rtsp_limits;

typedef struct cc_rtsp_opts {
    const char *listen; /* address to bind: "0.0.0.0", "127.0.0.1", "::"; UDP too */
    unsigned port;      /* 0: any free port (cc_rtsp_port tells which) */
    /* NULL or "": open. Else every request but OPTIONS needs it: RTSP Basic
     * authentication with any user name and the token as password, or
     * ?token=TOKEN (percent-encoded) in the URL. A connection that gave it
     * once stays authenticated until the token changes (clients do not
     * repeat the query on the URLs they build from Content-Base). */
    const char *token;
    double fps;         /* nominal rate, for the caps' framerate; 0: 30 */
    cc_rtsp_limits limits;
    /* Whether camera cam can give frames now (its source is connected),
     * asked by the feed's sink on the loop thread at each tick; NULL: all
     * can. A DESCRIBE or SETUP of one that cannot gets 503 at once. */
    bool (*online)(void *arg, size_t cam);
    void *online_arg;
} cc_rtsp_opts;

/* The limits' defaults. */
void cc_rtsp_limits_default(cc_rtsp_limits *l);

/* Binds, mounts names[i] at /names[i] (n of them, at most 64) and starts
 * the server's thread. Returns 0, -EINVAL (bad options or names), -ENOENT
 * (a GStreamer element missing: gstreamer1.0-plugins-good, -base), -errno
 * of the bind (-EADDRINUSE, ...), or -EIO, with a message in err. */
int cc_rtsp_new(cc_rtsp **out, const cc_rtsp_opts *o, const char *const *names, size_t n,
                char *err, size_t errlen);

/* The bound port (useful with port 0). */
unsigned cc_rtsp_port(const cc_rtsp *r);

/* A JPEG of camera cam, from one thread at a time (the daemon's loop).
 * Never waits: copies the JPEG once into a buffer and hands it to every
 * client of the camera that is playing and not behind; with none, returns
 * at once without allocating. capture_ns is the frame's CLOCK_REALTIME:
 * timestamps follow capture times, so a client sees the camera's own
 * timing. The JPEG must be baseline YCbCr 4:2:0 or 4:2:2 (RFC 2435 has no
 * grayscale; a gray camera goes as YCbCr with neutral chroma). A width or
 * height above 2040 goes in the SDP only (x-dimensions), which not every
 * client reads. */
void cc_rtsp_push(cc_rtsp *r, size_t cam, const uint8_t *jpeg, size_t len, uint32_t width,
                  uint32_t height, uint64_t capture_ns);

/* Whether some client plays camera cam now: encode its JPEG only then.
 * Any thread. */
bool cc_rtsp_wants(const cc_rtsp *r, size_t cam);

/* Whether camera cam can give frames (its source is connected). A DESCRIBE
 * or SETUP of a camera that cannot gets 503 with Retry-After at once.
 * Cameras start online. Any thread. */
void cc_rtsp_set_online(cc_rtsp *r, size_t cam, bool online);

/* A new token (NULL or "": open from now on). Connections that
 * authenticated with another end within a second (their sessions with
 * them); when the token is the same, nothing happens. Returns 0 or -EINVAL
 * (not a valid token). */
int cc_rtsp_set_token(cc_rtsp *r, const char *token);

/* Refusals and disconnections by reason, as in /stats and /metrics
 * (camcast_limited_total{reason="rtsp_..."}). */
typedef enum cc_rtsp_limit {
    CC_RTSP_LIMIT_FULL,         /* max_clients: connection refused */
    CC_RTSP_LIMIT_PER_ADDRESS,  /* max_clients_per_address: refused */
    CC_RTSP_LIMIT_AUTH_TIMEOUT, /* no authenticated request in time: closed */
    CC_RTSP_LIMIT_REQUEST_SIZE, /* 413, or too many bytes before auth: closed */
    CC_RTSP_LIMIT_SESSIONS,     /* max_sessions(_per_client): SETUP got 503 */
    CC_RTSP_LIMIT_STALLED,      /* skipped for stall_timeout: closed */
    CC_RTSP_LIMIT_TOKEN,        /* 401 (Basic clients get one before sending it) */
    CC_RTSP_LIMIT_ROTATED,      /* authenticated with a token now replaced: closed */
    CC_RTSP_LIMIT_OFFLINE,      /* DESCRIBE/SETUP of an offline camera: 503 */
    CC_RTSP_N_LIMITS
} cc_rtsp_limit;

/* "full", "per_address", ...: the reason's name (prefixed rtsp_ in
 * /metrics). */
const char *cc_rtsp_limit_name(cc_rtsp_limit l);

typedef struct cc_rtsp_stats {
    uint64_t clients_now;     /* RTSP connections open */
    uint64_t sessions_now;    /* RTSP sessions (SETUP done, not torn down) */
    uint64_t media_now;       /* cameras some client plays (cc_rtsp_wants) */
    uint64_t clients_total;   /* connections accepted since the start */
    uint64_t refused_token;   /* = limited[CC_RTSP_LIMIT_TOKEN] */
    uint64_t frames_pushed;   /* JPEGs handed to a client's media */
    uint64_t frames_dropped;  /* JPEGs pushed while no client played the camera */
    uint64_t frames_skipped;  /* a client was behind: not given this JPEG */
    uint64_t frames_replaced; /* queued JPEGs a newer one pushed out */
    uint64_t limited[CC_RTSP_N_LIMITS];
} cc_rtsp_stats;

/* Counters so far. Any thread. */
void cc_rtsp_get_stats(const cc_rtsp *r, cc_rtsp_stats *out);

/* What the tick's feed (tick/feed.h) pushes to: cc_rtsp_wants and
 * cc_rtsp_push of r; its wants also tells r whether each camera is online
 * (cc_rtsp_opts.online). */
cc_feed_sink cc_rtsp_sink(cc_rtsp *r);

/* Closes every client, unprepares the media, stops the thread and frees
 * everything. Not concurrently with cc_rtsp_push. NULL is a no-op. */
void cc_rtsp_free(cc_rtsp *r);

#endif
