#include "daemon.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "capture/camera.h"
#include "encode/encoder.h"
#include "log.h"
#include "notify.h"
#include "stats.h"
#include "stream/control.h"
#include "stream/rtsp_server.h"
#include "stream/server.h"
#include "tick/feed.h"
#include "tick/mux.h"
#include "version.h"

typedef struct app {
    cc_config *cfg;
    const char *listen; /* --listen, kept over reloads */
    uv_loop_t loop;
    uv_signal_t sigint, sigterm, sighup;
    cc_camera *cams;
    size_t n_cams; /* initialised cameras */
    cc_encoder *enc;
    cc_encoder_tuning tuning; /* CAMCAST_ENCODER_*: bench knobs */
    cc_mux mux;
    bool mux_ready;
    cc_server *srv;
    cc_notify notify;
    bool notify_ready;
    cc_stats stats;
    bool stats_ready;
    char status[128];
    char url[160]; /* the stream's, as listening: "ws://HOST:PORT/stream" */
    int exit_status; /* when start fails: 2 if a camera refused the config */
    cc_rtsp *rtsp;   /* [rtsp]; NULL when off */
    cc_feed rtsp_feed; /* the tick's reader that feeds it */
} app;

/* RTSP's rate: [rtsp] fps (at most stream_fps: the config checks), else
 * stream_fps. */
static double rtsp_fps(const cc_server_config *scfg)
{
    return scfg->rtsp.fps > 0 ? scfg->rtsp.fps : scfg->stream_fps;
}

/* [rtsp]'s limits as the RTSP server takes them. */
static cc_rtsp_limits rtsp_limits(const cc_rtsp_config *r)
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

static bool same_limits(const cc_rtsp_limits *x, const cc_rtsp_limits *y)
{
    return x->max_clients == y->max_clients &&
           x->max_clients_per_address == y->max_clients_per_address &&
           x->max_sessions == y->max_sessions &&
           x->max_sessions_per_client == y->max_sessions_per_client &&
           x->session_timeout_s == y->session_timeout_s && x->auth_timeout_s == y->auth_timeout_s &&
           x->max_request == y->max_request && x->stall_timeout_s == y->stall_timeout_s &&
           x->rtp_port_min == y->rtp_port_min && x->rtp_port_max == y->rtp_port_max;
}

/* Whether camera cam can give frames now: a DESCRIBE of one that cannot
 * gets 503. Asked on the loop thread (the tick's feed). */
static bool camera_online(void *arg, size_t cam)
{
    const app *d = arg;
    return cam < d->n_cams && atomic_load_explicit(&d->cams[cam].online, memory_order_relaxed);
}

/* [rtsp]: the RTSP server on its own thread, fed by the tick. */
static int start_rtsp(app *d)
{
    const cc_server_config *scfg = &d->cfg->server;
    const cc_rtsp_config *r = &scfg->rtsp;
    if (!r->enabled)
        return 0;
    const char *names[CC_MAX_CAMERAS];
    for (size_t i = 0; i < d->n_cams; i++)
        names[i] = d->cams[i].cfg->name;
    cc_rtsp_opts o = {.listen = r->listen[0] ? r->listen : scfg->listen,
                      .port = r->port,
                      .token = scfg->token[0] ? scfg->token : NULL,
                      .fps = rtsp_fps(scfg),
                      .limits = rtsp_limits(r),
                      .online = camera_online,
                      .online_arg = d};
    char err[256];
    int rc = cc_rtsp_new(&d->rtsp, &o, names, d->n_cams, err, sizeof err);
    if (rc < 0) {
        cc_error("%s:%d: [rtsp] cannot start: %s", d->cfg->path, r->line, err);
        return -1;
    }
    cc_feed_sink sink = cc_rtsp_sink(d->rtsp);
    cc_feed_init(&d->rtsp_feed, &sink, d->n_cams, r->mux_variant, rtsp_fps(scfg));
    cc_mux_add_reader(&d->mux, &d->rtsp_feed.reader);
    cc_info("RTSP on rtsp://%s:%u/NAME (%s, %g fps)", o.listen, cc_rtsp_port(d->rtsp),
            cc_variant_name(scfg, r->mux_variant), o.fps);
    return 0;
}

