/* Tests for rtsp_server.c with real clients: ffprobe, ffmpeg and
 * GStreamer's rtspsrc, as subprocesses with a hard time limit, over TCP
 * and UDP on loopback. Two cameras ("left" 320x240, "right" 640x480) get
 * real JPEGs (TurboJPEG, 4:2:0, a moving pattern) 30 times a second from a
 * thread of their own, as the daemon's loop would push them.
 *
 * Exit 77 (skipped) when ffprobe, ffmpeg or gst-launch-1.0 is missing.
 */
#include "stream/rtsp_server.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <glib.h>

#include "check.h"
#include "raw_rtsp.h"

extern char **environ;

#define TOKEN "rtsp-test-token-0123456789"
#define OTHER_TOKEN "another-token-9876543210"
#define CLIENT_TIMEOUT_S 30.0 /* a client run never lasts longer */
#define WAIT_S 10.0           /* for a state to change */

/* "quiet" is never pushed: a camera that has not sent a frame yet. */
static const char *const names[] = {"left", "right", "quiet"};
#define N_CAMS 3
#define N_PUSHED 2
static const uint32_t widths[] = {320, 640}, heights[] = {240, 480};

static cc_rtsp *rtsp;
static unsigned port;
/* A second server with other limits, fed the same frames while it runs. */
static pthread_mutex_t second_lock = PTHREAD_MUTEX_INITIALIZER;
static cc_rtsp *second;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* A server on 127.0.0.1, any port, with the default limits. */
static cc_rtsp_opts opts(const char *token)
{
    cc_rtsp_opts o = {.listen = "127.0.0.1", .port = 0, .token = token, .fps = 30};
    cc_rtsp_limits_default(&o.limits);
    return o;
}

/* The pusher: what the daemon's loop does at each tick. */

static atomic_bool stop_pushing;
static atomic_uint_fast64_t ticks;

static void paint(uint8_t *rgb, uint32_t w, uint32_t h, uint64_t frame)
{
    uint32_t bar = (uint32_t)(frame * 8 % w);
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = rgb + 3 * ((size_t)y * w + x);
            bool on_bar = x >= bar && x < bar + w / 16;
            p[0] = (uint8_t)(x + frame * 3);
            p[1] = (uint8_t)(y * 255 / h);
            p[2] = on_bar ? 255 : (uint8_t)((x ^ y) & 0x3f);
        }
    }
}

static void *pusher(void *arg)
{
    (void)arg;
    tjhandle tj = tjInitCompress();
    uint8_t *rgb = malloc((size_t)widths[1] * heights[1] * 3);
    if (!tj || !rgb) {
        fprintf(stderr, "pusher: cannot start\n");
        exit(EXIT_FAILURE);
    }
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (uint64_t frame = 0; !atomic_load(&stop_pushing); frame++) {
        for (size_t i = 0; i < N_PUSHED; i++) {
            paint(rgb, widths[i], heights[i], frame);
            unsigned char *jpeg = NULL;
            unsigned long len = 0;
            struct timespec cap;
            clock_gettime(CLOCK_REALTIME, &cap);
            if (tjCompress2(tj, rgb, (int)widths[i], 0, (int)heights[i], TJPF_RGB, &jpeg, &len,
                            TJSAMP_420, 80, TJFLAG_FASTDCT) != 0) {
                fprintf(stderr, "pusher: %s\n", tjGetErrorStr2(tj));
                exit(EXIT_FAILURE);
            }
            uint64_t ns = (uint64_t)cap.tv_sec * 1000000000u + (uint64_t)cap.tv_nsec;
            cc_rtsp_push(rtsp, i, jpeg, len, widths[i], heights[i], ns);
            pthread_mutex_lock(&second_lock);
            if (second)
                cc_rtsp_push(second, i, jpeg, len, widths[i], heights[i], ns);
            pthread_mutex_unlock(&second_lock);
            tjFree(jpeg);
        }
        atomic_fetch_add(&ticks, 1);
        next.tv_nsec += 1000000000L / 30;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        /* Late (a loaded machine): skip the ticks missed, as the daemon's
         * tick does, rather than push a burst of frames captured together. */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
            next = now;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
        }
    }
    free(rgb);
    tjDestroy(tj);
    return NULL;
}

/* Clients. */

typedef struct run_result {
    int status;     /* exit code; 128 + signal when killed */
    bool timed_out;
    char out[32768];
    char err[16384];
} run_result;

static pid_t spawn(char *const argv[], int out_fd, int err_fd)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int rc = devnull < 0;
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, devnull, 0);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, out_fd >= 0 ? out_fd : devnull, 1);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, err_fd >= 0 ? err_fd : devnull, 2);
    pid_t pid = -1;
    if (!rc && posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
        pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (devnull >= 0)
        close(devnull);
    return pid;
}

/* Waits for pid until deadline (monotonic seconds), then kills it. */
static int reap(pid_t pid, double deadline, bool *timed_out)
{
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return -1;
        if (now_s() > deadline) {
            if (timed_out)
                *timed_out = true;
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        sleep_ms(20);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void append(char *buf, size_t cap, size_t *len, int fd, bool *open)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n > 0) {
        size_t k = (size_t)n < cap - 1 - *len ? (size_t)n : cap - 1 - *len;
        memcpy(buf + *len, tmp, k);
        *len += k;
        buf[*len] = '\0';
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        *open = false;
    }
}

/* Runs argv to its end (at most timeout_s), keeping its output; tells
 * of a failure unless quiet. */
static void run_as(char *const argv[], double timeout_s, run_result *res, bool quiet)
{
    memset(res, 0, sizeof *res);
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        res->status = -1;
        return;
    }
    pid_t pid = spawn(argv, po[1], pe[1]);
    close(po[1]);
    close(pe[1]);
    double deadline = now_s() + timeout_s;
    size_t out_len = 0, err_len = 0;
    bool out_open = true, err_open = true;
    while (pid > 0 && (out_open || err_open) && now_s() < deadline) {
        struct pollfd p[2] = {{out_open ? po[0] : -1, POLLIN, 0}, {err_open ? pe[0] : -1, POLLIN, 0}};
        if (poll(p, 2, 100) < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            append(res->out, sizeof res->out, &out_len, po[0], &out_open);
        if (p[1].revents)
            append(res->err, sizeof res->err, &err_len, pe[0], &err_open);
    }
    close(po[0]);
    close(pe[0]);
    res->status = pid > 0 ? reap(pid, deadline, &res->timed_out) : -1;
    if (res->status != 0 && !quiet)
        fprintf(stderr, "  %s exited %d%s: %s\n", argv[0], res->status,
                res->timed_out ? " (timed out)" : "", res->err);
}

static void run(char *const argv[], double timeout_s, run_result *res)
{
    run_as(argv, timeout_s, res, false);
}

static void url(char *buf, size_t cap, const char *userinfo, const char *cam, const char *query)
{
    snprintf(buf, cap, "rtsp://%s%s127.0.0.1:%u/%s%s%s", userinfo ? userinfo : "",
             userinfo ? "@" : "", port, cam, query ? "?" : "", query ? query : "");
}

