#include "rtsp_server.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gio/gio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include "camcast/token.h"
#include "rtsp_access.h"
#include "clock.h"

#define MAX_CAMS 64
/* JPEGs an appsrc holds at most. A client whose pipeline has not taken
 * the last one is skipped anyway; two is a margin, and a third pushes the
 * oldest out (leaky downstream): never a backlog. */
#define QUEUE_FRAMES 2
/* The role our GstRTSPToken grants (rtsp_access.c) and every factory allows. */
#define ROLE "viewer"
/* How long cc_rtsp_free waits for the clients and their media to go. */
#define SHUTDOWN_WAIT_US (2 * G_USEC_PER_SEC)
/* A timestamp this far behind the pipeline's running time means the
 * capture clock stepped: start the timeline again from now. */
#define MAX_BEHIND_NS (1000 * GST_MSECOND)
/* A TCP client with more than half a frame unsent is behind (the
 * WebSocket port's rule), but never for less than this. */
#define MIN_UNSENT_BOUND 16384
/* A new media's caps before the camera sent a frame: any size does, the
 * RTP headers carry each frame's own (RFC 2435). */
#define FIRST_W 640
#define FIRST_H 480

typedef struct cam cam;

/* One client's media of one camera: made at its DESCRIBE or SETUP,
 * active until it is unprepared, freed with the media. */
typedef struct viewer {
    struct viewer *next; /* cam->viewers: all of them (cam->lock) */
    cam *cam;
    GstRTSPMedia *media; /* not referenced: a weak reference frees us */
    GstElement *src;     /* its appsrc, referenced */
    cc_rtsp_peer *peer;  /* its connection, referenced; NULL outside a request */
    bool active;         /* not yet unprepared (cam->lock) */
    bool playing;        /* between PLAY and PAUSE (cam->lock) */

    /* The pushing thread's own. */
    uint32_t caps_w, caps_h;
    bool anchored;
    int64_t offset; /* running time - capture time, ns */
    GstClockTime last_pts;
    uint64_t taken_ns;    /* when it last took a frame, or began to play (cam->lock) */
} viewer;

struct cam {
    cc_rtsp *r;
    size_t index;
    char path[2 + 64]; /* "/" NAME; names are checked short */
    GstRTSPMediaFactory *factory; /* our reference */
    gulong configure_id;
    pthread_mutex_t lock; /* viewers, their active and playing */
    viewer *viewers;
    atomic_uint playing;  /* viewers playing: cc_rtsp_wants */
    atomic_bool online;
    atomic_uint last_w, last_h; /* of the last frame pushed, for new media */
};

struct cc_rtsp {
    GstRTSPServer *server;
    GMainContext *ctx;
    GMainLoop *loop;
    GSource *listener; /* the server's socket */
    GSource *cleanup;  /* expires timed-out sessions */
    cc_rtsp_access *access;
    GstRTSPAddressPool *udp; /* RTP/RTCP ports; NULL: any */
    gulong connected_id;
    pthread_t thread;
    bool thread_started;
    unsigned port;
    int fps_n, fps_d;
    GstClockTime frame_ns;
    cc_rtsp_limits lim;
    bool (*online)(void *arg, size_t cam); /* the loop thread's (sink_wants) */
    void *online_arg;

    gint64 shutdown_deadline; /* loop thread */
    atomic_uint viewers;      /* allocated, not yet freed */

    atomic_uint_fast64_t frames_pushed, frames_dropped, frames_skipped, frames_replaced;

    size_t n;
    cam cams[];
};

/* On a GstRTSPMedia: its viewer (no destroy: the weak reference frees it). */
static GQuark viewer_quark;
/* On a GstRTSPMediaFactory: its cam. */
static GQuark cam_quark;

void cc_rtsp_limits_default(cc_rtsp_limits *l)
{
    *l = (cc_rtsp_limits){.max_clients = CC_RTSP_MAX_CLIENTS,
                          .max_clients_per_address = 0,
                          .max_sessions = CC_RTSP_MAX_SESSIONS,
                          .max_sessions_per_client = CC_RTSP_MAX_SESSIONS_PER_CLIENT,
                          .session_timeout_s = CC_RTSP_SESSION_TIMEOUT_S,
                          .auth_timeout_s = CC_RTSP_AUTH_TIMEOUT_S,
                          .max_request = CC_RTSP_MAX_REQUEST,
                          .stall_timeout_s = CC_RTSP_STALL_TIMEOUT_S,
                          .rtp_port_min = CC_RTSP_RTP_PORT_MIN,
                          .rtp_port_max = CC_RTSP_RTP_PORT_MAX};
}

