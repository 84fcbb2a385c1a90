/* Tests for the WebSocket client (lib/ws_client.c).
 *
 *   test_ws_client PATH/TO/camcastd
 *
 * URL parsing; then, on one libuv loop: the real daemon (spawned with a
 * temporary config on a free port), a scripted server in this process for
 * what the daemon never sends (fragments, pings, a bad accept key, an
 * oversized message, broken frame headers, a server that wants a token,
 * silence), and a port nobody listens on. Every wait is bounded; no timing
 * is asserted.
 */
#include "camcast/ws_client.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>

#include "camcast/framebundle.h"
#include "check.h"

#define MAX_MESSAGE (16u << 20)
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static const char *daemon_path;
static uv_loop_t loop;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_tick(uv_timer_t *t)
{
    (void)t;
}

/* Runs the loop until done(arg) or timeout_s; a ticking timer keeps each
 * iteration short. */
static bool run_until(bool (*done)(void *), void *arg, double timeout_s)
{
    uv_timer_t tick;
    uv_timer_init(&loop, &tick);
    uv_timer_start(&tick, on_tick, 20, 20);
    double deadline = now_s() + timeout_s;
    bool ok;
    while (!(ok = done(arg)) && now_s() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
    return ok;
}

/* ---- URL parsing ---- */

static void check_url(const char *url, const char *host, int port, const char *path)
{
    char h[64] = "", p[64] = "";
    uint16_t po = 0;
    int rc = cc_ws_url_parse(url, h, sizeof h, &po, p, sizeof p);
    CHECK_EQ_INT(rc, 0);
    if (rc == 0) {
        CHECK(strcmp(h, host) == 0);
        CHECK_EQ_INT(po, port);
        CHECK(strcmp(p, path) == 0);
    }
}

static void check_bad_url(const char *url)
{
    char h[16], p[16];
    uint16_t po;
    int rc = cc_ws_url_parse(url, h, sizeof h, &po, p, sizeof p);
    if (rc != -EINVAL)
        fprintf(stderr, "  accepted bad url '%s'\n", url);
    CHECK_EQ_INT(rc, -EINVAL);
}

static void test_url_parse(void)
{
    check_url("ws://h", "h", 80, "/");
    check_url("ws://h:1/p", "h", 1, "/p");
    check_url("ws://[::1]:8/x", "::1", 8, "/x");
    check_url("ws://[::1]", "::1", 80, "/");
    check_url("ws://127.0.0.1:8765/stream", "127.0.0.1", 8765, "/stream");
    check_url("WS://Host.example/a/b?c=1", "Host.example", 80, "/a/b?c=1");
    check_url("ws://h:65535/", "h", 65535, "/");

    check_bad_url("http://h/");
    check_bad_url("wss://h/");
    check_bad_url("ws://");
    check_bad_url("ws://:80/");
    check_bad_url("ws://h:");
    check_bad_url("ws://h:0/");
    check_bad_url("ws://h:65536/");
    check_bad_url("ws://h:12a/");
    check_bad_url("ws://h:-1/");
    check_bad_url("ws://[::1/");
    check_bad_url("ws://[]/");
    check_bad_url("ws://[::1]x/");
    check_bad_url("ws://::1/");
    check_bad_url("ws://user@h/");
    check_bad_url("ws://h/a b");
    check_bad_url("ws://h?x");
    check_bad_url("ws://a-host-name-too-long-for-16/");
    check_bad_url("ws://h/a-path-too-long-for-16");
    check_bad_url(NULL);
}

/* ---- a client session: what the callbacks saw ---- */

typedef struct session {
    cc_ws_client *c;
    size_t n_cameras;
    int opened, closed;
    int close_code;
    char reason[160];
    int texts;
    bool got_hello, got_pong;
    char text[2][64];      /* first two text messages */
    int bundles, bad_bundles, seq_errors;
    bool have_seq;
    uint64_t last_seq;
    int binaries;          /* scripted server: sizes and checks */
    size_t sizes[8];
    bool content_ok;
    bool close_in_bundle;  /* call close(1000) from on_binary */
    size_t max_after_text; /* set as max_message on the first text, if not 0 */
    int want_bundles;      /* for session_bundles */
} session;

static void on_open(cc_ws_client *c, void *arg)
{
    (void)c;
    session *s = arg;
    s->opened++;
}

static void on_text(cc_ws_client *c, const char *msg, size_t len, void *arg)
{
    session *s = arg;
    CHECK_EQ_INT(strlen(msg), len); /* NUL terminated, no NUL inside */
    if (s->texts < 2)
        snprintf(s->text[s->texts], sizeof s->text[0], "%s", msg);
    s->texts++;
    if (strstr(msg, "\"type\":\"hello\""))
        s->got_hello = true;
    if (strstr(msg, "\"type\":\"pong\""))
        s->got_pong = true;
    if (s->max_after_text)
        CHECK_EQ_INT(cc_ws_client_set_max_message(c, s->max_after_text), 0);
}

static void check_bundle(session *s, const uint8_t *msg, size_t len)
{
    cc_fb_header h;
    cc_fb_entry e[8];
    int rc = cc_fb_parse(msg, len, s->n_cameras, &h, e);
    if (rc != CC_FB_OK) {
        fprintf(stderr, "  bad bundle: %s\n", cc_fb_strerror(rc));
        s->bad_bundles++;
        return;
    }
    if (s->have_seq && h.bundle_seq <= s->last_seq)
        s->seq_errors++;
    s->have_seq = true;
    s->last_seq = h.bundle_seq;
    for (unsigned i = 0; i < h.entry_count; i++) {
        bool jpeg = e[i].codec == CC_FB_CODEC_JPEG && e[i].payload_size > 4 &&
                    e[i].payload[0] == 0xFF && e[i].payload[1] == 0xD8;
        if (!jpeg || e[i].width != 320 || e[i].height != 240)
            s->bad_bundles++;
    }
    s->bundles++;
}

static bool pattern_ok(const uint8_t *msg, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (msg[i] != (uint8_t)(i * 7 + 3))
            return false;
    return true;
}

static void on_binary(cc_ws_client *c, const uint8_t *msg, size_t len, void *arg)
{
    session *s = arg;
    if (s->n_cameras) {
        check_bundle(s, msg, len);
    } else {
        if (s->binaries < 8)
            s->sizes[s->binaries] = len;
        if (s->binaries == 0)
            s->content_ok = len == 9 && memcmp(msg, "abcdefghi", 9) == 0;
        else if (len > 9)
            s->content_ok = s->content_ok && pattern_ok(msg, len);
        s->binaries++;
    }
    if (s->close_in_bundle)
        cc_ws_client_close(c, 1000);
}

static void on_close(cc_ws_client *c, int code, const char *reason, void *arg)
{
    (void)c;
    session *s = arg;
    s->closed++;
    s->close_code = code;
    snprintf(s->reason, sizeof s->reason, "%s", reason);
}

static const cc_ws_client_callbacks callbacks = {on_open, on_text, on_binary, on_close};

static void session_start(session *s, const char *url, size_t max_message)
{
    CHECK_EQ_INT(cc_ws_client_new(&s->c, &loop, &callbacks, s, max_message), 0);
    CHECK_EQ_INT(cc_ws_client_connect(s->c, url), 0);
}

static bool session_closed(void *arg)
{
    return ((session *)arg)->closed > 0;
}

static bool session_hello(void *arg)
{
    session *s = arg;
    return s->got_hello || s->closed;
}

static bool session_bundles(void *arg)
{
    session *s = arg;
    return s->bundles >= s->want_bundles || s->closed;
}

static bool session_pong(void *arg)
{
    session *s = arg;
    return s->got_pong || s->closed;
}

/* Lets late callbacks show up (there must be none), then frees. */
static void session_end(session *s)
{
    if (!s->closed)
        run_until(session_closed, s, 30);
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_EQ_INT(s->closed, 1);
    if (s->closed) /* else its handles are live: leak it, the test failed */
        cc_ws_client_free(s->c);
}

/* ---- the real daemon, spawned with its stderr on a pipe ---- */

typedef struct child {
    uv_process_t proc;
    uv_pipe_t err;
    char cfg[64];
    char log[65536];
    size_t log_len;
    bool exited, err_closed, terminated;
    int64_t status;
    int term_signal;
} child;

static void on_log_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    child *d = h->data;
    size_t room = sizeof d->log - 1 - d->log_len;
    static char sink[4096]; /* once full, the rest is dropped */
    if (room == 0)
        *buf = uv_buf_init(sink, sizeof sink);
    else
        *buf = uv_buf_init(d->log + d->log_len, (unsigned)room);
}

