#include "rtsp_server.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include "camcast/token.h"

#define MAX_CAMS 64
/* JPEGs the appsrc holds at most: one being sent, one waiting. A third
 * pushes the oldest out (leaky downstream), so a pipeline that falls
 * behind sends the newest frame, not a backlog. */
#define QUEUE_FRAMES 2
/* The role our GstRTSPToken grants and every factory allows. */
#define ROLE "viewer"
#define REALM "camcast"
/* How long cc_rtsp_free waits for the media to be unprepared. */
#define SHUTDOWN_WAIT_US (2 * G_USEC_PER_SEC)
/* A timestamp this far behind the pipeline's running time means the
 * capture clock stepped: start the timeline again from now. */
#define MAX_BEHIND_NS (1000 * GST_MSECOND)

typedef struct cam {
    char path[2 + 64]; /* "/" NAME; names are checked short */
    GstRTSPMediaFactory *factory; /* our reference */
    gulong configure_id;

    pthread_mutex_t lock; /* media, src, gen */
    GstRTSPMedia *media;  /* the live media, referenced; NULL: none */
    GstElement *src;      /* its appsrc, referenced */
    uint64_t gen;         /* media made so far: the pusher sees a new one */
    atomic_bool wants;    /* media != NULL, readable without the lock */

    /* The pushing thread's own. */
    uint64_t push_gen;    /* media its state below belongs to */
    uint32_t caps_w, caps_h;
    bool anchored;
    int64_t offset;       /* running time - capture time, ns */
    GstClockTime last_pts;
} cam;

struct cc_rtsp {
    GstRTSPServer *server;
    GstRTSPSessionPool *pool;
    GMainContext *ctx;
    GMainLoop *loop;
    GSource *listener;   /* the server's socket */
    GSource *cleanup;    /* expires timed-out sessions */
    GstRTSPToken *grant; /* what an authenticated request gets */
    pthread_t thread;
    bool thread_started;
    unsigned port;
    int fps_n, fps_d;
    GstClockTime frame_ns;

    pthread_mutex_t token_lock;
    char token[CC_TOKEN_MAX + 1]; /* "": open */
    unsigned token_gen;           /* bumped by every change; never 0 */

    gint64 shutdown_deadline;     /* loop thread */

    atomic_uint_fast64_t clients_now, clients_total, refused_token;
    atomic_uint_fast64_t frames_pushed, frames_dropped, frames_replaced;

    size_t n;
    cam cams[];
};

/* Auth: a GstRTSPAuth whose authenticate checks our token. The parent's
 * check() calls it for every DESCRIBE and SETUP (media factory access)
 * and answers 401 with "WWW-Authenticate: Basic realm=..." when it grants
 * nothing. */
typedef struct CcAuth {
    GstRTSPAuth parent;
    cc_rtsp *r;
} CcAuth;

typedef struct CcAuthClass {
    GstRTSPAuthClass parent_class;
} CcAuthClass;

G_DEFINE_TYPE(CcAuth, cc_auth, GST_TYPE_RTSP_AUTH)

/* On a GstRTSPClient: the token generation it authenticated with. */
static GQuark auth_quark;