/* Viewers. */

/* No more frames for it. cam->lock held. */
static void deactivate(viewer *v)
{
    if (v->active && v->playing)
        atomic_fetch_sub(&v->cam->playing, 1);
    v->active = false;
    v->playing = false;
}

/* Out of the camera's list. cam->lock held. */
static void unlist(viewer *v)
{
    deactivate(v);
    for (viewer **pp = &v->cam->viewers; *pp; pp = &(*pp)->next)
        if (*pp == v) {
            *pp = v->next;
            break;
        }
}

/* The media is unprepared (its client left, or we shut down). Any thread. */
static void on_unprepared(GstRTSPMedia *media, gpointer data)
{
    (void)media;
    viewer *v = data;
    pthread_mutex_lock(&v->cam->lock);
    deactivate(v);
    pthread_mutex_unlock(&v->cam->lock);
}

/* The media is finalized: the viewer goes. Any thread. */
static void on_media_gone(gpointer data, GObject *where)
{
    (void)where;
    viewer *v = data;
    cam *c = v->cam;
    pthread_mutex_lock(&c->lock);
    unlist(v);
    pthread_mutex_unlock(&c->lock);
    gst_object_unref(v->src);
    cc_rtsp_peer_unref(v->peer);
    atomic_fetch_sub(&c->r->viewers, 1);
    free(v);
}

/* A media for one client: set its appsrc up and list it. Caps and a gap
 * go in first, so the media is prepared (its SDP made) without waiting for
 * a frame: a DESCRIBE never waits for the camera. On the server's thread,
 * inside the client's request. */
static void on_media_configure(GstRTSPMediaFactory *f, GstRTSPMedia *media, gpointer data)
{
    (void)f;
    cam *c = data;
    GstElement *bin = gst_rtsp_media_get_element(media);
    GstElement *src = bin ? gst_bin_get_by_name(GST_BIN(bin), "src") : NULL;
    if (bin)
        gst_object_unref(bin);
    viewer *v = src ? calloc(1, sizeof *v) : NULL;
    if (!v) {
        if (src)
            gst_object_unref(src);
        return; /* our launch line names it; out of memory: the media stays mute */
    }
    GstAppSrc *as = GST_APP_SRC(src);
    gst_app_src_set_max_buffers(as, QUEUE_FRAMES);
    gst_app_src_set_max_bytes(as, 0); /* 0: no limit; the count is */
    gst_app_src_set_leaky_type(as, GST_APP_LEAKY_TYPE_DOWNSTREAM);
    g_object_set(src, "block", FALSE, "emit-signals", FALSE, NULL);
    unsigned w = atomic_load(&c->last_w), h = atomic_load(&c->last_h);
    GstCaps *caps = gst_caps_new_simple(
        "image/jpeg", "framerate", GST_TYPE_FRACTION, c->r->fps_n, c->r->fps_d, "width",
        G_TYPE_INT, w ? (int)w : FIRST_W, "height", G_TYPE_INT, h ? (int)h : FIRST_H, NULL);
    gst_app_src_set_caps(as, caps);
    gst_caps_unref(caps);
    gboolean queued = gst_element_send_event(src, gst_event_new_gap(0, GST_CLOCK_TIME_NONE));
    (void)queued; /* appsrc queues a serialized event: it cannot refuse */

    v->cam = c;
    v->media = media;
    v->src = src;
    v->peer = cc_rtsp_access_current_peer();
    v->last_pts = GST_CLOCK_TIME_NONE;
    v->active = true;
    atomic_fetch_add(&c->r->viewers, 1);
    g_object_set_qdata(G_OBJECT(media), viewer_quark, v);
    g_signal_connect(media, "unprepared", G_CALLBACK(on_unprepared), v);
    g_object_weak_ref(G_OBJECT(media), on_media_gone, v);
    pthread_mutex_lock(&c->lock);
    v->next = c->viewers;
    c->viewers = v;
    pthread_mutex_unlock(&c->lock);
}