/* ffprobe's view of the stream: codec and size, or false. */
static bool probe(const char *u, const char *transport, char *codec, size_t cap, int *w,
                  int *h, run_result *res)
{
    char *argv[] = {"ffprobe", "-v", "error", "-rtsp_transport", (char *)transport,
                    "-select_streams", "v", "-show_entries", "stream=width,height,codec_name",
                    "-of", "json", (char *)u, NULL};
    run(argv, CLIENT_TIMEOUT_S, res);
    if (res->status != 0)
        return false;
    cJSON *root = cJSON_Parse(res->out);
    cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "streams"), 0);
    cJSON *c = cJSON_GetObjectItem(s, "codec_name");
    cJSON *jw = cJSON_GetObjectItem(s, "width"), *jh = cJSON_GetObjectItem(s, "height");
    bool ok = cJSON_IsString(c) && cJSON_IsNumber(jw) && cJSON_IsNumber(jh);
    if (ok) {
        snprintf(codec, cap, "%s", c->valuestring);
        *w = jw->valueint;
        *h = jh->valueint;
    } else {
        fprintf(stderr, "  unexpected ffprobe output: %s\n", res->out);
    }
    cJSON_Delete(root);
    return ok;
}

static void check_probe(const char *u, const char *transport, size_t cam)
{
    char codec[32] = "";
    int w = 0, h = 0;
    run_result *res = malloc(sizeof *res);
    CHECK(res != NULL);
    if (!res)
        return;
    CHECK(probe(u, transport, codec, sizeof codec, &w, &h, res));
    CHECK(strcmp(codec, "mjpeg") == 0);
    CHECK_EQ_INT(w, widths[cam]);
    CHECK_EQ_INT(h, heights[cam]);
    free(res);
}

/* Decodes n frames with ffmpeg; whether it did. */
static bool ffmpeg_decodes(const char *u, const char *transport, int n)
{
    char frames[16];
    snprintf(frames, sizeof frames, "%d", n);
    char *argv[] = {"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", (char *)transport,
                    "-i", (char *)u, "-frames:v", frames, "-f", "null", "-", NULL};
    run_result *res = malloc(sizeof *res);
    if (!res)
        return false;
    run(argv, CLIENT_TIMEOUT_S, res);
    bool ok = res->status == 0;
    free(res);
    return ok;
}

/* Whether the client was refused with 401. */
static bool refused(const char *u)
{
    char *argv[] = {"ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries",
                    "stream=codec_name", "-of", "json", (char *)u, NULL};
    run_result *res = malloc(sizeof *res);
    if (!res)
        return false;
    run_as(argv, CLIENT_TIMEOUT_S, res, true);
    bool ok = res->status != 0 && !res->timed_out && strstr(res->err, "401");
    if (!ok)
        fprintf(stderr, "  expected a 401, got status %d: %s\n", res->status, res->err);
    free(res);
    return ok;
}

static bool wait_wants(size_t cam, bool want)
{
    double deadline = now_s() + WAIT_S;
    while (cc_rtsp_wants(rtsp, cam) != want) {
        if (now_s() > deadline)
            return false;
        sleep_ms(20);
    }
    return true;
}

/* Tests. */

static void test_idle(void)
{
    /* Pushes with no client are dropped, and nothing is wanted. */
    uint64_t t0 = atomic_load(&ticks);
    while (atomic_load(&ticks) < t0 + 3)
        sleep_ms(10);
    CHECK(!cc_rtsp_wants(rtsp, 0));
    CHECK(!cc_rtsp_wants(rtsp, 1));
    CHECK(!cc_rtsp_wants(rtsp, 2)); /* no such camera */
    cc_rtsp_stats s;
    cc_rtsp_get_stats(rtsp, &s);
    CHECK(s.frames_dropped >= 6);
    CHECK_EQ_INT(s.frames_pushed, 0);
    CHECK_EQ_INT(s.media_now, 0);
    CHECK_EQ_INT(s.clients_now, 0);
    CHECK(port > 0);
}

static void test_probe_tcp_udp(void)
{
    char u[256];
    url(u, sizeof u, NULL, "left", "token=" TOKEN);
    check_probe(u, "tcp", 0);
    url(u, sizeof u, NULL, "right", "token=" TOKEN);
    check_probe(u, "tcp", 1);
    /* Basic authentication: any user, the token as password. */
    url(u, sizeof u, "camcast:" TOKEN, "right", NULL);
    check_probe(u, "udp", 1);
    url(u, sizeof u, NULL, "left", "token=" TOKEN);
    check_probe(u, "udp", 0);
    cc_rtsp_stats s;
    cc_rtsp_get_stats(rtsp, &s);
    CHECK(s.frames_pushed > 0);
    CHECK(s.clients_total >= 4);
}

static void test_gst_decodes(void)
{
    char loc[256], pw[64];
    url(loc, sizeof loc, NULL, "right", NULL);
    char location[300], user[] = "user-id=someone";
    snprintf(location, sizeof location, "location=%s", loc);
    snprintf(pw, sizeof pw, "user-pw=%s", TOKEN);
    /* Over TCP, with Basic; the decoder must see 10 frames (num-buffers
     * ends the pipeline, exit 0). */
    char *tcp[] = {"gst-launch-1.0", "-q", "rtspsrc", location, user, pw, "protocols=tcp",
                   "latency=0", "!", "rtpjpegdepay", "!", "jpegdec", "!", "fakesink",
                   "num-buffers=10", NULL};
    run_result *res = malloc(sizeof *res);
    CHECK(res != NULL);
    if (!res)
        return;
    run(tcp, CLIENT_TIMEOUT_S, res);
    CHECK_EQ_INT(res->status, 0);
    /* Over UDP, the token in the URL. */
    url(loc, sizeof loc, NULL, "left", "token=" TOKEN);
    snprintf(location, sizeof location, "location=%s", loc);
    char *udp[] = {"gst-launch-1.0", "-q", "rtspsrc", location, "protocols=udp", "latency=0",
                   "!", "rtpjpegdepay", "!", "jpegdec", "!", "fakesink", "num-buffers=10",
                   NULL};
    run(udp, CLIENT_TIMEOUT_S, res);
    CHECK_EQ_INT(res->status, 0);
    free(res);
}

/* Timestamps follow the capture times: increasing, 1/30 s apart on
 * average (the pusher's rate). */