static int hex_value(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* token=T of a query, percent-decoded as the WebSocket port does ('+' is a
 * space). Returns its length, or -1 when absent; a longer value than out
 * holds is cut, which makes it wrong. */
static long query_token(const char *query, char *out, size_t cap)
{
    for (const char *p = query; p && *p;) {
        size_t n = strcspn(p, "&");
        if (n >= 6 && strncmp(p, "token=", 6) == 0) {
            size_t o = 0;
            for (size_t i = 6; i < n && o < cap; i++) {
                int hi = i + 2 < n && p[i] == '%' ? hex_value(p[i + 1]) : -1;
                int lo = hi >= 0 ? hex_value(p[i + 2]) : -1;
                if (lo >= 0) {
                    out[o++] = (char)(hi << 4 | lo);
                    i += 2;
                } else {
                    out[o++] = p[i] == '+' ? ' ' : p[i];
                }
            }
            return (long)o;
        }
        p += n + (p[n] == '&');
    }
    return -1;
}

/* Whether a Basic credential's password (any user name) is the token.
 * Token lock held. */
static bool basic_matches(const cc_rtsp *r, const char *b64)
{
    gsize len = 0;
    guchar *plain = g_base64_decode(b64, &len);
    if (!plain)
        return false;
    const guchar *colon = memchr(plain, ':', len);
    bool ok = colon && cc_token_equal(r->token, (const char *)colon + 1,
                                      len - (size_t)(colon + 1 - plain));
    explicit_bzero(plain, len); /* a password */
    g_free(plain);
    return ok;
}

/* Token lock held. */
static bool request_matches(const cc_rtsp *r, GstRTSPContext *ctx)
{
    GstRTSPAuthCredential **creds =
        gst_rtsp_message_parse_auth_credentials(ctx->request, GST_RTSP_HDR_AUTHORIZATION);
    bool ok = false;
    for (GstRTSPAuthCredential **c = creds; c && *c && !ok; c++)
        if ((*c)->scheme == GST_RTSP_AUTH_BASIC && (*c)->authorization)
            ok = basic_matches(r, (*c)->authorization);
    if (creds)
        gst_rtsp_auth_credentials_free(creds);
    if (!ok && ctx->uri && ctx->uri->query) {
        char given[CC_TOKEN_MAX + 1];
        long n = query_token(ctx->uri->query, given, sizeof given);
        ok = n >= 0 && cc_token_equal(r->token, given, (size_t)n);
        explicit_bzero(given, sizeof given);
    }
    return ok;
}

/* The credentials of the request, else those its connection gave before
 * under the same token: clients build SETUP's URL from Content-Base, which
 * has no query, so a ?token= DESCRIBE is followed by bare SETUPs. */
static gboolean authenticate(GstRTSPAuth *auth, GstRTSPContext *ctx)
{
    cc_rtsp *r = ((CcAuth *)auth)->r;
    GObject *client = ctx->client ? G_OBJECT(ctx->client) : NULL;
    pthread_mutex_lock(&r->token_lock);
    unsigned gen = r->token_gen;
    bool ok = !r->token[0] ||
              (client && GPOINTER_TO_UINT(g_object_get_qdata(client, auth_quark)) == gen) ||
              request_matches(r, ctx);
    pthread_mutex_unlock(&r->token_lock);
    if (ok) {
        /* Not referenced by the context (the parent does the same with
         * its default token): r->grant outlives every request. */
        ctx->token = r->grant;
        if (client)
            g_object_set_qdata(client, auth_quark, GUINT_TO_POINTER(gen));
    } else {
        atomic_fetch_add_explicit(&r->refused_token, 1, memory_order_relaxed);
    }
    return TRUE; /* no token granted: the parent answers 401 */
}

static void cc_auth_init(CcAuth *a)
{
    a->r = NULL;
}

static void cc_auth_class_init(CcAuthClass *k)
{
    GST_RTSP_AUTH_CLASS(k)->authenticate = authenticate;
}

/* Media. */

/* A new media for c (first client, or the first after all left): keep its
 * appsrc so cc_rtsp_push reaches it. On the loop thread. */
static void on_unprepared(GstRTSPMedia *media, gpointer data);

static void on_media_configure(GstRTSPMediaFactory *f, GstRTSPMedia *media, gpointer data)
{
    (void)f;
    cam *c = data;
    GstElement *bin = gst_rtsp_media_get_element(media);
    GstElement *src = bin ? gst_bin_get_by_name(GST_BIN(bin), "src") : NULL;
    if (bin)
        gst_object_unref(bin);
    if (!src)
        return; /* cannot happen: our launch line names it; the media stays mute */
    GstAppSrc *as = GST_APP_SRC(src);
    gst_app_src_set_max_buffers(as, QUEUE_FRAMES);
    gst_app_src_set_max_bytes(as, 0); /* 0: no limit; the count is */
    gst_app_src_set_leaky_type(as, GST_APP_LEAKY_TYPE_DOWNSTREAM);
    g_object_set(src, "block", FALSE, "emit-signals", FALSE, NULL);
    if (g_signal_connect(media, "unprepared", G_CALLBACK(on_unprepared), c) == 0) {
        gst_object_unref(src);
        return;
    }
    pthread_mutex_lock(&c->lock);
    GstRTSPMedia *old_media = c->media;
    GstElement *old_src = c->src;
    c->media = g_object_ref(media);
    c->src = src;
    c->gen++;
    atomic_store(&c->wants, true);
    pthread_mutex_unlock(&c->lock);
    if (old_media) /* a media unprepared after its successor came */
        g_object_unref(old_media);
    if (old_src)
        gst_object_unref(old_src);
}

/* The media's last client left (or we shut down): pushes stop at once. The
 * factory then forgets it (it is not reusable) and the next client gets a
 * new one. */
static void on_unprepared(GstRTSPMedia *media, gpointer data)
{
    cam *c = data;
    guint n = g_signal_handlers_disconnect_by_func(media, on_unprepared, c);
    (void)n; /* one: ours */
    GstRTSPMedia *old_media = NULL;
    GstElement *old_src = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->media == media) {
        old_media = c->media;
        old_src = c->src;
        c->media = NULL;
        c->src = NULL;
        atomic_store(&c->wants, false);
    }
    pthread_mutex_unlock(&c->lock);
    if (old_src)
        gst_object_unref(old_src);
    if (old_media)
        g_object_unref(old_media);
}

