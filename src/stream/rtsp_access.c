#include "rtsp_access.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib-unix.h>

#include "camcast/http_text.h"
#include "camcast/token.h"
#include "log.h"
#include "clock.h"

#define ROLE "viewer" /* what our GstRTSPToken grants; every factory allows it */
#define REALM "camcast"
#define RETRY_AFTER_S "5"
/* A connection that refused: this much, then closed. */
#define REFUSAL "RTSP/1.0 503 Service Unavailable\r\nRetry-After: " RETRY_AFTER_S \
                "\r\nContent-Length: 0\r\n\r\n"
#define EPISODE_NS (10 * UINT64_C(1000000000)) /* quiet time that ends an episode */
/* What clients send is requests and RTCP reports: a small receive buffer
 * keeps little unread in the kernel. */
#define RCVBUF 16384
#define BYTES_BEFORE_AUTH 4 /* times max_request, in all */
#define BODY_AFTER_AUTH 16  /* times max_request, a body */
/* After authentication a client may send 64 times max_request, plus
 * max_request a second on average: requests and RTCP reports are far
 * less. */
#define BURST_AFTER_AUTH 64
/* How often the guard looks at what every connection has sent. */
#define GUARD_PERIOD_NS (50 * 1000000L)

struct cc_rtsp_peer {
    cc_rtsp_access *a;
    atomic_int refs;
    GstRTSPClient *client;      /* until "closed" (a->lock) */
    GstRTSPSessionPool *pool;   /* its own sessions */
    gulong removed_id;          /* its "session-removed" handler */
    char addr[64];
    pthread_mutex_t fd_lock;    /* fd, leg_fd, cut: the guard and pushers use them */
    int fd;                     /* a duplicate of its socket until "closed"; -1 */
    int leg_fd;                 /* RTSP over HTTP: the POST socket it reads; -1 */
    bool cut;                   /* reset by the guard */
    uint64_t since_ns;          /* CLOCK_MONOTONIC of its connection */
    GSource *deadline;          /* until authenticated */
    unsigned auth_gen;          /* token generation it gave; 0: none (a->lock) */
    atomic_bool closing;
    bool abort;                 /* reset, not close: what it has not read is dropped */
    cc_rtsp_peer *prev, *next;  /* a->peers (a->lock) */
};

struct cc_rtsp_access {
    GMainContext *ctx;
    GstRTSPServer *server;      /* not referenced: it outlives us */
    GstRTSPAuth *auth;          /* ours, referenced */
    gulong connected_id;
    cc_rtsp_limits lim;
    cc_rtsp_ready_fn ready;
    void *ready_arg;
    GstRTSPToken *grant;        /* what an authenticated request gets */

    pthread_mutex_t lock;       /* token, gen, peers, peer->client/auth_gen */
    char token[CC_TOKEN_MAX + 1]; /* "": open */
    unsigned gen;               /* bumped by every change of token; never 0 */
    cc_rtsp_peer *peers;
    size_t n_peers;

    atomic_uint_fast64_t clients_total, sessions_now;
    atomic_uint_fast64_t limited[CC_RTSP_N_LIMITS];
    atomic_uint_fast64_t episode_ns[CC_RTSP_N_LIMITS]; /* last hit of each */

    GPtrArray *closed;          /* clients to unreference once out of their close (lock) */
    bool drain_queued;          /* (lock) */

    pthread_t guard;            /* the byte budget's thread */
    bool guard_started;
    atomic_bool guard_stop;
};

/* On a GstRTSPClient: its peer (not referenced; cleared at "closed"). */
static GQuark peer_quark;

/* Counting, logging. */

static const char *const limit_names[CC_RTSP_N_LIMITS] = {
    [CC_RTSP_LIMIT_FULL] = "full",
    [CC_RTSP_LIMIT_PER_ADDRESS] = "per_address",
    [CC_RTSP_LIMIT_AUTH_TIMEOUT] = "auth_timeout",
    [CC_RTSP_LIMIT_REQUEST_SIZE] = "request_size",
    [CC_RTSP_LIMIT_SESSIONS] = "sessions",
    [CC_RTSP_LIMIT_STALLED] = "stalled",
    [CC_RTSP_LIMIT_TOKEN] = "token",
    [CC_RTSP_LIMIT_ROTATED] = "token_changed",
    [CC_RTSP_LIMIT_OFFLINE] = "offline",
};

const char *cc_rtsp_limit_name(cc_rtsp_limit l)
{
    return l < CC_RTSP_N_LIMITS ? limit_names[l] : "unknown";
}