static void on_log_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    child *d = st->data;
    if (n < 0) {
        d->err_closed = true;
        uv_close((uv_handle_t *)st, NULL);
        return;
    }
    if (buf->base == d->log + d->log_len) {
        d->log_len += (size_t)n;
        d->log[d->log_len] = '\0';
    }
}

static void on_exit_cb(uv_process_t *p, int64_t status, int term_signal)
{
    child *d = p->data;
    d->exited = true;
    d->status = status;
    d->term_signal = term_signal;
    uv_close((uv_handle_t *)p, NULL);
}

static int write_config(child *d)
{
    static const char cfg[] =
        "[server]\nlisten = 127.0.0.1\nport = 0\nstream_fps = 30\n"
        "encoder_workers = 2\n\n"
        "[camera a]\nsource = testpattern\nwidth = 320\nheight = 240\n"
        "pixel_format = Mono8\ngrab_fps = 200\npattern = scroll\n\n"
        "[camera b]\nsource = testpattern\nwidth = 320\nheight = 240\n"
        "pixel_format = RGB8\ngrab_fps = 200\npattern = bars\n";
    snprintf(d->cfg, sizeof d->cfg, "/tmp/test_ws_client_XXXXXX");
    int fd = mkstemp(d->cfg);
    if (fd < 0)
        return -errno;
    bool ok = write(fd, cfg, sizeof cfg - 1) == (ssize_t)(sizeof cfg - 1);
    close(fd);
    return ok ? 0 : -EIO;
}

static int daemon_port(const child *d)
{
    const char *p = strstr(d->log, "ws://127.0.0.1:");
    return p ? atoi(p + strlen("ws://127.0.0.1:")) : 0;
}

static bool daemon_listening(void *arg)
{
    child *d = arg;
    return daemon_port(d) > 0 || d->exited;
}

static bool daemon_done(void *arg)
{
    child *d = arg;
    return d->exited && d->err_closed;
}

