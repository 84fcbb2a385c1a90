#include "overlay.h"

#include <inttypes.h>
#include <stdio.h>

cc_tile_status cc_tile_status_of(bool streaming, bool camera_online,
                                 const cc_tile_stats *s, uint64_t since_ms,
                                 uint64_t now_ms)
{
    if (!streaming)
        return CC_TILE_DISCONNECTED;
    if (!camera_online)
        return CC_TILE_CAMERA_OFFLINE;
    if (s->frames == 0)
        return now_ms - since_ms > CC_TILE_STALE_MS ? CC_TILE_NO_FRAMES
                                                    : CC_TILE_WAITING;
    if (now_ms - s->last_frame_ms > CC_TILE_STALE_MS)
        return CC_TILE_STALE;
    return CC_TILE_LIVE;
}

void cc_overlay_banner(char *buf, size_t cap, cc_tile_status st,
                       const cc_tile_stats *s, uint64_t now_ms)
{
    switch (st) {
    case CC_TILE_LIVE: snprintf(buf, cap, "%s", ""); break;
    case CC_TILE_WAITING: snprintf(buf, cap, "waiting for frames"); break;
    case CC_TILE_NO_FRAMES: snprintf(buf, cap, "no frames"); break;
    case CC_TILE_STALE:
        snprintf(buf, cap, "no frames for %" PRIu64 " s",
                 (now_ms - s->last_frame_ms) / 1000);
        break;
    case CC_TILE_CAMERA_OFFLINE: snprintf(buf, cap, "offline (camera)"); break;
    case CC_TILE_DISCONNECTED: snprintf(buf, cap, "offline"); break;
    }
}

static void timing(char *buf, size_t cap, const cc_tile_stats *s, bool same_clock)
{
    if (same_clock && s->have_latency)
        snprintf(buf, cap, "%.1f fps  latency %.1f ms", s->fps, s->latency_ms);
    else if (same_clock)
        snprintf(buf, cap, "%.1f fps  latency -", s->fps);
    else if (s->have_jitter)
        snprintf(buf, cap, "%.1f fps  jitter %.1f ms", s->fps, s->jitter_ms);
    else
        snprintf(buf, cap, "%.1f fps  jitter -", s->fps);
}

void cc_overlay_tile(const cc_overlay_tile_in *in,
                     char out[CC_OVERLAY_LINES][CC_OVERLAY_LINE_CAP])
{
    char scale[24] = "";
    if (in->scale_num != in->scale_denom)
        snprintf(scale, sizeof scale, " (decoded %d/%d)", in->scale_num,
                 in->scale_denom);
    snprintf(out[0], CC_OVERLAY_LINE_CAP, "%d %s  %ux%u %s%s", in->number,
             in->name, (unsigned)in->width, (unsigned)in->height,
             in->pixel_format, scale);
    timing(out[1], CC_OVERLAY_LINE_CAP, in->stats, in->same_clock);
    snprintf(out[2], CC_OVERLAY_LINE_CAP,
             "dropped: server %" PRIu32 "/frame, viewer %" PRIu64,
             in->stats->server_dropped, in->viewer_dropped);
}

static void state_text(char *buf, size_t cap, const cc_overlay_status_in *in)
{
    const cc_session_status *st = in->session;
    if (st->state == CC_CONN_STREAMING) {
        snprintf(buf, cap, "streaming, %zu cameras, %.0f fps", in->n_cameras,
                 in->stream_fps);
    } else if (st->state == CC_CONN_WAITING) {
        uint64_t left = st->retry_at_ms > in->now_ms ? st->retry_at_ms - in->now_ms : 0;
        snprintf(buf, cap, "offline (%s), retry in %.1f s", st->reason,
                 (double)left / 1000.0);
    } else {
        snprintf(buf, cap, "%s", cc_conn_state_name(st->state));
    }
}

void cc_overlay_status(char *buf, size_t cap, const cc_overlay_status_in *in)
{
    char state[192], skipped[40] = "";
    state_text(state, sizeof state, in);
    if (in->skipped)
        snprintf(skipped, sizeof skipped, ", %" PRIu64 " bundles skipped",
                 in->skipped);
    snprintf(buf, cap, "%s  %s%s%s", in->url, state, skipped,
             in->paused ? "  PAUSED" : "");
}

const char *cc_overlay_keys(void)
{
    return "F full  1-9 0 view  S save  Spc pause  Q quit";
}