static void log_episode(const cc_rtsp_access *a, cc_rtsp_limit l)
{
    const cc_rtsp_limits *m = &a->lim;
    switch (l) {
    case CC_RTSP_LIMIT_FULL:
        cc_warn("RTSP: max_clients (%u) reached: new connections get 503 (counted in /stats)",
                m->max_clients);
        break;
    case CC_RTSP_LIMIT_PER_ADDRESS:
        cc_warn("RTSP: max_clients_per_address (%u) reached by an address: its new "
                "connections get 503 (counted in /stats)", m->max_clients_per_address);
        break;
    case CC_RTSP_LIMIT_AUTH_TIMEOUT:
        cc_warn("RTSP: a connection made no authenticated request within %g s: closed "
                "(counted in /stats)", m->auth_timeout_s);
        break;
    case CC_RTSP_LIMIT_REQUEST_SIZE:
        cc_warn("RTSP: a request over max_request (%u bytes), or more than %u bytes before "
                "authenticating: 413 and closed (counted in /stats)", m->max_request,
                BYTES_BEFORE_AUTH * m->max_request);
        break;
    case CC_RTSP_LIMIT_SESSIONS:
        cc_warn("RTSP: max_sessions (%u) or max_sessions_per_client (%u) reached: SETUP "
                "gets 503 (counted in /stats)", m->max_sessions, m->max_sessions_per_client);
        break;
    case CC_RTSP_LIMIT_STALLED:
        cc_warn("RTSP: a client took no frame for %g s: disconnected (counted in /stats)",
                m->stall_timeout_s);
        break;
    case CC_RTSP_LIMIT_ROTATED:
        cc_warn("RTSP: the token changed: connections that gave the old one are closed");
        break;
    case CC_RTSP_LIMIT_OFFLINE:
        cc_warn("RTSP: a camera that is offline was asked for: 503 (counted in /stats)");
        break;
    default:
        break;
    }
}

void cc_rtsp_access_count(cc_rtsp_access *a, cc_rtsp_limit l)
{
    if (l >= CC_RTSP_N_LIMITS)
        return;
    atomic_fetch_add_explicit(&a->limited[l], 1, memory_order_relaxed);
    /* A Basic client's first 401 is the normal challenge: not worth a line. */
    if (l == CC_RTSP_LIMIT_TOKEN)
        return;
    uint64_t now = cc_realtime_ns();
    uint64_t last = atomic_exchange(&a->episode_ns[l], now);
    if (last == 0 || now - last > EPISODE_NS)
        log_episode(a, l);
}

/* The token in a request. */

/* Whether a Basic credential's password (any user name) is token. */
static bool basic_matches(const char *token, const char *b64)
{
    gsize len = 0;
    guchar *plain = g_base64_decode(b64, &len);
    if (!plain)
        return false;
    const guchar *colon = memchr(plain, ':', len);
    bool ok = colon && cc_token_equal(token, (const char *)colon + 1,
                                      len - (size_t)(colon + 1 - plain));
    explicit_bzero(plain, len); /* a password */
    g_free(plain);
    return ok;
}

bool cc_rtsp_request_has_token(const GstRTSPMessage *request, const GstRTSPUrl *uri,
                               const char *token)
{
    if (!token || !token[0])
        return false;
    bool ok = false;
    if (request) {
        /* It does not change the message; its prototype is not const. */
        GstRTSPAuthCredential **creds = gst_rtsp_message_parse_auth_credentials(
            (GstRTSPMessage *)request, GST_RTSP_HDR_AUTHORIZATION);
        for (GstRTSPAuthCredential **c = creds; c && *c && !ok; c++)
            if ((*c)->scheme == GST_RTSP_AUTH_BASIC && (*c)->authorization)
                ok = basic_matches(token, (*c)->authorization);
        if (creds)
            gst_rtsp_auth_credentials_free(creds);
    }
    if (!ok && uri && uri->query) {
        /* Percent-decoded as the WebSocket port does ('+' is a space); a
         * value longer than a token cannot be one. */
        char given[CC_TOKEN_MAX + 1];
        long n = cc_query_value(uri->query, "token", given, sizeof given);
        ok = n >= 0 && (size_t)n <= sizeof given && cc_token_equal(token, given, (size_t)n);
        explicit_bzero(given, sizeof given);
    }
    return ok;
}

/* Peers. */

static cc_rtsp_peer *peer_of(GstRTSPClient *client)
{
    return client ? g_object_get_qdata(G_OBJECT(client), peer_quark) : NULL;
}