/* Starts camcastd and waits for its listening line; returns the port. */
static int daemon_start(child *d)
{
    memset(d, 0, sizeof *d);
    if (write_config(d) < 0)
        return 0;
    char *args[] = {(char *)daemon_path, "--config", d->cfg, NULL};
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_INHERIT_FD, .data.fd = 2},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&d->err},
    };
    uv_process_options_t opt = {.exit_cb = on_exit_cb, .file = daemon_path,
                                .args = args, .stdio_count = 3, .stdio = stdio};
    uv_pipe_init(&loop, &d->err, 0);
    d->err.data = d->proc.data = d;
    int rc = uv_spawn(&loop, &d->proc, &opt);
    if (rc < 0) {
        fprintf(stderr, "  spawn %s: %s\n", daemon_path, uv_strerror(rc));
        uv_close((uv_handle_t *)&d->err, NULL);
        d->exited = d->err_closed = true;
        return 0;
    }
    uv_read_start((uv_stream_t *)&d->err, on_log_alloc, on_log_read);
    run_until(daemon_listening, d, 20);
    return daemon_port(d);
}

static bool log_has(void *arg)
{
    void **a = arg;
    return strstr(((child *)a[0])->log, a[1]) != NULL;
}

static bool daemon_log_wait(child *d, const char *text, double timeout_s)
{
    void *a[2] = {d, (void *)text};
    return run_until(log_has, a, timeout_s);
}

/* Once: a second SIGTERM during shutdown would kill it. */
static void daemon_terminate(child *d)
{
    if (!d->exited && !d->terminated)
        uv_process_kill(&d->proc, SIGTERM);
    d->terminated = true;
}

/* SIGTERM, then the exit status; SIGKILL if it does not stop. */
static void daemon_stop(child *d, bool expect_clean)
{
    daemon_terminate(d);
    if (!run_until(daemon_done, d, 15)) {
        CHECK(!"daemon stopped within 15 s of SIGTERM");
        uv_process_kill(&d->proc, SIGKILL);
        run_until(daemon_done, d, 5);
    }
    if (expect_clean) {
        CHECK_EQ_INT(d->term_signal, 0);
        CHECK_EQ_INT(d->status, 0);
    }
    unlink(d->cfg);
    if (check_failures)
        fprintf(stderr, "---- daemon log ----\n%s--------------------\n", d->log);
}

static void daemon_url(int port, const char *path, char *url, size_t cap)
{
    snprintf(url, cap, "ws://127.0.0.1:%d%s", port, path);
}

/* ---- tests against the daemon ---- */

static void test_stream_and_graceful_close(void)
{
    child d;
    int port = daemon_start(&d);
    CHECK(port > 0);
    char url[64];
    daemon_url(port, "/stream", url, sizeof url);
    session s = {.n_cameras = 2};
    session_start(&s, url, MAX_MESSAGE);

    CHECK(run_until(session_hello, &s, 10));
    CHECK_EQ_INT(s.opened, 1);
    CHECK_STR_CONTAINS(s.text[0], "\"type\":\"hello\"");
    s.want_bundles = 30;
    CHECK(run_until(session_bundles, &s, 20));
    CHECK(s.bundles >= 30);
    CHECK_EQ_INT(s.bad_bundles, 0);
    CHECK_EQ_INT(s.seq_errors, 0);

    CHECK_EQ_INT(cc_ws_client_send_text(s.c, "{\"type\":\"ping\"}"), 0);
    CHECK(run_until(session_pong, &s, 10));
    CHECK(s.got_pong);

    cc_ws_client_close(s.c, 1000);
    CHECK_EQ_INT(cc_ws_client_send_text(s.c, "{\"type\":\"ping\"}"), -ENOTCONN);
    CHECK(run_until(session_closed, &s, 10));
    CHECK_EQ_INT(s.close_code, 1000);
    CHECK(daemon_log_wait(&d, "closed by client (1000)", 10));
    session_end(&s);
    daemon_stop(&d, true);
}

static void test_server_close(void)
{
    child d;
    int port = daemon_start(&d);
    CHECK(port > 0);
    char url[64];
    daemon_url(port, "/", url, sizeof url);
    session s = {.n_cameras = 2};
    session_start(&s, url, MAX_MESSAGE);
    CHECK(run_until(session_hello, &s, 10));

    daemon_terminate(&d);
    CHECK(run_until(session_closed, &s, 10));
    CHECK_EQ_INT(s.close_code, 1001);
    CHECK_STR_CONTAINS(s.reason, "shutting down");
    session_end(&s);
    daemon_stop(&d, true);
}

/* Closing from inside on_binary, while bundles keep coming. */
static void test_close_from_callback(void)
{
    child d;
    int port = daemon_start(&d);
    CHECK(port > 0);
    char url[64];
    daemon_url(port, "/stream", url, sizeof url);
    session s = {.n_cameras = 2, .close_in_bundle = true};
    session_start(&s, url, MAX_MESSAGE);
    CHECK(run_until(session_closed, &s, 10));
    CHECK_EQ_INT(s.bundles, 1); /* nothing delivered after close */
    CHECK_EQ_INT(s.close_code, 1000);
    session_end(&s);
    daemon_stop(&d, true);
}

static bool never(void *arg)
{
    (void)arg;
    return false;
}