/* PLAY and PAUSE of a session: frames go to its media only in between. */
static void set_playing(GstRTSPContext *ctx, bool playing)
{
    GstRTSPMedia *media = ctx->sessmedia ? gst_rtsp_session_media_get_media(ctx->sessmedia)
                                         : ctx->media;
    viewer *v = media ? g_object_get_qdata(G_OBJECT(media), viewer_quark) : NULL;
    if (!v)
        return;
    cam *c = v->cam;
    pthread_mutex_lock(&c->lock);
    if (v->active && v->playing != playing) {
        v->playing = playing;
        if (playing)
            atomic_fetch_add(&c->playing, 1);
        else
            atomic_fetch_sub(&c->playing, 1);
        v->taken_ns = cc_monotonic_ns();
    }
    pthread_mutex_unlock(&c->lock);
}

static void on_play(GstRTSPClient *client, GstRTSPContext *ctx, gpointer data)
{
    (void)client, (void)data;
    set_playing(ctx, true);
}

static void on_pause(GstRTSPClient *client, GstRTSPContext *ctx, gpointer data)
{
    (void)client, (void)data;
    set_playing(ctx, false);
}

static void on_client_connected(GstRTSPServer *server, GstRTSPClient *client, gpointer data)
{
    (void)server, (void)data;
    g_signal_connect(client, "play-request", G_CALLBACK(on_play), NULL);
    g_signal_connect(client, "pause-request", G_CALLBACK(on_pause), NULL);
}

/* Whether the factory's camera can give frames (rtsp_access.h). */
static bool camera_ready(GstRTSPMediaFactory *f, void *arg)
{
    (void)arg;
    cam *c = g_object_get_qdata(G_OBJECT(f), cam_quark);
    return !c || atomic_load(&c->online);
}

/* The loop thread. */

/* Sessions whose client vanished without a TEARDOWN (UDP) expire here. */
static gboolean on_cleanup(gpointer data)
{
    cc_rtsp *r = data;
    cc_rtsp_access_expire(r->access);
    return G_SOURCE_CONTINUE;
}

static void *loop_main(void *arg)
{
    cc_rtsp *r = arg;
    g_main_context_push_thread_default(r->ctx);
    g_main_loop_run(r->loop);
    g_main_context_pop_thread_default(r->ctx);
    return NULL;
}

/* Until the clients are gone and their media freed (their pipelines reach
 * NULL on this loop), at most SHUTDOWN_WAIT_US. */
static gboolean on_shutdown_wait(gpointer data)
{
    cc_rtsp *r = data;
    cc_rtsp_stats s = {0};
    cc_rtsp_access_get(r->access, &s);
    bool busy = s.clients_now > 0 || atomic_load(&r->viewers) > 0;
    if (busy && g_get_monotonic_time() < r->shutdown_deadline)
        return G_SOURCE_CONTINUE;
    g_main_loop_quit(r->loop);
    return G_SOURCE_REMOVE;
}

static gboolean on_shutdown(gpointer data)
{
    cc_rtsp *r = data;
    g_source_destroy(r->listener);
    g_source_destroy(r->cleanup);
    cc_rtsp_access_close_all(r->access);
    r->shutdown_deadline = g_get_monotonic_time() + SHUTDOWN_WAIT_US;
    GSource *t = g_timeout_source_new(10);
    g_source_set_callback(t, on_shutdown_wait, r, NULL);
    g_source_attach(t, r->ctx);
    g_source_unref(t);
    return G_SOURCE_REMOVE;
}

/* Setup. */

/* Mount names go in URLs unescaped: letters, digits and -._~ only. */
static bool name_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || strchr("-._~", ch);
        if (!plain)
            return false;
    }
    return true;
}

static int errno_of(const GError *e)
{
    if (e && e->domain == G_IO_ERROR) {
        switch (e->code) {
        case G_IO_ERROR_ADDRESS_IN_USE: return -EADDRINUSE;
        case G_IO_ERROR_PERMISSION_DENIED: return -EACCES;
        case G_IO_ERROR_NOT_FOUND: return -EADDRNOTAVAIL;
        case G_IO_ERROR_INVALID_ARGUMENT: return -EINVAL;
        default: break;
        }
    }
    if (e && e->domain == G_RESOLVER_ERROR)
        return -EINVAL; /* listen is not an address */
    return -EIO;
}

