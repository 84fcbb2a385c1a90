/* The text drawn over the tiles and on the status line. Formatting only
 * (no drawing), so every state's wording is tested. */
#ifndef CC_VIEWER_OVERLAY_H
#define CC_VIEWER_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "stats.h"

/* A camera with no new frame for this long is shown as stale. */
#define CC_TILE_STALE_MS 2000

typedef enum cc_tile_status {
    CC_TILE_LIVE,           /* frames arriving */
    CC_TILE_WAITING,        /* streaming, no frame yet (for < 2 s) */
    CC_TILE_NO_FRAMES,      /* streaming, no frame at all for > 2 s */
    CC_TILE_STALE,          /* streaming, last frame older than 2 s */
    CC_TILE_CAMERA_OFFLINE, /* the hello marks the camera offline */
    CC_TILE_DISCONNECTED,   /* no connection to the server */
} cc_tile_status;

/* since_ms: when this tile started waiting (its hello arrived). */
cc_tile_status cc_tile_status_of(bool streaming, bool camera_online,
                                 const cc_tile_stats *s, uint64_t since_ms,
                                 uint64_t now_ms);

/* What to say in big letters across a tile that is not live ("" if live). */
void cc_overlay_banner(char *buf, size_t cap, cc_tile_status st,
                       const cc_tile_stats *s, uint64_t now_ms);

typedef struct cc_overlay_tile_in {
    int number;                /* 1-based, the key that shows it alone */
    const char *name;
    uint32_t width, height;    /* the camera's image size */
    const char *pixel_format;
    int scale_num, scale_denom;/* decoded at this fraction */
    const char *variant;       /* the variant of the frame shown, or NULL
                                  for full frames */
    const cc_tile_stats *stats;
    bool same_clock;           /* latency if true, else jitter */
    uint64_t viewer_dropped;   /* decoded frames replaced before display */
    /* The sync group of the frame shown (NULL: none), whether its bundle
     * was aligned, the group's spread then (ms; < 0: not on one clock). */
    const char *sync_name;
    bool sync_aligned;
    double sync_spread_ms;
} cc_overlay_tile_in;

#define CC_OVERLAY_LINES 3
#define CC_OVERLAY_LINE_CAP 96

/* The tile's three lines: name and size, rate and timing, drops and, in a
 * sync group, "sync 0.08 ms" (or "sync NAME: NOT ALIGNED"). */
void cc_overlay_tile(const cc_overlay_tile_in *in,
                     char out[CC_OVERLAY_LINES][CC_OVERLAY_LINE_CAP]);

/* One server's connection. */
typedef struct cc_overlay_conn {
    const char *url;
    const char *label;     /* "HOST:PORT": what several are called */
    const cc_session_status *session;
    size_t n_cameras;
    double stream_fps;
} cc_overlay_conn;

typedef struct cc_overlay_status_in {
    const char *url;
    const cc_session_status *session;
    size_t n_cameras;
    double stream_fps;
    uint64_t skipped;      /* bundles the viewer never decoded */
    bool paused;
    uint64_t now_ms;
    /* With two servers or more: each one's, instead of the four above
     * (then each says "LABEL streaming, N cameras" or "LABEL offline,
     * retry in S s"; the reasons are in the log). */
    const cc_overlay_conn *conns;
    size_t n_conns;
} cc_overlay_status_in;

/* The status line: server URL and the state of the connection (with the
 * variant asked for, if not full); or each server's state in short. */
void cc_overlay_status(char *buf, size_t cap, const cc_overlay_status_in *in);

/* The levels box of a tile (L): the clipped shares, and the exposure and
 * gain as last heard ("" when not known). */
#define CC_OVERLAY_LEVEL_LINES 2
void cc_overlay_levels(const cc_session_camera *cam,
                       char out[CC_OVERLAY_LEVEL_LINES][CC_OVERLAY_LINE_CAP]);

/* The keys, for the right end of the status line. */
const char *cc_overlay_keys(void);

#endif