/* A client that stops reading stays connected and resumes. */
static void test_pause_reading(void)
{
    child d;
    int port = daemon_start(&d);
    CHECK(port > 0);
    char url[64];
    daemon_url(port, "/stream", url, sizeof url);
    session s = {.n_cameras = 2};
    session_start(&s, url, MAX_MESSAGE);
    CHECK(run_until(session_hello, &s, 10));
    cc_ws_client_set_reading(s.c, false);
    int before = s.bundles;
    run_until(never, NULL, 0.5);
    CHECK_EQ_INT(s.bundles, before);
    CHECK_EQ_INT(s.closed, 0);
    cc_ws_client_set_reading(s.c, true);
    s.want_bundles = before + 5;
    CHECK(run_until(session_bundles, &s, 10));
    CHECK(s.bundles >= before + 5);
    CHECK_EQ_INT(s.bad_bundles, 0);
    cc_ws_client_close(s.c, 1000);
    CHECK(run_until(session_closed, &s, 10));
    CHECK_EQ_INT(s.close_code, 1000);
    session_end(&s);
    daemon_stop(&d, true);
}

static void test_http_error(void)
{
    child d;
    int port = daemon_start(&d);
    CHECK(port > 0);
    /* localhost may resolve to ::1 first: the daemon is on 127.0.0.1. */
    char url[64];
    snprintf(url, sizeof url, "ws://localhost:%d/nope", port);
    session s = {0};
    session_start(&s, url, MAX_MESSAGE);
    CHECK(run_until(session_closed, &s, 10));
    CHECK_EQ_INT(s.opened, 0);
    CHECK_EQ_INT(s.close_code, 0);
    CHECK(strcmp(s.reason, "HTTP 404") == 0);
    session_end(&s);
    daemon_stop(&d, true);
}

/* ---- nothing listening ---- */

static int free_port(void)
{
    uv_tcp_t t;
    struct sockaddr_in sa;
    struct sockaddr_storage ss;
    int len = sizeof ss;
    uv_ip4_addr("127.0.0.1", 0, &sa);
    uv_tcp_init(&loop, &t);
    uv_tcp_bind(&t, (struct sockaddr *)&sa, 0);
    uv_tcp_getsockname(&t, (struct sockaddr *)&ss, &len);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void test_refused(void)
{
    char url[64];
    daemon_url(free_port(), "/stream", url, sizeof url);
    session s = {0};
    session_start(&s, url, MAX_MESSAGE);
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.opened, 0);
    CHECK_EQ_INT(s.close_code, 0);
    CHECK_STR_CONTAINS(s.reason, "connect");
    session_end(&s);
}

static void test_unresolvable(void)
{
    session s = {0};
    session_start(&s, "ws://no-such-host.invalid/", MAX_MESSAGE);
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.close_code, 0);
    CHECK(s.reason[0] != '\0');
    session_end(&s);
}

/* ---- a scripted server in this process ---- */

typedef enum script {
    SCRIPT_FRAMES, SCRIPT_BAD_ACCEPT, SCRIPT_TOO_BIG, SCRIPT_SILENT,
    SCRIPT_AUTH,       /* 401 unless "Authorization: Bearer " + token */
    SCRIPT_BIG_TEXT,   /* a 2 MiB text message */
    SCRIPT_FRAG_TEXT,  /* a text message of two 600 kB fragments */
    SCRIPT_BIG_PING,   /* a ping of 200 bytes */
    SCRIPT_FRAG_PING,  /* a ping without FIN */
    SCRIPT_LONG_LEN,   /* a 5-byte binary frame with a 16-bit length */
    SCRIPT_CLOSE_REASON, /* close 1008 with escape sequences in its reason */
    SCRIPT_HELLO_BIG,  /* a text, then a 2000-byte binary */
} script;

/* A close reason written to fool a terminal and a log reader. */
#define HOSTILE_REASON "\x1b[31mred\x07\r\nfake: log line\xc3\xa9\x7f"

#define TOKEN "s3cret-token_0123456789"
#define BIG_TEXT (2u << 20)

typedef struct fake {
    uv_tcp_t listener, conn;
    bool accepted, conn_closed;
    int port;
    script what;
    bool trickle;          /* write the script in small pieces */
    uint8_t *out;          /* the script */
    size_t out_len, out_off;
    uv_timer_t timer;
    uint8_t in[8192];      /* what the client sent after its request */
    size_t in_len;
    bool head_done;
    char auth[400];        /* the request's Authorization header, or "" */
    int pongs, closes, unmasked;
    int close_code;
} fake;