static bool element_present(const char *name)
{
    GstElementFactory *f = gst_element_factory_find(name);
    if (!f)
        return false;
    gst_object_unref(f);
    return true;
}

/* RTP and RTCP leave from the listen address (the wildcard: every one of
 * its family), on ports of the configured range. NULL (GStreamer's
 * choice: any address, any port) without a range. */
static int udp_pool(cc_rtsp *r, const char *listen, char *err, size_t errlen)
{
    const cc_rtsp_limits *l = &r->lim;
    if (l->rtp_port_min == 0 && l->rtp_port_max == 0)
        return 0;
    GInetAddress *ia = g_inet_address_new_from_string(listen);
    if (!ia) {
        snprintf(err, errlen, "listen %s: not an IP address (needed with an RTP port range)",
                 listen);
        return -EINVAL;
    }
    bool any = g_inet_address_get_is_any(ia);
    bool v6 = g_inet_address_get_family(ia) == G_SOCKET_FAMILY_IPV6;
    g_object_unref(ia);
    r->udp = gst_rtsp_address_pool_new();
    if (!r->udp) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    bool ok;
    if (any && v6) /* "::" takes IPv4 clients too */
        ok = gst_rtsp_address_pool_add_range(r->udp, GST_RTSP_ADDRESS_POOL_ANY_IPV6,
                                             GST_RTSP_ADDRESS_POOL_ANY_IPV6, l->rtp_port_min,
                                             l->rtp_port_max, 0) &&
             gst_rtsp_address_pool_add_range(r->udp, GST_RTSP_ADDRESS_POOL_ANY_IPV4,
                                             GST_RTSP_ADDRESS_POOL_ANY_IPV4, l->rtp_port_min,
                                             l->rtp_port_max, 0);
    else
        ok = gst_rtsp_address_pool_add_range(r->udp, listen, listen, l->rtp_port_min,
                                             l->rtp_port_max, 0);
    if (!ok) {
        snprintf(err, errlen, "RTP ports %u-%u on %s: refused by GStreamer", l->rtp_port_min,
                 l->rtp_port_max, listen);
        return -EINVAL;
    }
    return 0;
}

static int add_factory(cc_rtsp *r, GstRTSPMountPoints *mounts, cam *c)
{
    GstRTSPMediaFactory *f = gst_rtsp_media_factory_new();
    if (!f)
        return -ENOMEM;
    /* appsrc is set up in media-configure (on_media_configure): queue
     * bounds, leaky type, no blocking of the pusher, caps and a gap. */
    gst_rtsp_media_factory_set_launch(
        f, "( appsrc name=src is-live=true format=time do-timestamp=false "
           "! rtpjpegpay name=pay0 pt=26 )");
    /* A media per client: nobody else's URL, pace or leaving touches it. */
    gst_rtsp_media_factory_set_shared(f, FALSE);
    gst_rtsp_media_factory_set_protocols(f, GST_RTSP_LOWER_TRANS_TCP | GST_RTSP_LOWER_TRANS_UDP);
    if (r->udp)
        gst_rtsp_media_factory_set_address_pool(f, r->udp);
    gst_rtsp_media_factory_add_role(f, ROLE, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN,
                                    TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN,
                                    TRUE, NULL);
    g_object_set_qdata(G_OBJECT(f), cam_quark, c);
    c->configure_id = g_signal_connect(f, "media-configure", G_CALLBACK(on_media_configure), c);
    if (c->configure_id == 0) {
        g_object_unref(f);
        return -EIO;
    }
    c->factory = f;
    /* The mount points take a reference of their own. */
    gst_rtsp_mount_points_add_factory(mounts, c->path, g_object_ref(f));
    return 0;
}