static void test_timestamps(void)
{
    char u[256];
    url(u, sizeof u, NULL, "left", "token=" TOKEN);
    char *argv[] = {"ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v",
                    "-show_entries", "packet=pts_time", "-of", "csv=p=0", "-read_intervals",
                    "%+#40", u, NULL};
    run_result *res = malloc(sizeof *res);
    CHECK(res != NULL);
    if (!res)
        return;
    run(argv, CLIENT_TIMEOUT_S, res);
    CHECK_EQ_INT(res->status, 0);
    double first = 0, prev = -1;
    int n = 0, backwards = 0;
    for (char *line = strtok(res->out, "\n"); line; line = strtok(NULL, "\n")) {
        double t = strtod(line, NULL);
        if (n == 0)
            first = t;
        else if (t <= prev)
            backwards++;
        prev = t;
        n++;
    }
    CHECK(n >= 30);
    CHECK_EQ_INT(backwards, 0);
    /* The spacing is logged, not asserted: it is a rate on this machine
     * (frames replaced when the pipeline falls behind; the server moves
     * its timeline down when a frame would be early: rtsp_server.c
     * timestamp()). An exact check needs the server to count its
     * re-anchorings. */
    double mean = n > 1 ? (prev - first) / (n - 1) : 0;
    fprintf(stderr, "  mean frame spacing %.4f s over %d packets\n", mean, n);
    free(res);
}

/* A camera's media goes when its last client leaves and comes back for
 * the next one. */
static void test_second_client(void)
{
    char u[256];
    url(u, sizeof u, NULL, "left", "token=" TOKEN);
    CHECK(ffmpeg_decodes(u, "tcp", 10));
    CHECK(wait_wants(0, false));
    CHECK(ffmpeg_decodes(u, "tcp", 10));
    CHECK(wait_wants(0, false));
    CHECK(ffmpeg_decodes(u, "udp", 10));
    CHECK(wait_wants(0, false));
}

/* wants is true while a client plays, false once it is gone, even when
 * it is killed without a TEARDOWN; two clients share one media. */
static void test_wants(const char *transport)
{
    char u[256];
    url(u, sizeof u, NULL, "right", "token=" TOKEN);
    char *argv[] = {"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", (char *)transport,
                    "-i", u, "-t", "25", "-f", "null", "-", NULL};
    CHECK(!cc_rtsp_wants(rtsp, 1));
    pid_t pid = spawn(argv, -1, -1);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    CHECK(wait_wants(1, true));
    CHECK(!cc_rtsp_wants(rtsp, 0));
    /* Playing: frames flow to it. */
    cc_rtsp_stats a, b;
    double deadline = now_s() + WAIT_S;
    do {
        cc_rtsp_get_stats(rtsp, &a);
        sleep_ms(50);
    } while (a.sessions_now < 1 && now_s() < deadline);
    CHECK(a.sessions_now >= 1);
    CHECK(a.clients_now >= 1);
    CHECK_EQ_INT(a.media_now, 1);
    deadline = now_s() + WAIT_S; /* frames flow: 5 more, within a bound */
    do {
        cc_rtsp_get_stats(rtsp, &b);
        sleep_ms(20);
    } while (b.frames_pushed < a.frames_pushed + 5 && now_s() < deadline);
    CHECK(b.frames_pushed >= a.frames_pushed + 5);
    /* A second client of the same camera shares the media. */
    check_probe(u, transport, 1);
    cc_rtsp_get_stats(rtsp, &b);
    CHECK_EQ_INT(b.media_now, 1);
    CHECK(cc_rtsp_wants(rtsp, 1));
    /* Killed: its connection closes without a TEARDOWN. */
    CHECK_EQ_INT(kill(pid, SIGKILL), 0);
    reap(pid, now_s() + WAIT_S, NULL);
    CHECK(wait_wants(1, false));
    double until = now_s() + WAIT_S;
    do {
        cc_rtsp_get_stats(rtsp, &b);
        sleep_ms(20);
    } while ((b.clients_now > 0 || b.sessions_now > 0) && now_s() < until);
    CHECK_EQ_INT(b.clients_now, 0);
    CHECK_EQ_INT(b.sessions_now, 0);
}

static void test_wants_tcp(void)
{
    test_wants("tcp");
}

static void test_wants_udp(void)
{
    test_wants("udp");
}

static void test_token(void)
{
    cc_rtsp_stats a, b;
    cc_rtsp_get_stats(rtsp, &a);
    char u[256];
    url(u, sizeof u, NULL, "left", NULL);
    CHECK(refused(u));
    url(u, sizeof u, NULL, "left", "token=wrong-token-0123456789");
    CHECK(refused(u));
    url(u, sizeof u, NULL, "left", "token=" TOKEN "x");
    CHECK(refused(u));
    url(u, sizeof u, "camcast:wrong-token-0123456789", "left", NULL);
    CHECK(refused(u));
    cc_rtsp_get_stats(rtsp, &b);
    CHECK(b.refused_token >= a.refused_token + 4);
    CHECK(wait_wants(0, false)); /* refused before any media */

    /* A reload: the old token stops working, the new one works. */
    CHECK_EQ_INT(cc_rtsp_set_token(rtsp, OTHER_TOKEN), 0);
    url(u, sizeof u, NULL, "left", "token=" TOKEN);
    CHECK(refused(u));
    url(u, sizeof u, "x:" OTHER_TOKEN, "left", NULL);
    check_probe(u, "tcp", 0);
    CHECK_EQ_INT(cc_rtsp_set_token(rtsp, "short"), -EINVAL);
    /* Open. */
    CHECK_EQ_INT(cc_rtsp_set_token(rtsp, NULL), 0);
    url(u, sizeof u, NULL, "left", NULL);
    check_probe(u, "tcp", 0);
    CHECK_EQ_INT(cc_rtsp_set_token(rtsp, TOKEN), 0);
    CHECK(refused(u));
}

