#include "overlay.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
    char scale[64] = "";
    bool scaled = in->scale_num != in->scale_denom;
    if (in->variant && scaled)
        snprintf(scale, sizeof scale, " (%s, decoded %d/%d)", in->variant,
                 in->scale_num, in->scale_denom);
    else if (in->variant)
        snprintf(scale, sizeof scale, " (%s)", in->variant);
    else if (scaled)
        snprintf(scale, sizeof scale, " (decoded %d/%d)", in->scale_num,
                 in->scale_denom);
    snprintf(out[0], CC_OVERLAY_LINE_CAP, "%d %s  %ux%u %s%s", in->number,
             in->name, (unsigned)in->width, (unsigned)in->height,
             in->pixel_format, scale);
    timing(out[1], CC_OVERLAY_LINE_CAP, in->stats, in->same_clock);
    char sync[64] = "";
    if (in->sync_name && !in->sync_aligned)
        snprintf(sync, sizeof sync, "  sync %.24s: NOT ALIGNED", in->sync_name);
    else if (in->sync_name && in->sync_spread_ms >= 0)
        snprintf(sync, sizeof sync, "  sync %.2f ms", in->sync_spread_ms);
    else if (in->sync_name)
        snprintf(sync, sizeof sync, "  sync %.24s: aligned", in->sync_name);
    snprintf(out[2], CC_OVERLAY_LINE_CAP,
             "dropped: server %" PRIu32 "/frame, viewer %" PRIu64 "%s",
             in->stats->server_dropped, in->viewer_dropped, sync);
}

/* ", variant preview" when the server was asked for one, "" for full. */
static bool on_variant(const cc_session_status *st)
{
    return st->variant[0] && strcmp(st->variant, "full") != 0;
}

static const char *variant_sep(const cc_session_status *st)
{
    return on_variant(st) ? ", variant " : "";
}

static const char *variant_name(const cc_session_status *st)
{
    return on_variant(st) ? st->variant : "";
}

static void state_text(char *buf, size_t cap, const cc_overlay_status_in *in)
{
    const cc_session_status *st = in->session;
    if (st->state == CC_CONN_STREAMING) {
        snprintf(buf, cap, "streaming, %zu cameras, %.0f fps%s%s", in->n_cameras,
                 in->stream_fps, variant_sep(st), variant_name(st));
    } else if (st->state == CC_CONN_WAITING) {
        uint64_t left = st->retry_at_ms > in->now_ms ? st->retry_at_ms - in->now_ms : 0;
        snprintf(buf, cap, "offline (%s), retry in %.1f s", st->reason,
                 (double)left / 1000.0);
    } else {
        snprintf(buf, cap, "%s", cc_conn_state_name(st->state));
    }
}

/* One of several servers, in short. */
static size_t conn_text(char *buf, size_t cap, const cc_overlay_conn *c, uint64_t now_ms)
{
    const cc_session_status *st = c->session;
    int n;
    if (st->state == CC_CONN_STREAMING) {
        n = snprintf(buf, cap, "%s streaming, %zu cameras%s%s", c->label, c->n_cameras,
                     variant_sep(st), variant_name(st));
    } else if (st->state == CC_CONN_WAITING) {
        uint64_t left = st->retry_at_ms > now_ms ? st->retry_at_ms - now_ms : 0;
        n = snprintf(buf, cap, "%s offline, retry in %.1f s", c->label,
                     (double)left / 1000.0);
    } else {
        n = snprintf(buf, cap, "%s %s", c->label, cc_conn_state_name(st->state));
    }
    return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

static void conns_text(char *buf, size_t cap, const cc_overlay_status_in *in)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < in->n_conns && len + 4 < cap; i++) {
        if (i) {
            memcpy(buf + len, " | ", 4);
            len += 3;
        }
        len += conn_text(buf + len, cap - len, &in->conns[i], in->now_ms);
    }
}

void cc_overlay_status(char *buf, size_t cap, const cc_overlay_status_in *in)
{
    char state[320], skipped[40] = "";
    if (in->n_conns > 1)
        conns_text(state, sizeof state, in);
    else
        state_text(state, sizeof state, in);
    if (in->skipped)
        snprintf(skipped, sizeof skipped, ", %" PRIu64 " bundles skipped",
                 in->skipped);
    if (in->n_conns > 1)
        snprintf(buf, cap, "%s%s%s", state, skipped, in->paused ? "  PAUSED" : "");
    else
        snprintf(buf, cap, "%s  %s%s%s", in->url, state, skipped,
                 in->paused ? "  PAUSED" : "");
}

/* "0.4%", "0.012%": small shares keep their digits. */
static void share(char *buf, size_t cap, double v)
{
    v *= 100;
    snprintf(buf, cap, v > 0 && v < 0.1 ? "%.3f%%" : "%.1f%%", v);
}

void cc_overlay_levels(const cc_session_camera *cam,
                       char out[CC_OVERLAY_LEVEL_LINES][CC_OVERLAY_LINE_CAP])
{
    char lo[16], hi[16];
    share(lo, sizeof lo, cam->levels.clipped_low);
    share(hi, sizeof hi, cam->levels.clipped_high);
    snprintf(out[0], CC_OVERLAY_LINE_CAP, "clipped %s black  %s white", lo, hi);
    out[1][0] = '\0';
    size_t len = 0;
    for (int w = 0; w < CC_CONTROL_N && len < CC_OVERLAY_LINE_CAP; w++) {
        const cc_control_number *f = &cam->number[w];
        if (!f->known)
            continue;
        char value[48];
        cc_control_format(value, sizeof value, f, f->value);
        int n = snprintf(out[1] + len, CC_OVERLAY_LINE_CAP - len, "%s%s %s%s",
                         len ? "  " : "", w == CC_CONTROL_EXPOSURE ? "exposure" : "gain",
                         value, f->writable ? "" : " (locked)");
        len += n > 0 ? (size_t)n : 0;
    }
}

const char *cc_overlay_keys(void)
{
    return "F full  1-9 0 view  S save  Spc pause  L levels  E/G +-  Q quit";
}