static bool limits_ok(const cc_rtsp_limits *l)
{
    return l->max_clients > 0 && l->max_sessions > 0 && l->max_sessions_per_client > 0 &&
           l->session_timeout_s >= 1 && l->session_timeout_s <= 86400 &&
           l->auth_timeout_s > 0 && l->auth_timeout_s <= 3600 && l->max_request >= 512 &&
           l->max_request <= (1u << 20) && l->stall_timeout_s >= 0 &&
           l->stall_timeout_s <= 3600 && l->rtp_port_min <= l->rtp_port_max &&
           l->rtp_port_max <= 65535 &&
           (l->rtp_port_max == 0 || (l->rtp_port_min >= 1024 && l->rtp_port_max > l->rtp_port_min));
}

static int check_options(const cc_rtsp_opts *o, const char *const *names, size_t n, char *err,
                         size_t errlen)
{
    if (!o || !o->listen || o->port > 65535 || n == 0 || n > MAX_CAMS || o->fps < 0 ||
        !limits_ok(&o->limits)) {
        snprintf(err, errlen, "invalid options");
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!name_ok(names[i])) {
            snprintf(err, errlen, "camera name \"%.64s\" cannot be a mount point "
                     "(letters, digits, - . _ ~)", names[i]);
            return -EINVAL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0) {
                snprintf(err, errlen, "camera name \"%s\" twice", names[i]);
                return -EINVAL;
            }
    }
    if (o->token && o->token[0] && !cc_token_valid(o->token, strlen(o->token))) {
        snprintf(err, errlen, "invalid token");
        return -EINVAL;
    }
    return 0;
}

static int gst_ready(char *err, size_t errlen)
{
    GError *gerr = NULL;
    if (!gst_init_check(NULL, NULL, &gerr)) {
        snprintf(err, errlen, "GStreamer: %s", gerr ? gerr->message : "cannot initialise");
        g_clear_error(&gerr);
        return -EIO;
    }
    static const char *const needed[][2] = {
        {"appsrc", "gstreamer1.0-plugins-base"},
        {"rtpjpegpay", "gstreamer1.0-plugins-good"},
        {"rtpbin", "gstreamer1.0-plugins-good"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(needed); i++) {
        if (!element_present(needed[i][0])) {
            snprintf(err, errlen, "GStreamer element %s missing (package %s)", needed[i][0],
                     needed[i][1]);
            return -ENOENT;
        }
    }
    if (!viewer_quark) {
        viewer_quark = g_quark_from_static_string("camcast-rtsp-viewer");
        cam_quark = g_quark_from_static_string("camcast-rtsp-cam");
    }
    return 0;
}

int cc_rtsp_new(cc_rtsp **out, const cc_rtsp_opts *o, const char *const *names, size_t n,
                char *err, size_t errlen)
{
    *out = NULL;
    int rc = check_options(o, names, n, err, errlen);
    if (rc == 0)
        rc = gst_ready(err, errlen);
    if (rc < 0)
        return rc;

    cc_rtsp *r = calloc(1, sizeof *r + n * sizeof r->cams[0]);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    r->n = n;
    r->lim = o->limits;
    r->online = o->online;
    r->online_arg = o->online_arg;
    for (size_t i = 0; i < n; i++) {
        cam *c = &r->cams[i];
        c->r = r;
        c->index = i;
        snprintf(c->path, sizeof c->path, "/%s", names[i]);
        pthread_mutex_init(&c->lock, NULL);
        atomic_init(&c->playing, 0);
        atomic_init(&c->online, true);
    }
    double fps = o->fps > 0 ? o->fps : 30;
    gst_util_double_to_fraction(fps, &r->fps_n, &r->fps_d);
    if (r->fps_n <= 0 || r->fps_d <= 0) {
        r->fps_n = 30;
        r->fps_d = 1;
    }
    r->frame_ns = gst_util_uint64_scale_int(GST_SECOND, r->fps_d, r->fps_n);

    r->ctx = g_main_context_new();
    r->loop = g_main_loop_new(r->ctx, FALSE);
    r->server = gst_rtsp_server_new();
    if (!r->ctx || !r->loop || !r->server) {
        snprintf(err, errlen, "out of memory");
        cc_rtsp_free(r);
        return -ENOMEM;
    }
    r->access = cc_rtsp_access_new(r->server, r->ctx, &o->limits, o->token, camera_ready, r);
    if (!r->access) {
        snprintf(err, errlen, "out of memory");
        cc_rtsp_free(r);
        return -ENOMEM;
    }
    /* Clients on this loop's thread, not on a thread of GLib's pool (the
     * default): requests, auth and the stats then run where we know. */
    GstRTSPThreadPool *tp = gst_rtsp_server_get_thread_pool(r->server);
    if (tp) {
        gst_rtsp_thread_pool_set_max_threads(tp, 0);
        g_object_unref(tp);
    }
    char service[16];
    snprintf(service, sizeof service, "%u", o->port);
    gst_rtsp_server_set_address(r->server, o->listen);
    gst_rtsp_server_set_service(r->server, service);
    rc = udp_pool(r, o->listen, err, errlen);
    if (rc < 0) {
        cc_rtsp_free(r);
        return rc;
    }

    GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(r->server);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_factory(r, mounts, &r->cams[i]);
    g_object_unref(mounts);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create the media factories");
        cc_rtsp_free(r);
        return rc;
    }
    r->connected_id = g_signal_connect(r->server, "client-connected",
                                       G_CALLBACK(on_client_connected), r);
    if (r->connected_id == 0) {
        snprintf(err, errlen, "cannot watch clients");
        cc_rtsp_free(r);
        return -EIO;
    }

    /* Binds now, so the caller hears of a busy port. */
    GError *gerr = NULL;
    r->listener = gst_rtsp_server_create_source(r->server, NULL, &gerr);
    if (!r->listener) {
        rc = errno_of(gerr);
        snprintf(err, errlen, "%s port %u: %s", o->listen, o->port,
                 gerr ? gerr->message : "cannot listen");
        g_clear_error(&gerr);
        cc_rtsp_free(r);
        return rc;
    }
    int port = gst_rtsp_server_get_bound_port(r->server);
    r->port = port > 0 ? (unsigned)port : o->port;
    g_source_attach(r->listener, r->ctx);
    r->cleanup = g_timeout_source_new_seconds(1);
    g_source_set_callback(r->cleanup, on_cleanup, r, NULL);
    g_source_attach(r->cleanup, r->ctx);

    rc = pthread_create(&r->thread, NULL, loop_main, r);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the RTSP thread: %s", strerror(rc));
        cc_rtsp_free(r);
        return -rc;
    }
    r->thread_started = true;
    *out = r;
    return 0;
}