static void test_bad_options(void)
{
    char err[256];
    cc_rtsp *r = NULL;
    const char *bad_name[] = {"a/b"};
    cc_rtsp_opts o = opts(NULL);
    CHECK_EQ_INT(cc_rtsp_new(&r, &o, bad_name, 1, err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "a/b");
    const char *twice[] = {"a", "a"};
    CHECK_EQ_INT(cc_rtsp_new(&r, &o, twice, 2, err, sizeof err), -EINVAL);
    o.token = "short";
    CHECK_EQ_INT(cc_rtsp_new(&r, &o, names, 2, err, sizeof err), -EINVAL);
    /* The port taken: the bind error comes back. */
    o.token = NULL;
    o.port = port;
    CHECK_EQ_INT(cc_rtsp_new(&r, &o, names, 2, err, sizeof err), -EADDRINUSE);
    CHECK(r == NULL);
    /* Started and stopped at once, then again on the same port (what a
     * reload does). */
    o.port = 0;
    CHECK_EQ_INT(cc_rtsp_new(&r, &o, names, 2, err, sizeof err), 0);
    o.port = r ? cc_rtsp_port(r) : 0;
    cc_rtsp_free(r);
    r = NULL;
    CHECK_EQ_INT(cc_rtsp_new(&r, &o, names, 2, err, sizeof err), 0);
    cc_rtsp_free(r);
    cc_rtsp_free(NULL);
}

/* Freed while a client plays: the client is disconnected, the media
 * unprepared, and cc_rtsp_free returns promptly. */
static void test_free_while_playing(void)
{
    char err[256];
    cc_rtsp *r = NULL;
    const char *one[] = {"solo"};
    cc_rtsp_opts o = opts(NULL);
    CHECK_EQ_INT(cc_rtsp_new(&r, &o, one, 1, err, sizeof err), 0);
    if (!r)
        return;
    tjhandle tj = tjInitCompress();
    uint8_t *rgb = malloc((size_t)widths[0] * heights[0] * 3);
    unsigned char *jpeg = NULL;
    unsigned long len = 0;
    CHECK(tj && rgb);
    if (tj && rgb) {
        paint(rgb, widths[0], heights[0], 0);
        CHECK_EQ_INT(tjCompress2(tj, rgb, (int)widths[0], 0, (int)heights[0], TJPF_RGB, &jpeg,
                                 &len, TJSAMP_420, 80, 0), 0);
    }
    char u[128];
    snprintf(u, sizeof u, "rtsp://127.0.0.1:%u/solo", cc_rtsp_port(r));
    char *argv[] = {"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", u,
                    "-t", "25", "-f", "null", "-", NULL};
    pid_t pid = spawn(argv, -1, -1);
    CHECK(pid > 0);
    /* Frames until the client has had a second of them. */
    cc_rtsp_stats s = {0};
    double deadline = now_s() + WAIT_S;
    while (jpeg && s.frames_pushed < 30 && now_s() < deadline) {
        struct timespec cap;
        clock_gettime(CLOCK_REALTIME, &cap);
        cc_rtsp_push(r, 0, jpeg, len, widths[0], heights[0],
                     (uint64_t)cap.tv_sec * 1000000000u + (uint64_t)cap.tv_nsec);
        sleep_ms(33);
        cc_rtsp_get_stats(r, &s);
    }
    CHECK(s.frames_pushed >= 30);
    CHECK(cc_rtsp_wants(r, 0));
    double t0 = now_s();
    cc_rtsp_free(r);
    double took = now_s() - t0;
    if (took > 3)
        fprintf(stderr, "  cc_rtsp_free took %.2f s\n", took);
    CHECK(took < 3);
    /* Its connection closed: the client ends by itself. */
    if (pid > 0) {
        bool timed_out = false;
        reap(pid, now_s() + WAIT_S, &timed_out);
        CHECK(!timed_out);
    }
    tjFree(jpeg);
    free(rgb);
    if (tj)
        tjDestroy(tj);
}

/* Raw clients (raw_rtsp.h): what ffmpeg and GStreamer would not do. */

#define BASIC_USER "camcast"
static char auth_line[256];       /* "Authorization: Basic ...\r\n" for TOKEN */
static char other_auth_line[256]; /* the same for OTHER_TOKEN */

static void make_auth(char *out, size_t cap, const char *token)
{
    char plain[128];
    snprintf(plain, sizeof plain, BASIC_USER ":%s", token);
    gchar *b64 = g_base64_encode((const guchar *)plain, strlen(plain));
    snprintf(out, cap, "Authorization: Basic %s\r\n", b64);
    g_free(b64);
}

static raw_rtsp *raw_new(const char *from, unsigned p, int rcvbuf)
{
    raw_rtsp *c = malloc(sizeof *c);
    if (c && raw_connect(c, from, p, rcvbuf) != 0) {
        free(c);
        c = NULL;
    }
    CHECK(c != NULL);
    return c;
}

static void raw_free(raw_rtsp *c)
{
    if (c) {
        raw_close(c);
        free(c);
    }
}

static void raw_url(char *buf, size_t cap, unsigned p, const char *path)
{
    snprintf(buf, cap, "rtsp://127.0.0.1:%u/%s", p, path);
}

/* Starts the second server with limits l (the other fields default) and
 * the token. */
static unsigned start_second(const cc_rtsp_limits *l, const char *token)
{
    char err[256];
    cc_rtsp_opts o = opts(token);
    o.limits = *l;
    cc_rtsp *r = NULL;
    int rc = cc_rtsp_new(&r, &o, names, N_CAMS, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "  second server: %d %s\n", rc, err);
    CHECK_EQ_INT(rc, 0);
    pthread_mutex_lock(&second_lock);
    second = r;
    pthread_mutex_unlock(&second_lock);
    return r ? cc_rtsp_port(r) : 0;
}

static void stop_second(void)
{
    pthread_mutex_lock(&second_lock);
    cc_rtsp *r = second;
    second = NULL;
    pthread_mutex_unlock(&second_lock);
    cc_rtsp_free(r);
}

static uint64_t limited(cc_rtsp *r, cc_rtsp_limit l)
{
    cc_rtsp_stats s;
    cc_rtsp_get_stats(r, &s);
    return s.limited[l];
}

/* Every form of URL a client may write for one camera plays it, each
 * with a media of its own, together with ffmpeg and GStreamer's rtspsrc:
 * nobody's URL freezes anybody's frames. */
static void test_url_forms(void)
{
    char u[5][256];
    snprintf(u[0], sizeof u[0], "rtsp://127.0.0.1:%u/left?x=1", port);
    snprintf(u[1], sizeof u[1], "rtsp://127.0.0.1:%u/left/?token=%s", port, TOKEN);
    snprintf(u[2], sizeof u[2], "rtsp://localhost:%u/left", port);
    snprintf(u[3], sizeof u[3], "rtsp://127.0.0.1:554/left?token=%s", port == 554 ? "" : TOKEN);
    snprintf(u[4], sizeof u[4], "rtsp://127.0.0.1:%u/left", port);
    const char *auth[5] = {auth_line, NULL, auth_line, NULL, auth_line};
    raw_rtsp *c[5] = {0};
    for (int i = 0; i < 5; i++) {
        c[i] = raw_new(NULL, port, 0);
        if (!c[i])
            goto out;
        int st = raw_play(c[i], u[i], auth[i], i < 4, WAIT_S);
        if (st != 200)
            fprintf(stderr, "  %s: %d\n", u[i], st);
        CHECK_EQ_INT(st, 200);
    }
    char loc[300], ff[256];
    snprintf(loc, sizeof loc, "location=rtsp://127.0.0.1:%u/left?token=%s", port, TOKEN);
    url(ff, sizeof ff, BASIC_USER ":" TOKEN, "left", NULL);
    char *gst[] = {"gst-launch-1.0", "-q", "rtspsrc", loc, "protocols=tcp", "latency=0", "!",
                   "rtpjpegdepay", "!", "jpegdec", "!", "fakesink", "num-buffers=60", NULL};
    char *ffm[] = {"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "udp", "-i", ff,
                   "-frames:v", "60", "-f", "null", "-", NULL};
    pid_t g = spawn(gst, -1, -1), f = spawn(ffm, -1, -1);
    CHECK(g > 0 && f > 0);
    uint64_t want[5];
    for (int i = 0; i < 5; i++)
        want[i] = c[i]->frames + 45;
    double t0 = now_s();
    CHECK(raw_wait_frames(c, 5, want, 20));
    double dt = now_s() - t0;
    fprintf(stderr, "  5 URL forms of one camera with rtspsrc and ffmpeg beside them: "
            "45 frames each within %.1f s (%.1f fps), frames so far %llu %llu %llu %llu %llu\n",
            dt, 45 / dt, (unsigned long long)c[0]->frames, (unsigned long long)c[1]->frames,
            (unsigned long long)c[2]->frames, (unsigned long long)c[3]->frames,
            (unsigned long long)c[4]->frames);
    cc_rtsp_stats s;
    cc_rtsp_get_stats(rtsp, &s);
    CHECK_EQ_INT(s.media_now, 1); /* one camera played */
    CHECK(s.sessions_now >= 5);
    if (g > 0)
        CHECK_EQ_INT(reap(g, now_s() + CLIENT_TIMEOUT_S, NULL), 0);
    if (f > 0)
        CHECK_EQ_INT(reap(f, now_s() + CLIENT_TIMEOUT_S, NULL), 0);
out:
    for (int i = 0; i < 5; i++)
        raw_free(c[i]);
    CHECK(wait_wants(0, false));
}

/* A TCP client reading 4 KB/s, far below the stream: skipped (newest
 * wins), while a UDP and a TCP viewer of the same camera keep their rate,
 * during and after. */
static void test_slow_tcp(void)
{
    char u[256];
    raw_url(u, sizeof u, port, "right");
    raw_rtsp *c[3] = {raw_new(NULL, port, 0), raw_new(NULL, port, 0), raw_new(NULL, port, 4096)};
    if (!c[0] || !c[1] || !c[2])
        goto out;
    CHECK_EQ_INT(raw_play(c[0], u, auth_line, false, WAIT_S), 200);
    CHECK_EQ_INT(raw_play(c[1], u, auth_line, true, WAIT_S), 200);
    CHECK_EQ_INT(raw_play(c[2], u, auth_line, true, WAIT_S), 200);
    c[2]->rate = 4096;
    cc_rtsp_stats a, b;
    cc_rtsp_get_stats(rtsp, &a);
    uint64_t want[3] = {c[0]->frames + 60, c[1]->frames + 60, 0};
    uint64_t slow0 = c[2]->frames;
    double t0 = now_s();
    CHECK(raw_wait_frames(c, 3, want, 20));
    double dt = now_s() - t0;
    raw_pump(c, 3, 1.0); /* the slow one reads on a while */
    cc_rtsp_get_stats(rtsp, &b);
    fprintf(stderr, "  beside a TCP reader at 4 KB/s: UDP and TCP viewers 60 frames in %.1f s "
            "(%.1f fps); the slow one got %llu frames, %llu frames skipped for it\n",
            dt, 60 / dt, (unsigned long long)(c[2]->frames - slow0),
            (unsigned long long)(b.frames_skipped - a.frames_skipped));
    CHECK(b.frames_skipped > a.frames_skipped);
    /* The slow one gone: the others go on. */
    raw_free(c[2]);
    c[2] = NULL;
    want[0] = c[0]->frames + 60;
    want[1] = c[1]->frames + 60;
    CHECK(raw_wait_frames(c, 2, want, 20));
out:
    for (int i = 0; i < 3; i++)
        raw_free(c[i]);
}

/* A TCP client that stops reading is disconnected after stall_timeout;
 * the other client of the camera never stops. */
static void test_stall(void)
{
    cc_rtsp_limits l;
    cc_rtsp_limits_default(&l);
    l.stall_timeout_s = 1.5;
    unsigned p = start_second(&l, TOKEN);
    char u[256];
    raw_url(u, sizeof u, p, "right");
    raw_rtsp *c[2] = {raw_new(NULL, p, 0), raw_new(NULL, p, 4096)};
    if (!p || !c[0] || !c[1])
        goto out;
    CHECK_EQ_INT(raw_play(c[0], u, auth_line, true, WAIT_S), 200);
    CHECK_EQ_INT(raw_play(c[1], u, auth_line, true, WAIT_S), 200);
    c[1]->paused = true;
    double t0 = now_s(), closed_after = -1;
    uint64_t want = c[0]->frames + 90;
    while (now_s() - t0 < 30 && (closed_after < 0 || c[0]->frames < want)) {
        raw_pump(c, 1, 0.1);
        if (closed_after < 0 && limited(second, CC_RTSP_LIMIT_STALLED) > 0)
            closed_after = now_s() - t0;
    }
    CHECK(raw_wait_eof(c[1], WAIT_S)); /* closed indeed, once what was sent is read */
    fprintf(stderr, "  a TCP client that stopped reading: closed after %.1f s (stall_timeout "
            "1.5 s); the other viewer %llu frames meanwhile\n", closed_after,
            (unsigned long long)c[0]->frames);
    CHECK(closed_after > 0);
    CHECK(c[0]->frames >= want);
    CHECK(limited(second, CC_RTSP_LIMIT_STALLED) >= 1);
out:
    raw_free(c[0]);
    raw_free(c[1]);
    stop_second();
}

/* A camera that never sent a frame is described at once (its media needs
 * none); an offline one gets 503 with Retry-After at once, and nothing
 * waits meanwhile. */
static void test_offline(void)
{
    char u[256];
    raw_url(u, sizeof u, port, "quiet");
    raw_rtsp *a = raw_new(NULL, port, 0), *b = raw_new(NULL, port, 0);
    if (!a || !b)
        goto out;
    double t0 = now_s();
    CHECK_EQ_INT(raw_request(a, "DESCRIBE", u, auth_line, WAIT_S), 200);
    double quiet = now_s() - t0;
    CHECK_STR_CONTAINS(a->head, "application/sdp");
    cc_rtsp_set_online(rtsp, 0, false);
    raw_url(u, sizeof u, port, "left");
    t0 = now_s();
    CHECK_EQ_INT(raw_request(a, "DESCRIBE", u, auth_line, WAIT_S), 503);
    double offline = now_s() - t0;
    char v[32] = "";
    CHECK(raw_header(a, "Retry-After", v, sizeof v) && atoi(v) > 0);
    t0 = now_s();
    CHECK_EQ_INT(raw_request(b, "OPTIONS", u, NULL, WAIT_S), 200);
    double options = now_s() - t0;
    char su[300];
    snprintf(su, sizeof su, "%s/stream=0", u);
    char hdr[512];
    snprintf(hdr, sizeof hdr, "%sTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", auth_line);
    CHECK_EQ_INT(raw_request(b, "SETUP", su, hdr, WAIT_S), 503);
    fprintf(stderr, "  DESCRIBE of a camera without frames: 200 in %.3f s; of an offline one: "
            "503 in %.3f s; OPTIONS on another connection meanwhile: %.3f s\n", quiet, offline,
            options);
    CHECK(limited(rtsp, CC_RTSP_LIMIT_OFFLINE) >= 2);
    cc_rtsp_set_online(rtsp, 0, true);
    CHECK_EQ_INT(raw_request(a, "DESCRIBE", u, auth_line, WAIT_S), 200);
out:
    cc_rtsp_set_online(rtsp, 0, true);
    raw_free(a);
    raw_free(b);
}

/* A session id names nothing on another connection: no keep-alive,
 * PAUSE, PLAY, re-SETUP or TEARDOWN of it from there, with credentials or
 * without; its owner plays on. */
static void test_session_bound(void)
{
    char u[256], su[300];
    raw_url(u, sizeof u, port, "left");
    snprintf(su, sizeof su, "%s/stream=0", u);
    raw_rtsp *a = raw_new(NULL, port, 0), *b = raw_new(NULL, port, 0),
             *c = raw_new(NULL, port, 0);
    if (!a || !b || !c)
        goto out;
    CHECK_EQ_INT(raw_play(a, u, auth_line, true, WAIT_S), 200);
    CHECK(a->session[0] != '\0');
    char hdr[512];
    snprintf(hdr, sizeof hdr, "%sSession: %s\r\n", auth_line, a->session);
    CHECK_EQ_INT(raw_request(b, "GET_PARAMETER", u, hdr, WAIT_S), 454);
    CHECK_EQ_INT(raw_request(b, "PAUSE", u, hdr, WAIT_S), 454);
    CHECK_EQ_INT(raw_request(b, "PLAY", u, hdr, WAIT_S), 454);
    snprintf(hdr, sizeof hdr, "%sSession: %s\r\nTransport: RTP/AVP/TCP;unicast;"
             "interleaved=0-1\r\n", auth_line, a->session);
    CHECK_EQ_INT(raw_request(b, "SETUP", su, hdr, WAIT_S), 454);
    snprintf(hdr, sizeof hdr, "%sSession: %s\r\n", auth_line, a->session);
    CHECK_EQ_INT(raw_request(b, "TEARDOWN", u, hdr, WAIT_S), 454);
    snprintf(hdr, sizeof hdr, "Session: %s\r\n", a->session);
    int st = raw_request(c, "PLAY", u, hdr, WAIT_S);
    CHECK(st == 454 || st == 401);
    st = raw_request(c, "TEARDOWN", u, hdr, WAIT_S);
    CHECK(st == 454 || st == 401);
    CHECK_EQ_INT(b->frames + c->frames, 0);
    raw_free(b);
    raw_free(c);
    b = c = NULL;
    uint64_t want = a->frames + 45;
    CHECK(raw_wait_frames(&a, 1, &want, 20));
    CHECK_EQ_INT(raw_request(a, "GET_PARAMETER", u, auth_line, WAIT_S), 200);
out:
    raw_free(a);
    raw_free(b);
    raw_free(c);
}

/* A new token closes the connections that gave the old one, within a
 * second or so (their sessions end, UDP ones too); the same token again
 * closes nothing. */
static void test_token_rotation(void)
{
    char u[256], uq[300];
    raw_url(u, sizeof u, port, "left");
    snprintf(uq, sizeof uq, "%s?token=%s", u, TOKEN);
    raw_rtsp *c[2] = {raw_new(NULL, port, 0), raw_new(NULL, port, 0)};
    raw_rtsp *n = raw_new(NULL, port, 0);
    if (!c[0] || !c[1] || !n)
        goto out;
    CHECK_EQ_INT(raw_play(c[0], u, auth_line, true, WAIT_S), 200);
    CHECK_EQ_INT(raw_play(c[1], uq, NULL, false, WAIT_S), 200);
    CHECK_EQ_INT(cc_rtsp_set_token(rtsp, TOKEN), 0); /* the same: nothing happens */
    uint64_t want[2] = {c[0]->frames + 30, c[1]->frames + 30};
    CHECK(raw_wait_frames(c, 2, want, 20));
    CHECK(!c[0]->eof && !c[1]->eof);
    uint64_t before = limited(rtsp, CC_RTSP_LIMIT_ROTATED);
    CHECK_EQ_INT(cc_rtsp_set_token(rtsp, OTHER_TOKEN), 0);
    double t0 = now_s();
    CHECK(raw_wait_eof(c[0], 5));
    CHECK(raw_wait_eof(c[1], 5));
    double dt = now_s() - t0;
    /* The UDP session ended with its connection: no more video. */
    raw_pump(c, 2, 0.3);
    uint64_t udp = c[1]->frames;
    raw_pump(c, 2, 1.0);
    fprintf(stderr, "  a new token: both connections that gave the old one closed within "
            "%.2f s\n", dt);
    CHECK_EQ_INT(c[1]->frames, udp);
    CHECK(limited(rtsp, CC_RTSP_LIMIT_ROTATED) >= before + 2);
    CHECK_EQ_INT(raw_play(n, u, other_auth_line, true, WAIT_S), 200);
out:
    CHECK_EQ_INT(cc_rtsp_set_token(rtsp, TOKEN), 0);
    raw_free(c[0]);
    raw_free(c[1]);
    raw_free(n);
}

/* Connections in total and per address. */
static void test_connection_limits(void)
{
    cc_rtsp_limits l;
    cc_rtsp_limits_default(&l);
    l.max_clients = 3;
    l.max_clients_per_address = 2;
    unsigned p = start_second(&l, TOKEN);
    char u[256];
    raw_url(u, sizeof u, p, "left");
    raw_rtsp *c[5] = {raw_new("127.0.0.1", p, 0), raw_new("127.0.0.1", p, 0), NULL, NULL, NULL};
    if (!p || !c[0] || !c[1])
        goto out;
    CHECK_EQ_INT(raw_request(c[0], "OPTIONS", u, NULL, WAIT_S), 200);
    CHECK_EQ_INT(raw_request(c[1], "OPTIONS", u, NULL, WAIT_S), 200);
    c[2] = raw_new("127.0.0.1", p, 0); /* a third from the same address */
    if (c[2]) {
        CHECK(raw_wait_eof(c[2], WAIT_S));
        CHECK_EQ_INT(c[2]->status, 503);
    }
    c[3] = raw_new("127.0.0.2", p, 0); /* another address */
    if (c[3])
        CHECK_EQ_INT(raw_request(c[3], "OPTIONS", u, NULL, WAIT_S), 200);
    c[4] = raw_new("127.0.0.3", p, 0); /* a fourth in all */
    if (c[4]) {
        CHECK(raw_wait_eof(c[4], WAIT_S));
        CHECK_EQ_INT(c[4]->status, 503);
    }
    CHECK_EQ_INT(limited(second, CC_RTSP_LIMIT_PER_ADDRESS), 1);
    CHECK_EQ_INT(limited(second, CC_RTSP_LIMIT_FULL), 1);
    /* The first ones are still served. */
    CHECK_EQ_INT(raw_request(c[0], "DESCRIBE", u, auth_line, WAIT_S), 200);
out:
    for (int i = 0; i < 5; i++)
        raw_free(c[i]);
    stop_second();
}

/* Writes line again and again on c (blocking) until the server refuses
 * it, or 10 s. */
typedef struct flood_arg {
    raw_rtsp *c;
    const char *line;
    size_t len;
    size_t sent;
    double seconds;
    bool refused;
    atomic_bool done;
} flood_arg;

static void *flood_lines(void *arg)
{
    flood_arg *f = arg;
    double t0 = now_s();
    while (now_s() - t0 < 10) {
        if (raw_send(f->c, f->line, f->len) != 0) {
            f->refused = true;
            break;
        }
        f->sent += f->len;
    }
    f->seconds = now_s() - t0;
    atomic_store(&f->done, true);
    return NULL;
}

/* Before its first authenticated request a connection has auth_timeout
 * and 4 * max_request bytes; a larger Content-Length gets 413 at once;
 * after it, bodies up to 16 * max_request pass. */
static void test_request_limits(void)
{
    cc_rtsp_limits l;
    cc_rtsp_limits_default(&l);
    l.auth_timeout_s = 1;
    l.max_request = 1024;
    unsigned p = start_second(&l, TOKEN);
    char u[256];
    raw_url(u, sizeof u, p, "left");
    raw_rtsp *idle = raw_new(NULL, p, 0), *authed = raw_new(NULL, p, 0), *big = NULL,
             *flood = NULL;
    if (!p || !idle || !authed)
        goto out;
    CHECK_EQ_INT(raw_request(idle, "OPTIONS", u, NULL, WAIT_S), 200);
    CHECK_EQ_INT(raw_request(authed, "DESCRIBE", u, auth_line, WAIT_S), 200);
    double t0 = now_s();
    CHECK(raw_wait_eof(idle, WAIT_S));
    double idle_after = now_s() - t0;
    big = raw_new(NULL, p, 0);
    flood = raw_new(NULL, p, 0);
    if (!big || !flood)
        goto out;
    /* 64 MiB announced: 413 at once, nothing read. */
    char req[512];
    int n = snprintf(req, sizeof req, "SET_PARAMETER %s RTSP/1.0\r\nCSeq: 1\r\n"
                     "Content-Length: 67108864\r\n\r\n", u);
    t0 = now_s();
    CHECK_EQ_INT(raw_send(big, req, (size_t)n), 0);
    CHECK(raw_wait_eof(big, WAIT_S));
    double big_after = now_s() - t0;
    CHECK_EQ_INT(big->status, 413);
    /* Header lines that never end: closed past 4 KiB. */
    n = snprintf(req, sizeof req, "OPTIONS %s RTSP/1.0\r\nCSeq: 1\r\n", u);
    int rc = raw_send(flood, req, (size_t)n);
    static const char pad[] = "X-Pad: 0123456789012345678901234567890123456789\r\n";
    for (int i = 0; i < 2000 && rc == 0; i++)
        rc = raw_send(flood, pad, sizeof pad - 1);
    CHECK(raw_wait_eof(flood, WAIT_S));
    /* Authenticated: a body of 8 KiB is read (and refused for what it is). */
    char *body = malloc(8192 + 512);
    if (body) {
        n = snprintf(body, 512, "SET_PARAMETER %s RTSP/1.0\r\nCSeq: 9\r\n%s"
                     "Content-Type: text/parameters\r\nContent-Length: 8192\r\n\r\n", u,
                     auth_line);
        memset(body + n, 'x', 8192);
        CHECK_EQ_INT(raw_send(authed, body, (size_t)n + 8192), 0);
        double end = now_s() + WAIT_S;
        raw_rtsp *one[] = {authed};
        uint64_t answers = authed->answers;
        while (authed->answers == answers && !authed->eof && now_s() < end)
            raw_pump(one, 1, 0.05);
        CHECK(authed->answers > answers && authed->status != 413);
        free(body);
    }
    CHECK(!authed->eof);
    CHECK_EQ_INT(raw_request(authed, "OPTIONS", u, NULL, WAIT_S), 200);
    /* Authenticated, then header lines without end, as fast as they go:
     * GStreamer would read them for ever on the server's thread; the
     * guard resets the connection, and another is answered meanwhile. */
    flood_arg fa = {.c = authed, .line = pad, .len = sizeof pad - 1};
    pthread_t ft;
    n = snprintf(req, sizeof req, "OPTIONS %s RTSP/1.0\r\nCSeq: 10\r\n", u);
    CHECK_EQ_INT(raw_send(authed, req, (size_t)n), 0);
    raw_rtsp *other = raw_new(NULL, p, 0); /* authenticated: auth_timeout is 1 s here */
    if (other && raw_request(other, "DESCRIBE", u, auth_line, WAIT_S) == 200 &&
        pthread_create(&ft, NULL, flood_lines, &fa) == 0) {
        double slowest = 0;
        for (int i = 0; i < 20 && !atomic_load(&fa.done); i++) {
            double t1 = now_s();
            CHECK_EQ_INT(raw_request(other, "OPTIONS", u, NULL, WAIT_S), 200);
            double dt = now_s() - t1;
            slowest = dt > slowest ? dt : slowest;
            sleep_ms(20);
        }
        pthread_join(ft, NULL);
        CHECK(fa.refused);
        fprintf(stderr, "  an authenticated flood of header lines: reset after %.2f s and "
                "%zu bytes written; OPTIONS on another connection meanwhile: at most "
                "%.3f s\n", fa.seconds, fa.sent, slowest);
    }
    raw_free(other);
    fprintf(stderr, "  before authentication: an idle connection closed after %.2f s "
            "(auth_timeout 1 s), 64 MiB announced: 413 and closed after %.3f s\n",
            idle_after, big_after);
    CHECK(limited(second, CC_RTSP_LIMIT_AUTH_TIMEOUT) >= 1);
    CHECK(limited(second, CC_RTSP_LIMIT_REQUEST_SIZE) >= 2);
out:
    raw_free(idle);
    raw_free(authed);
    raw_free(big);
    raw_free(flood);
    stop_second();
}

/* A SETUP without a session on the given connection (forgetting the one
 * it has). */
static int new_session(raw_rtsp *c, const char *u)
{
    char su[300], hdr[512];
    snprintf(su, sizeof su, "%s/stream=0", u);
    snprintf(hdr, sizeof hdr, "%sTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", auth_line);
    c->session[0] = '\0';
    return raw_request(c, "SETUP", su, hdr, WAIT_S);
}

/* Sessions per connection and in all; a session without keep-alive ends
 * after session_timeout. */
static void test_session_limits(void)
{
    cc_rtsp_limits l;
    cc_rtsp_limits_default(&l);
    l.max_sessions = 3;
    l.max_sessions_per_client = 2;
    l.session_timeout_s = 2;
    unsigned p = start_second(&l, TOKEN);
    char u[256];
    raw_url(u, sizeof u, p, "left");
    raw_rtsp *a = raw_new(NULL, p, 0), *b = raw_new(NULL, p, 0), *v = raw_new(NULL, p, 0);
    if (!p || !a || !b || !v)
        goto out;
    CHECK_EQ_INT(new_session(a, u), 200);
    CHECK_EQ_INT(new_session(a, u), 200);
    CHECK_EQ_INT(new_session(a, u), 503); /* a third on one connection */
    char ra[16] = "";
    CHECK(raw_header(a, "Retry-After", ra, sizeof ra));
    CHECK_EQ_INT(new_session(b, u), 200);
    CHECK_EQ_INT(new_session(b, u), 503); /* a fourth in all */
    cc_rtsp_stats s;
    cc_rtsp_get_stats(second, &s);
    CHECK_EQ_INT(s.sessions_now, 3);
    CHECK(s.limited[CC_RTSP_LIMIT_SESSIONS] >= 2);
    raw_free(a);
    raw_free(b);
    a = b = NULL;
    /* A UDP client that never says it is alive: its session ends. */
    double end = now_s() + WAIT_S;
    do {
        cc_rtsp_get_stats(second, &s);
        sleep_ms(50);
    } while (s.sessions_now > 0 && now_s() < end);
    CHECK_EQ_INT(s.sessions_now, 0);
    CHECK_EQ_INT(raw_play(v, u, auth_line, false, WAIT_S), 200);
    uint64_t want = v->frames + 10;
    CHECK(raw_wait_frames(&v, 1, &want, WAIT_S));
    double t0 = now_s();
    end = t0 + 20;
    do {
        raw_pump(&v, 1, 0.1);
        cc_rtsp_get_stats(second, &s);
    } while (s.sessions_now > 0 && now_s() < end);
    double expired = now_s() - t0;
    CHECK_EQ_INT(s.sessions_now, 0);
    raw_pump(&v, 1, 0.3);
    uint64_t frames = v->frames;
    raw_pump(&v, 1, 1.0);
    CHECK_EQ_INT(v->frames, frames);
    fprintf(stderr, "  a UDP session without keep-alive ended %.1f s after it played "
            "(session_timeout 2 s)\n", expired);
out:
    raw_free(a);
    raw_free(b);
    raw_free(v);
    stop_second();
}

/* RTP and RTCP leave from the listen address, on ports of the range. */
static void test_udp_ports(void)
{
    cc_rtsp_limits l;
    cc_rtsp_limits_default(&l);
    l.rtp_port_min = 41200;
    l.rtp_port_max = 41299;
    unsigned p = start_second(&l, TOKEN);
    char u[256];
    raw_url(u, sizeof u, p, "left");
    raw_rtsp *v = raw_new(NULL, p, 0);
    if (!p || !v)
        goto out;
    CHECK_EQ_INT(raw_play(v, u, auth_line, false, WAIT_S), 200);
    uint64_t want = v->frames + 10;
    CHECK(raw_wait_frames(&v, 1, &want, WAIT_S));
    /* Which of our UDP sockets are bound to what: /proc/self/net/udp. */
    FILE *f = fopen("/proc/self/net/udp", "r");
    CHECK(f != NULL);
    int in_range = 0, wildcard = 0;
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        unsigned addr, lport;
        if (sscanf(line, " %*d: %8X:%4X", &addr, &lport) != 2)
            continue;
        if (lport >= l.rtp_port_min && lport <= l.rtp_port_max) {
            in_range++;
            wildcard += addr == 0;
        }
    }
    if (f)
        fclose(f);
    fprintf(stderr, "  a UDP session: %d sockets in 41200-41299, %d of them on 0.0.0.0\n",
            in_range, wildcard);
    CHECK(in_range >= 2);
    CHECK_EQ_INT(wildcard, 0);
out:
    raw_free(v);
    stop_second();
}

