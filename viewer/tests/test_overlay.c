/* Overlay text and tile states: offline, stale, waiting; latency when the
 * clocks are shared, jitter when not; FPS over one-second windows. */
#include <string.h>

#include "../../tests/check.h"
#include "overlay.h"
#include "stats.h"

#define MS 1000000ull /* ns */

static void tile_states(void)
{
    cc_tile_stats s;
    cc_tile_stats_reset(&s, 1000);
    /* Connection down wins over everything; then the server's flag. */
    CHECK_EQ_INT(cc_tile_status_of(false, true, &s, 1000, 1100), CC_TILE_DISCONNECTED);
    CHECK_EQ_INT(cc_tile_status_of(true, false, &s, 1000, 1100), CC_TILE_CAMERA_OFFLINE);
    /* No frame yet: waiting, then "no frames" after 2 s. */
    CHECK_EQ_INT(cc_tile_status_of(true, true, &s, 1000, 2999), CC_TILE_WAITING);
    CHECK_EQ_INT(cc_tile_status_of(true, true, &s, 1000, 3001), CC_TILE_NO_FRAMES);
    cc_tile_stats_frame(&s, 3500, 0, 0, 0, 0, 0);
    CHECK_EQ_INT(cc_tile_status_of(true, true, &s, 1000, 3600), CC_TILE_LIVE);
    CHECK_EQ_INT(cc_tile_status_of(true, true, &s, 1000, 5500), CC_TILE_LIVE);
    CHECK_EQ_INT(cc_tile_status_of(true, true, &s, 1000, 5501), CC_TILE_STALE);
    CHECK_EQ_INT(cc_tile_status_of(false, true, &s, 1000, 3600), CC_TILE_DISCONNECTED);
}

static void banners(void)
{
    cc_tile_stats s;
    cc_tile_stats_reset(&s, 0);
    char b[64];
    cc_overlay_banner(b, sizeof b, CC_TILE_DISCONNECTED, &s, 0);
    CHECK_STR_CONTAINS(b, "offline");
    cc_overlay_banner(b, sizeof b, CC_TILE_CAMERA_OFFLINE, &s, 0);
    CHECK_STR_CONTAINS(b, "offline");
    cc_overlay_banner(b, sizeof b, CC_TILE_NO_FRAMES, &s, 0);
    CHECK_STR_CONTAINS(b, "no frames");
    cc_overlay_banner(b, sizeof b, CC_TILE_WAITING, &s, 0);
    CHECK_STR_CONTAINS(b, "waiting");
    cc_tile_stats_frame(&s, 1000, 0, 0, 0, 0, 0);
    cc_overlay_banner(b, sizeof b, CC_TILE_STALE, &s, 8500);
    CHECK_STR_CONTAINS(b, "no frames for 7 s");
    cc_overlay_banner(b, sizeof b, CC_TILE_LIVE, &s, 1100);
    CHECK_EQ_INT(b[0], '\0');
}

static void fps_windows(void)
{
    cc_tile_stats s;
    cc_tile_stats_reset(&s, 0);
    for (int i = 0; i < 30; i++) {
        cc_tile_stats_frame(&s, (uint64_t)i * 33, 0, 0, 0, 0, 0);
        cc_tile_stats_tick(&s, (uint64_t)i * 33);
    }
    CHECK(s.fps == 0); /* the first window is not over */
    cc_tile_stats_tick(&s, 1000);
    CHECK(s.fps > 29.9 && s.fps < 30.1);
    cc_tile_stats_tick(&s, 2000); /* a second without frames */
    CHECK(s.fps == 0);
    CHECK_EQ_INT(s.frames, 30);
}