unsigned cc_rtsp_port(const cc_rtsp *r)
{
    return r->port;
}

bool cc_rtsp_wants(const cc_rtsp *r, size_t cam)
{
    return cam < r->n && atomic_load(&r->cams[cam].playing) > 0;
}

void cc_rtsp_set_online(cc_rtsp *r, size_t cam, bool online)
{
    if (cam < r->n)
        atomic_store(&r->cams[cam].online, online);
}

int cc_rtsp_set_token(cc_rtsp *r, const char *token)
{
    return cc_rtsp_access_set_token(r->access, token);
}

/* Pushing. */

/* The buffer's PTS: the capture time on the pipeline's running time, so
 * clients see the camera's spacing of frames. The offset between the two
 * clocks is taken at the first frame, and moved down whenever a frame
 * would be early (sinks wait for early buffers: that would add latency),
 * or up when frames lag by a second (the realtime clock stepped). */
static GstClockTime timestamp(viewer *v, uint64_t capture_ns)
{
    GstElement *src = v->src;
    /* Only once PLAYING: on the way there the element gets its clock
     * before its base time, and a running time taken in between would be
     * the clock's whole time. A live source sends nothing before anyway. */
    GST_OBJECT_LOCK(src);
    bool playing = GST_STATE(src) == GST_STATE_PLAYING;
    GST_OBJECT_UNLOCK(src);
    GstClock *clock = playing ? gst_element_get_clock(src) : NULL;
    if (!clock)
        return GST_CLOCK_TIME_NONE;
    GstClockTime now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    GstClockTime base = gst_element_get_base_time(src);
    if (!GST_CLOCK_TIME_IS_VALID(now) || !GST_CLOCK_TIME_IS_VALID(base) || now < base)
        return GST_CLOCK_TIME_NONE;
    int64_t rt = (int64_t)(now - base);
    int64_t pts = (int64_t)capture_ns + v->offset;
    if (!v->anchored || pts > rt || pts + (int64_t)MAX_BEHIND_NS < rt) {
        v->offset = rt - (int64_t)capture_ns;
        v->anchored = true;
        pts = rt;
    }
    /* Capture times that go back do not take the timestamps back, unless
     * those ran ahead of the clock (sinks would wait for them). */
    if (GST_CLOCK_TIME_IS_VALID(v->last_pts) && pts <= (int64_t)v->last_pts &&
        (int64_t)v->last_pts < rt)
        pts = (int64_t)v->last_pts + 1;
    if (pts < 0)
        pts = 0;
    v->last_pts = (GstClockTime)pts;
    return (GstClockTime)pts;
}