static bool rtsp_figures(cc_stats_rtsp *out, void *arg)
{
    const app *d = arg;
    if (!d->rtsp)
        return false;
    cc_rtsp_stats k;
    cc_rtsp_get_stats(d->rtsp, &k);
    *out = (cc_stats_rtsp){.clients = k.clients_now, .sessions = k.sessions_now,
                           .media = k.media_now, .clients_total = k.clients_total,
                           .refused_token = k.refused_token,
                           .frames_pushed = k.frames_pushed,
                           .frames_dropped = k.frames_dropped,
                           .frames_replaced = k.frames_replaced,
                           .frames_skipped = k.frames_skipped};
    for (size_t i = 0; i < CC_RTSP_N_LIMITS && i < CC_STATS_RTSP_LIMITS; i++) {
        out->limited_name[i] = cc_rtsp_limit_name((cc_rtsp_limit)i);
        out->limited[i] = k.limited[i];
        out->n_limited = i + 1;
    }
    return true;
}

/* A reload keeps the RTSP server (and its clients) when it would mount the
 * same names on the same address with the same limits (it takes them when
 * it starts). */
static bool rtsp_kept(const app *d, const cc_config *next)
{
    cc_rtsp_limits la = rtsp_limits(&d->cfg->server.rtsp), lb = rtsp_limits(&next->server.rtsp);
    const cc_server_config *a = &d->cfg->server, *b = &next->server;
    if (!d->rtsp || !b->rtsp.enabled || a->rtsp.port != b->rtsp.port ||
        strcmp(a->rtsp.listen[0] ? a->rtsp.listen : a->listen,
               b->rtsp.listen[0] ? b->rtsp.listen : b->listen) != 0 ||
        d->cfg->n_cameras != next->n_cameras || !same_limits(&la, &lb))
        return false;
    for (size_t i = 0; i < next->n_cameras; i++)
        if (strcmp(d->cfg->cameras[i].name, next->cameras[i].name) != 0)
            return false;
    return true;
}

static void stop_rtsp(app *d)
{
    if (!d->rtsp)
        return;
    cc_mux_remove_reader(&d->mux, &d->rtsp_feed.reader);
    cc_rtsp_free(d->rtsp);
    d->rtsp = NULL;
}

/* After a reload: the kept RTSP server gets the new settings, or a new
 * one starts. */
static void restart_rtsp(app *d, bool kept)
{
    const cc_server_config *scfg = &d->cfg->server;
    if (kept) {
        cc_feed_set(&d->rtsp_feed, scfg->rtsp.mux_variant, rtsp_fps(scfg));
        if (cc_rtsp_set_token(d->rtsp, scfg->token[0] ? scfg->token : NULL) < 0)
            cc_error("SIGHUP: RTSP refused the new token; it keeps the old one");
        return;
    }
    if (start_rtsp(d) < 0)
        cc_error("SIGHUP: RTSP stays off until the next reload");
}

/* Stops ticking, encoding and grabbing. Cameras with keep[i] >= 0 are
 * only paused, their devices kept open (keep may be NULL). */
static void stop_pipeline_keeping(app *d, const int *keep)
{
    if (d->mux_ready)
        cc_mux_stop(&d->mux);
    /* Waits for encodes in flight: their frames are released just below. */
    cc_encoder_free(d->enc);
    d->enc = NULL;
    if (d->mux_ready)
        cc_mux_release(&d->mux);
    for (size_t i = 0; i < d->n_cams; i++) {
        if (keep && keep[i] >= 0)
            cc_camera_pause(&d->cams[i]);
        else
            cc_camera_stop(&d->cams[i]);
    }
    /* Their grab threads are gone; they are freed or moved next. */
    if (d->srv)
        cc_server_set_cameras(d->srv, NULL, 0);
}

static void stop_pipeline(app *d)
{
    stop_pipeline_keeping(d, NULL);
}

static void close_rest(void *arg)
{
    app *d = arg;
    if (d->mux_ready)
        cc_mux_close(&d->mux);
    if (d->notify_ready)
        cc_notify_close(&d->notify);
    if (d->stats_ready)
        cc_stats_close(&d->stats);
    uv_close((uv_handle_t *)&d->sigint, NULL);
    uv_close((uv_handle_t *)&d->sigterm, NULL);
    uv_close((uv_handle_t *)&d->sighup, NULL);
}

