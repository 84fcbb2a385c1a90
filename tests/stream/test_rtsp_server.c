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
#include <math.h>
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

#include "check.h"

extern char **environ;

#define TOKEN "rtsp-test-token-0123456789"
#define OTHER_TOKEN "another-token-9876543210"
#define CLIENT_TIMEOUT_S 30.0 /* a client run never lasts longer */
#define WAIT_S 10.0           /* for a state to change */
#define FRAME_NS (UINT64_C(1000000000) / 30) /* the pusher's capture step */

static const char *const names[] = {"left", "right"};
static const uint32_t widths[] = {320, 640}, heights[] = {240, 480};

static cc_rtsp *rtsp;
static unsigned port;

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
    struct timespec next, start;
    clock_gettime(CLOCK_MONOTONIC, &next);
    clock_gettime(CLOCK_REALTIME, &start);
    uint64_t start_ns = (uint64_t)start.tv_sec * 1000000000u + (uint64_t)start.tv_nsec;
    for (uint64_t frame = 0; !atomic_load(&stop_pushing); frame++) {
        for (size_t i = 0; i < 2; i++) {
            paint(rgb, widths[i], heights[i], frame);
            unsigned char *jpeg = NULL;
            unsigned long len = 0;
            if (tjCompress2(tj, rgb, (int)widths[i], 0, (int)heights[i], TJPF_RGB, &jpeg, &len,
                            TJSAMP_420, 80, TJFLAG_FASTDCT) != 0) {
                fprintf(stderr, "pusher: %s\n", tjGetErrorStr2(tj));
                exit(EXIT_FAILURE);
            }
            /* Capture times on an exact 1/30 s grid, however late the
             * push: test_timestamps finds them in the RTP timestamps. */
            cc_rtsp_push(rtsp, i, jpeg, len, widths[i], heights[i],
                         start_ns + frame * FRAME_NS);
            tjFree(jpeg);
        }
        atomic_fetch_add(&ticks, 1);
        next.tv_nsec += 1000000000L / 30;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
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

/* Timestamps increase. How they follow the capture times is not checked
 * by a figure here: the server moves its timeline down whenever a frame
 * would be early (rtsp_server.c timestamp()), so a step may be any
 * length; the steps on the pusher's exact 1/30 s capture grid are
 * counted for the log. (An exact check needs the server to count its
 * re-anchorings: then off-grid steps <= re-anchorings.) */
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
    double prev = -1, step = (double)FRAME_NS / 1e9;
    int n = 0, backwards = 0, on_grid = 0, moved_down = 0, stretched = 0;
    for (char *line = strtok(res->out, "\n"); line; line = strtok(NULL, "\n")) {
        double t = strtod(line, NULL);
        if (n > 0 && t <= prev) {
            backwards++;
        } else if (n > 0) {
            double d = t - prev, k = round(d / step);
            /* Within 1 ms: 90 kHz rounding, and ffmpeg moving its base by
             * some us when an RTCP sender report comes. */
            if (k >= 1 && fabs(d - k * step) <= 1e-3) {
                on_grid++;
            } else if (d < step) {
                moved_down++;
            } else {
                stretched++;
            }
        }
        prev = t;
        n++;
    }
    CHECK(n >= 30);
    CHECK_EQ_INT(backwards, 0);
    fprintf(stderr, "  %d of %d steps on the capture grid, %d shorter than a frame, %d "
            "other\n", on_grid, n - 1, moved_down, stretched);
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
    cc_rtsp_opts o = {.listen = "127.0.0.1", .port = 0, .fps = 30};
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
    cc_rtsp_opts o = {.listen = "127.0.0.1", .port = 0, .fps = 30};
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

static bool have(const char *prog)
{
    char *argv[] = {(char *)prog, "-version", NULL};
    if (strcmp(prog, "gst-launch-1.0") == 0)
        argv[1] = "--version";
    pid_t pid = spawn(argv, -1, -1);
    return pid > 0 && reap(pid, now_s() + CLIENT_TIMEOUT_S, NULL) == 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (!have("ffprobe") || !have("ffmpeg") || !have("gst-launch-1.0")) {
        fprintf(stderr, "skipped: ffprobe, ffmpeg or gst-launch-1.0 missing\n");
        return 77;
    }
    char err[256];
    cc_rtsp_opts o = {.listen = "127.0.0.1", .port = 0, .token = TOKEN, .fps = 30};
    int rc = cc_rtsp_new(&rtsp, &o, names, 2, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "cc_rtsp_new: %d %s\n", rc, err);
        return EXIT_FAILURE;
    }
    port = cc_rtsp_port(rtsp);
    pthread_t t;
    if (pthread_create(&t, NULL, pusher, NULL) != 0) {
        fprintf(stderr, "cannot start the pusher\n");
        return EXIT_FAILURE;
    }
    RUN(test_idle);
    RUN(test_probe_tcp_udp);
    RUN(test_gst_decodes);
    RUN(test_timestamps);
    RUN(test_second_client);
    RUN(test_wants_tcp);
    RUN(test_wants_udp);
    RUN(test_token);
    RUN(test_bad_options);
    RUN(test_free_while_playing);
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
    CHECK(s.frames_replaced < s.frames_pushed / 3);
    cc_rtsp_free(rtsp);
    return CHECK_DONE();
}
