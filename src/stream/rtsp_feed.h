/* What the stream tick gives RTSP (rtsp_server.h): the JPEGs of its
 * variant, at its rate, for the cameras someone plays.
 *
 * RTSP is one more reader of the mux's bundles, like a client group: at
 * each tick's start it says whether it takes this tick (fps spread evenly
 * over the ticks, as max_fps is) and for which cameras (those an RTSP
 * client plays now), so its variant is encoded only then, once for every
 * RTSP client; when the tick's bundles come it pushes that variant's
 * entries to the RTSP server. Loop thread only.
 */
#ifndef CC_RTSP_FEED_H
#define CC_RTSP_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "capture/camera.h"
#include "config/config.h"
#include "rtsp_server.h"

typedef struct cc_rtsp_feed {
    cc_rtsp *rtsp;
    unsigned variant;   /* the mux's index (cc_rtsp_config.mux_variant) */
    size_t n_cams;
    double fps, stream_fps;
    double credit;
    uint8_t plan, planned; /* decisions of the ticks in flight, as group.h */
    uint64_t pushed;       /* entries handed to the RTSP server */
} cc_rtsp_feed;

/* Starts the RTSP server for cfg's [rtsp] and these cameras. Returns 0,
 * or a negative errno with a message in err. */
int cc_rtsp_feed_start(cc_rtsp_feed *f, const cc_server_config *cfg,
                       const cc_camera *cams, size_t n, char *err, size_t errlen);
/* After a reload that kept the RTSP server (same address, same camera
 * names): the new variant, rate and token; its clients stay. Returns 0 or
 * -EINVAL (a token the RTSP server refuses). */
int cc_rtsp_feed_update(cc_rtsp_feed *f, const cc_server_config *cfg);
/* The mux's want callback, after the server's (mux.h). */
void cc_rtsp_feed_plan(cc_rtsp_feed *f, uint64_t *due, uint64_t *held, size_t n_variants);
/* The tick's bundles (mux.h): pushes RTSP's entries if it took the tick. */
void cc_rtsp_feed_tick(cc_rtsp_feed *f, cc_bundle *const *b, size_t n_variants);
/* Stops the RTSP server; clients are disconnected. */
void cc_rtsp_feed_stop(cc_rtsp_feed *f);

#endif