static void stop_signals(app *d)
{
    uv_signal_stop(&d->sigint);
    uv_signal_stop(&d->sigterm);
    uv_signal_stop(&d->sighup);
}

static void on_signal(uv_signal_t *h, int signum)
{
    app *d = h->data;
    cc_info("%s: shutting down", signum == SIGINT ? "SIGINT" : "SIGTERM");
    cc_notify_stopping();
    stop_signals(d);
    stop_pipeline(d);
    stop_rtsp(d);
    cc_server_shutdown(d->srv, close_rest, d);
}

/* A camera kept over a reload: moved out of the old array (where it is
 * left empty) and given its new config, index and ring. */
static int move_camera(app *d, size_t j, cc_camera *from)
{
    const cc_config *cfg = d->cfg;
    memcpy(&d->cams[j], from, sizeof *from);
    from->source = NULL;
    from->ring = NULL;
    from->tuning = NULL;
    from->fault = NULL;
    int rc = cc_camera_rebind(&d->cams[j], &cfg->cameras[j], (unsigned)j,
                              cfg->server.stream_fps);
    if (rc < 0)
        cc_error("camera %s: %s", cfg->cameras[j].name, strerror(-rc));
    return rc;
}

/* Opens d->cfg's cameras; new camera j is old[i] when keep[i] == j. */
static int open_cameras_keeping(app *d, cc_camera *old, size_t n_old, const int *keep)
{
    const cc_config *cfg = d->cfg;
    d->cams = calloc(cfg->n_cameras, sizeof *d->cams);
    if (!d->cams)
        return -1;
    for (size_t i = 0; i < cfg->n_cameras; i++) {
        size_t k = 0;
        while (k < n_old && keep[k] != (int)i)
            k++;
        if (k < n_old) {
            int rc = move_camera(d, i, &old[k]);
            d->n_cams++;
            if (rc < 0)
                return -1;
            continue;
        }
        char err[1024];
        int rc = cc_camera_init(&d->cams[i], &cfg->cameras[i], (unsigned)i,
                                cfg->server.stream_fps, err, sizeof err);
        if (rc < 0) {
            cc_error("%s", err);
            /* Not found, a refused value or format: the config is wrong. */
            d->exit_status = rc == -ENODEV || rc == -EINVAL || rc == -ENOTSUP ? 2 : 1;
            return -1;
        }
        d->n_cams++;
    }
    return 0;
}

static int open_cameras(app *d)
{
    return open_cameras_keeping(d, NULL, 0, NULL);
}

static bool loopback(const char *listen)
{
    return strncmp(listen, "127.", 4) == 0 || strcmp(listen, "::1") == 0 ||
           strcmp(listen, "localhost") == 0;
}

/* The page to open, from the stream's URL ("ws://HOST:PORT/stream"):
 * http, "/", and this host's name for a wildcard address. */
static void page_url(const char *listen, const char *ws_url, char *out, size_t cap)
{
    const char *port = strrchr(ws_url, ':');
    char host[256];
    if (strcmp(listen, "0.0.0.0") == 0 || strcmp(listen, "::") == 0) {
        if (gethostname(host, sizeof host) != 0)
            snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
    } else {
        snprintf(host, sizeof host, strchr(listen, ':') ? "[%s]" : "%s", listen);
    }
    snprintf(out, cap, "http://%s:%ld/", host, port ? strtol(port + 1, NULL, 10) : 0L);
}

static void log_start(const app *d, const char *url)
{
    char cams[1024] = "";
    size_t off = 0;
    for (size_t i = 0; i < d->n_cams && off < sizeof cams; i++) {
        const cc_source *src = d->cams[i].source;
        off += (size_t)snprintf(cams + off, sizeof cams - off, "%s%s %ux%u %s @%g fps (%s)",
                                i ? ", " : "", d->cams[i].cfg->name, src->width,
                                src->height, cc_pixfmt_name(src->fmt), src->fps,
                                src->ops->kind);
    }
    const cc_server_config *scfg = &d->cfg->server;
    char page[320];
    page_url(scfg->listen, url, page, sizeof page);
    cc_info("camcastd " CC_VERSION " streaming on %s (page %s) at %g fps, %u encoder "
            "workers; %zu cameras: %s",
            url, page, scfg->stream_fps, cc_encoder_workers(d->enc), d->n_cams, cams);
    if (!loopback(scfg->listen) && !scfg->token[0])
        cc_warn("listening on %s without a token: whoever reaches this port can watch "
                "the cameras (token_file, docs/config.md)", scfg->listen);
}

