/* camcast-oldproducer: the grabber side of the design CameraCast replaces,
 * for the bench (docs/performance.md, "Against the old design").
 *
 *   camcast-oldproducer --url ws://127.0.0.1:PORT/stream --unix PATH
 *
 * The old design: a C++ grabber muxed each tick's JPEGs into a bundle and
 * wrote it, blocking, into a UNIX stream socket, to a Python WebSocket
 * bridge that relayed it to every viewer. Here camcastd does the grabbing,
 * encoding and muxing, so both designs carry the very same bundles: this
 * program is one WebSocket client of camcastd (the client library) and
 * writes its bundles into the bridge's UNIX socket, framed as the old
 * grabber framed them:
 *
 *   record  = u32 length, little-endian, then that many bytes
 *   first   = the hello (JSON text, as camcastd sent it): the bridge's
 *             camera configuration, which it sends to each client first
 *   then    = one record per FrameBundle
 *
 * The old grabber's timing: it muxed a bundle at a tick and wrote it at
 * once, one blocking write per bundle; while a write blocked (the bridge
 * not reading) it muxed nothing, and the bundle after it was fresh. Here:
 * - a writer thread does the blocking writes (one writev per record);
 * - the WebSocket client keeps reading camcastd meanwhile and leaves only
 *   the newest bundle for the writer (the others are counted as skipped:
 *   the ticks the old grabber missed while blocked). Without this, bundles
 *   would wait in camcastd's socket to this program, a queue the old design
 *   did not have;
 * - the bundle's mux_time_ns is set to the moment it is written (the old
 *   grabber wrote right after muxing), so a client's mux->receive is the
 *   old design's fan-out path: UNIX socket, bridge, TCP, client. The
 *   bundle is otherwise unchanged; capture times are camcastd's.
 *
 * On SIGTERM/SIGINT, or when camcastd closes, it prints one JSON line on
 * stdout: bundles received and written, their bytes, skips, the time spent
 * blocked in write, and the age of the bundles when they reached this
 * program (CLOCK_REALTIME now - camcastd's mux_time_ns).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "camcast/framebundle.h"
#include "camcast/ws_client.h"
#include "hist.h"

#define PROG "camcast-oldproducer"
#define MAX_MESSAGE (64u << 20)
#define CONNECT_RETRY_S 10.0
#define MAX_ENTRIES 64
#define MUX_TIME_OFFSET 16 /* docs/protocol.md: mux_time_ns, u64 LE */

typedef struct buf {
    uint8_t *data;
    size_t len, cap;
} buf;

typedef struct producer {
    uv_loop_t loop;
    uv_signal_t sigterm, sigint;
    uv_async_t wake;      /* the writer failed: stop */
    cc_ws_client *ws;
    int fd;               /* the bridge's UNIX socket */
    bool hello_sent;
    bool stopping;
    int exit_code;
    int close_code;
    /* the hand-off: newest wins */
    pthread_t writer;
    bool writer_started;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    buf pending;          /* the newest bundle, not yet taken (reader fills) */
    bool full;
    bool quit;
    buf writing;          /* the writer's */
    /* stats: the reader's */
    uint64_t received, received_bytes, skipped_camcastd, malformed, last_seq;
    uint64_t overwritten; /* bundles the writer never took: skipped here */
    bool have_seq;
    cc_hist age_us;       /* camcastd's mux -> received here */
    cc_fb_entry entries[MAX_ENTRIES];
    /* stats: the writer's (read after join) */
    uint64_t records, written, written_bytes;
    double write_s, write_max_s;
} producer;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int connect_unix(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, PROG ": --unix path too long\n");
        return -1;
    }
    strcpy(sa.sun_path, path);
    double deadline = mono_s() + CONNECT_RETRY_S;
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            break;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        int err = errno;
        close(fd);
        if ((err != ENOENT && err != ECONNREFUSED) || mono_s() > deadline) {
            fprintf(stderr, PROG ": connect %s: %s\n", path, strerror(err));
            return -1;
        }
        usleep(50000);
    }
    fprintf(stderr, PROG ": socket: %s\n", strerror(errno));
    return -1;
}