static size_t put_frame(uint8_t *out, unsigned b0, const void *payload, size_t len)
{
    size_t n = 0;
    out[n++] = (uint8_t)b0;
    if (len < 126) {
        out[n++] = (uint8_t)len;
    } else if (len <= 0xffff) {
        out[n++] = 126;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = 127;
        for (int i = 7; i >= 0; i--)
            out[n++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    memcpy(out + n, payload, len);
    return n + len;
}

static void accept_key(const char *key, char out[29])
{
    struct sha1_ctx sha;
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_init(&sha);
    sha1_update(&sha, strlen(key), (const uint8_t *)key);
    sha1_update(&sha, sizeof WS_GUID - 1, (const uint8_t *)WS_GUID);
    sha1_digest(&sha, sizeof digest, digest);
    base64_encode_raw(out, sizeof digest, digest);
    out[28] = '\0';
}

/* Text, a fragmented binary message with a ping inside, a 200 kB binary
 * (64-bit length), an empty one, a fragmented text, a 300 B binary (16-bit
 * length), then close 1000 "bye". */
static size_t frames_script(uint8_t *o)
{
    static uint8_t big[200000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    size_t n = put_frame(o, 0x81, "hi", 2);
    n += put_frame(o + n, 0x02, "abc", 3);
    n += put_frame(o + n, 0x89, "p", 1);
    n += put_frame(o + n, 0x00, "def", 3);
    n += put_frame(o + n, 0x80, "ghi", 3);
    n += put_frame(o + n, 0x82, big, sizeof big);
    n += put_frame(o + n, 0x82, "", 0);
    n += put_frame(o + n, 0x01, "he", 2);
    n += put_frame(o + n, 0x80, "llo", 3);
    n += put_frame(o + n, 0x82, big, 300);
    return n + put_frame(o + n, 0x88, "\x03\xe8" "bye", 5);
}

/* Frames that break RFC 6455 5.2 / 5.5, then a text the client must
 * never deliver. */
static size_t bad_frames_script(script what, uint8_t *o)
{
    static const uint8_t ping[200];
    size_t n = 0;
    if (what == SCRIPT_BIG_PING) {
        n = put_frame(o, 0x89, ping, sizeof ping);
    } else if (what == SCRIPT_FRAG_PING) {
        n = put_frame(o, 0x09, "p", 1);
    } else {
        static const uint8_t long_len[] = {0x82, 126, 0, 5, 'a', 'b', 'c', 'd', 'e'};
        memcpy(o, long_len, sizeof long_len);
        n = sizeof long_len;
    }
    return n + put_frame(o + n, 0x81, "after", 5);
}

/* Text bigger than the client's 1 MiB cap: whole, or in two fragments. */
static size_t big_text_script(script what, uint8_t *o)
{
    uint8_t *text = malloc(BIG_TEXT);
    memset(text, 'x', BIG_TEXT);
    size_t n;
    if (what == SCRIPT_BIG_TEXT) {
        n = put_frame(o, 0x81, text, BIG_TEXT);
    } else {
        n = put_frame(o, 0x01, text, 600000);
        n += put_frame(o + n, 0x80, text, 600000);
    }
    free(text);
    return n + put_frame(o + n, 0x88, "\x03\xe8", 2);
}

static bool auth_ok(const fake *f)
{
    return strcmp(f->auth, "Bearer " TOKEN) == 0;
}

static size_t script_head(fake *f, const char *key)
{
    if (f->what == SCRIPT_AUTH && !auth_ok(f))
        return (size_t)sprintf((char *)f->out,
                               "HTTP/1.1 401 Unauthorized\r\n"
                               "WWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n");
    char accept[29];
    accept_key(key, accept);
    if (f->what == SCRIPT_BAD_ACCEPT)
        accept[0] = accept[0] == 'A' ? 'B' : 'A';
    return (size_t)sprintf((char *)f->out,
                           "HTTP/1.1 101 Switching Protocols\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Accept: %s\r\n\r\n",
                           accept);
}

static void build_script(fake *f, const char *key)
{
    f->out = malloc(BIG_TEXT + 256 * 1024);
    f->out_len = script_head(f, key);
    uint8_t *o = f->out + f->out_len;
    switch (f->what) {
    case SCRIPT_FRAMES:
        f->out_len += frames_script(o);
        break;
    case SCRIPT_TOO_BIG: {
        static const uint8_t zeros[2000];
        f->out_len += put_frame(o, 0x82, zeros, sizeof zeros);
        break;
    }
    case SCRIPT_AUTH:
        if (auth_ok(f)) {
            f->out_len += put_frame(o, 0x81, "hi", 2);
            f->out_len += put_frame(f->out + f->out_len, 0x88, "\x03\xe8", 2);
        }
        break;
    case SCRIPT_CLOSE_REASON:
        f->out_len += put_frame(o, 0x88, "\x03\xf0" HOSTILE_REASON,
                                sizeof HOSTILE_REASON - 1 + 2);
        break;
    case SCRIPT_HELLO_BIG: {
        static const uint8_t zeros[2000];
        f->out_len += put_frame(o, 0x81, "hi", 2);
        f->out_len += put_frame(f->out + f->out_len, 0x82, zeros, sizeof zeros);
        break;
    }
    case SCRIPT_BIG_TEXT:
    case SCRIPT_FRAG_TEXT:
        f->out_len += big_text_script(f->what, o);
        break;
    case SCRIPT_BIG_PING:
    case SCRIPT_FRAG_PING:
    case SCRIPT_LONG_LEN:
        f->out_len += bad_frames_script(f->what, o);
        break;
    default:
        break;
    }
}

static void on_fake_written(uv_write_t *req, int status)
{
    (void)status;
    free(req);
}

static void fake_write(fake *f, size_t len)
{
    uv_write_t *req = malloc(sizeof *req);
    uv_buf_t buf = uv_buf_init((char *)f->out + f->out_off, (unsigned)len);
    f->out_off += len;
    if (uv_write(req, (uv_stream_t *)&f->conn, &buf, 1, on_fake_written) < 0)
        free(req);
}

/* Trickle: pieces of 1, 2, 3, 5 and 4093 bytes, one per millisecond, so
 * headers and payloads arrive split at many places. */
static void on_trickle(uv_timer_t *t)
{
    static const size_t pieces[] = {1, 2, 3, 5, 4093};
    static unsigned i;
    fake *f = t->data;
    size_t left = f->out_len - f->out_off;
    if (left == 0 || f->conn_closed) {
        uv_timer_stop(t);
        return;
    }
    size_t n = pieces[i++ % 5];
    fake_write(f, n < left ? n : left);
}

/* The client's frames: all must be masked; counts pongs and closes. */
static void fake_parse(fake *f)
{
    while (f->in_len >= 6) {
        uint8_t *p = f->in;
        size_t len = p[1] & 0x7f; /* the client sends small frames only */
        if (!(p[1] & 0x80))
            f->unmasked++;
        if (f->in_len < 6 + len)
            return;
        for (size_t i = 0; i < len; i++)
            p[6 + i] ^= p[2 + i % 4];
        unsigned op = p[0] & 0x0f;
        if (op == 0xA && len == 1 && p[6] == 'p')
            f->pongs++;
        if (op == 0x8) {
            f->closes++;
            f->close_code = len >= 2 ? p[6] << 8 | p[7] : 0;
        }
        memmove(f->in, f->in + 6 + len, f->in_len - 6 - len);
        f->in_len -= 6 + len;
    }
}

static void fake_request(fake *f)
{
    char *end = memmem(f->in, f->in_len, "\r\n\r\n", 4);
    if (!end)
        return;
    f->head_done = true;
    *end = '\0';
    const char *auth = strstr((char *)f->in, "\r\nAuthorization: ");
    if (auth) {
        auth += strlen("\r\nAuthorization: ");
        snprintf(f->auth, sizeof f->auth, "%.*s", (int)strcspn(auth, "\r"), auth);
    }
    char *key = strstr((char *)f->in, "Sec-WebSocket-Key: ");
    CHECK(key != NULL);
    CHECK_STR_CONTAINS((char *)f->in, "Sec-WebSocket-Version: 13");
    if (!key)
        return;
    key += strlen("Sec-WebSocket-Key: ");
    key[strcspn(key, "\r")] = '\0';
    CHECK_EQ_INT(strlen(key), 24);
    size_t used = (size_t)(end + 4 - (char *)f->in);
    build_script(f, key);
    memmove(f->in, f->in + used, f->in_len - used);
    f->in_len -= used;
    if (f->trickle)
        uv_timer_start(&f->timer, on_trickle, 1, 1);
    else
        fake_write(f, f->out_len);
}

static void on_fake_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    fake *f = h->data;
    *buf = uv_buf_init((char *)f->in + f->in_len, (unsigned)(sizeof f->in - f->in_len));
}

static void on_fake_closed(uv_handle_t *h)
{
    fake *f = h->data;
    f->conn_closed = true;
}

static void on_fake_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    fake *f = st->data;
    if (n < 0) {
        uv_close((uv_handle_t *)st, on_fake_closed);
        return;
    }
    f->in_len += (size_t)n;
    if (f->what == SCRIPT_SILENT)
        f->in_len = 0;
    else if (!f->head_done)
        fake_request(f);
    if (f->head_done)
        fake_parse(f);
}

static void on_fake_connection(uv_stream_t *listener, int status)
{
    fake *f = listener->data;
    if (status < 0 || f->accepted)
        return;
    f->accepted = true;
    uv_tcp_init(&loop, &f->conn);
    f->conn.data = f;
    uv_accept(listener, (uv_stream_t *)&f->conn);
    uv_read_start((uv_stream_t *)&f->conn, on_fake_alloc, on_fake_read);
}

static void fake_start(fake *f, script what, bool trickle)
{
    memset(f, 0, sizeof *f);
    f->what = what;
    f->trickle = trickle;
    struct sockaddr_in sa;
    struct sockaddr_storage ss;
    int len = sizeof ss;
    uv_ip4_addr("127.0.0.1", 0, &sa);
    uv_tcp_init(&loop, &f->listener);
    uv_timer_init(&loop, &f->timer);
    f->listener.data = f->timer.data = f;
    uv_tcp_bind(&f->listener, (struct sockaddr *)&sa, 0);
    CHECK_EQ_INT(uv_listen((uv_stream_t *)&f->listener, 4, on_fake_connection), 0);
    uv_tcp_getsockname(&f->listener, (struct sockaddr *)&ss, &len);
    f->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static bool fake_closed(void *arg)
{
    fake *f = arg;
    return !f->accepted || f->conn_closed;
}

static void fake_stop(fake *f)
{
    if (f->accepted && !uv_is_closing((uv_handle_t *)&f->conn))
        uv_close((uv_handle_t *)&f->conn, on_fake_closed);
    CHECK(run_until(fake_closed, f, 5));
    uv_close((uv_handle_t *)&f->listener, NULL);
    uv_close((uv_handle_t *)&f->timer, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
    free(f->out);
}

static void run_frames(bool trickle)
{
    fake f;
    fake_start(&f, SCRIPT_FRAMES, trickle);
    char url[64];
    daemon_url(f.port, "/", url, sizeof url);
    session s = {0};
    session_start(&s, url, MAX_MESSAGE);
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.opened, 1);
    CHECK_EQ_INT(s.texts, 2);
    CHECK(strcmp(s.text[0], "hi") == 0);
    CHECK(strcmp(s.text[1], "hello") == 0);
    CHECK_EQ_INT(s.binaries, 4);
    CHECK_EQ_INT(s.sizes[0], 9);
    CHECK_EQ_INT(s.sizes[1], 200000);
    CHECK_EQ_INT(s.sizes[2], 0);
    CHECK_EQ_INT(s.sizes[3], 300);
    CHECK(s.content_ok);
    CHECK_EQ_INT(s.close_code, 1000);
    CHECK(strcmp(s.reason, "bye") == 0);
    CHECK(run_until(fake_closed, &f, 5));
    CHECK_EQ_INT(f.pongs, 1);
    CHECK_EQ_INT(f.closes, 1);
    CHECK_EQ_INT(f.close_code, 1000);
    CHECK_EQ_INT(f.unmasked, 0);
    session_end(&s);
    fake_stop(&f);
}

static void test_frames_burst(void)
{
    run_frames(false);
}

static void test_frames_trickle(void)
{
    run_frames(true);
}

static void test_bad_accept(void)
{
    fake f;
    fake_start(&f, SCRIPT_BAD_ACCEPT, false);
    char url[64];
    daemon_url(f.port, "/", url, sizeof url);
    session s = {0};
    session_start(&s, url, MAX_MESSAGE);
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.opened, 0);
    CHECK_EQ_INT(s.close_code, 0);
    CHECK(strcmp(s.reason, "bad Sec-WebSocket-Accept") == 0);
    session_end(&s);
    fake_stop(&f);
}

static void test_too_big(void)
{
    fake f;
    fake_start(&f, SCRIPT_TOO_BIG, false);
    char url[64];
    daemon_url(f.port, "/", url, sizeof url);
    session s = {0};
    session_start(&s, url, 1000);
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.opened, 1);
    CHECK_EQ_INT(s.binaries, 0);
    CHECK_EQ_INT(s.close_code, 0);
    CHECK_STR_CONTAINS(s.reason, "max_message");
    CHECK(run_until(fake_closed, &f, 5));
    CHECK_EQ_INT(f.close_code, 1009);
    session_end(&s);
    fake_stop(&f);
}

