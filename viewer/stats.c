#include "stats.h"

#include <string.h>

/* Weight of a new sample in the smoothed values: about the last 10. */
#define SMOOTH 0.1

static void smooth(bool *have, double *value, double sample)
{
    *value = *have ? *value + SMOOTH * (sample - *value) : sample;
    *have = true;
}

static double ns_to_ms(int64_t ns)
{
    return (double)ns / 1e6;
}

void cc_tile_stats_reset(cc_tile_stats *s, uint64_t now_ms)
{
    memset(s, 0, sizeof *s);
    s->window_start_ms = now_ms;
}

void cc_tile_stats_frame(cc_tile_stats *s, uint64_t now_ms, uint64_t now_ns,
                         uint64_t capture_ns, uint64_t mux_ns, uint64_t recv_ns,
                         uint32_t dropped)
{
    s->frames++;
    s->window_frames++;
    s->last_frame_ms = now_ms;
    s->server_dropped = dropped;
    s->server_dropped_total += dropped;
    smooth(&s->have_latency, &s->latency_ms,
           ns_to_ms((int64_t)(now_ns - capture_ns)));
    if (s->have_prev) {
        int64_t d_mux = (int64_t)(mux_ns - s->prev_mux_ns);
        int64_t d_recv = (int64_t)(recv_ns - s->prev_recv_ns);
        int64_t diff = d_recv - d_mux;
        smooth(&s->have_jitter, &s->jitter_ms, ns_to_ms(diff < 0 ? -diff : diff));
    }
    s->have_prev = true;
    s->prev_mux_ns = mux_ns;
    s->prev_recv_ns = recv_ns;
}

void cc_tile_stats_tick(cc_tile_stats *s, uint64_t now_ms)
{
    uint64_t elapsed = now_ms - s->window_start_ms;
    if (elapsed < CC_STATS_FPS_WINDOW_MS)
        return;
    s->fps = (double)s->window_frames * 1000.0 / (double)elapsed;
    s->window_frames = 0;
    s->window_start_ms = now_ms;
}