/* Whether v cannot take a frame of len bytes now: its pipeline still has
 * the last one, or (TCP) its connection has more than half a frame unsent.
 * One that has taken none for stall_timeout is disconnected. */
static bool behind(cc_rtsp *r, viewer *v, size_t len, uint64_t now)
{
    size_t bound = len / 2 > MIN_UNSENT_BOUND ? len / 2 : MIN_UNSENT_BOUND;
    bool late = gst_app_src_get_current_level_buffers(GST_APP_SRC(v->src)) > 0 ||
                (v->peer && cc_rtsp_peer_unsent_above(v->peer, bound));
    if (late && r->lim.stall_timeout_s > 0 && v->peer &&
        (double)(now - v->taken_ns) > r->lim.stall_timeout_s * 1e9)
        cc_rtsp_peer_close(v->peer, CC_RTSP_LIMIT_STALLED);
    return late;
}

/* One client's copy of the frame (the bytes are shared) into its appsrc. */
static bool give(cc_rtsp *r, viewer *v, GstBuffer *frame, uint32_t width, uint32_t height,
                 uint64_t capture_ns)
{
    GstClockTime pts = timestamp(v, capture_ns);
    if (!GST_CLOCK_TIME_IS_VALID(pts))
        return false;
    GstAppSrc *as = GST_APP_SRC(v->src);
    if (width != v->caps_w || height != v->caps_h) {
        /* The sizes go in the caps too: rtpjpegpay puts them in the SDP
         * (x-dimensions) when the RTP header cannot hold them (> 2040). */
        GstCaps *caps = gst_caps_new_simple("image/jpeg", "framerate", GST_TYPE_FRACTION,
                                            r->fps_n, r->fps_d, "width", G_TYPE_INT,
                                            (int)width, "height", G_TYPE_INT, (int)height,
                                            NULL);
        gst_app_src_set_caps(as, caps);
        gst_caps_unref(caps);
        v->caps_w = width;
        v->caps_h = height;
    }
    GstBuffer *buf = gst_buffer_copy(frame); /* a new header on the same memory */
    if (!buf)
        return false;
    GST_BUFFER_PTS(buf) = pts;
    GST_BUFFER_DURATION(buf) = r->frame_ns;
    if (gst_app_src_get_current_level_buffers(as) >= QUEUE_FRAMES)
        atomic_fetch_add_explicit(&r->frames_replaced, 1, memory_order_relaxed);
    /* Takes the buffer; with block=false it returns at once. */
    return gst_app_src_push_buffer(as, buf) == GST_FLOW_OK;
}