static const char *status_line(void *arg)
{
    app *d = arg;
    size_t online = 0;
    for (size_t i = 0; i < d->n_cams; i++)
        online += atomic_load_explicit(&d->cams[i].online, memory_order_relaxed);
    snprintf(d->status, sizeof d->status, "%zu/%zu cameras online, %zu clients", online,
             d->n_cams, cc_server_client_count(d->srv));
    return d->status;
}

/* For each client as it connects: cameras go offline and back. */
static char *hello_now(void *arg)
{
    app *d = arg;
    return cc_hello_new(d->cfg, d->cams, d->n_cams);
}

static int start(app *d)
{
    const cc_server_config *scfg = &d->cfg->server;
    char err[160], tuned[160];
    if (cc_encoder_tuning_from_env(&d->tuning, err, sizeof err) < 0) {
        cc_error("%s", err);
        return -1;
    }
    if (*cc_encoder_tuning_str(&d->tuning, tuned, sizeof tuned))
        cc_info("encoder tuned from the environment: %s", tuned);
    if (open_cameras(d) < 0)
        return -1;
    int rc = cc_encoder_new_tuned(&d->enc, scfg->encoder_workers, &d->tuning);
    if (rc < 0) {
        cc_error("encoder pool: %s", strerror(-rc));
        return -1;
    }
    rc = cc_server_new(&d->srv, &d->loop, scfg, hello_now, d, d->n_cams);
    if (rc == 0)
        rc = cc_server_set_cameras(d->srv, d->cams, d->n_cams);
    if (rc < 0) {
        cc_error("server: %s", rc == -ENOMEM ? "out of memory" : uv_strerror(rc));
        return -1;
    }
    char *url = d->url;
    rc = cc_server_listen(d->srv, url, sizeof d->url);
    if (rc < 0) {
        cc_error("cannot listen on %s port %u: %s", scfg->listen, scfg->port,
                 uv_strerror(rc));
        return -1;
    }
    rc = cc_mux_init(&d->mux, &d->loop, d->cams, d->n_cams, d->enc, scfg);
    cc_mux_add_reader(&d->mux, cc_server_reader(d->srv));
    cc_mux_add_reader(&d->mux, cc_server_snapshot_reader(d->srv));
    d->mux_ready = true;
    if (rc < 0) {
        cc_error("mux: %s", rc == -ENOMEM ? "out of memory" : uv_strerror(rc));
        return -1;
    }
    rc = cc_stats_init(&d->stats, &d->loop, d->cams, d->n_cams, &d->mux, d->srv);
    d->stats_ready = true;
    if (rc < 0) {
        cc_error("stats: %s", rc == -ENOMEM ? "out of memory" : uv_strerror(rc));
        return -1;
    }
    cc_server_set_pages(d->srv, cc_stats_page, &d->stats);
    cc_stats_set_rtsp(&d->stats, rtsp_figures, d);
    if (start_rtsp(d) < 0)
        return -1;
    for (size_t i = 0; i < d->n_cams; i++) {
        rc = cc_camera_start(&d->cams[i]);
        if (rc < 0) {
            cc_error("camera %s: cannot start its grab thread: %s", d->cams[i].cfg->name,
                     strerror(-rc));
            return -1;
        }
    }
    cc_mux_start(&d->mux);
    log_start(d, url);
    rc = cc_notify_init(&d->notify, &d->loop, status_line, d);
    if (rc < 0) {
        cc_error("notify timer: %s", uv_strerror(rc));
        return -1;
    }
    d->notify_ready = true;
    if (d->notify.watchdog)
        cc_info("systemd watchdog: WATCHDOG=1 every %u ms", d->notify.period_ms);
    cc_notify_ready(&d->notify);
    return 0;
}

/* ---- SIGHUP: reload the configuration ---- */

static void destroy_cameras(cc_camera *cams, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cc_camera_destroy(&cams[i]);
    free(cams);
}

static void close_cameras(app *d)
{
    destroy_cameras(d->cams, d->n_cams);
    d->cams = NULL;
    d->n_cams = 0;
}

