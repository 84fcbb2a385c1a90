/* One connection's shared state. What the network thread knows, for the
 * other threads: the current hello (with a generation that changes with
 * every hello), the state of the connection, the server's clock offset and
 * the variant it sends, its cameras' exposure, gain and levels (protocol
 * 1.2). And what the render thread wants from it: the variant its tiles
 * call for, levels or not, sets. Guarded by one mutex; read a few times
 * per frame. */
#ifndef CC_VIEWER_SESSION_H
#define CC_VIEWER_SESSION_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "hello.h"
#include "reconnect.h"

/* Sets the render thread may have waiting for the network thread. */
#define CC_SESSION_SETS 8

typedef struct cc_session_status {
    cc_conn_state state;
    uint64_t gen;          /* 0 until the first hello */
    uint32_t retry_ms;     /* WAITING: the delay before the next attempt */
    uint64_t retry_at_ms;  /* WAITING: SDL_GetTicks64() of the next attempt */
    char reason[128];      /* why the last connection ended */
    /* The server's clock = ours + clock_offset_ns, to clock_rtt_ns / 2
     * (ping/pong, clock.h); have_clock false until measured. */
    bool have_clock;
    int64_t clock_offset_ns;
    uint64_t clock_rtt_ns;
    /* The variant last asked for on this connection and not refused
     * ("full" after each hello: the server's default). */
    char variant[CC_HELLO_VARIANT_NAME_CAP];
} cc_session_status;

/* Camera control of one tile's camera (protocol 1.2), as last heard. */
typedef struct cc_session_camera {
    bool loaded;            /* a features reply came for this hello */
    bool online, may_set;   /* may_set: this connection has the operator right */
    cc_control_number number[CC_CONTROL_N];
    cc_control_levels levels;
    uint64_t levels_taken;  /* levels messages for it so far */
} cc_session_camera;

/* A set the render thread asks for; the newest value of a feature wins. */
typedef struct cc_session_set {
    bool pending;
    unsigned camera;        /* the camera's index (the hello's) */
    char feature[CC_CONTROL_NAME_CAP];
    double value;
} cc_session_set;

typedef struct cc_session {
    SDL_mutex *lock;
    cc_hello hello;
    cc_session_status status;
    /* The render thread's wish, for the hello of generation want_gen. */
    char want_variant[CC_HELLO_VARIANT_NAME_CAP];
    uint64_t want_gen;
    /* The decode thread's newest bundle taken (decoded, or dropped: stale
     * or malformed), with the generation it came with: the network thread
     * acknowledges it (flow control, protocol 1.2). */
    uint64_t taken_gen, taken_seq;
    /* Camera control, by tile (the current hello's order). */
    cc_session_camera cams[CC_HELLO_MAX_CAMERAS];
    bool want_levels;       /* the render thread shows levels */
    cc_session_set sets[CC_SESSION_SETS];
    char refusal[160];      /* the server's last refusal of a set */
    uint64_t refusals;
} cc_session;

int cc_session_init(cc_session *s);
void cc_session_destroy(cc_session *s);

/* Takes over *h (left empty) as the current hello; returns its generation. */
uint64_t cc_session_set_hello(cc_session *s, cc_hello *h);
/* Copies the current hello into an empty dst; *gen gets its generation. */
int cc_session_hello(cc_session *s, cc_hello *dst, uint64_t *gen);

void cc_session_set_state(cc_session *s, cc_conn_state state);
/* The connection ended: why, and when the next attempt comes. */
void cc_session_set_waiting(cc_session *s, const char *reason,
                            uint32_t retry_ms, uint64_t retry_at_ms);
cc_session_status cc_session_get_status(cc_session *s);

/* Network thread: the clock offset (clock.h), and the variant the server
 * sends. */
void cc_session_set_clock(cc_session *s, bool have, int64_t offset_ns,
                          uint64_t rtt_ns);
void cc_session_set_variant(cc_session *s, const char *name);

/* Render thread: the variant its tiles want, picked from the hello of
 * generation gen. Network thread: that wish (name "" when there is none)
 * and its generation. */
void cc_session_want_variant(cc_session *s, uint64_t gen, const char *name);
uint64_t cc_session_wanted_variant(cc_session *s, char name[CC_HELLO_VARIANT_NAME_CAP]);

/* Decode thread: a bundle was taken. Network thread: the newest taken. */
void cc_session_set_taken(cc_session *s, uint64_t gen, uint64_t seq);
void cc_session_taken(cc_session *s, uint64_t *gen, uint64_t *seq);
/* ---- camera control (control.h) ---- */

/* Network thread: a features, feature or levels message, by the tile of
 * its camera in the current hello (none: ignored). Returns the tile or -1. */
int cc_session_control_take(cc_session *s, const cc_control_msg *m);
/* Network thread: the server refused a set (message for the log and the
 * status bar). Render thread: the last refusal, and how many so far. */
void cc_session_set_refusal(cc_session *s, const char *message);
uint64_t cc_session_refusal(cc_session *s, char *buf, size_t cap);

/* Render thread: tile's camera control, copied. */
void cc_session_camera_get(cc_session *s, size_t tile, cc_session_camera *out);
/* Render thread: set tile's exposure or gain to value (the network thread
 * sends it; the value is shown at once). Returns 0, or -ENOENT when the
 * camera has no such feature, -ENOSPC when too many sets wait. */
int cc_session_post_set(cc_session *s, size_t tile, cc_control_which which, double value);
/* Network thread: the sets waiting, taken (at most max). */
size_t cc_session_take_sets(cc_session *s, cc_session_set *out, size_t max);
/* Render thread: levels shown or not; network thread: what it wants. */
void cc_session_want_levels(cc_session *s, bool on);
bool cc_session_wanted_levels(cc_session *s);

#endif