static cc_rtsp_peer *peer_ref(cc_rtsp_peer *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void cc_rtsp_peer_unref(cc_rtsp_peer *p)
{
    if (!p || atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (p->pool) {
        if (p->removed_id)
            g_signal_handler_disconnect(p->pool, p->removed_id);
        g_object_unref(p->pool);
    }
    if (p->fd >= 0)
        close(p->fd);
    if (p->leg_fd >= 0)
        close(p->leg_fd);
    pthread_mutex_destroy(&p->fd_lock);
    g_free(p);
}

static void peer_unref_notify(gpointer p)
{
    cc_rtsp_peer_unref(p);
}

cc_rtsp_peer *cc_rtsp_access_current_peer(void)
{
    GstRTSPContext *ctx = gst_rtsp_context_get_current();
    cc_rtsp_peer *p = ctx ? peer_of(ctx->client) : NULL;
    return p ? peer_ref(p) : NULL;
}

bool cc_rtsp_peer_unsent_above(cc_rtsp_peer *p, size_t bytes)
{
    int unsent = 0;
    pthread_mutex_lock(&p->fd_lock);
    bool above = p->fd >= 0 && ioctl(p->fd, SIOCOUTQNSD, &unsent) == 0 && unsent >= 0 &&
                 (size_t)unsent > bytes;
    pthread_mutex_unlock(&p->fd_lock);
    return above;
}

static void drop_source(GSource **s)
{
    if (*s) {
        g_source_destroy(*s);
        g_source_unref(*s);
        *s = NULL;
    }
}

/* Closes p's connection if it is still open. Its last reference must not
 * go inside gst_rtsp_client_close (it holds the client's lock): ours is
 * dropped after. */
static void close_peer(cc_rtsp_peer *p)
{
    pthread_mutex_lock(&p->a->lock);
    GstRTSPClient *client = p->client ? g_object_ref(p->client) : NULL;
    pthread_mutex_unlock(&p->a->lock);
    if (client) {
        gst_rtsp_client_close(client);
        g_object_unref(client);
    }
}

/* A TCP reset of fd's connection: its queues dropped, the client and
 * GStreamer's reader see the end at once (a TCP disconnect). */
static void reset(int fd)
{
    if (fd < 0)
        return;
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    int rc = connect(fd, &unspec, sizeof unspec);
    (void)rc; /* already gone: nothing to reset */
}

static gboolean close_later(gpointer data)
{
    cc_rtsp_peer *p = data;
    /* A client too slow to take the stream would read what its socket
     * still holds (megabytes) before it sees the end: reset it instead
     * (a TCP disconnect drops the queue and sends RST). */
    if (p->abort)
        reset(p->fd);
    close_peer(p);
    return G_SOURCE_REMOVE;
}

void cc_rtsp_peer_close(cc_rtsp_peer *p, cc_rtsp_limit why)
{
    if (atomic_exchange(&p->closing, true))
        return;
    p->abort = why == CC_RTSP_LIMIT_STALLED; /* read on the server's thread, after this */
    cc_rtsp_access_count(p->a, why);
    GSource *s = g_idle_source_new();
    g_source_set_callback(s, close_later, peer_ref(p), peer_unref_notify);
    g_source_attach(s, p->a->ctx);
    g_source_unref(s);
}

/* The connection's first authenticated request: no deadline, and room
 * for larger bodies. */
static void authenticated(cc_rtsp_peer *p)
{
    drop_source(&p->deadline);
    GstRTSPClient *client = p->client;
    GstRTSPConnection *conn = client ? gst_rtsp_client_get_connection(client) : NULL;
    if (conn)
        gst_rtsp_connection_set_content_length_limit(conn,
                                                     BODY_AFTER_AUTH * p->a->lim.max_request);
}

/* What fd's connection has received in all (TCP_INFO); 0 when that is
 * not known (not TCP, a kernel before 4.1). */
static uint64_t received(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received)
        return 0;
    return ti.tcpi_bytes_received;
}

/* The byte budget, on a thread of its own. GStreamer's parser reads a
 * request a byte at a time for as long as bytes come, on the server's
 * thread: a client that never stops sending header lines would keep that
 * thread, and every other client, waiting, and GStreamer keeps every line.
 * Before its first authenticated request a connection may send
 * 4 * max_request bytes in all; after it 64 * max_request plus max_request
 * a second. Past that its socket is reset from here, which ends
 * GStreamer's read. */
static void *guard_main(void *arg)
{
    cc_rtsp_access *a = arg;
    const uint64_t unit = a->lim.max_request;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!atomic_load(&a->guard_stop)) {
        next.tv_nsec += GUARD_PERIOD_NS;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
        }
        uint64_t now = cc_monotonic_ns();
        pthread_mutex_lock(&a->lock);
        for (cc_rtsp_peer *p = a->peers; p; p = p->next) {
            uint64_t allowance = p->auth_gen == 0 ? BYTES_BEFORE_AUTH * unit
                                 : BURST_AFTER_AUTH * unit +
                                       unit * ((now - p->since_ns) / 1000000000u);
            pthread_mutex_lock(&p->fd_lock);
            if (!p->cut && received(p->fd) + received(p->leg_fd) > allowance) {
                p->cut = true;
                reset(p->fd);
                reset(p->leg_fd);
                cc_rtsp_access_count(a, CC_RTSP_LIMIT_REQUEST_SIZE);
            }
            pthread_mutex_unlock(&p->fd_lock);
        }
        pthread_mutex_unlock(&a->lock);
    }
    return NULL;
}