/* Cameras, encoder pool and mux for d->cfg, on the running server; the
 * old cameras with keep[i] >= 0 are taken over (keep may be NULL). */
static int restart_pipeline(app *d, cc_camera *old, size_t n_old, const int *keep)
{
    const cc_server_config *scfg = &d->cfg->server;
    int rc = open_cameras_keeping(d, old, n_old, keep) < 0
                 ? -1
                 : cc_encoder_new_tuned(&d->enc, scfg->encoder_workers, &d->tuning);
    if (rc == 0)
        rc = cc_mux_reset(&d->mux, d->cams, d->n_cams, d->enc, scfg);
    if (rc == 0)
        rc = cc_stats_reset(&d->stats, d->cams, d->n_cams);
    if (rc == 0)
        rc = cc_server_set_cameras(d->srv, d->cams, d->n_cams);
    for (size_t i = 0; rc == 0 && i < d->n_cams; i++)
        rc = cc_camera_start(&d->cams[i]);
    if (rc < 0) {
        stop_pipeline(d);
        close_cameras(d);
        return -1;
    }
    cc_mux_start(&d->mux);
    return 0;
}

static int load_next(const app *d, cc_config *next)
{
    char err[512];
    if (cc_config_load(next, d->cfg->path, err, sizeof err) < 0 ||
        (d->listen && cc_config_set_listen(next, d->listen, err, sizeof err) < 0)) {
        cc_error("SIGHUP: configuration refused, the running one stays: %s", err);
        cc_config_destroy(next);
        return -1;
    }
    /* The listening socket and its clients stay: a new address needs a
     * restart. */
    const cc_server_config *cur = &d->cfg->server;
    if (strcmp(next->server.listen, cur->listen) != 0 || next->server.port != cur->port)
        cc_warn("SIGHUP: listen address changes need a restart; still on %s", d->url);
    memcpy(next->server.listen, cur->listen, sizeof cur->listen);
    next->server.port = cur->port;
    return 0;
}

/* Old camera i is new camera old_to_new[i], matched by name, or -1. */
static void match_cameras(const cc_config *old, const cc_config *next, int *old_to_new)
{
    for (size_t i = 0; i < old->n_cameras; i++) {
        old_to_new[i] = -1;
        for (size_t j = 0; j < next->n_cameras; j++)
            if (strcmp(old->cameras[i].name, next->cameras[j].name) == 0)
                old_to_new[i] = (int)j;
    }
}

/* Old variant v (0: full) is new variant map[v], by name, or -1. */
static void match_variants(const cc_server_config *old, const cc_server_config *next,
                           int *map)
{
    map[0] = 0;
    for (size_t v = 0; v < old->n_variants; v++) {
        int j = cc_variant_find(next, old->variants[v].name);
        map[v + 1] = j >= 0 ? j + 1 : -1;
    }
}

/* Old camera i goes on as new camera keep[i] when nothing it is asked
 * changes, or -1. Aravis cameras also depend on the in-process Fake. */
static void find_kept(const cc_config *old, const cc_config *next, const int *old_to_new,
                      int *keep)
{
    bool fake_same = old->server.aravis_fake == next->server.aravis_fake;
    for (size_t i = 0; i < old->n_cameras; i++) {
        int j = old_to_new[i];
        const cc_camera_config *a = &old->cameras[i];
        keep[i] = j >= 0 && (fake_same || a->source != CC_SOURCE_ARAVIS) &&
                          cc_camera_config_same(a, &next->cameras[j])
                      ? j
                      : -1;
    }
}

static void log_reloaded(const app *d, const int *keep, size_t n_old)
{
    char kept[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < n_old && used < sizeof kept; i++)
        if (keep[i] >= 0)
            used += (size_t)snprintf(kept + used, sizeof kept - used, "%s%s",
                                     used ? ", " : "; kept running: ",
                                     d->cfg->cameras[keep[i]].name);
    cc_info("SIGHUP: reloaded: %zu cameras, %g fps%s", d->n_cams,
            d->cfg->server.stream_fps, kept);
}

/* Everything but the server restarts on the new settings, but for the
 * cameras whose settings did not change: they are paused and go on with
 * their device open (a GenICam camera takes seconds to open). On failure
 * the old configuration is started again, from scratch. Cameras keep their
 * clients by name. */