/* Clients, for the stats. */

static void on_client_closed(GstRTSPClient *client, gpointer data)
{
    (void)client;
    cc_rtsp *r = data;
    atomic_fetch_sub_explicit(&r->clients_now, 1, memory_order_relaxed);
}

static void on_client_connected(GstRTSPServer *server, GstRTSPClient *client, gpointer data)
{
    (void)server;
    cc_rtsp *r = data;
    if (g_signal_connect(client, "closed", G_CALLBACK(on_client_closed), r) == 0)
        return;
    atomic_fetch_add_explicit(&r->clients_now, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->clients_total, 1, memory_order_relaxed);
}

/* The loop thread. */

/* Sessions whose client vanished without a TEARDOWN (UDP) expire here. */
static gboolean on_cleanup(gpointer data)
{
    cc_rtsp *r = data;
    guint n = gst_rtsp_session_pool_cleanup(r->pool);
    (void)n;
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

static GstRTSPFilterResult close_client(GstRTSPServer *s, GstRTSPClient *c, gpointer data)
{
    (void)s, (void)c, (void)data;
    return GST_RTSP_FILTER_REMOVE; /* closes its connection */
}

static GstRTSPFilterResult drop_session(GstRTSPSessionPool *p, GstRTSPSession *s,
                                        gpointer data)
{
    (void)p, (void)s, (void)data;
    return GST_RTSP_FILTER_REMOVE;
}

static bool any_media(cc_rtsp *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (atomic_load(&r->cams[i].wants))
            return true;
    return false;
}

/* Until the media are unprepared (their pipelines must reach NULL on this
 * loop before they are freed), at most SHUTDOWN_WAIT_US. */
static gboolean on_shutdown_wait(gpointer data)
{
    cc_rtsp *r = data;
    if (any_media(r) && g_get_monotonic_time() < r->shutdown_deadline)
        return G_SOURCE_CONTINUE;
    g_main_loop_quit(r->loop);
    return G_SOURCE_REMOVE;
}

static gboolean on_shutdown(gpointer data)
{
    cc_rtsp *r = data;
    g_source_destroy(r->listener);
    g_source_destroy(r->cleanup);
    GList *none = gst_rtsp_server_client_filter(r->server, close_client, NULL);
    g_list_free(none); /* REMOVE returns nothing */
    none = gst_rtsp_session_pool_filter(r->pool, drop_session, NULL);
    g_list_free(none);
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

static int set_token(cc_rtsp *r, const char *token)
{
    size_t len = token ? strlen(token) : 0;
    if (len && !cc_token_valid(token, len))
        return -EINVAL;
    pthread_mutex_lock(&r->token_lock);
    memcpy(r->token, len ? token : "", len + 1);
    if (++r->token_gen == 0)
        r->token_gen = 1;
    pthread_mutex_unlock(&r->token_lock);
    return 0;
}

static int add_factory(GstRTSPMountPoints *mounts, cam *c)
{
    GstRTSPMediaFactory *f = gst_rtsp_media_factory_new();
    if (!f)
        return -ENOMEM;
    /* appsrc is set up in media-configure (on_media_configure): queue
     * bounds, leaky type, and no blocking of the pusher. */
    gst_rtsp_media_factory_set_launch(
        f, "( appsrc name=src is-live=true format=time do-timestamp=false "
           "! rtpjpegpay name=pay0 pt=26 )");
    /* One pipeline for every client of the camera: a JPEG is pushed once. */
    gst_rtsp_media_factory_set_shared(f, TRUE);
    gst_rtsp_media_factory_set_protocols(f, GST_RTSP_LOWER_TRANS_TCP | GST_RTSP_LOWER_TRANS_UDP);
    gst_rtsp_media_factory_add_role(f, ROLE, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN,
                                    TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN,
                                    TRUE, NULL);
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

int cc_rtsp_new(cc_rtsp **out, const cc_rtsp_opts *o, const char *const *names, size_t n,
                char *err, size_t errlen)
{
    *out = NULL;
    if (!o || !o->listen || o->port > 65535 || n == 0 || n > MAX_CAMS || o->fps < 0) {
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

    cc_rtsp *r = calloc(1, sizeof *r + n * sizeof r->cams[0]);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    r->n = n;
    pthread_mutex_init(&r->token_lock, NULL);
    for (size_t i = 0; i < n; i++) {
        cam *c = &r->cams[i];
        snprintf(c->path, sizeof c->path, "/%s", names[i]);
        pthread_mutex_init(&c->lock, NULL);
        atomic_init(&c->wants, false);
        c->last_pts = GST_CLOCK_TIME_NONE;
    }
    int rc = set_token(r, o->token);
    (void)rc; /* checked above */
    double fps = o->fps > 0 ? o->fps : 30;
    gst_util_double_to_fraction(fps, &r->fps_n, &r->fps_d);
    if (r->fps_n <= 0 || r->fps_d <= 0) {
        r->fps_n = 30;
        r->fps_d = 1;
    }
    r->frame_ns = gst_util_uint64_scale_int(GST_SECOND, r->fps_d, r->fps_n);
    if (!auth_quark)
        auth_quark = g_quark_from_static_string("camcast-rtsp-auth-gen");

    r->ctx = g_main_context_new();
    r->loop = g_main_loop_new(r->ctx, FALSE);
    r->server = gst_rtsp_server_new();
    r->pool = gst_rtsp_server_get_session_pool(r->server);
    r->grant = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, ROLE, NULL);
    if (!r->ctx || !r->loop || !r->server || !r->pool || !r->grant) {
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

    CcAuth *auth = g_object_new(cc_auth_get_type(), NULL);
    auth->r = r;
    gst_rtsp_auth_set_realm(GST_RTSP_AUTH(auth), REALM);
    gst_rtsp_auth_set_supported_methods(GST_RTSP_AUTH(auth), GST_RTSP_AUTH_BASIC);
    gst_rtsp_server_set_auth(r->server, GST_RTSP_AUTH(auth));
    g_object_unref(auth);

    GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(r->server);
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_factory(mounts, &r->cams[i]);
    g_object_unref(mounts);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create the media factories");
        cc_rtsp_free(r);
        return rc;
    }
    if (g_signal_connect(r->server, "client-connected", G_CALLBACK(on_client_connected), r) ==
        0) {
        snprintf(err, errlen, "cannot watch clients");
        cc_rtsp_free(r);
        return -EIO;
    }

    /* Binds now, so the caller hears of a busy port. */
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
    r->cleanup = g_timeout_source_new_seconds(2);
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
    return cam < r->n && atomic_load(&r->cams[cam].wants);
}

int cc_rtsp_set_token(cc_rtsp *r, const char *token)
{
    return set_token(r, token);
}

/* Pushing. */

/* The buffer's PTS: the capture time on the pipeline's running time, so
 * clients see the camera's spacing of frames. The offset between the two
 * clocks is taken at the first frame, and moved down whenever a frame
 * would be early (sinks wait for early buffers: that would add latency),
 * or up when frames lag by a second (the realtime clock stepped). */
static GstClockTime timestamp(cam *c, GstElement *src, uint64_t capture_ns)
{
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
    int64_t pts = (int64_t)capture_ns + c->offset;
    if (!c->anchored || pts > rt || pts + (int64_t)MAX_BEHIND_NS < rt) {
        c->offset = rt - (int64_t)capture_ns;
        c->anchored = true;
        pts = rt;
    }
    /* Capture times that go back do not take the timestamps back, unless
     * those ran ahead of the clock (sinks would wait for them). */
    if (GST_CLOCK_TIME_IS_VALID(c->last_pts) && pts <= (int64_t)c->last_pts &&
        (int64_t)c->last_pts < rt)
        pts = (int64_t)c->last_pts + 1;
    if (pts < 0)
        pts = 0;
    c->last_pts = (GstClockTime)pts;
    return (GstClockTime)pts;
}

void cc_rtsp_push(cc_rtsp *r, size_t cam_index, const uint8_t *jpeg, size_t len,
                  uint32_t width, uint32_t height, uint64_t capture_ns)
{
    if (cam_index >= r->n || !jpeg || len == 0)
        return;
    cam *c = &r->cams[cam_index];
    if (!atomic_load(&c->wants)) {
        atomic_fetch_add_explicit(&r->frames_dropped, 1, memory_order_relaxed);
        return;
    }
    pthread_mutex_lock(&c->lock);
    GstElement *src = c->src ? gst_object_ref(c->src) : NULL;
    uint64_t gen = c->gen;
    pthread_mutex_unlock(&c->lock);
    if (!src) {
        atomic_fetch_add_explicit(&r->frames_dropped, 1, memory_order_relaxed);
        return;
    }
    if (gen != c->push_gen) { /* a new media: new caps, new timeline */
        c->push_gen = gen;
        c->caps_w = c->caps_h = 0;
        c->anchored = false;
        c->last_pts = GST_CLOCK_TIME_NONE;
    }
    GstClockTime pts = timestamp(c, src, capture_ns);
    if (!GST_CLOCK_TIME_IS_VALID(pts)) {
        gst_object_unref(src);
        atomic_fetch_add_explicit(&r->frames_dropped, 1, memory_order_relaxed);
        return;
    }
    GstAppSrc *as = GST_APP_SRC(src);
    if (width != c->caps_w || height != c->caps_h) {
        /* The sizes go in the caps too: rtpjpegpay puts them in the SDP
         * (x-dimensions) when the RTP header cannot hold them (> 2040). */
        GstCaps *caps = gst_caps_new_simple("image/jpeg", "framerate", GST_TYPE_FRACTION,
                                            r->fps_n, r->fps_d, "width", G_TYPE_INT,
                                            (int)width, "height", G_TYPE_INT, (int)height,
                                            NULL);
        gst_app_src_set_caps(as, caps);
        gst_caps_unref(caps);
        c->caps_w = width;
        c->caps_h = height;
    }
    GstBuffer *buf = gst_buffer_new_memdup(jpeg, len);
    GST_BUFFER_PTS(buf) = pts;
    GST_BUFFER_DURATION(buf) = r->frame_ns;
    if (gst_app_src_get_current_level_buffers(as) >= QUEUE_FRAMES)
        atomic_fetch_add_explicit(&r->frames_replaced, 1, memory_order_relaxed);
    /* Takes the buffer; with block=false it returns at once. */
    GstFlowReturn fr = gst_app_src_push_buffer(as, buf);
    gst_object_unref(src);
    atomic_fetch_add_explicit(fr == GST_FLOW_OK ? &r->frames_pushed : &r->frames_dropped, 1,
                              memory_order_relaxed);
}

/* Stats. */

static GstRTSPFilterResult count_session(GstRTSPSessionPool *p, GstRTSPSession *s,
                                         gpointer data)
{
    (void)p;
    GList *media = gst_rtsp_session_filter(s, NULL, NULL);
    if (media)
        ++*(uint64_t *)data;
    g_list_free_full(media, g_object_unref);
    return GST_RTSP_FILTER_KEEP;
}

void cc_rtsp_get_stats(const cc_rtsp *r, cc_rtsp_stats *out)
{
    *out = (cc_rtsp_stats){0};
    /* Sessions that still hold a media: one whose client left stays in
     * the pool, empty, until it times out. */
    GList *none = gst_rtsp_session_pool_filter(r->pool, count_session, &out->sessions_now);
    g_list_free(none);
    for (size_t i = 0; i < r->n; i++)
        out->media_now += atomic_load(&r->cams[i].wants);
    out->clients_now = atomic_load(&r->clients_now);
    out->clients_total = atomic_load(&r->clients_total);
    out->refused_token = atomic_load(&r->refused_token);
    out->frames_pushed = atomic_load(&r->frames_pushed);
    out->frames_dropped = atomic_load(&r->frames_dropped);
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
    for (size_t i = 0; i < r->n; i++) {
        cam *c = &r->cams[i];
        if (c->factory) {
            g_signal_handler_disconnect(c->factory, c->configure_id);
            g_object_unref(c->factory);
        }
        /* A media still here after the wait: forget it; the server's
         * references go with the server. */
        if (c->media) {
            guint n = g_signal_handlers_disconnect_by_func(c->media, on_unprepared, c);
            (void)n;
            g_object_unref(c->media);
        }
        if (c->src)
            gst_object_unref(c->src);
        pthread_mutex_destroy(&c->lock);
    }
    if (r->server)
        g_signal_handlers_disconnect_by_func(r->server, on_client_connected, r);
    if (r->pool)
        g_object_unref(r->pool);
    if (r->server)
        g_object_unref(r->server);
    if (r->grant)
        gst_rtsp_token_unref(r->grant);
    if (r->loop)
        g_main_loop_unref(r->loop);
    if (r->ctx)
        g_main_context_unref(r->ctx);
    explicit_bzero(r->token, sizeof r->token);
    pthread_mutex_destroy(&r->token_lock);
    free(r);
}

static bool sink_wants(void *arg, size_t cam)
{
    return cc_rtsp_wants(arg, cam);
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