/* One record, blocking: header and body in one writev (looping only on a
 * partial write). */
static int write_record(producer *p, const void *data, size_t len)
{
    uint8_t hdr[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                      (uint8_t)(len >> 24)};
    struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)data, len}};
    struct iovec *v = iov;
    int n = 2;
    double t0 = mono_s();
    while (n > 0) {
        ssize_t w = writev(p->fd, v, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, PROG ": write to the bridge: %s\n", strerror(errno));
            return -1;
        }
        while (n > 0 && (size_t)w >= v->iov_len) {
            w -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (uint8_t *)v->iov_base + w;
            v->iov_len -= (size_t)w;
        }
    }
    double dt = mono_s() - t0;
    p->write_s += dt;
    if (dt > p->write_max_s)
        p->write_max_s = dt;
    p->records++;
    return 0;
}

static void put64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static void *writer_main(void *arg)
{
    producer *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->full && !p->quit)
            pthread_cond_wait(&p->cond, &p->mu);
        if (p->quit) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        buf t = p->writing;
        p->writing = p->pending;
        p->pending = t;
        p->full = false;
        pthread_mutex_unlock(&p->mu);
        buf *b = &p->writing;
        if (b->len >= MUX_TIME_OFFSET + 8) /* parsed by the reader */
            put64(b->data + MUX_TIME_OFFSET, realtime_ns());
        if (write_record(p, b->data, b->len) < 0) {
            uv_async_send(&p->wake);
            return NULL;
        }
        p->written++;
        p->written_bytes += b->len;
    }
}

static void stop(producer *p, int exit_code)
{
    if (!p->exit_code)
        p->exit_code = exit_code;
    if (p->stopping)
        return;
    p->stopping = true;
    cc_ws_client_close(p->ws, 1000);
}

static void on_open(cc_ws_client *ws, void *arg)
{
    (void)ws;
    (void)arg;
}

static void on_text(cc_ws_client *ws, const char *msg, size_t len, void *arg)
{
    (void)ws;
    producer *p = arg;
    if (p->hello_sent || p->stopping)
        return; /* only the hello: the bridge's configuration */
    /* Before the writer exists: the first record, written here. */
    if (write_record(p, msg, len) < 0) {
        stop(p, 1);
        return;
    }
    p->hello_sent = true;
    if (pthread_create(&p->writer, NULL, writer_main, p) != 0) {
        fprintf(stderr, PROG ": cannot start the writer thread\n");
        stop(p, 1);
        return;
    }
    p->writer_started = true;
}

static bool reserve(buf *b, size_t len)
{
    if (len <= b->cap)
        return true;
    uint8_t *d = realloc(b->data, len);
    if (!d)
        return false;
    b->data = d;
    b->cap = len;
    return true;
}

static void on_binary(cc_ws_client *ws, const uint8_t *msg, size_t len, void *arg)
{
    (void)ws;
    producer *p = arg;
    if (p->stopping || !p->writer_started)
        return;
    cc_fb_header h;
    if (cc_fb_parse(msg, len, MAX_ENTRIES, &h, p->entries) != CC_FB_OK) {
        p->malformed++; /* not relayed: its mux time cannot be set */
        return;
    }
    uint64_t now = realtime_ns();
    cc_hist_add(&p->age_us, now > h.mux_time_ns ? (now - h.mux_time_ns) / 1000 : 0);
    if (p->have_seq && h.bundle_seq > p->last_seq + 1)
        p->skipped_camcastd += h.bundle_seq - p->last_seq - 1;
    p->have_seq = true;
    p->last_seq = h.bundle_seq;
    p->received++;
    p->received_bytes += len;
    pthread_mutex_lock(&p->mu);
    bool ok = reserve(&p->pending, len);
    if (ok) {
        memcpy(p->pending.data, msg, len);
        p->pending.len = len;
        p->overwritten += p->full;
        p->full = true;
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->mu);
    if (!ok) {
        fprintf(stderr, PROG ": out of memory\n");
        stop(p, 1);
    }
}