/* The cap lowered on an open connection (as after a hello) holds for
 * the next message. */
static void test_max_message_lowered(void)
{
    fake f;
    fake_start(&f, SCRIPT_HELLO_BIG, false);
    char url[64];
    daemon_url(f.port, "/", url, sizeof url);
    session s = {.max_after_text = 1000};
    session_start(&s, url, MAX_MESSAGE);
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.texts, 1);
    CHECK_EQ_INT(s.binaries, 0);
    CHECK_STR_CONTAINS(s.reason, "max_message (1000 bytes)");
    CHECK(run_until(fake_closed, &f, 5));
    CHECK_EQ_INT(f.close_code, 1009);
    session_end(&s);
    fake_stop(&f);
}

/* The server's close reason reaches on_close as plain ASCII: what a
 * viewer logs cannot move a terminal's cursor or forge a log line. */
static void test_close_reason_plain(void)
{
    fake f;
    fake_start(&f, SCRIPT_CLOSE_REASON, false);
    char url[64];
    daemon_url(f.port, "/", url, sizeof url);
    session s = {0};
    session_start(&s, url, MAX_MESSAGE);
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.close_code, 1008);
    CHECK(strcmp(s.reason, "?[31mred???fake: log line???") == 0);
    session_end(&s);
    fake_stop(&f);
}