static void latency_and_jitter(void)
{
    cc_tile_stats s;
    cc_tile_stats_reset(&s, 0);
    /* Captured at t, shown 20 ms later; bundles muxed 33 ms apart on the
     * server's clock, arriving 33 +- 3 ms apart on ours (offset 1 h). */
    uint64_t offset = 3600000 * MS;
    cc_tile_stats_frame(&s, 0, 1020 * MS, 1000 * MS, 1005 * MS, 1005 * MS + offset, 12);
    CHECK(s.have_latency && s.latency_ms > 19.9 && s.latency_ms < 20.1);
    CHECK(!s.have_jitter);
    cc_tile_stats_frame(&s, 33, 1053 * MS, 1033 * MS, 1038 * MS, 1041 * MS + offset, 12);
    CHECK(s.have_jitter && s.jitter_ms > 2.9 && s.jitter_ms < 3.1);
    cc_tile_stats_frame(&s, 66, 1086 * MS, 1066 * MS, 1071 * MS, 1071 * MS + offset, 13);
    /* |30 - 33| = 3 again: the smoothed value stays 3. */
    CHECK(s.jitter_ms > 2.9 && s.jitter_ms < 3.1);
    CHECK_EQ_INT(s.server_dropped, 13);
    CHECK_EQ_INT(s.server_dropped_total, 37);
}

static void tile_lines(void)
{
    cc_tile_stats s;
    cc_tile_stats_reset(&s, 0);
    cc_tile_stats_frame(&s, 0, 1020 * MS, 1000 * MS, 0, 0, 12);
    s.fps = 29.97;
    char lines[CC_OVERLAY_LINES][CC_OVERLAY_LINE_CAP];
    cc_overlay_tile_in in = {
        .number = 2, .name = "center", .width = 1920, .height = 1200,
        .pixel_format = "Mono8", .scale_num = 3, .scale_denom = 8,
        .stats = &s, .same_clock = true, .viewer_dropped = 4,
    };
    cc_overlay_tile(&in, lines);
    CHECK_STR_CONTAINS(lines[0], "2 center");
    CHECK_STR_CONTAINS(lines[0], "1920x1200 Mono8");
    CHECK_STR_CONTAINS(lines[0], "decoded 3/8");
    CHECK_STR_CONTAINS(lines[1], "30.0 fps");
    CHECK_STR_CONTAINS(lines[1], "latency 20.0 ms");
    CHECK_STR_CONTAINS(lines[2], "server 12/frame");
    CHECK_STR_CONTAINS(lines[2], "viewer 4");
    CHECK(strstr(lines[2], "sync") == NULL); /* in no sync group */
    /* In a sync group: how far apart its moment was, or that it was not
     * one; aligned on clocks that are not one: aligned, no spread. */
    in.sync_name = "line";
    in.sync_aligned = true;
    in.sync_spread_ms = 0.08;
    cc_overlay_tile(&in, lines);
    CHECK_STR_CONTAINS(lines[2], "viewer 4  sync 0.08 ms");
    in.sync_spread_ms = -1;
    cc_overlay_tile(&in, lines);
    CHECK_STR_CONTAINS(lines[2], "sync line: aligned");
    in.sync_aligned = false;
    cc_overlay_tile(&in, lines);
    CHECK_STR_CONTAINS(lines[2], "sync line: NOT ALIGNED");
    in.sync_name = NULL;
    in.same_clock = false;
    in.scale_num = in.scale_denom = 1;
    cc_overlay_tile(&in, lines);
    CHECK(strstr(lines[0], "decoded") == NULL);
    CHECK_STR_CONTAINS(lines[1], "jitter -"); /* one frame: no spacing yet */
    CHECK(strstr(lines[1], "latency") == NULL);
    /* A variant's frame, and a tile named after its server. */
    in.name = "cams:8765/center";
    in.width = 640;
    in.height = 400;
    in.variant = "preview";
    cc_overlay_tile(&in, lines);
    CHECK_STR_CONTAINS(lines[0], "2 cams:8765/center  640x400 Mono8 (preview)");
    in.scale_num = 1;
    in.scale_denom = 2;
    cc_overlay_tile(&in, lines);
    CHECK_STR_CONTAINS(lines[0], "(preview, decoded 1/2)");
}