static void close_handles(producer *p)
{
    uv_close((uv_handle_t *)&p->sigterm, NULL);
    uv_close((uv_handle_t *)&p->sigint, NULL);
    uv_close((uv_handle_t *)&p->wake, NULL);
}

static void on_close(cc_ws_client *ws, int code, const char *reason, void *arg)
{
    (void)ws;
    producer *p = arg;
    p->close_code = code;
    if (!p->stopping && code != 1000 && code != 1001) {
        fprintf(stderr, PROG ": stream closed: %d %s\n", code, reason ? reason : "");
        p->exit_code = 1;
    }
    p->stopping = true;
    close_handles(p);
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    stop(s->data, 0);
}

static void on_wake(uv_async_t *a)
{
    stop(a->data, 1); /* the writer failed */
}

static void print_stats(const producer *p)
{
    printf("{\"records\": %llu, \"received\": %llu, \"received_bytes\": %llu, "
           "\"bundles\": %llu, \"bytes\": %llu, \"hello_sent\": %s, "
           "\"skipped_by_camcastd\": %llu, \"skipped_here\": %llu, \"malformed\": %llu, "
           "\"write_blocked_s\": %.4f, \"write_max_ms\": %.3f, "
           "\"age_ms\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f}, "
           "\"close_code\": %d}\n",
           (unsigned long long)p->records, (unsigned long long)p->received,
           (unsigned long long)p->received_bytes, (unsigned long long)p->written,
           (unsigned long long)p->written_bytes, p->hello_sent ? "true" : "false",
           (unsigned long long)p->skipped_camcastd, (unsigned long long)p->overwritten,
           (unsigned long long)p->malformed, p->write_s, p->write_max_s * 1e3,
           cc_hist_quantile(&p->age_us, 0.5) / 1e3, cc_hist_quantile(&p->age_us, 0.9) / 1e3,
           cc_hist_quantile(&p->age_us, 0.99) / 1e3, (double)p->age_us.max / 1e3,
           p->close_code);
    fflush(stdout);
}

static void usage(FILE *out)
{
    fputs("usage: " PROG " --url ws://HOST:PORT/stream --unix PATH\n"
          "  relays the stream into the old design's bridge: u32 LE length +\n"
          "  message; the hello first, then the newest FrameBundle whenever the\n"
          "  previous write is done\n",
          out);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 'u'},
        {"unix", required_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *url = NULL, *path = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'u': url = optarg; break;
        case 'x': path = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!url || !path) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    static producer p; /* the histogram is large */
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cond, NULL);
    p.fd = connect_unix(path);
    if (p.fd < 0)
        return 1;
    uv_loop_init(&p.loop);
    uv_signal_init(&p.loop, &p.sigterm);
    uv_signal_init(&p.loop, &p.sigint);
    uv_async_init(&p.loop, &p.wake, on_wake);
    p.sigterm.data = p.sigint.data = p.wake.data = &p;
    uv_signal_start(&p.sigterm, on_signal, SIGTERM);
    uv_signal_start(&p.sigint, on_signal, SIGINT);
    static const cc_ws_client_callbacks cb = {on_open, on_text, on_binary, on_close};
    int rc = cc_ws_client_new(&p.ws, &p.loop, &cb, &p, MAX_MESSAGE);
    if (rc == 0)
        rc = cc_ws_client_connect(p.ws, url);
    if (rc < 0) {
        fprintf(stderr, PROG ": %s: %s\n", url, uv_strerror(rc));
        return 1;
    }
    uv_run(&p.loop, UV_RUN_DEFAULT);
    if (p.writer_started) {
        /* The writer ends after the write under way (the pending bundle,
         * if any, is not written). */
        pthread_mutex_lock(&p.mu);
        p.quit = true;
        pthread_cond_signal(&p.cond);
        pthread_mutex_unlock(&p.mu);
        pthread_join(p.writer, NULL);
    }
    cc_ws_client_free(p.ws);
    uv_loop_close(&p.loop);
    close(p.fd); /* the bridge sees the end of the stream */
    print_stats(&p);
    free(p.pending.data);
    free(p.writing.data);
    return p.exit_code;
}