/* A server that accepts and never answers: the connect timeout (10 s). */
static void test_handshake_timeout(void)
{
    fake f;
    fake_start(&f, SCRIPT_SILENT, false);
    char url[64];
    daemon_url(f.port, "/", url, sizeof url);
    session s = {0};
    session_start(&s, url, MAX_MESSAGE);
    CHECK(run_until(session_closed, &s, 20));
    CHECK_EQ_INT(s.opened, 0);
    CHECK_EQ_INT(s.close_code, 0);
    CHECK_STR_CONTAINS(s.reason, "within");
    session_end(&s);
    fake_stop(&f);
}

/* close() before the connection is open ends it too, once. */
static void test_close_while_connecting(void)
{
    fake f;
    fake_start(&f, SCRIPT_SILENT, false);
    char url[64];
    daemon_url(f.port, "/", url, sizeof url);
    session s = {0};
    session_start(&s, url, MAX_MESSAGE);
    cc_ws_client_close(s.c, 1000);
    cc_ws_client_close(s.c, 1000);
    CHECK(run_until(session_closed, &s, 10));
    CHECK_EQ_INT(s.opened, 0);
    CHECK_EQ_INT(s.close_code, 0);
    session_end(&s);
    fake_stop(&f);
}

/* ---- access token, text cap, frame headers ---- */

static void start_scripted(fake *f, session *s, script what, const char *token)
{
    fake_start(f, what, false);
    char url[64];
    daemon_url(f->port, "/", url, sizeof url);
    CHECK_EQ_INT(cc_ws_client_new(&s->c, &loop, &callbacks, s, MAX_MESSAGE), 0);
    if (token)
        CHECK_EQ_INT(cc_ws_client_set_token(s->c, token), 0);
    CHECK_EQ_INT(cc_ws_client_connect(s->c, url), 0);
}

static void test_token_missing(void)
{
    fake f;
    session s = {0};
    start_scripted(&f, &s, SCRIPT_AUTH, NULL);
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.opened, 0);
    CHECK_EQ_INT(s.close_code, 0);
    CHECK(strcmp(s.reason, "server wants an access token (HTTP 401)") == 0);
    CHECK_EQ_INT(cc_ws_client_http_status(s.c), 401);
    CHECK(strcmp(f.auth, "") == 0); /* no Authorization header at all */
    session_end(&s);
    fake_stop(&f);
}

