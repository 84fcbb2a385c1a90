/* A reader of the tick that hands one variant's JPEGs, camera by camera,
 * to a sink at its own rate: how the RTSP server (stream/rtsp_server.h) is
 * fed.
 *
 * At each tick's start the feed says whether it takes the tick (its rate
 * spread evenly over the ticks, as a client's max_fps is: pace.h) and for
 * which cameras (those its sink plays now), so its variant is encoded only
 * then, once for all the sink's clients; when the tick's bundles come it
 * pushes that variant's entries, from the bundle's index. Loop thread only.
 */
#ifndef CC_FEED_H
#define CC_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "camcast/framebundle.h"
#include "pace.h"
#include "reader.h"

/* Where a feed's JPEGs go. */
typedef struct cc_feed_sink {
    /* Whether camera cam's JPEGs are wanted now. */
    bool (*wants)(void *arg, size_t cam);
    /* One JPEG: e->payload, e->payload_size bytes, of camera
     * e->camera_index; valid during the call only. */
    void (*push)(void *arg, const cc_fb_entry *e);
    void *arg;
} cc_feed_sink;

typedef struct cc_feed {
    cc_tick_reader reader; /* cc_mux_add_reader(mux, &feed.reader) */
    cc_feed_sink sink;
    unsigned variant;      /* the tick's variant index (config.h) */
    double fps;            /* 0: every tick */
    size_t n_cams;
    cc_pace pace;
    uint64_t pushed;       /* entries handed to the sink */
} cc_feed;

void cc_feed_init(cc_feed *f, const cc_feed_sink *sink, size_t n_cams, unsigned variant,
                  double fps);
/* After a reload: another variant or rate; the plan starts again. */
void cc_feed_set(cc_feed *f, unsigned variant, double fps);

#endif