static void status_line(void)
{
    cc_session_status st = {.state = CC_CONN_STREAMING, .gen = 1};
    cc_overlay_status_in in = {.url = "ws://cam-host:8765/stream", .session = &st,
                               .n_cameras = 3, .stream_fps = 30, .now_ms = 10000};
    char buf[256];
    cc_overlay_status(buf, sizeof buf, &in);
    CHECK_STR_CONTAINS(buf, "ws://cam-host:8765/stream");
    CHECK_STR_CONTAINS(buf, "streaming, 3 cameras, 30 fps");
    CHECK(strstr(buf, "variant") == NULL);
    CHECK(strstr(buf, "PAUSED") == NULL);
    snprintf(st.variant, sizeof st.variant, "full");
    cc_overlay_status(buf, sizeof buf, &in);
    CHECK(strstr(buf, "variant") == NULL);
    snprintf(st.variant, sizeof st.variant, "preview");
    cc_overlay_status(buf, sizeof buf, &in);
    CHECK_STR_CONTAINS(buf, "streaming, 3 cameras, 30 fps, variant preview");
    in.paused = true;
    in.skipped = 5;
    cc_overlay_status(buf, sizeof buf, &in);
    CHECK_STR_CONTAINS(buf, "5 bundles skipped");
    CHECK_STR_CONTAINS(buf, "PAUSED");

    st = (cc_session_status){.state = CC_CONN_WAITING, .retry_ms = 2000,
                             .retry_at_ms = 11500};
    snprintf(st.reason, sizeof st.reason, "connection refused");
    in.paused = false;
    cc_overlay_status(buf, sizeof buf, &in);
    CHECK_STR_CONTAINS(buf, "offline (connection refused), retry in 1.5 s");
    in.now_ms = 12000; /* overdue: never a negative countdown */
    cc_overlay_status(buf, sizeof buf, &in);
    CHECK_STR_CONTAINS(buf, "retry in 0.0 s");
    st.state = CC_CONN_CONNECTING;
    cc_overlay_status(buf, sizeof buf, &in);
    CHECK_STR_CONTAINS(buf, "connecting");
    CHECK_STR_CONTAINS(cc_overlay_keys(), "Q quit");
}

/* Several servers: each one's state in short, by its label. */
static void status_line_several(void)
{
    cc_session_status up = {.state = CC_CONN_STREAMING, .gen = 1};
    cc_session_status down = {.state = CC_CONN_WAITING, .gen = 1, .retry_at_ms = 11500};
    snprintf(down.reason, sizeof down.reason, "connection refused");
    cc_overlay_conn conns[2] = {
        {.url = "ws://a:8765/stream", .label = "a:8765", .session = &up, .n_cameras = 3},
        {.url = "ws://b:8766/stream", .label = "b:8766", .session = &down, .n_cameras = 2},
    };
    cc_overlay_status_in in = {.url = "ws://a:8765/stream", .session = &up,
                               .now_ms = 10000, .conns = conns, .n_conns = 2,
                               .skipped = 4};
    char buf[256];
    cc_overlay_status(buf, sizeof buf, &in);
    CHECK_STR_CONTAINS(buf, "a:8765 streaming, 3 cameras | b:8766 offline, retry in 1.5 s");
    snprintf(up.variant, sizeof up.variant, "preview");
    cc_overlay_status(buf, sizeof buf, &in);
    CHECK_STR_CONTAINS(buf, "a:8765 streaming, 3 cameras, variant preview | b:8766");
    CHECK_STR_CONTAINS(buf, "4 bundles skipped");
    CHECK(strstr(buf, "ws://") == NULL);
    /* A short buffer: cut, never overrun. */
    char small[24];
    cc_overlay_status(small, sizeof small, &in);
    CHECK_EQ_INT(strlen(small), sizeof small - 1);
}

int main(void)
{
    RUN(tile_states);
    RUN(banners);
    RUN(fps_windows);
    RUN(latency_and_jitter);
    RUN(tile_lines);
    RUN(status_line);
    RUN(status_line_several);
    return CHECK_DONE();
}
