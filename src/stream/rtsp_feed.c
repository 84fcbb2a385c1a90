#include "rtsp_feed.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>

#include "camcast/framebundle.h"

/* What the feed takes from cfg; the plan starts again (ticks in flight
 * were dropped by the reload). */
static void configure(cc_rtsp_feed *f, const cc_server_config *cfg)
{
    const cc_rtsp_config *r = &cfg->rtsp;
    f->variant = r->mux_variant;
    f->fps = r->fps > 0 && r->fps < cfg->stream_fps ? r->fps : cfg->stream_fps;
    f->stream_fps = cfg->stream_fps;
    f->credit = 1;
    f->plan = f->planned = 0;
}

/* [rtsp]'s limits as the server takes them. */
static cc_rtsp_limits limits_of(const cc_rtsp_config *r)
{
    return (cc_rtsp_limits){.max_clients = r->max_clients,
                            .max_clients_per_address = r->max_clients_per_address,
                            .max_sessions = r->max_sessions,
                            .max_sessions_per_client = r->max_sessions_per_client,
                            .session_timeout_s = r->session_timeout_s,
                            .auth_timeout_s = r->auth_timeout_s,
                            .max_request = r->max_request,
                            .stall_timeout_s = r->stall_timeout_s,
                            .rtp_port_min = r->rtp_port_min,
                            .rtp_port_max = r->rtp_port_max};
}

bool cc_rtsp_feed_same_limits(const cc_rtsp_config *a, const cc_rtsp_config *b)
{
    cc_rtsp_limits x = limits_of(a), y = limits_of(b);
    return x.max_clients == y.max_clients &&
           x.max_clients_per_address == y.max_clients_per_address &&
           x.max_sessions == y.max_sessions &&
           x.max_sessions_per_client == y.max_sessions_per_client &&
           x.session_timeout_s == y.session_timeout_s && x.auth_timeout_s == y.auth_timeout_s &&
           x.max_request == y.max_request && x.stall_timeout_s == y.stall_timeout_s &&
           x.rtp_port_min == y.rtp_port_min && x.rtp_port_max == y.rtp_port_max;
}

int cc_rtsp_feed_update(cc_rtsp_feed *f, const cc_server_config *cfg, const cc_camera *cams)
{
    configure(f, cfg);
    f->cams = cams;
    return f->rtsp ? cc_rtsp_set_token(f->rtsp, cfg->token[0] ? cfg->token : NULL) : 0;
}

int cc_rtsp_feed_start(cc_rtsp_feed *f, const cc_server_config *cfg,
                       const cc_camera *cams, size_t n, char *err, size_t errlen)
{
    const cc_rtsp_config *r = &cfg->rtsp;
    *f = (cc_rtsp_feed){.n_cams = n, .cams = cams};
    configure(f, cfg);
    const char *names[CC_MAX_CAMERAS];
    if (n > CC_MAX_CAMERAS) {
        snprintf(err, errlen, "too many cameras");
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        names[i] = cams[i].cfg->name;
    cc_rtsp_opts o = {.listen = r->listen[0] ? r->listen : cfg->listen,
                      .port = r->port,
                      .token = cfg->token[0] ? cfg->token : NULL,
                      .fps = f->fps};
    o.limits = limits_of(r);
    return cc_rtsp_new(&f->rtsp, &o, names, n, err, errlen);
}

/* Every tick at stream_fps, else a credit of fps / stream_fps a tick. */
static bool due(cc_rtsp_feed *f)
{
    if (f->fps >= f->stream_fps)
        return true;
    bool takes = f->credit >= 1 - 1e-9;
    if (takes)
        f->credit -= 1;
    f->credit += f->fps / f->stream_fps;
    if (f->credit > 1)
        f->credit = 1;
    return takes;
}

void cc_rtsp_feed_plan(cc_rtsp_feed *f, uint64_t *due_cams, uint64_t *held, size_t n_variants)
{
    if (!f->rtsp || f->variant >= n_variants)
        return;
    uint64_t playing = 0;
    for (size_t i = 0; i < f->n_cams; i++) {
        cc_rtsp_set_online(f->rtsp, i, atomic_load(&f->cams[i].online));
        if (cc_rtsp_wants(f->rtsp, i))
            playing |= UINT64_C(1) << i;
    }
    bool takes = playing && due(f);
    if (f->planned < 8) {
        f->plan |= (uint8_t)(takes << f->planned);
        f->planned++;
    }
    held[f->variant] |= playing;
    if (takes)
        due_cams[f->variant] |= playing;
}

void cc_rtsp_feed_tick(cc_rtsp_feed *f, cc_bundle *const *b, size_t n_variants)
{
    if (!f->rtsp || f->planned == 0)
        return;
    bool takes = f->plan & 1;
    f->plan >>= 1;
    f->planned--;
    const cc_bundle *mine = f->variant < n_variants ? b[f->variant] : NULL;
    if (!takes || !mine)
        return;
    cc_fb_header h;
    cc_fb_entry e[CC_MAX_CAMERAS];
    if (cc_fb_parse(mine->data, mine->len, CC_MAX_CAMERAS, &h, e) != CC_FB_OK)
        return; /* cannot happen: the mux wrote it */
    for (unsigned i = 0; i < h.entry_count; i++) {
        cc_rtsp_push(f->rtsp, e[i].camera_index, e[i].payload, e[i].payload_size,
                     e[i].width, e[i].height, e[i].capture_time_ns);
        f->pushed++;
    }
}

void cc_rtsp_feed_stop(cc_rtsp_feed *f)
{
    if (f->rtsp)
        cc_rtsp_free(f->rtsp);
    f->rtsp = NULL;
}