static gboolean on_deadline(gpointer data)
{
    cc_rtsp_peer *p = data;
    pthread_mutex_lock(&p->a->lock);
    bool late = p->auth_gen == 0;
    pthread_mutex_unlock(&p->a->lock);
    if (late) {
        cc_rtsp_access_count(p->a, CC_RTSP_LIMIT_AUTH_TIMEOUT);
        close_peer(p);
    }
    return G_SOURCE_REMOVE;
}

static void on_session_removed(GstRTSPSessionPool *pool, GstRTSPSession *s, gpointer data)
{
    (void)pool, (void)s;
    cc_rtsp_access *a = data;
    atomic_fetch_sub_explicit(&a->sessions_now, 1, memory_order_relaxed);
}

static void on_new_session(GstRTSPClient *client, GstRTSPSession *s, gpointer data)
{
    (void)client;
    cc_rtsp_peer *p = data;
    atomic_fetch_add_explicit(&p->a->sessions_now, 1, memory_order_relaxed);
    gst_rtsp_session_set_timeout(s, (guint)(p->a->lim.session_timeout_s + 0.5));
}

/* Every response: 503 says when to come back; a 413 is counted. */
static void on_send_message(GstRTSPClient *client, GstRTSPContext *ctx, GstRTSPMessage *m,
                            gpointer data)
{
    (void)client, (void)ctx;
    cc_rtsp_access *a = ((cc_rtsp_peer *)data)->a;
    if (gst_rtsp_message_get_type(m) != GST_RTSP_MESSAGE_RESPONSE)
        return;
    GstRTSPStatusCode code = GST_RTSP_STS_OK;
    if (gst_rtsp_message_parse_response(m, &code, NULL, NULL) != GST_RTSP_OK)
        return;
    if (code == GST_RTSP_STS_SERVICE_UNAVAILABLE &&
        gst_rtsp_message_get_header(m, GST_RTSP_HDR_RETRY_AFTER, NULL, 0) != GST_RTSP_OK)
        gst_rtsp_message_add_header(m, GST_RTSP_HDR_RETRY_AFTER, RETRY_AFTER_S);
    if (code == GST_RTSP_STS_REQUEST_ENTITY_TOO_LARGE)
        cc_rtsp_access_count(a, CC_RTSP_LIMIT_REQUEST_SIZE);
}

static GstRTSPFilterResult end_session(GstRTSPSessionPool *pool, GstRTSPSession *s,
                                       gpointer data)
{
    (void)pool, (void)s, (void)data;
    return GST_RTSP_FILTER_REMOVE;
}

/* Our references on closed clients, dropped on the next turn of the loop.
 * GStreamer closes a client holding its lock, and drops references in
 * there (the server's own, the watch's): when it runs without a caller's
 * reference (its close after a failed send does), the last one would go
 * inside and free the locked mutex. Ours keeps the client alive until
 * then. */
static void drain_closed(cc_rtsp_access *a)
{
    pthread_mutex_lock(&a->lock);
    GPtrArray *dead = a->closed;
    a->closed = g_ptr_array_new_with_free_func(g_object_unref);
    a->drain_queued = false;
    pthread_mutex_unlock(&a->lock);
    g_ptr_array_unref(dead);
}

static gboolean on_drain(gpointer data)
{
    drain_closed(data);
    return G_SOURCE_REMOVE;
}