static void on_sighup(uv_signal_t *h, int signum)
{
    (void)signum;
    app *d = h->data;
    cc_config next;
    if (load_next(d, &next) < 0)
        return;
    cc_info("SIGHUP: reloading %s", d->cfg->path);
    cc_notify_reloading();
    int old_to_new[CC_MAX_CAMERAS], keep[CC_MAX_CAMERAS];
    int var_map[1 + CC_MAX_VARIANTS];
    size_t n_old_var = 1 + d->cfg->server.n_variants;
    match_cameras(d->cfg, &next, old_to_new);
    match_variants(&d->cfg->server, &next.server, var_map);
    find_kept(d->cfg, &next, old_to_new, keep);
    size_t n_old = d->n_cams;
    bool keep_rtsp = rtsp_kept(d, &next);

    stop_pipeline_keeping(d, keep);
    if (!keep_rtsp)
        stop_rtsp(d); /* its mounts are the cameras' names: started again below */
    cc_camera *old_cams = d->cams;
    d->cams = NULL;
    d->n_cams = 0;
    /* The others first: their devices and memory are free for the new. */
    for (size_t i = 0; i < n_old; i++)
        if (keep[i] < 0)
            cc_camera_destroy(&old_cams[i]);
    cc_config old = *d->cfg;
    *d->cfg = next;
    int rc = restart_pipeline(d, old_cams, n_old, keep);
    destroy_cameras(old_cams, n_old); /* what was not taken over */
    if (rc < 0) {
        cc_error("SIGHUP: the new configuration did not start; back to the old one");
        cc_config_destroy(d->cfg);
        *d->cfg = old;
        for (size_t i = 0; i < n_old; i++) {
            old_to_new[i] = (int)i;
            keep[i] = -1;
        }
        for (size_t v = 0; v < n_old_var; v++)
            var_map[v] = (int)v;
        if (restart_pipeline(d, NULL, 0, NULL) < 0) {
            cc_error("SIGHUP: the old configuration did not start again either");
            d->exit_status = 1;
            stop_signals(d);
            cc_server_shutdown(d->srv, close_rest, d);
            return;
        }
        d->exit_status = 0; /* open_cameras set it for the failed attempt */
    } else {
        cc_config_destroy(&old);
    }
    restart_rtsp(d, keep_rtsp);
    cc_server_variants_changed(d->srv, var_map, n_old_var);
    cc_server_cameras_changed(d->srv, d->n_cams, old_to_new, n_old);
    log_reloaded(d, keep, n_old);
    cc_notify_ready(&d->notify);
}

static void destroy(app *d)
{
    stop_rtsp(d);
    if (d->stats_ready)
        cc_stats_destroy(&d->stats);
    if (d->mux_ready)
        cc_mux_destroy(&d->mux);
    cc_server_free(d->srv);
    close_cameras(d);
    int rc = uv_loop_close(&d->loop);
    if (rc < 0)
        cc_warn("event loop closed with handles open: %s", uv_strerror(rc));
}

int cc_daemon_run(cc_config *cfg, const char *listen)
{
    /* libuv writes to sockets without MSG_NOSIGNAL: a viewer that resets its
     * connection while a bundle is written must cost an EPIPE, not the
     * process (seen in test_security's burst of 100 viewers closing). */
    signal(SIGPIPE, SIG_IGN);
    app d = {.cfg = cfg, .listen = listen};
    uv_loop_init(&d.loop);
    uv_signal_init(&d.loop, &d.sigint);
    uv_signal_init(&d.loop, &d.sigterm);
    uv_signal_init(&d.loop, &d.sighup);
    d.sigint.data = d.sigterm.data = d.sighup.data = &d;
    uv_signal_start(&d.sigint, on_signal, SIGINT);
    uv_signal_start(&d.sigterm, on_signal, SIGTERM);
    uv_signal_start(&d.sighup, on_sighup, SIGHUP);

    int status = 0;
    if (start(&d) < 0) {
        status = d.exit_status ? d.exit_status : 1;
        stop_signals(&d);
        stop_pipeline(&d);
        if (d.srv)
            cc_server_shutdown(d.srv, close_rest, &d);
        else
            close_rest(&d);
    }
    uv_run(&d.loop, UV_RUN_DEFAULT);
    if (d.exit_status)
        status = d.exit_status;
    destroy(&d);
    if (status == 0)
        cc_info("stopped");
    return status;
}