static bool have(const char *prog)
{
    char *argv[] = {(char *)prog, "-version", NULL};
    if (strcmp(prog, "gst-launch-1.0") == 0)
        argv[1] = "--version";
    pid_t pid = spawn(argv, -1, -1);
    return pid > 0 && reap(pid, now_s() + CLIENT_TIMEOUT_S, NULL) == 0;
}

/* With arguments: only the tests named. */
static int n_only;
static char **only;

static bool selected(const char *name)
{
    for (int i = 0; i < n_only; i++)
        if (strcmp(only[i], name) == 0)
            return true;
    return n_only == 0;
}

#define RUN_SELECTED(fn)                                                     \
    do {                                                                     \
        if (selected(#fn))                                                   \
            RUN(fn);                                                         \
    } while (0)

int main(int argc, char **argv)
{
    n_only = argc - 1;
    only = argv + 1;
    signal(SIGPIPE, SIG_IGN);
    if (!have("ffprobe") || !have("ffmpeg") || !have("gst-launch-1.0")) {
        fprintf(stderr, "skipped: ffprobe, ffmpeg or gst-launch-1.0 missing\n");
        return 77;
    }
    char err[256];
    cc_rtsp_opts o = opts(TOKEN);
    int rc = cc_rtsp_new(&rtsp, &o, names, N_CAMS, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "cc_rtsp_new: %d %s\n", rc, err);
        return EXIT_FAILURE;
    }
    port = cc_rtsp_port(rtsp);
    make_auth(auth_line, sizeof auth_line, TOKEN);
    make_auth(other_auth_line, sizeof other_auth_line, OTHER_TOKEN);
    pthread_t t;
    if (pthread_create(&t, NULL, pusher, NULL) != 0) {
        fprintf(stderr, "cannot start the pusher\n");
        return EXIT_FAILURE;
    }
    RUN_SELECTED(test_idle);
    RUN_SELECTED(test_probe_tcp_udp);
    RUN_SELECTED(test_gst_decodes);
    RUN_SELECTED(test_timestamps);
    RUN_SELECTED(test_second_client);
    RUN_SELECTED(test_wants_tcp);
    RUN_SELECTED(test_wants_udp);
    RUN_SELECTED(test_token);
    RUN_SELECTED(test_url_forms);
    RUN_SELECTED(test_slow_tcp);
    RUN_SELECTED(test_stall);
    RUN_SELECTED(test_offline);
    RUN_SELECTED(test_session_bound);
    RUN_SELECTED(test_token_rotation);
    RUN_SELECTED(test_connection_limits);
    RUN_SELECTED(test_request_limits);
    RUN_SELECTED(test_session_limits);
    RUN_SELECTED(test_udp_ports);
    RUN_SELECTED(test_bad_options);
    RUN_SELECTED(test_free_while_playing);
    atomic_store(&stop_pushing, true);
    pthread_join(t, NULL);
    cc_rtsp_stats s;
    cc_rtsp_get_stats(rtsp, &s);
    fprintf(stderr, "pushed %llu, dropped %llu, replaced %llu, clients %llu, refused %llu\n",
            (unsigned long long)s.frames_pushed, (unsigned long long)s.frames_dropped,
            (unsigned long long)s.frames_replaced, (unsigned long long)s.clients_total,
            (unsigned long long)s.refused_token);
    /* A media whose pipeline stalls keeps its queue full: every push then
     * replaces a frame. */
    CHECK(s.frames_replaced <= s.frames_pushed / 3);
    cc_rtsp_free(rtsp);
    return CHECK_DONE();
}