static bool same_socket(int fd, int other)
{
    struct stat x, y;
    return fd >= 0 && other >= 0 && fstat(fd, &x) == 0 && fstat(other, &y) == 0 &&
           x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* An RTSP-over-HTTP tunnel: the client's POST connection "closes" when the
 * server hands its socket to the GET connection's client, which reads its
 * requests from it from then on. That client's peer keeps guarding it.
 * Returns whether p's socket found such a new owner. a->lock held. */
static bool hand_over_leg(cc_rtsp_peer *p)
{
    for (cc_rtsp_peer *q = p->a->peers; q; q = q->next) {
        GstRTSPConnection *conn = q != p && q->client ?
                                      gst_rtsp_client_get_connection(q->client) : NULL;
        GSocket *rs = conn ? gst_rtsp_connection_get_read_socket(conn) : NULL;
        if (!rs || !same_socket(g_socket_get_fd(rs), p->fd))
            continue;
        pthread_mutex_lock(&q->fd_lock);
        bool free_slot = q->leg_fd < 0;
        if (free_slot) {
            q->leg_fd = p->fd;
            p->fd = -1;
        }
        pthread_mutex_unlock(&q->fd_lock);
        return free_slot;
    }
    return false;
}

/* The connection is closed: its sessions end (nobody else can name them),
 * and their media with them. */
static void on_closed(GstRTSPClient *client, gpointer data)
{
    cc_rtsp_peer *p = data;
    cc_rtsp_access *a = p->a;
    drop_source(&p->deadline);
    GList *none = gst_rtsp_session_pool_filter(p->pool, end_session, NULL);
    g_list_free(none); /* REMOVE returns nothing */
    pthread_mutex_lock(&a->lock);
    if (p->prev)
        p->prev->next = p->next;
    else
        a->peers = p->next;
    if (p->next)
        p->next->prev = p->prev;
    a->n_peers--;
    p->client = NULL;
    bool handed = p->fd >= 0 && hand_over_leg(p);
    (void)handed; /* else closed below */
    g_ptr_array_add(a->closed, client); /* the reference on_connected took */
    bool queue = !a->drain_queued;
    a->drain_queued = true;
    pthread_mutex_unlock(&a->lock);
    if (queue) {
        GSource *s = g_idle_source_new();
        g_source_set_callback(s, on_drain, a, NULL);
        g_source_attach(s, a->ctx);
        g_source_unref(s);
    }
    g_object_set_qdata(G_OBJECT(client), peer_quark, NULL);
    guint n = g_signal_handlers_disconnect_by_data(client, p);
    (void)n;
    /* Our hold on the socket ends now, even if a media made on it still
     * holds p. */
    pthread_mutex_lock(&p->fd_lock);
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    pthread_mutex_unlock(&p->fd_lock);
    cc_rtsp_peer_unref(p);
}

static void on_connected(GstRTSPServer *server, GstRTSPClient *client, gpointer data)
{
    (void)server;
    cc_rtsp_access *a = data;
    /* GLib's allocators abort when memory runs out, as GStreamer's do. */
    cc_rtsp_peer *p = g_new0(cc_rtsp_peer, 1);
    GstRTSPSessionPool *pool = gst_rtsp_session_pool_new();
    GstRTSPConnection *conn = gst_rtsp_client_get_connection(client); /* set by the server */
    atomic_init(&p->refs, 1);
    pthread_mutex_init(&p->fd_lock, NULL);
    p->a = a;
    p->client = g_object_ref(client); /* until after its close: drain_closed */
    p->pool = pool;
    p->fd = p->leg_fd = -1;
    p->since_ns = cc_monotonic_ns();
    snprintf(p->addr, sizeof p->addr, "%s", gst_rtsp_connection_get_ip(conn));
    GSocket *sock = gst_rtsp_connection_get_read_socket(conn);
    int fd = sock ? g_socket_get_fd(sock) : -1;
    if (fd >= 0)
        p->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (p->fd >= 0) {
        int rcvbuf = RCVBUF;
        int rc = setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        (void)rc; /* a larger one only leaves more unread in the kernel */
    }
    gst_rtsp_connection_set_content_length_limit(conn, a->lim.max_request);

    /* Sessions of its own: an id means nothing on another connection. */
    gst_rtsp_session_pool_set_max_sessions(pool, a->lim.max_sessions_per_client);
    p->removed_id = g_signal_connect(pool, "session-removed", G_CALLBACK(on_session_removed), a);
    gst_rtsp_client_set_session_pool(client, pool);

    g_object_set_qdata(G_OBJECT(client), peer_quark, p);
    g_signal_connect(client, "closed", G_CALLBACK(on_closed), p);
    g_signal_connect(client, "new-session", G_CALLBACK(on_new_session), p);
    g_signal_connect(client, "send-message", G_CALLBACK(on_send_message), p);

    p->deadline = g_timeout_source_new((guint)(a->lim.auth_timeout_s * 1000 + 0.5));
    g_source_set_callback(p->deadline, on_deadline, p, NULL);
    g_source_attach(p->deadline, a->ctx);

    pthread_mutex_lock(&a->lock);
    p->next = a->peers;
    if (a->peers)
        a->peers->prev = p;
    a->peers = p;
    a->n_peers++;
    pthread_mutex_unlock(&a->lock);
    atomic_fetch_add_explicit(&a->clients_total, 1, memory_order_relaxed);
}

/* Auth: a GstRTSPAuth whose checks are ours. */

typedef struct CcAuth {
    GstRTSPAuth parent;
    cc_rtsp_access *a; /* NULL once the access is freed */
} CcAuth;

typedef struct CcAuthClass {
    GstRTSPAuthClass parent_class;
} CcAuthClass;

G_DEFINE_TYPE(CcAuth, cc_auth, GST_TYPE_RTSP_AUTH)

/* The credentials of the request, else those its connection gave before
 * under the same token: clients build SETUP's URL from Content-Base, which
 * has no query, so a ?token= DESCRIBE is followed by bare SETUPs. Grants
 * nothing when they are wrong. */
static gboolean authenticate(GstRTSPAuth *auth, GstRTSPContext *ctx)
{
    cc_rtsp_access *a = ((CcAuth *)auth)->a;
    if (!a)
        return TRUE;
    cc_rtsp_peer *p = peer_of(ctx->client);
    pthread_mutex_lock(&a->lock);
    unsigned gen = a->gen;
    bool ok = !a->token[0] || (p && p->auth_gen == gen) ||
              cc_rtsp_request_has_token(ctx->request, ctx->uri, a->token);
    bool first = ok && p && p->auth_gen == 0;
    if (ok && p)
        p->auth_gen = gen;
    pthread_mutex_unlock(&a->lock);
    if (ok) {
        /* Not referenced by the context (the parent does the same with
         * its default token): the grant outlives every request. */
        ctx->token = a->grant;
        if (first)
            authenticated(p);
    } else {
        cc_rtsp_access_count(a, CC_RTSP_LIMIT_TOKEN);
    }
    return TRUE;
}

/* A response of ours to the request being handled. */
static void respond(GstRTSPAuth *auth, GstRTSPContext *ctx, GstRTSPStatusCode code)
{
    if (!ctx->client || !ctx->response)
        return;
    gst_rtsp_message_init_response(ctx->response, code, gst_rtsp_status_as_text(code),
                                   ctx->request);
    if (code == GST_RTSP_STS_UNAUTHORIZED)
        GST_RTSP_AUTH_GET_CLASS(auth)->generate_authenticate_header(auth, ctx);
    if (code == GST_RTSP_STS_SERVICE_UNAVAILABLE)
        gst_rtsp_message_add_header(ctx->response, GST_RTSP_HDR_RETRY_AFTER, RETRY_AFTER_S);
    gst_rtsp_client_send_message(ctx->client, ctx->session, ctx->response);
}

/* A connection over the limits: one refusal line, then the server closes
 * it. */
static gboolean admit(cc_rtsp_access *a, GstRTSPContext *ctx)
{
    const char *ip = ctx->conn ? gst_rtsp_connection_get_ip(ctx->conn) : NULL;
    size_t same = 0;
    pthread_mutex_lock(&a->lock);
    size_t n = a->n_peers;
    for (const cc_rtsp_peer *p = a->peers; p && ip; p = p->next)
        same += strcmp(p->addr, ip) == 0;
    pthread_mutex_unlock(&a->lock);
    cc_rtsp_limit why;
    if (n >= a->lim.max_clients)
        why = CC_RTSP_LIMIT_FULL;
    else if (a->lim.max_clients_per_address && same >= a->lim.max_clients_per_address)
        why = CC_RTSP_LIMIT_PER_ADDRESS;
    else
        return TRUE;
    cc_rtsp_access_count(a, why);
    GSocket *s = ctx->conn ? gst_rtsp_connection_get_write_socket(ctx->conn) : NULL;
    int fd = s ? g_socket_get_fd(s) : -1;
    if (fd >= 0) {
        ssize_t w = send(fd, REFUSAL, sizeof REFUSAL - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        (void)w; /* a client that cannot take it is closed all the same */
    }
    return FALSE;
}

/* Whether the request may open a session (or a media) of the factory:
 * the camera can play, and a SETUP without a session finds room. */
static bool camera_and_room(GstRTSPAuth *auth, cc_rtsp_access *a, GstRTSPContext *ctx)
{
    if (ctx->factory && !a->ready(ctx->factory, a->ready_arg)) {
        cc_rtsp_access_count(a, CC_RTSP_LIMIT_OFFLINE);
        respond(auth, ctx, GST_RTSP_STS_SERVICE_UNAVAILABLE);
        return false;
    }
    if (ctx->method != GST_RTSP_SETUP || ctx->session)
        return true;
    cc_rtsp_peer *p = peer_of(ctx->client);
    bool full = atomic_load(&a->sessions_now) >= a->lim.max_sessions ||
                (p && gst_rtsp_session_pool_get_n_sessions(p->pool) >=
                          a->lim.max_sessions_per_client);
    if (full) {
        cc_rtsp_access_count(a, CC_RTSP_LIMIT_SESSIONS);
        respond(auth, ctx, GST_RTSP_STS_SERVICE_UNAVAILABLE);
    }
    return !full;
}

static gboolean check(GstRTSPAuth *auth, GstRTSPContext *ctx, const gchar *what)
{
    cc_rtsp_access *a = ((CcAuth *)auth)->a;
    GstRTSPAuthClass *parent = GST_RTSP_AUTH_CLASS(cc_auth_parent_class);
    if (!a)
        return parent->check(auth, ctx, what);
    if (g_str_equal(what, GST_RTSP_AUTH_CHECK_CONNECT))
        return admit(a, ctx) && parent->check(auth, ctx, what);
    if (g_str_equal(what, GST_RTSP_AUTH_CHECK_URL)) {
        /* Every method but OPTIONS: PLAY, PAUSE, TEARDOWN, GET_PARAMETER
         * and SET_PARAMETER too, not only what opens a media. */
        if (ctx->method == GST_RTSP_OPTIONS)
            return TRUE;
        if (!ctx->token)
            authenticate(auth, ctx);
        if (ctx->token)
            return TRUE;
        respond(auth, ctx, GST_RTSP_STS_UNAUTHORIZED);
        return FALSE;
    }
    if (g_str_equal(what, GST_RTSP_AUTH_CHECK_MEDIA_FACTORY_ACCESS))
        return parent->check(auth, ctx, what) && camera_and_room(auth, a, ctx);
    return parent->check(auth, ctx, what);
}

static void cc_auth_init(CcAuth *x)
{
    x->a = NULL;
}

static void cc_auth_class_init(CcAuthClass *k)
{
    GST_RTSP_AUTH_CLASS(k)->authenticate = authenticate;
    GST_RTSP_AUTH_CLASS(k)->check = check;
}

/* Token. */

static gboolean sweep(gpointer data)
{
    cc_rtsp_access *a = data;
    GPtrArray *stale = g_ptr_array_new_with_free_func(g_object_unref);
    pthread_mutex_lock(&a->lock);
    for (cc_rtsp_peer *p = a->peers; p && a->token[0]; p = p->next)
        if (p->client && p->auth_gen && p->auth_gen != a->gen)
            g_ptr_array_add(stale, g_object_ref(p->client));
    pthread_mutex_unlock(&a->lock);
    for (guint i = 0; i < stale->len; i++) {
        cc_rtsp_access_count(a, CC_RTSP_LIMIT_ROTATED);
        gst_rtsp_client_close(g_ptr_array_index(stale, i));
    }
    g_ptr_array_unref(stale);
    return G_SOURCE_REMOVE;
}

int cc_rtsp_access_set_token(cc_rtsp_access *a, const char *token)
{
    size_t len = token ? strlen(token) : 0;
    if (len && !cc_token_valid(token, len))
        return -EINVAL;
    pthread_mutex_lock(&a->lock);
    bool changed = strcmp(a->token, len ? token : "") != 0;
    if (changed) {
        memcpy(a->token, len ? token : "", len + 1);
        if (++a->gen == 0)
            a->gen = 1;
    }
    pthread_mutex_unlock(&a->lock);
    if (changed) {
        GSource *s = g_idle_source_new();
        g_source_set_callback(s, sweep, a, NULL);
        g_source_attach(s, a->ctx);
        g_source_unref(s);
    }
    return 0;
}

/* The rest. */

/* The clients (referenced) or their pools, taken under the lock and used
 * after: closing a client or ending a session calls back into us. */
static GPtrArray *collect(cc_rtsp_access *a, bool pools)
{
    GPtrArray *all = g_ptr_array_new_with_free_func(g_object_unref);
    pthread_mutex_lock(&a->lock);
    for (cc_rtsp_peer *p = a->peers; p; p = p->next) {
        if (pools)
            g_ptr_array_add(all, g_object_ref(p->pool));
        else if (p->client)
            g_ptr_array_add(all, g_object_ref(p->client));
    }
    pthread_mutex_unlock(&a->lock);
    return all;
}

void cc_rtsp_access_expire(cc_rtsp_access *a)
{
    GPtrArray *pools = collect(a, true);
    for (guint i = 0; i < pools->len; i++) {
        guint n = gst_rtsp_session_pool_cleanup(g_ptr_array_index(pools, i));
        (void)n;
    }
    g_ptr_array_unref(pools);
}

void cc_rtsp_access_close_all(cc_rtsp_access *a)
{
    GPtrArray *clients = collect(a, false);
    for (guint i = 0; i < clients->len; i++)
        gst_rtsp_client_close(g_ptr_array_index(clients, i));
    g_ptr_array_unref(clients);
}

void cc_rtsp_access_get(const cc_rtsp_access *a, cc_rtsp_stats *out)
{
    cc_rtsp_access *m = (cc_rtsp_access *)a; /* the lock */
    pthread_mutex_lock(&m->lock);
    out->clients_now = a->n_peers;
    pthread_mutex_unlock(&m->lock);
    out->clients_total = atomic_load(&a->clients_total);
    out->sessions_now = atomic_load(&a->sessions_now);
    for (size_t i = 0; i < CC_RTSP_N_LIMITS; i++)
        out->limited[i] = atomic_load(&a->limited[i]);
    out->refused_token = out->limited[CC_RTSP_LIMIT_TOKEN];
}

cc_rtsp_access *cc_rtsp_access_new(GstRTSPServer *server, GMainContext *ctx,
                                   const cc_rtsp_limits *l, const char *token,
                                   cc_rtsp_ready_fn ready, void *ready_arg)
{
    cc_rtsp_access *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    if (!peer_quark)
        peer_quark = g_quark_from_static_string("camcast-rtsp-peer");
    a->ctx = ctx;
    a->server = server;
    a->lim = *l;
    a->ready = ready;
    a->ready_arg = ready_arg;
    pthread_mutex_init(&a->lock, NULL);
    atomic_init(&a->guard_stop, false);
    a->closed = g_ptr_array_new_with_free_func(g_object_unref);
    a->gen = 1;
    size_t len = token ? strlen(token) : 0;
    if (len > CC_TOKEN_MAX)
        len = 0; /* the caller checked it */
    memcpy(a->token, len ? token : "", len + 1);
    a->grant = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, ROLE, NULL);
    CcAuth *auth = g_object_new(cc_auth_get_type(), NULL);
    if (!a->grant || !auth) {
        if (auth)
            g_object_unref(auth);
        cc_rtsp_access_free(a);
        return NULL;
    }
    auth->a = a;
    a->auth = GST_RTSP_AUTH(auth);
    gst_rtsp_auth_set_realm(a->auth, REALM);
    gst_rtsp_auth_set_supported_methods(a->auth, GST_RTSP_AUTH_BASIC);
    gst_rtsp_server_set_auth(server, a->auth);
    a->connected_id = g_signal_connect(server, "client-connected", G_CALLBACK(on_connected), a);
    if (a->connected_id == 0 || pthread_create(&a->guard, NULL, guard_main, a) != 0) {
        cc_rtsp_access_free(a);
        return NULL;
    }
    a->guard_started = true;
    return a;
}

void cc_rtsp_access_free(cc_rtsp_access *a)
{
    if (!a)
        return;
    if (a->guard_started) {
        atomic_store(&a->guard_stop, true);
        int rc = pthread_join(a->guard, NULL);
        (void)rc; /* joinable and not us: cannot fail */
    }
    if (a->connected_id)
        g_signal_handler_disconnect(a->server, a->connected_id);
    if (a->auth) {
        ((CcAuth *)a->auth)->a = NULL;
        g_object_unref(a->auth);
    }
    /* Connections the loop did not see close: forget them. */
    while (a->peers) {
        cc_rtsp_peer *p = a->peers;
        a->peers = p->next;
        drop_source(&p->deadline);
        if (p->client) {
            g_object_set_qdata(G_OBJECT(p->client), peer_quark, NULL);
            guint n = g_signal_handlers_disconnect_by_data(p->client, p);
            (void)n;
            g_object_unref(p->client);
        }
        cc_rtsp_peer_unref(p);
    }
    if (a->closed)
        g_ptr_array_unref(a->closed);
    if (a->grant)
        gst_rtsp_token_unref(a->grant);
    explicit_bzero(a->token, sizeof a->token);
    pthread_mutex_destroy(&a->lock);
    free(a);
}