static void test_token_wrong(void)
{
    fake f;
    session s = {0};
    start_scripted(&f, &s, SCRIPT_AUTH, "wrong-token-0123456789");
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.opened, 0);
    CHECK(strcmp(s.reason, "wrong access token (HTTP 401)") == 0);
    CHECK_EQ_INT(cc_ws_client_http_status(s.c), 401);
    CHECK(strcmp(f.auth, "Bearer wrong-token-0123456789") == 0);
    session_end(&s);
    fake_stop(&f);
}

static void test_token_sent(void)
{
    fake f;
    session s = {0};
    start_scripted(&f, &s, SCRIPT_AUTH, TOKEN);
    CHECK(run_until(session_closed, &s, 15));
    CHECK(strcmp(f.auth, "Bearer " TOKEN) == 0);
    CHECK_EQ_INT(s.opened, 1);
    CHECK_EQ_INT(cc_ws_client_http_status(s.c), 101);
    CHECK_EQ_INT(s.texts, 1);
    CHECK(strcmp(s.text[0], "hi") == 0);
    CHECK_EQ_INT(s.close_code, 1000);
    session_end(&s);
    fake_stop(&f);
}

static void test_token_invalid(void)
{
    cc_ws_client *c;
    session s = {0};
    CHECK_EQ_INT(cc_ws_client_new(&c, &loop, &callbacks, &s, MAX_MESSAGE), 0);
    CHECK_EQ_INT(cc_ws_client_set_token(c, "short"), -EINVAL);
    CHECK_EQ_INT(cc_ws_client_set_token(c, "a token with spaces 0123"), -EINVAL);
    CHECK_EQ_INT(cc_ws_client_set_token(c, "line\r\nInjected: header0123"), -EINVAL);
    CHECK_EQ_INT(cc_ws_client_set_token(c, TOKEN), 0);
    CHECK_EQ_INT(cc_ws_client_set_token(c, NULL), 0);
    CHECK_EQ_INT(cc_ws_client_set_max_text(c, 0), -EINVAL);
    cc_ws_client_free(c);
}

/* The client closes with code and reason; nothing after the bad frame is
 * delivered, and a bad ping is not answered. */
static void expect_close(script what, int code, const char *reason)
{
    fake f;
    session s = {0};
    start_scripted(&f, &s, what, NULL);
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.opened, 1);
    CHECK_EQ_INT(s.texts, 0);
    CHECK_EQ_INT(s.binaries, 0);
    CHECK_EQ_INT(s.close_code, 0);
    CHECK_STR_CONTAINS(s.reason, reason);
    CHECK(run_until(fake_closed, &f, 5));
    CHECK_EQ_INT(f.closes, 1);
    CHECK_EQ_INT(f.close_code, code);
    CHECK_EQ_INT(f.pongs, 0);
    CHECK_EQ_INT(f.unmasked, 0);
    session_end(&s);
    fake_stop(&f);
}

static void test_text_too_big(void)
{
    expect_close(SCRIPT_BIG_TEXT, 1009, "text message from the server over 1048576 bytes");
}

static void test_fragmented_text_too_big(void)
{
    expect_close(SCRIPT_FRAG_TEXT, 1009, "text message from the server over 1048576 bytes");
}

static void test_big_ping(void)
{
    expect_close(SCRIPT_BIG_PING, 1002, "control frame over 125 bytes");
}

static void test_fragmented_ping(void)
{
    expect_close(SCRIPT_FRAG_PING, 1002, "fragmented control frame");
}

static void test_long_length(void)
{
    expect_close(SCRIPT_LONG_LEN, 1002, "shortest form");
}

/* A larger cap lets the same 1.2 MB text through. */
static void test_max_text_raised(void)
{
    fake f;
    session s = {0};
    fake_start(&f, SCRIPT_FRAG_TEXT, false);
    char url[64];
    daemon_url(f.port, "/", url, sizeof url);
    CHECK_EQ_INT(cc_ws_client_new(&s.c, &loop, &callbacks, &s, MAX_MESSAGE), 0);
    CHECK_EQ_INT(cc_ws_client_set_max_text(s.c, BIG_TEXT), 0);
    CHECK_EQ_INT(cc_ws_client_connect(s.c, url), 0);
    CHECK(run_until(session_closed, &s, 15));
    CHECK_EQ_INT(s.texts, 1);
    CHECK_EQ_INT(s.close_code, 1000);
    session_end(&s);
    fake_stop(&f);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH/TO/camcastd\n", argv[0]);
        return 2;
    }
    daemon_path = argv[1];
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&loop);
    RUN(test_url_parse);
    RUN(test_refused);
    RUN(test_unresolvable);
    RUN(test_close_while_connecting);
    RUN(test_frames_burst);
    RUN(test_frames_trickle);
    RUN(test_bad_accept);
    RUN(test_too_big);
    RUN(test_max_message_lowered);
    RUN(test_close_reason_plain);
    RUN(test_token_invalid);
    RUN(test_token_missing);
    RUN(test_token_wrong);
    RUN(test_token_sent);
    RUN(test_text_too_big);
    RUN(test_fragmented_text_too_big);
    RUN(test_max_text_raised);
    RUN(test_big_ping);
    RUN(test_fragmented_ping);
    RUN(test_long_length);
    RUN(test_stream_and_graceful_close);
    RUN(test_server_close);
    RUN(test_close_from_callback);
    RUN(test_pause_reading);
    RUN(test_http_error);
    RUN(test_handshake_timeout);
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
    return CHECK_DONE();
}