void cc_rtsp_push(cc_rtsp *r, size_t cam_index, const uint8_t *jpeg, size_t len,
                  uint32_t width, uint32_t height, uint64_t capture_ns)
{
    if (cam_index >= r->n || !jpeg || len == 0)
        return;
    cam *c = &r->cams[cam_index];
    atomic_store(&c->last_w, width);
    atomic_store(&c->last_h, height);
    if (atomic_load(&c->playing) == 0) {
        atomic_fetch_add_explicit(&r->frames_dropped, 1, memory_order_relaxed);
        return;
    }
    uint64_t now = cc_monotonic_ns();
    GstBuffer *frame = NULL; /* the one copy of the JPEG, made for the first taker */
    uint64_t pushed = 0, skipped = 0;
    pthread_mutex_lock(&c->lock);
    for (viewer *v = c->viewers; v; v = v->next) {
        if (!v->playing)
            continue;
        if (behind(r, v, len, now)) {
            skipped++;
            continue;
        }
        if (!frame && !(frame = gst_buffer_new_memdup(jpeg, len)))
            break;
        if (give(r, v, frame, width, height, capture_ns)) {
            pushed++;
            v->taken_ns = now;
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (frame)
        gst_buffer_unref(frame);
    atomic_fetch_add_explicit(&r->frames_pushed, pushed, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->frames_skipped, skipped, memory_order_relaxed);
    if (pushed == 0 && skipped == 0)
        atomic_fetch_add_explicit(&r->frames_dropped, 1, memory_order_relaxed);
}

/* Stats. */

void cc_rtsp_get_stats(const cc_rtsp *r, cc_rtsp_stats *out)
{
    *out = (cc_rtsp_stats){0};
    cc_rtsp_access_get(r->access, out);
    for (size_t i = 0; i < r->n; i++)
        out->media_now += atomic_load(&r->cams[i].playing) > 0;
    out->frames_pushed = atomic_load(&r->frames_pushed);
    out->frames_dropped = atomic_load(&r->frames_dropped);
    out->frames_skipped = atomic_load(&r->frames_skipped);
    out->frames_replaced = atomic_load(&r->frames_replaced);
}

void cc_rtsp_free(cc_rtsp *r)
{
    if (!r)
        return;
    if (r->thread_started) {
        /* A source, not g_main_context_invoke: that would run it here if
         * the loop had not yet taken the context. */
        GSource *s = g_idle_source_new();
        g_source_set_callback(s, on_shutdown, r, NULL);
        g_source_attach(s, r->ctx);
        g_source_unref(s);
        int rc = pthread_join(r->thread, NULL);
        (void)rc; /* joinable and not us: cannot fail */
    }
    if (r->listener) {
        if (!g_source_is_destroyed(r->listener))
            g_source_destroy(r->listener);
        g_source_unref(r->listener);
    }
    if (r->cleanup) {
        if (!g_source_is_destroyed(r->cleanup))
            g_source_destroy(r->cleanup);
        g_source_unref(r->cleanup);
    }
    if (r->server && r->connected_id)
        g_signal_handler_disconnect(r->server, r->connected_id);
    for (size_t i = 0; i < r->n; i++) {
        cam *c = &r->cams[i];
        if (c->factory) {
            g_signal_handler_disconnect(c->factory, c->configure_id);
            g_object_unref(c->factory);
        }
        /* Media still here after the wait: forget them; the server's
         * references go with the server. */
        pthread_mutex_lock(&c->lock);
        while (c->viewers) {
            viewer *v = c->viewers;
            unlist(v);
            atomic_fetch_sub(&r->viewers, 1);
            g_object_weak_unref(G_OBJECT(v->media), on_media_gone, v);
            guint n = g_signal_handlers_disconnect_by_func(v->media, on_unprepared, v);
            (void)n;
            g_object_set_qdata(G_OBJECT(v->media), viewer_quark, NULL);
            gst_object_unref(v->src);
            cc_rtsp_peer_unref(v->peer);
            free(v);
        }
        pthread_mutex_unlock(&c->lock);
    }
    cc_rtsp_access_free(r->access); /* before the server: it disconnects from it */
    if (r->server)
        g_object_unref(r->server);
    if (r->udp)
        g_object_unref(r->udp);
    if (r->loop)
        g_main_loop_unref(r->loop);
    if (r->ctx)
        g_main_context_unref(r->ctx);
    for (size_t i = 0; i < r->n; i++)
        pthread_mutex_destroy(&r->cams[i].lock);
    free(r);
}

/* Each tick, for each camera: also where the server hears whether the
 * camera is online. */
static bool sink_wants(void *arg, size_t cam)
{
    cc_rtsp *r = arg;
    if (r->online)
        cc_rtsp_set_online(r, cam, r->online(r->online_arg, cam));
    return cc_rtsp_wants(r, cam);
}

static void sink_push(void *arg, const cc_fb_entry *e)
{
    cc_rtsp_push(arg, e->camera_index, e->payload, e->payload_size, e->width, e->height,
                 e->capture_time_ns);
}

cc_feed_sink cc_rtsp_sink(cc_rtsp *r)
{
    return (cc_feed_sink){.wants = sink_wants, .push = sink_push, .arg = r};
}
