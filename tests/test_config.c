/* Tests for config.c: parsing, defaults, every error message, write->load
 * round trip, --listen. Usage: test_config [cams.ini [other samples...]] */
#include "config/config.h"
#include "config/load.h" /* cc_congestion_offered */

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#ifndef CC_HAVE_RTSP
#define CC_HAVE_RTSP 0 /* src/meson.build defines it 1 in a build with RTSP */
#endif

static char dir[] = "/tmp/test_config.XXXXXX";
static char ini_path[64];
static char out_path[64];

static void write_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ_INT(fwrite(data, 1, len, f), len);
    CHECK_EQ_INT(fclose(f), 0);
}

/* Writes text to the test's cams.ini and loads it. */
static int load_text(cc_config *cfg, const char *text, char *err, size_t len)
{
    write_bytes(ini_path, text, strlen(text));
    err[0] = '\0';
    return cc_config_load(cfg, ini_path, err, len);
}

static void check_zeroed(const cc_config *cfg)
{
    CHECK(cfg->path == NULL);
    CHECK(cfg->cameras == NULL);
    CHECK_EQ_INT(cfg->n_cameras, 0);
}

/* err must be exactly "PATH:LINE: msg" ("PATH: msg" for line 0). */
static void check_message(const char *err, int line, const char *msg)
{
    char want[1024];
    if (line)
        snprintf(want, sizeof want, "%s:%d: %s", ini_path, line, msg);
    else
        snprintf(want, sizeof want, "%s: %s", ini_path, msg);
    CHECK_STR_CONTAINS(err, want);
    CHECK_EQ_INT(strlen(err), strlen(want));
}

static void expect_error(const char *text, int line, const char *msg)
{
    cc_config cfg;
    char err[512];
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), -EINVAL);
    check_message(err, line, msg);
    check_zeroed(&cfg);
    cc_config_destroy(&cfg);
}

static const char *const minimal =
    "[camera cam0]\nsource = testpattern\nwidth = 640\nheight = 480\n";

static unsigned expected_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

static void test_defaults(void)
{
    cc_config cfg;
    char err[512];
    CHECK_EQ_INT(load_text(&cfg, minimal, err, sizeof err), 0);
    CHECK_STR_CONTAINS(cfg.path, ini_path);
    CHECK(cfg.path != ini_path);
    CHECK_STR_CONTAINS(cfg.server.listen, "127.0.0.1");
    CHECK_EQ_INT(cfg.server.port, 8765);
    CHECK(cfg.server.stream_fps == 30);
    CHECK_EQ_INT(cfg.server.jpeg_quality, 80);
    CHECK(cfg.server.encoder_workers >= 1);
    CHECK_EQ_INT(cfg.server.encoder_workers, expected_workers());
    CHECK_EQ_INT(cfg.server.max_clients, 256);
    CHECK_EQ_INT(cfg.server.token[0], 0);
    CHECK_EQ_INT(cfg.server.token_file[0], 0);
    CHECK_EQ_INT(cfg.server.allowed_origins[0], 0);
    CHECK_EQ_INT(cfg.server.max_clients_per_address, 0);
    CHECK_EQ_INT(cfg.server.max_pending, 256);
    CHECK(cfg.server.handshake_timeout_s == 5);
    CHECK(cfg.server.stall_timeout_s == 30);
    CHECK_EQ_INT(cfg.server.expose_client_addresses, false);
    CHECK_EQ_INT(cfg.server.send_queue_bound, 0);
    CHECK_EQ_INT(cfg.server.tcp_congestion[0], 0);
    CHECK_EQ_INT(cfg.n_cameras, 1);
    const cc_camera_config *c = &cfg.cameras[0];
    CHECK_STR_CONTAINS(c->name, "cam0");
    CHECK_EQ_INT(c->line, 1);
    CHECK_EQ_INT(c->source, CC_SOURCE_TESTPATTERN);
    CHECK_EQ_INT(c->width, 640);
    CHECK_EQ_INT(c->height, 480);
    CHECK_EQ_INT(c->pixfmt, CC_PIX_MONO8);
    CHECK(c->grab_fps == 30);
    CHECK_EQ_INT(c->pattern, CC_PATTERN_SCROLL);
    cc_config_destroy(&cfg);
    check_zeroed(&cfg);
    cc_config_destroy(&cfg); /* destroying twice is harmless */
}

/* Every key set, with the syntax variations users write: BOM, CRLF,
 * indentation, comments, blank lines, [server] after the cameras. */
static const char *const full =
    "\xEF\xBB\xBF[camera left]          ; first\r\n"
    "  source = testpattern\r\n"
    "# a comment\r\n"
    "  width = 1920\r\n"
    "\theight = 1200\r\n"
    "  pixel_format = rgb8  ; case-insensitive\r\n"
    "  grab_fps = 123.456\r\n"
    "  pattern = checker\r\n"
    "\r\n"
    "[camera b.2_x-Y]\n"
    "pattern = bars\n"
    "grab_fps = 0.1\n"
    "height = 16\n"
    "width = 16384\n"
    "source = testpattern\n"
    "; the server last\n"
    "[server]\n"
    "listen = ::1\n"
    "port = 0\n"
    "stream_fps = 0.1\n"
    "jpeg_quality = 100\n"
    "encoder_workers = 5\n"
    "max_clients = 10000\n";

static void check_full(const cc_config *cfg)
{
    CHECK_STR_CONTAINS(cfg->server.listen, "::1");
    CHECK_EQ_INT(strlen(cfg->server.listen), 3);
    CHECK_EQ_INT(cfg->server.port, 0);
    CHECK(cfg->server.stream_fps == 0.1);
    CHECK_EQ_INT(cfg->server.jpeg_quality, 100);
    CHECK_EQ_INT(cfg->server.encoder_workers, 5);
    CHECK_EQ_INT(cfg->server.max_clients, 10000);
    CHECK_EQ_INT(cfg->n_cameras, 2);
    if (cfg->n_cameras != 2)
        return;
    const cc_camera_config *a = &cfg->cameras[0], *b = &cfg->cameras[1];
    CHECK_STR_CONTAINS(a->name, "left");
    CHECK_EQ_INT(a->source, CC_SOURCE_TESTPATTERN);
    CHECK_EQ_INT(a->width, 1920);
    CHECK_EQ_INT(a->height, 1200);
    CHECK_EQ_INT(a->pixfmt, CC_PIX_RGB8);
    CHECK(a->grab_fps == 123.456);
    CHECK_EQ_INT(a->pattern, CC_PATTERN_CHECKER);
    CHECK_STR_CONTAINS(b->name, "b.2_x-Y");
    CHECK_EQ_INT(b->width, 16384);
    CHECK_EQ_INT(b->height, 16);
    CHECK_EQ_INT(b->pixfmt, CC_PIX_MONO8);
    CHECK(b->grab_fps == 0.1);
    CHECK_EQ_INT(b->pattern, CC_PATTERN_BARS);
}

static void test_full(void)
{
    cc_config cfg;
    char err[512];
    CHECK_EQ_INT(load_text(&cfg, full, err, sizeof err), 0);
    CHECK_EQ_INT(err[0], 0); /* no message on success */
    check_full(&cfg);
    CHECK_EQ_INT(cfg.cameras[0].line, 1);
    CHECK_EQ_INT(cfg.cameras[1].line, 10);
    cc_config_destroy(&cfg);
}

static void check_same_aravis(const cc_aravis_config *x,
                              const cc_aravis_config *y)
{
    CHECK_EQ_INT(strcmp(x->device, y->device), 0);
    CHECK_EQ_INT(x->required, y->required);
    CHECK_EQ_INT(x->offset_x, y->offset_x);
    CHECK_EQ_INT(x->offset_y, y->offset_y);
    CHECK_EQ_INT(x->binning, y->binning);
    CHECK(x->exposure_us == y->exposure_us);
    CHECK(x->gain_db == y->gain_db);
    CHECK_EQ_INT(x->trigger, y->trigger);
    CHECK_EQ_INT(strcmp(x->trigger_source, y->trigger_source), 0);
    CHECK_EQ_INT(x->timeout_ms, y->timeout_ms);
    CHECK_EQ_INT(x->packet_size, y->packet_size);
    CHECK_EQ_INT(x->socket_buffer, y->socket_buffer);
    CHECK_EQ_INT(x->packet_resend, y->packet_resend);
    CHECK_EQ_INT(x->ptp, y->ptp);
    CHECK_EQ_INT(x->n_features, y->n_features);
    for (size_t i = 0; i < x->n_features && i < y->n_features; i++) {
        CHECK_EQ_INT(strcmp(x->features[i].name, y->features[i].name), 0);
        CHECK_EQ_INT(strcmp(x->features[i].value, y->features[i].value), 0);
    }
}

static const uint32_t as_camera_keys =
    1u << CC_KEY_WIDTH | 1u << CC_KEY_HEIGHT | 1u << CC_KEY_OFFSET_X |
    1u << CC_KEY_OFFSET_Y | 1u << CC_KEY_BINNING | 1u << CC_KEY_PIXEL_FORMAT |
    1u << CC_KEY_GRAB_FPS | 1u << CC_KEY_EXPOSURE_US | 1u << CC_KEY_GAIN_DB;

static void check_same(const cc_config *a, const cc_config *b)
{
    CHECK_STR_CONTAINS(a->server.listen, b->server.listen);
    CHECK_EQ_INT(strlen(a->server.listen), strlen(b->server.listen));
    CHECK_EQ_INT(a->server.port, b->server.port);
    CHECK(a->server.stream_fps == b->server.stream_fps);
    CHECK_EQ_INT(a->server.jpeg_quality, b->server.jpeg_quality);
    CHECK_EQ_INT(a->server.encoder_workers, b->server.encoder_workers);
    CHECK_EQ_INT(a->server.max_clients, b->server.max_clients);
    CHECK_EQ_INT(a->server.aravis_fake, b->server.aravis_fake);
    CHECK_EQ_INT(strcmp(a->server.token_file, b->server.token_file), 0);
    CHECK_EQ_INT(strcmp(a->server.token, b->server.token), 0);
    CHECK_EQ_INT(strcmp(a->server.allowed_origins, b->server.allowed_origins), 0);
    CHECK_EQ_INT(strcmp(a->server.server_names, b->server.server_names), 0);
    CHECK_EQ_INT(a->server.max_clients_per_address, b->server.max_clients_per_address);
    CHECK_EQ_INT(a->server.max_pending, b->server.max_pending);
    CHECK(a->server.handshake_timeout_s == b->server.handshake_timeout_s);
    CHECK(a->server.stall_timeout_s == b->server.stall_timeout_s);
    CHECK_EQ_INT(a->server.expose_client_addresses, b->server.expose_client_addresses);
    CHECK_EQ_INT(a->server.send_queue_bound, b->server.send_queue_bound);
    CHECK_EQ_INT(strcmp(a->server.tcp_congestion, b->server.tcp_congestion), 0);
    CHECK_EQ_INT(a->n_cameras, b->n_cameras);
    for (size_t i = 0; i < a->n_cameras && i < b->n_cameras; i++) {
        const cc_camera_config *x = &a->cameras[i], *y = &b->cameras[i];
        CHECK_EQ_INT(strcmp(x->name, y->name), 0);
        CHECK_EQ_INT(x->source, y->source);
        CHECK_EQ_INT(x->width, y->width);
        CHECK_EQ_INT(x->height, y->height);
        CHECK_EQ_INT(x->pixfmt, y->pixfmt);
        CHECK(x->grab_fps == y->grab_fps);
        CHECK_EQ_INT(x->pattern, y->pattern);
        /* Aravis keys left out mean "as the camera is": they must stay
         * out. Others are written with their defaults. */
        if (x->source == CC_SOURCE_ARAVIS)
            CHECK_EQ_INT(x->set & as_camera_keys, y->set & as_camera_keys);
        check_same_aravis(&x->aravis, &y->aravis);
        CHECK_EQ_INT(x->delay_us, y->delay_us);
        CHECK_EQ_INT(x->jitter_us, y->jitter_us);
        CHECK_EQ_INT(x->sync.group, y->sync.group);
        CHECK_EQ_INT(x->sync.trigger, y->sync.trigger);
        CHECK(x->sync.wait_ms == y->sync.wait_ms);
    }
    CHECK_EQ_INT(a->server.n_syncs, b->server.n_syncs);
    for (size_t i = 0; i < a->server.n_syncs && i < b->server.n_syncs; i++) {
        const cc_sync_config *x = &a->server.syncs[i], *y = &b->server.syncs[i];
        CHECK_EQ_INT(strcmp(x->name, y->name), 0);
        CHECK(x->cameras == y->cameras);
        CHECK_EQ_INT(x->trigger, y->trigger);
        CHECK_EQ_INT(strcmp(x->trigger_line, y->trigger_line), 0);
        CHECK_EQ_INT(x->tolerance_us, y->tolerance_us);
        CHECK(x->wait_ms == y->wait_ms);
        CHECK(x->wait_resolved_ms == y->wait_resolved_ms);
    }
}

/* Writes cfg with cc_config_write, loads the result and compares. */
static void check_round_trip(const cc_config *cfg)
{
    FILE *f = fopen(out_path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    cc_config_write(cfg, f);
    CHECK_EQ_INT(fclose(f), 0);

    char text[8192] = "";
    f = fopen(out_path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    char first[PATH_MAX + 32];
    snprintf(first, sizeof first, "# resolved from %s\n", cfg->path);
    CHECK_EQ_INT(strncmp(text, first, strlen(first)), 0);

    cc_config back;
    char err[512] = "";
    CHECK_EQ_INT(cc_config_load(&back, out_path, err, sizeof err), 0);
    CHECK_EQ_INT(err[0], 0); /* no message on success */
    check_same(cfg, &back);
    cc_config_destroy(&back);
}

static void test_round_trip(void)
{
    cc_config cfg;
    char err[512];
    CHECK_EQ_INT(load_text(&cfg, full, err, sizeof err), 0);
    check_round_trip(&cfg);
    /* Values %g would shorten must survive too. */
    cfg.server.stream_fps = 1.0 / 3;
    cfg.cameras[0].grab_fps = 9999.123456789012;
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);

    /* encoder_workers = 0 is written as the resolved count. */
    CHECK_EQ_INT(load_text(&cfg, minimal, err, sizeof err), 0);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
}

static const char cam16[] = "\n[camera c]\nsource = testpattern\nwidth = 1920\n"
                           "height = 1200\n";

static void test_variants(void)
{
    cc_config cfg;
    char err[512], text[1024];
    snprintf(text, sizeof text, "[variant preview]\nmax_width = 640\n\n"
             "[variant tiny]\nscale = 1/8\nquality = 50\ncolor = yuv\n"
             "[variant half]\nscale = 0.5\ncolor = gray\n"
             "[server]\njpeg_quality = 77\n%s", cam16);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    const cc_server_config *s = &cfg.server;
    CHECK_EQ_INT(s->n_variants, 3);
    CHECK(strcmp(s->variants[0].name, "preview") == 0);
    CHECK_EQ_INT(s->variants[0].max_width, 640);
    CHECK_EQ_INT(s->variants[0].quality, 77); /* the server's, set later */
    CHECK_EQ_INT(s->variants[0].color, CC_COLOR_AUTO);
    CHECK_EQ_INT(s->variants[1].scale, 8);
    CHECK_EQ_INT(s->variants[1].quality, 50);
    CHECK_EQ_INT(s->variants[1].color, CC_COLOR_YUV);
    CHECK_EQ_INT(s->variants[2].scale, 2);
    CHECK_EQ_INT(s->variants[2].color, CC_COLOR_GRAY);
    CHECK_EQ_INT(cc_variant_find(s, "tiny"), 1);
    CHECK_EQ_INT(cc_variant_find(s, "full"), -1);
    /* The box: the smallest that fits, at most 16. */
    CHECK_EQ_INT(cc_variant_scale(&s->variants[0], 1920), 3);
    CHECK_EQ_INT(cc_variant_scale(&s->variants[0], 1921), 4);
    CHECK_EQ_INT(cc_variant_scale(&s->variants[0], 640), 1);
    CHECK_EQ_INT(cc_variant_scale(&s->variants[0], 100000), 16);
    CHECK_EQ_INT(cc_variant_scale(&s->variants[1], 1920), 8);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);

    snprintf(text, sizeof text, "[variant p]\nquality = 5\n%s", cam16);
    expect_error(text, 1, "[variant p] missing key 'max_width' (or 'scale')");
    snprintf(text, sizeof text, "[variant p]\nscale = 1/2\nmax_width = 64\n%s", cam16);
    expect_error(text, 3, "[variant p] keys 'max_width' and 'scale' both set "
                 "(line 3 and 2): give one");
    expect_error("[variant full]\nscale = 1/2\n", 1,
                 "[variant full] the name 'full' is the cameras' own stream");
    expect_error("[variant a]\nscale = 1/2\n[variant a]\n", 3,
                 "[variant a] duplicate variant name (first defined at line 1)");
    expect_error("[variant a b]\n", 1, "[variant a b] invalid variant name "
                 "'a b' (1..63 characters of A-Z a-z 0-9 _ . -)");
    expect_error("[variant a]\nscale = 0.3\n", 2, "[variant a] scale: expected "
                 "1/N or its decimal (N = 1..16: 1/2, 0.25), got '0.3'");
    expect_error("[variant a]\nscale = 1/17\n", 2, "[variant a] scale: expected "
                 "1/N or its decimal (N = 1..16: 1/2, 0.25), got '1/17'");
    expect_error("[variant a]\nmax_width = 8\n", 2, "[variant a] max_width: "
                 "expected an integer 16..16384, got '8'");
    expect_error("[variant a]\ncolor = red\n", 2, "[variant a] color: "
                 "expected auto, gray or yuv, got 'red'");
    expect_error("[variant a]\nwidth = 5\n", 2, "[variant a] unknown key 'width'");
    char many[1024] = "";
    for (int i = 0; i <= CC_MAX_VARIANTS; i++) {
        size_t n = strlen(many);
        snprintf(many + n, sizeof many - n, "[variant v%d]\nscale = 1/2\n", i);
    }
    expect_error(many, 2 * CC_MAX_VARIANTS + 1, "[variant v8] too many variants (at most 8)");
}

static void test_rtsp(void)
{
    cc_config cfg;
    char err[512], text[1024];
#if !CC_HAVE_RTSP
    /* Built without RTSP: refused at load, so --check-config says what the
     * daemon would. */
    snprintf(text, sizeof text, "[server]\n[rtsp]\nport = 0\n%s", cam16);
    expect_error(text, 2, "[rtsp]: this camcastd was built without RTSP (GStreamer's "
                 "RTSP server library; meson setup -Drtsp=enabled)");
    (void)cfg;
    return;
#endif
    /* full: RTSP gets a YCbCr variant of its own, at full size. */
    snprintf(text, sizeof text, "[rtsp]\n%s", cam16);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    const cc_rtsp_config *r = &cfg.server.rtsp;
    CHECK(r->enabled && r->has_own);
    CHECK_EQ_INT(r->port, 8554);
    CHECK(r->listen[0] == '\0' && r->fps == 0);
    CHECK_EQ_INT(r->own.scale, 1);
    CHECK_EQ_INT(r->own.color, CC_COLOR_YUV);
    CHECK_EQ_INT(r->mux_variant, 1);
    CHECK_EQ_INT(cc_variant_count(&cfg.server), 1);
    CHECK(cc_variant_at(&cfg.server, 1) == &r->own);
    CHECK_EQ_INT(cc_variant_find(&cfg.server, "rtsp"), -1); /* not for clients */
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);

    /* A YCbCr variant is shared; another one is copied as YCbCr. */
    snprintf(text, sizeof text, "[variant p]\nmax_width = 640\ncolor = yuv\n"
             "[rtsp]\nlisten = 127.0.0.1:9554\nfps = 10\nvariant = p\n%s", cam16);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK(!r->has_own);
    CHECK_EQ_INT(r->mux_variant, 1);
    CHECK_EQ_INT(r->port, 9554);
    CHECK(strcmp(r->listen, "127.0.0.1") == 0 && r->fps == 10);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
    snprintf(text, sizeof text, "[variant p]\nscale = 1/2\nquality = 60\n"
             "[rtsp]\nvariant = p\nport = 0\n%s", cam16);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK(r->has_own && r->own.scale == 2 && r->own.quality == 60);
    CHECK_EQ_INT(r->mux_variant, 2);
    CHECK_EQ_INT(r->port, 0);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);

    snprintf(text, sizeof text, "[rtsp]\nvariant = nope\n%s", cam16);
    expect_error(text, 2, "[rtsp] variant: no [variant nope] (give \"full\" or the name "
                 "of a [variant NAME] section)");
    expect_error("[rtsp]\nlisten = 1.2.3.4:80\nport = 5\n", 3,
                 "[rtsp] port: the port is set at line 2 already");
    expect_error("[rtsp]\nlisten = example.com\n", 2, "[rtsp] listen: expected ADDR, "
                 "ADDR:PORT or [IPV6]:PORT, got 'example.com'");
    expect_error("[rtsp]\n[rtsp]\n", 2, "duplicate section [rtsp] (first defined at line 1)");
    expect_error("[rtsp]\nfps = -1\n", 2, "[rtsp] fps: expected a number 0..1000, got '-1'");
    /* RTSP's frames are the tick's: fps above stream_fps is an error, wherever
     * [server] is, and stream_fps itself is the most. */
    snprintf(text, sizeof text, "[rtsp]\nfps = 30.5\n[server]\nstream_fps = 30\n%s", cam16);
    expect_error(text, 2, "[rtsp] fps: 30.5 is more than [server] stream_fps = 30 (RTSP "
                 "sends at most a frame per tick)");
    snprintf(text, sizeof text, "[server]\nstream_fps = 12.5\n[rtsp]\nfps = 15\n%s", cam16);
    expect_error(text, 4, "[rtsp] fps: 15 is more than [server] stream_fps = 12.5 (RTSP "
                 "sends at most a frame per tick)");
    snprintf(text, sizeof text, "[rtsp]\nfps = 12.5\n[server]\nstream_fps = 12.5\n%s", cam16);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK(r->fps == 12.5 && r->fps_line == 2);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
}

/* [rtsp]'s limits: defaults, every key, stall_timeout from [server]. */
static void test_rtsp_limits(void)
{
    if (!CC_HAVE_RTSP)
        return; /* [rtsp] itself is refused (test_rtsp) */
    cc_config cfg;
    char err[512], text[1024];
    snprintf(text, sizeof text, "[server]\nstall_timeout = 12\n[rtsp]\n%s", cam16);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    const cc_rtsp_config *r = &cfg.server.rtsp;
    CHECK_EQ_INT(r->max_clients, 64);
    CHECK_EQ_INT(r->max_clients_per_address, 0);
    CHECK_EQ_INT(r->max_sessions, 64);
    CHECK_EQ_INT(r->max_sessions_per_client, 2);
    CHECK_EQ_INT(r->max_request, 4096);
    CHECK(r->session_timeout_s == 60 && r->auth_timeout_s == 10);
    CHECK(r->stall_timeout_s == 12); /* the server's */
    CHECK_EQ_INT(r->rtp_port_min, 40000);
    CHECK_EQ_INT(r->rtp_port_max, 40999);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);

    snprintf(text, sizeof text,
             "[rtsp]\nmax_clients = 8\nmax_clients_per_address = 2\nmax_sessions = 5\n"
             "max_sessions_per_client = 1\nmax_request = 2048\nsession_timeout = 30\n"
             "auth_timeout = 2.5\nstall_timeout = 0\nrtp_ports = 50000-50099\n%s", cam16);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK(r->max_clients == 8 && r->max_clients_per_address == 2 && r->max_sessions == 5 &&
          r->max_sessions_per_client == 1 && r->max_request == 2048);
    CHECK(r->session_timeout_s == 30 && r->auth_timeout_s == 2.5 && r->stall_timeout_s == 0);
    CHECK(r->rtp_port_min == 50000 && r->rtp_port_max == 50099);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
    snprintf(text, sizeof text, "[rtsp]\nrtp_ports = any\n%s", cam16);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK(r->rtp_port_min == 0 && r->rtp_port_max == 0);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);

    expect_error("[rtsp]\nrtp_ports = 40000\n", 2, "[rtsp] rtp_ports: expected MIN-MAX "
                 "(e.g. 40000-40999) or any, got '40000'");
    expect_error("[rtsp]\nrtp_ports = 500-600\n", 2, "[rtsp] rtp_ports: expected MIN-MAX "
                 "with 1024 <= MIN < MAX <= 65535, got '500-600'");
    expect_error("[rtsp]\nrtp_ports = 41000-41000\n", 2, "[rtsp] rtp_ports: expected "
                 "MIN-MAX with 1024 <= MIN < MAX <= 65535, got '41000-41000'");
    expect_error("[rtsp]\nmax_clients = 0\n", 2, "[rtsp] max_clients: expected an integer "
                 "1..65535, got '0'");
    expect_error("[rtsp]\nmax_request = 100\n", 2, "[rtsp] max_request: expected an "
                 "integer 512..1048576, got '100'");
    expect_error("[rtsp]\nsession_timeout = 0\n", 2, "[rtsp] session_timeout: expected a "
                 "number 1..86400, got '0'");
}

static const char sync_cams[] =
    "[camera left]\nsource = testpattern\nwidth = 64\nheight = 64\ngrab_fps = 100\n"
    "[camera center]\nsource = testpattern\nwidth = 64\nheight = 64\ngrab_fps = 100\n"
    "delay_us = 3000\njitter_us = 500\n"
    "[camera right]\nsource = testpattern\nwidth = 64\nheight = 64\ngrab_fps = 100\n"
    "delay_us = 7000\n";

/* [sync NAME] before its cameras, as the issue writes it. */
static void test_sync(void)
{
    cc_config cfg;
    char err[512], text[2048];
    snprintf(text, sizeof text, "[sync line]\ncameras = left, center ,right\n"
             "trigger = software   ; all at grab_fps\ntolerance_us = 500\n%s", sync_cams);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK_EQ_INT(err[0], 0);
    const cc_server_config *s = &cfg.server;
    CHECK_EQ_INT(s->n_syncs, 1);
    const cc_sync_config *g = &s->syncs[0];
    CHECK_STR_CONTAINS(g->name, "line");
    CHECK(g->cameras == 7);
    CHECK_EQ_INT(g->trigger, CC_SYNC_SOFTWARE);
    CHECK_EQ_INT(g->tolerance_us, 500);
    CHECK(g->wait_ms == 0 && g->wait_resolved_ms == 10); /* one frame at 100 fps */
    for (size_t i = 0; i < 3; i++) {
        CHECK_EQ_INT(cfg.cameras[i].sync.group, 0);
        CHECK_EQ_INT(cfg.cameras[i].sync.trigger, CC_SYNC_SOFTWARE);
        CHECK(cfg.cameras[i].sync.wait_ms == 10);
    }
    CHECK_EQ_INT(cfg.cameras[1].delay_us, 3000);
    CHECK_EQ_INT(cfg.cameras[1].jitter_us, 500);
    CHECK_EQ_INT(cfg.cameras[2].delay_us, 7000);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);

    /* Two groups; a camera in none; free and a trigger line (Aravis). */
    snprintf(text, sizeof text, "%s[camera a]\nsource = aravis\ndevice = Fake_1\n"
             "[camera b]\nsource = aravis\ndevice = GV02\ntrigger = Line1\nptp = on\n"
             "[sync pair]\ncameras = left,center\ntrigger = free\nwait_ms = 2.5\n"
             "[sync hw]\ncameras = a, b\ntrigger = Line1\ntolerance_us = 1000000\n",
             sync_cams);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK_EQ_INT(cfg.server.n_syncs, 2);
    CHECK(cfg.server.syncs[0].cameras == 3 && cfg.server.syncs[1].cameras == 0x18);
    CHECK(cfg.server.syncs[0].wait_resolved_ms == 2.5);
    CHECK_EQ_INT(cfg.cameras[2].sync.group, -1);
    CHECK_EQ_INT(cfg.cameras[3].sync.group, 1);
    CHECK_EQ_INT(cfg.cameras[3].aravis.trigger, CC_TRIGGER_LINE);
    CHECK_STR_CONTAINS(cfg.cameras[3].aravis.trigger_source, "Line1");
    CHECK(cfg.cameras[4].aravis.ptp);
    CHECK_EQ_INT(cfg.server.syncs[1].trigger, CC_SYNC_LINE);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);

    /* Software: an Aravis camera without its own trigger key is fired by
     * software. */
    snprintf(text, sizeof text, "%s[camera a]\nsource = aravis\ndevice = Fake_1\n"
             "grab_fps = 100\n[sync s]\ncameras = a, left\ntrigger = software\n",
             sync_cams);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK_EQ_INT(cfg.cameras[3].aravis.trigger, CC_TRIGGER_SOFTWARE);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
}

/* Bad input of the issue, each at its file:line. */
static void test_sync_errors(void)
{
    char text[2048];
    /* sync_cams takes lines 1..18. */
    snprintf(text, sizeof text, "%s[sync g]\ncameras = left, nope\ntrigger = free\n",
             sync_cams);
    expect_error(text, 20, "[sync g] cameras: no [camera nope]");
    snprintf(text, sizeof text, "%s[sync g]\ncameras = left, center\ntrigger = free\n"
             "[sync h]\ntrigger = software\ncameras = right, center\n", sync_cams);
    expect_error(text, 24, "[sync h] cameras: camera center is in [sync g] already "
                 "(line 19): a camera can be in one group");
    snprintf(text, sizeof text, "%s[sync g]\ncameras = left\ntrigger = free\n", sync_cams);
    expect_error(text, 20, "[sync g] cameras: a group needs at least two cameras, got 1");
    snprintf(text, sizeof text, "%s[sync g]\ncameras = left, left\ntrigger = free\n",
             sync_cams);
    expect_error(text, 20, "[sync g] cameras: camera left is listed twice");
    snprintf(text, sizeof text, "%s[sync g]\ncameras = left, right\ntrigger = free\n"
             "tolerance_us = 0\n", sync_cams);
    expect_error(text, 22, "[sync g] tolerance_us: expected an integer 1..1000000, got '0'");
    expect_error("[sync g]\ncameras = a, b\ntolerance_us = 1000001\n", 3,
                 "[sync g] tolerance_us: expected an integer 1..1000000, got '1000001'");
    expect_error("[sync g]\ncameras = a, b\n", 1, "[sync g] missing required key 'trigger'");
    expect_error("[sync g]\ntrigger = free\n", 1, "[sync g] missing required key 'cameras'");
    expect_error("[sync g]\ncameras =\n", 2, "[sync g] cameras: expected a value");
    expect_error("[sync g]\ntrigger = action\n", 2, "[sync g] trigger: GigE Vision action "
                 "commands are not supported by this camcastd (use software, free or the "
                 "trigger line the cameras share)");
    expect_error("[sync g]\ntrigger = two words\n", 2, "[sync g] trigger: expected "
                 "software, free or a trigger line such as Line1, got 'two words'");
    expect_error("[sync g]\nwait_ms = 0\n", 2,
                 "[sync g] wait_ms: expected a number 0.1..10000, got '0'");
    expect_error("[sync g]\ncameras = a, b\ntrigger = free\n[sync g]\n", 4,
                 "[sync g] duplicate sync group name (first defined at line 1)");
    expect_error("[sync a b]\n", 1, "[sync a b] invalid sync group name 'a b' (1..63 "
                 "characters of A-Z a-z 0-9 _ . -)");
    /* A trigger line needs cameras with trigger inputs. */
    snprintf(text, sizeof text, "%s[sync g]\ncameras = left, right\ntrigger = Line1\n",
             sync_cams);
    expect_error(text, 21, "[sync g] trigger: Line1 is a camera's trigger input, and "
                 "camera left is a testpattern");
    /* Software: one rate. */
    snprintf(text, sizeof text, "%s[camera slow]\nsource = testpattern\nwidth = 64\n"
             "height = 64\ngrab_fps = 50\n[sync g]\ncameras = left, slow\n"
             "trigger = software\n", sync_cams);
    expect_error(text, 25, "[sync g] cameras: left has grab_fps 100 and slow 50: "
                 "trigger = software fires the group at one rate");
    /* An Aravis camera's own trigger must agree with its group's. */
    snprintf(text, sizeof text, "%s[camera a]\nsource = aravis\ndevice = x\n"
             "trigger = Line2\ngrab_fps = 100\n[sync g]\ncameras = a, left\n"
             "trigger = software\n", sync_cams);
    expect_error(text, 22, "[camera a] trigger: Line2, but its [sync g] (line 24) has "
                 "trigger = software: leave the key out or make them agree");
    snprintf(text, sizeof text, "%s[camera a]\nsource = aravis\ndevice = x\n"
             "[sync g]\ncameras = a, left\ntrigger = software\n", sync_cams);
    expect_error(text, 19, "[camera a] missing key 'grab_fps' (required in [sync g], "
                 "trigger = software)");
    /* Keys of the other source. */
    expect_error("[camera a]\nsource = aravis\ndevice = x\ndelay_us = 5\n", 4,
                 "[camera a] key 'delay_us' does not apply to source aravis");
    expect_error("[camera a]\nsource = testpattern\nwidth = 64\nheight = 64\nptp = on\n",
                 5, "[camera a] key 'ptp' does not apply to source testpattern");
    expect_error("[camera a]\nsource = testpattern\nwidth = 64\nheight = 64\n"
                 "jitter_us = 1000001\n", 5,
                 "[camera a] jitter_us: expected an integer 0..1000000, got '1000001'");
}

static void test_file_errors(void)
{
    cc_config cfg;
    char err[512], missing[PATH_MAX + 16], want[PATH_MAX + 64];
    snprintf(missing, sizeof missing, "%s/nope.ini", dir);
    CHECK_EQ_INT(cc_config_load(&cfg, missing, err, sizeof err), -ENOENT);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
             missing);
    CHECK_STR_CONTAINS(err, want);
    check_zeroed(&cfg);

    /* fopen accepts a directory; reading it fails. */
    CHECK_EQ_INT(cc_config_load(&cfg, dir, err, sizeof err), -EISDIR);
    snprintf(want, sizeof want, "%s: cannot read: Is a directory", dir);
    CHECK_STR_CONTAINS(err, want);
    check_zeroed(&cfg);

    expect_error("", 0, "no cameras: add a [camera NAME] section");
    expect_error("[server]\nport = 1\n", 0,
                 "no cameras: add a [camera NAME] section");
}

static void test_section_errors(void)
{
    expect_error("[foo]\n", 1,
                 "unknown section [foo] (expected [server], [camera NAME], [variant NAME], [rtsp] or [sync NAME])");
    expect_error("[server]\n[cameras x]\n", 2, "unknown section [cameras x] "
                 "(expected [server], [camera NAME], [variant NAME], [rtsp] or [sync NAME])");
    expect_error("port = 1\n[server]\n", 1, "key 'port' outside any section "
                 "(start with [server] or [camera NAME])");
    expect_error("[server]\nport = 1\n\n[server]\n", 4,
                 "duplicate section [server] (first defined at line 1)");
    expect_error("[camera]\n", 1, "[camera ] invalid camera name '' "
                 "(1..63 characters of A-Z a-z 0-9 _ . -)");
    expect_error("[camera ]\n", 1, "[camera ] invalid camera name '' "
                 "(1..63 characters of A-Z a-z 0-9 _ . -)");
    expect_error("[camera two words]\n", 1, "[camera two words] invalid "
                 "camera name 'two words' (1..63 characters of A-Z a-z 0-9 _ . -)");
    expect_error("[camera a/b]\n", 1, "[camera a/b] invalid camera name 'a/b' "
                 "(1..63 characters of A-Z a-z 0-9 _ . -)");

    char text[256], msg[256], name[65];
    memset(name, 'n', 64);
    name[64] = '\0';
    snprintf(text, sizeof text, "[camera %s]\n", name);
    snprintf(msg, sizeof msg, "[camera %s] invalid camera name '%s' "
             "(1..63 characters of A-Z a-z 0-9 _ . -)", name, name);
    expect_error(text, 1, msg);

    /* 63 characters is the longest valid name. */
    cc_config cfg;
    char err[512];
    name[63] = '\0';
    snprintf(text, sizeof text, "[camera %s]\nsource = testpattern\n"
             "width = 16\nheight = 16\n", name);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK_EQ_INT(err[0], 0); /* no message on success */
    CHECK_EQ_INT(cfg.n_cameras, 1);
    cc_config_destroy(&cfg);
}

static void test_camera_errors(void)
{
    expect_error("[camera left]\nsource = testpattern\nheight = 100\n\n"
                 "[camera right]\nsource = testpattern\nwidth = 16\n"
                 "height = 16\n",
                 1, "[camera left] missing required key 'width'");
    /* Checked at the end of the file too, and for sections without keys. */
    expect_error("[camera cam0]\nsource = testpattern\nwidth = 640\n"
                 "height = 480\n[camera cam1]\nwidth = 16\nheight = 16\n", 5,
                 "[camera cam1] missing required key 'source'");
    expect_error("[camera left]\n", 1,
                 "[camera left] missing required key 'source'");
    expect_error("[camera left]\nsource = testpattern\nwidth = 16\n", 1,
                 "[camera left] missing required key 'height'");

    expect_error("[camera left]\nsource = testpattern\nwidth = 16\n"
                 "height = 16\n[camera other]\nsource = testpattern\n"
                 "width = 16\nheight = 16\n[camera left]\n",
                 9, "[camera left] duplicate camera name (first defined at "
                 "line 1)");
    expect_error("[camera left]\nsource = testpattern\nwidth = 16\n"
                 "height = 16\nwidth = 32\n",
                 5, "[camera left] duplicate key 'width' (first set at line 3)");
    expect_error("[camera left]\nsource = v4l2\n", 2, "[camera left] source: "
                 "unknown source 'v4l2' (supported: testpattern, aravis)");
    expect_error("[camera left]\nsource = testpattern\npixel_format = Mono14\n",
                 3, "[camera left] pixel_format: unknown pixel format 'Mono14' "
                 "(supported: Mono8, RGB8, BGR8, Mono10, Mono12, Mono16, "
                 "Mono10Packed, Mono12Packed, Mono10p, Mono12p, BayerRG8, "
                 "BayerGB8, BayerGR8, BayerBG8, YUV422_8_UYVY, YUV422_8)");
    /* A format camcastd streams, but the test pattern does not paint. */
    expect_error("[camera left]\nsource = testpattern\npixel_format = Mono12\n"
                 "width = 16\nheight = 16\n", 3, "[camera left] pixel_format: "
                 "source testpattern paints Mono8 or RGB8, not Mono12");
    expect_error("[camera left]\npattern = Scroll\n", 2, "[camera left] "
                 "pattern: unknown pattern 'Scroll' (supported: scroll, bars, "
                 "checker)");
    expect_error("[camera left]\nsource = testpattern\nwidht = 16\n", 3,
                 "[camera left] unknown key 'widht'");
}

static void test_too_many_cameras(void)
{
    static char text[64 * 128];
    size_t len = 0;
    for (int i = 0; i < CC_MAX_CAMERAS; i++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "[camera c%d]\nsource = testpattern\n"
                                "width = 16\nheight = 16\n", i);
    cc_config cfg;
    char err[512];
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK_EQ_INT(cfg.n_cameras, CC_MAX_CAMERAS);
    CHECK_STR_CONTAINS(cfg.cameras[CC_MAX_CAMERAS - 1].name, "c63");
    CHECK_EQ_INT(cfg.cameras[CC_MAX_CAMERAS - 1].line, 4 * 63 + 1);
    cc_config_destroy(&cfg);

    snprintf(text + len, sizeof text - len, "[camera c64]\n");
    expect_error(text, 4 * 64 + 1,
                 "[camera c64] too many cameras (at most 64)");
}

/* One bad value per case; the key is on line 2 of its section. */
static const struct {
    const char *section, *key, *value, *detail;
} bad_values[] = {
    {"server", "listen", "localhost",
     "expected an IPv4 or IPv6 address, got 'localhost'"},
    {"server", "listen", "", "expected an IPv4 or IPv6 address, got ''"},
    {"server", "listen", "1.2.3.4:80",
     "expected an IPv4 or IPv6 address, got '1.2.3.4:80'"},
    {"server", "port", "65536", "expected an integer 0..65535, got '65536'"},
    {"server", "port", "-1", "expected an integer 0..65535, got '-1'"},
    {"server", "port", "", "expected an integer 0..65535, got ''"},
    {"server", "port", "80x", "expected an integer 0..65535, got '80x'"},
    {"server", "port", "0x50", "expected an integer 0..65535, got '0x50'"},
    {"server", "port", "8765 # note",
     "expected an integer 0..65535, got '8765 # note'"},
    {"server", "port", "99999999999999999999",
     "expected an integer 0..65535, got '99999999999999999999'"},
    {"server", "stream_fps", "0.09", "expected a number 0.1..1000, got '0.09'"},
    {"server", "stream_fps", "1000.5",
     "expected a number 0.1..1000, got '1000.5'"},
    {"server", "stream_fps", "nan", "expected a number 0.1..1000, got 'nan'"},
    {"server", "stream_fps", "inf", "expected a number 0.1..1000, got 'inf'"},
    {"server", "stream_fps", "30fps", "expected a number 0.1..1000, got '30fps'"},
    {"server", "stream_fps", "1e999", "expected a number 0.1..1000, got '1e999'"},
    {"server", "jpeg_quality", "0", "expected an integer 1..100, got '0'"},
    {"server", "jpeg_quality", "101", "expected an integer 1..100, got '101'"},
    {"server", "jpeg_quality", "80.5", "expected an integer 1..100, got '80.5'"},
    {"server", "encoder_workers", "65", "expected an integer 0..64, got '65'"},
    {"server", "max_clients", "0", "expected an integer 1..10000, got '0'"},
    {"server", "max_clients", "10001",
     "expected an integer 1..10000, got '10001'"},
    {"server", "max_clients_per_address", "-1",
     "expected an integer 0..10000, got '-1'"},
    {"server", "max_pending", "0", "expected an integer 1..10000, got '0'"},
    {"server", "handshake_timeout", "0", "expected a number 0.1..600, got '0'"},
    {"server", "stall_timeout", "-1", "expected a number 0..3600, got '-1'"},
    {"server", "expose_client_addresses", "yes please",
     "expected true or false, got 'yes please'"},
    {"server", "allowed_origins", "http://a.example/path",
     "'http://a.example/path' is not an origin (SCHEME://HOST[:PORT], null or *)"},
    {"server", "allowed_origins", "https://ok.example a.example",
     "'a.example' is not an origin (SCHEME://HOST[:PORT], null or *)"},
    {"server", "server_names", "cams.example http://x",
     "'http://x' is not a host name (letters, digits, '-' and '.'; or *)"},
    {"server", "server_names", "cams.example:8765",
     "'cams.example:8765' is not a host name (letters, digits, '-' and '.'; or *)"},
    {"server", "send_queue_bound", "-1", "expected an integer 0..1073741824, got '-1'"},
    {"server", "tcp_congestion", "cu bic",
     "expected a congestion control name such as cubic or bbr, got 'cu bic'"},
    {"camera left", "width", "abc", "expected an integer 16..16384, got 'abc'"},
    {"camera left", "width", "15", "expected an integer 16..16384, got '15'"},
    {"camera left", "height", "16385",
     "expected an integer 16..16384, got '16385'"},
    {"camera left", "grab_fps", "0", "expected a number 0.1..10000, got '0'"},
    {"camera left", "grab_fps", "10001",
     "expected a number 0.1..10000, got '10001'"},
    {"camera left", "grab_fps", "-5", "expected a number 0.1..10000, got '-5'"},
};

static void test_bad_values(void)
{
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        char text[256], msg[512];
        snprintf(text, sizeof text, "[%s]\n%s = %s\n", bad_values[i].section,
                 bad_values[i].key, bad_values[i].value);
        snprintf(msg, sizeof msg, "[%s] %s: %s", bad_values[i].section,
                 bad_values[i].key, bad_values[i].detail);
        expect_error(text, 2, msg);
    }
}

static void test_good_values(void)
{
    cc_config cfg;
    char err[512], text[512];
    snprintf(text, sizeof text, "[server]\nlisten = 0.0.0.0\nport = 65535\n"
             "stream_fps = 1e3\nencoder_workers = 64\n%s", minimal);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK_EQ_INT(err[0], 0); /* no message on success */
    CHECK_EQ_INT(cfg.server.port, 65535);
    CHECK(cfg.server.stream_fps == 1000);
    CHECK_EQ_INT(cfg.server.encoder_workers, 64);
    cc_config_destroy(&cfg);
}

static void write_token(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    write_bytes(path, text, strlen(text));
    CHECK_EQ_INT(chmod(path, mode), 0);
}

/* token_file: read at load, relative to the config's folder; a file every
 * user may read, a missing one or a bad token stop the load with the
 * file, line and key; the written config names the file, never the token. */
static void test_token_file(void)
{
    char token_path[128], text[512], err[512], want[512];
    snprintf(token_path, sizeof token_path, "%s/token", dir);
    snprintf(text, sizeof text, "[server]\ntoken_file = token\n%s", minimal);

    write_token(token_path, "  s3cret-token_0123456789+/==\r\n\nsecond line\n", 0600);
    cc_config cfg;
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK_EQ_INT(strcmp(cfg.server.token, "s3cret-token_0123456789+/=="), 0);
    CHECK_EQ_INT(strcmp(cfg.server.token_file, "token"), 0);
    check_round_trip(&cfg);
    FILE *f = fopen(out_path, "r");
    char written[8192] = "";
    CHECK(f != NULL);
    if (f) {
        written[fread(written, 1, sizeof written - 1, f)] = '\0';
        fclose(f);
    }
    CHECK_STR_CONTAINS(written, "token_file = token\n");
    CHECK(strstr(written, "s3cret") == NULL);
    cc_config_destroy(&cfg);

    write_token(token_path, "s3cret-token_0123456789\n", 0644);
    snprintf(want, sizeof want,
             "[server] token_file: %s: readable by every user: the token is a password "
             "(chmod o-r, or 600)", token_path);
    expect_error(text, 2, want);

    write_token(token_path, "short\n", 0600);
    snprintf(want, sizeof want,
             "[server] token_file: %s: no valid token: want 16..256 characters of A-Z a-z "
             "0-9 - . _ ~ + / (and trailing =) on the first line", token_path);
    expect_error(text, 2, want);

    write_token(token_path, "has spaces in the middle of it\n", 0600);
    expect_error(text, 2, want);

    unlink(token_path);
    snprintf(want, sizeof want, "[server] token_file: %s: No such file or directory",
             token_path);
    expect_error(text, 2, want);
}

/* control_token_file: the same rules as token_file; the two tokens must
 * differ (the viewing token never grants control), in either order. */
static void test_control_token_file(void)
{
    char view_path[128], ctl_path[128], text[512], err[512], want[512];
    snprintf(view_path, sizeof view_path, "%s/view.token", dir);
    snprintf(ctl_path, sizeof ctl_path, "%s/control.token", dir);
    write_token(view_path, "viewer-token-0123456789\n", 0600);
    write_token(ctl_path, "operator-token-0123456789\n", 0600);
    snprintf(text, sizeof text, "[server]\ntoken_file = view.token\n"
             "control_token_file = control.token\n%s", minimal);
    cc_config cfg;
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK_EQ_INT(strcmp(cfg.server.control_token, "operator-token-0123456789"), 0);
    CHECK_EQ_INT(strcmp(cfg.server.token, "viewer-token-0123456789"), 0);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);

    write_token(ctl_path, "viewer-token-0123456789\n", 0600);
    static const char same[] = "token_file and control_token_file hold the same token: "
                               "the viewing token would grant control (use two tokens)";
    snprintf(want, sizeof want, "[server] control_token_file: %s", same);
    expect_error(text, 3, want);
    snprintf(text, sizeof text, "[server]\ncontrol_token_file = control.token\n"
             "token_file = view.token\n%s", minimal);
    snprintf(want, sizeof want, "[server] token_file: %s", same);
    expect_error(text, 3, want);

    write_token(ctl_path, "operator-token-0123456789\n", 0644);
    snprintf(want, sizeof want, "[server] control_token_file: %s: readable by every user: "
             "the token is a password (chmod o-r, or 600)", ctl_path);
    expect_error(text, 2, want);
    unlink(ctl_path);
    unlink(view_path);
}

/* Found by fuzz_config: a value that filled its line loaded, but
 * "key = value" written back did not fit a line and the copy failed to
 * load. */
static void test_long_values_round_trip(void)
{
    char value[200], text[1024], err[512];
    memset(value, 'd', sizeof value);
    value[198 - strlen("device=")] = '\0';
    snprintf(text, sizeof text, "[camera c]\nsource = aravis\ndevice=%s\n"
             "feature.X=%s\n", value, value + 3);
    cc_config cfg;
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
    /* inih reads "device =;x" as ";x": written "device = ;x" it would be a
     * comment (also found by fuzz_config). */
    CHECK_EQ_INT(load_text(&cfg, "[camera c]\nsource = aravis\ndevice =;x\nfeature.Y =;z\n",
                           err, sizeof err), 0);
    CHECK_EQ_INT(strcmp(cfg.cameras[0].aravis.device, ";x"), 0);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
}

static void test_origins(void)
{
    cc_config cfg;
    char err[512], text[512];
    snprintf(text, sizeof text,
             "[server]\nallowed_origins = https://a.example  http://b:8080 null\n"
             "server_names = cams.example line-2.local\n"
             "tcp_congestion = cubic\nsend_queue_bound = 65536\n%s",
             minimal);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK_EQ_INT(strcmp(cfg.server.allowed_origins, "https://a.example  http://b:8080 null"),
                 0);
    CHECK_EQ_INT(strcmp(cfg.server.server_names, "cams.example line-2.local"), 0);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
}

/* tcp_congestion: a name the kernel does not offer fails at load, with the
 * names it does; where its list cannot be read, the name is taken. */
static void test_congestion(void)
{
    char list_path[128], offered[256] = "";
    snprintf(list_path, sizeof list_path, "%s/available", dir);
    CHECK_EQ_INT(cc_congestion_offered(list_path, "bbr", offered, sizeof offered), 0);
    write_bytes(list_path, "reno cubic\n", 11);
    CHECK_EQ_INT(cc_congestion_offered(list_path, "cubic", offered, sizeof offered), 0);
    CHECK_EQ_INT(cc_congestion_offered(list_path, "bbr", offered, sizeof offered),
                 -ENOENT);
    CHECK_EQ_INT(strcmp(offered, "reno, cubic"), 0);
    CHECK_EQ_INT(cc_congestion_offered(list_path, "cub", offered, sizeof offered),
                 -ENOENT);
    write_bytes(list_path, "", 0);
    CHECK_EQ_INT(cc_congestion_offered(list_path, "bbr", offered, sizeof offered), 0);
    unlink(list_path);

    /* The kernel's own list (no name is ""). */
    char text[512], want[512], first[32] = "";
    int rc = cc_congestion_offered(CC_CONGESTION_AVAILABLE, "", offered, sizeof offered);
    snprintf(text, sizeof text, "[server]\ntcp_congestion = nosuchcc\n%s", minimal);
    cc_config cfg;
    char err[512];
    if (rc == 0) {
        fprintf(stderr, "  %s unreadable: every name is taken\n", CC_CONGESTION_AVAILABLE);
        CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
        cc_config_destroy(&cfg);
        return;
    }
    CHECK_EQ_INT(rc, -ENOENT);
    snprintf(want, sizeof want, "[server] tcp_congestion: unknown congestion control "
             "'nosuchcc' (the kernel offers: %s)", offered);
    expect_error(text, 2, want);
    snprintf(first, sizeof first, "%.*s", (int)strcspn(offered, ","), offered);
    snprintf(text, sizeof text, "[server]\ntcp_congestion = %s\n%s", first, minimal);
    CHECK_EQ_INT(load_text(&cfg, text, err, sizeof err), 0);
    CHECK_EQ_INT(strcmp(cfg.server.tcp_congestion, first), 0);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
}

static void test_syntax_errors(void)
{
    expect_error("[server]\nport\n", 2, "syntax error");
    expect_error("[server\nport = 1\n", 1, "syntax error");
    /* The first bad line is reported, whoever found it. */
    expect_error("[server]\nbogus line\nprot = 1\n", 2, "syntax error");
    expect_error("[server]\nprot = 1\nbogus line\n", 2,
                 "[server] unknown key 'prot'");

    char text[400] = "[server]\nlisten = ";
    memset(text + strlen(text), '1', 250);
    expect_error(text, 2, "line too long (at most 198 characters)");

    write_bytes(ini_path, "[server]\nport = 1\0\n", 19);
    cc_config cfg;
    char err[512];
    CHECK_EQ_INT(cc_config_load(&cfg, ini_path, err, sizeof err), -EINVAL);
    check_message(err, 2, "syntax error (NUL byte)");
    check_zeroed(&cfg);
}

static void test_set_listen(void)
{
    cc_config cfg = {.server = {.listen = "127.0.0.1", .port = 8765}};
    char err[256] = "";
    CHECK_EQ_INT(cc_config_set_listen(&cfg, "0.0.0.0", err, sizeof err), 0);
    CHECK_STR_CONTAINS(cfg.server.listen, "0.0.0.0");
    CHECK_EQ_INT(cfg.server.port, 8765);
    CHECK_EQ_INT(cc_config_set_listen(&cfg, "10.1.2.3:9000", err, sizeof err),
                 0);
    CHECK_STR_CONTAINS(cfg.server.listen, "10.1.2.3");
    CHECK_EQ_INT(strlen(cfg.server.listen), 8);
    CHECK_EQ_INT(cfg.server.port, 9000);
    CHECK_EQ_INT(cc_config_set_listen(&cfg, "::1", err, sizeof err), 0);
    CHECK_EQ_INT(strcmp(cfg.server.listen, "::1"), 0);
    CHECK_EQ_INT(cfg.server.port, 9000);
    CHECK_EQ_INT(cc_config_set_listen(&cfg, "[::]:0", err, sizeof err), 0);
    CHECK_EQ_INT(strcmp(cfg.server.listen, "::"), 0);
    CHECK_EQ_INT(cfg.server.port, 0);
    CHECK_EQ_INT(cc_config_set_listen(&cfg, "[fe80::1]", err, sizeof err), 0);
    CHECK_EQ_INT(strcmp(cfg.server.listen, "fe80::1"), 0);
    CHECK_EQ_INT(cfg.server.port, 0);
    CHECK_EQ_INT(err[0], 0); /* no message on success */

    static const char *const bad_addr[] = {
        "x", "", "localhost:80", "[::1", "[::1]80", "[1.2.3.4]:80", "[]:80",
        "1.2.3.4.5", ":80",
    };
    for (size_t i = 0; i < sizeof bad_addr / sizeof bad_addr[0]; i++) {
        char want[128];
        CHECK_EQ_INT(cc_config_set_listen(&cfg, bad_addr[i], err, sizeof err),
                     -EINVAL);
        snprintf(want, sizeof want, "--listen: invalid address '%s'",
                 bad_addr[i]);
        CHECK_STR_CONTAINS(err, want);
    }
    static const char *const bad_port[][2] = {
        {"1.2.3.4:", ""}, {"1.2.3.4:65536", "65536"}, {"[::1]:abc", "abc"},
        {"[::1]:", ""}, {"1.2.3.4:-1", "-1"},
    };
    for (size_t i = 0; i < sizeof bad_port / sizeof bad_port[0]; i++) {
        char want[128];
        CHECK_EQ_INT(cc_config_set_listen(&cfg, bad_port[i][0], err,
                                          sizeof err), -EINVAL);
        snprintf(want, sizeof want, "--listen: invalid port '%s' (expected "
                 "0..65535)", bad_port[i][1]);
        CHECK_STR_CONTAINS(err, want);
    }
    /* Failures leave the settings alone. */
    CHECK_EQ_INT(strcmp(cfg.server.listen, "fe80::1"), 0);
    CHECK_EQ_INT(cfg.server.port, 0);
}


static const char *const aravis_minimal =
    "[server]\naravis_fake = yes\n[camera gv]\nsource = aravis\ndevice = GV01\n";

static void test_aravis_defaults(void)
{
    cc_config cfg;
    char err[512];
    CHECK_EQ_INT(load_text(&cfg, aravis_minimal, err, sizeof err), 0);
    CHECK_EQ_INT(err[0], 0); /* no message on success */
    CHECK(cfg.server.aravis_fake);
    CHECK_EQ_INT(cfg.n_cameras, 1);
    const cc_camera_config *c = &cfg.cameras[0];
    const cc_aravis_config *a = &c->aravis;
    CHECK_EQ_INT(c->source, CC_SOURCE_ARAVIS);
    CHECK(c->path == cfg.path);
    CHECK_EQ_INT(c->line, 3);
    CHECK_EQ_INT(c->key_line[CC_KEY_DEVICE], 5);
    /* Only what the file says is set: the rest is the camera's own. */
    CHECK_EQ_INT(c->set, (1u << CC_KEY_SOURCE) | (1u << CC_KEY_DEVICE));
    CHECK(!cc_camera_has(c, CC_KEY_WIDTH));
    CHECK(cc_camera_has(c, CC_KEY_DEVICE));
    CHECK_STR_CONTAINS(a->device, "GV01");
    CHECK(a->required);
    CHECK_EQ_INT(a->trigger, CC_TRIGGER_OFF);
    CHECK_EQ_INT(a->timeout_ms, 1000);
    CHECK_EQ_INT(a->packet_size, 0);
    CHECK_EQ_INT(a->socket_buffer, 0);
    CHECK(a->packet_resend);
    CHECK_EQ_INT(a->n_features, 0);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
}

static const char *const aravis_full =
    "[camera gv]\n"
    "source = aravis\n"
    "device = 192.168.10.5\n"
    "required = off\n"
    "width = 1920\n"
    "height = 1200\n"
    "offset_x = 8\n"
    "offset_y = 16\n"
    "binning = 2\n"
    "pixel_format = BayerRG8\n"
    "grab_fps = 399.5\n"
    "exposure_us = 1250.5\n"
    "gain_db = -3.5\n"
    "trigger = Line1\n"
    "timeout_ms = 2500\n"
    "packet_size = 8192\n"
    "socket_buffer = 4194304\n"
    "packet_resend = false\n"
    "ptp = on\n"
    "feature.ExposureAuto = Off\n"
    "feature.DeviceLinkThroughputLimit = 1000000000\n"
    "feature.UserSetLoad = execute  ; commands too\n"
    "[camera sw]\n"
    "source = aravis\n"
    "device = Fake_1\n"
    "trigger = software\n"
    "grab_fps = 50\n";

static void test_aravis_full(void)
{
    cc_config cfg;
    char err[512];
    CHECK_EQ_INT(load_text(&cfg, aravis_full, err, sizeof err), 0);
    CHECK_EQ_INT(err[0], 0); /* no message on success */
    CHECK_EQ_INT(cfg.n_cameras, 2);
    if (cfg.n_cameras != 2) {
        cc_config_destroy(&cfg);
        return;
    }
    const cc_camera_config *c = &cfg.cameras[0];
    const cc_aravis_config *a = &c->aravis;
    CHECK_STR_CONTAINS(a->device, "192.168.10.5");
    CHECK(!a->required);
    CHECK_EQ_INT(c->width, 1920);
    CHECK_EQ_INT(c->height, 1200);
    CHECK_EQ_INT(a->offset_x, 8);
    CHECK_EQ_INT(a->offset_y, 16);
    CHECK_EQ_INT(a->binning, 2);
    CHECK_EQ_INT(c->pixfmt, CC_PIX_BAYER_RG8);
    CHECK(c->grab_fps == 399.5);
    CHECK(a->exposure_us == 1250.5);
    CHECK(a->gain_db == -3.5);
    CHECK_EQ_INT(a->trigger, CC_TRIGGER_LINE);
    CHECK_STR_CONTAINS(a->trigger_source, "Line1");
    CHECK_EQ_INT(a->timeout_ms, 2500);
    CHECK_EQ_INT(a->packet_size, 8192);
    CHECK_EQ_INT(a->socket_buffer, 4194304);
    CHECK(!a->packet_resend);
    CHECK(a->ptp);
    CHECK_EQ_INT(c->set, ((1u << CC_CAMERA_KEYS) - 1) ^ (1u << CC_KEY_PATTERN) ^
                             (1u << CC_KEY_DELAY_US) ^ (1u << CC_KEY_JITTER_US));
    CHECK_EQ_INT(c->key_line[CC_KEY_EXPOSURE_US], 12);
    CHECK_EQ_INT(a->n_features, 3);
    if (a->n_features == 3) {
        CHECK_EQ_INT(strcmp(a->features[0].name, "ExposureAuto"), 0);
        CHECK_EQ_INT(strcmp(a->features[0].value, "Off"), 0);
        CHECK_EQ_INT(a->features[0].line, 20);
        CHECK_EQ_INT(strcmp(a->features[1].value, "1000000000"), 0);
        CHECK_EQ_INT(strcmp(a->features[2].value, "execute"), 0);
    }
    const cc_camera_config *sw = &cfg.cameras[1];
    CHECK_EQ_INT(sw->aravis.trigger, CC_TRIGGER_SOFTWARE);
    CHECK(sw->grab_fps == 50);
    check_round_trip(&cfg);
    cc_config_destroy(&cfg);
}

static void test_aravis_errors(void)
{
    expect_error("[camera gv]\nsource = aravis\n", 1,
                 "[camera gv] missing required key 'device'");
    expect_error("[camera gv]\nsource = aravis\ndevice = x\nrequired = false\n"
                 "width = 640\nheight = 480\n", 1, "[camera gv] missing key "
                 "'pixel_format' (required with required = false)");
    expect_error("[camera gv]\nsource = aravis\ndevice = x\ntrigger = software\n",
                 1, "[camera gv] missing key 'grab_fps' (required with "
                 "trigger = software)");
    /* Keys of the other source, reported at the first such line. */
    expect_error("[camera gv]\nsource = aravis\ndevice = x\npattern = bars\n"
                 "[camera t]\n", 4, "[camera gv] key 'pattern' does not apply "
                 "to source aravis");
    expect_error("[camera t]\ntimeout_ms = 100\nsource = testpattern\n"
                 "width = 16\nheight = 16\ndevice = GV01\n", 2, "[camera t] key "
                 "'timeout_ms' does not apply to source testpattern");
    /* The test pattern's exposure and gain (its features) in their ranges. */
    expect_error("[camera t]\nsource = testpattern\nwidth = 16\nheight = 16\n"
                 "exposure_us = 5\n", 5, "[camera t] exposure_us: the test pattern "
                 "takes 10..1000000");
    expect_error("[camera t]\nsource = testpattern\nwidth = 16\nheight = 16\n"
                 "gain_db = 30\n", 5, "[camera t] gain_db: the test pattern takes 0..24");
    expect_error("[camera t]\nsource = testpattern\nwidth = 16\nheight = 16\n"
                 "feature.Gain = 2\n", 5, "[camera t] key 'feature.Gain' does "
                 "not apply to source testpattern");
    expect_error("[camera gv]\nsource = aravis\ndevice = x\nfeature.9x = 1\n", 4,
                 "[camera gv] feature.9x: invalid feature name '9x' (a GenICam "
                 "name: letters, digits and _)");
    expect_error("[camera gv]\nsource = aravis\ndevice = x\nfeature.Gain = 1\n"
                 "feature.Gain = 2\n", 5, "[camera gv] duplicate key "
                 "'feature.Gain' (first set at line 4)");
    expect_error("[camera gv]\nsource = aravis\ndevice = x\nfeature.Gain =\n", 4,
                 "[camera gv] feature.Gain: expected a value");
    expect_error("[camera gv]\nsource = aravis\ndevice =\n", 3,
                 "[camera gv] device: expected a value");
    expect_error("[server]\naravis_fake = maybe\n", 2, "[server] aravis_fake: "
                 "expected true or false, got 'maybe'");
}

/* One bad value of an aravis key per case; the key is on line 4. */
static const struct {
    const char *key, *value, *detail;
} bad_aravis[] = {
    {"required", "2", "expected true or false, got '2'"},
    {"packet_resend", "", "expected true or false, got ''"},
    {"timeout_ms", "50", "expected an integer 100..60000, got '50'"},
    {"packet_size", "500", "expected auto or an integer 576..65535, got '500'"},
    {"packet_size", "jumbo", "expected auto or an integer 576..65535, got 'jumbo'"},
    {"socket_buffer", "4M",
     "expected auto or an integer 65536..1073741824, got '4M'"},
    {"binning", "0", "expected an integer 1..16, got '0'"},
    {"offset_x", "-8", "expected an integer 0..16383, got '-8'"},
    {"exposure_us", "0", "expected a number 0.001..1e+09, got '0'"},
    {"gain_db", "-101", "expected a number -100..100, got '-101'"},
    {"gain_db", "--1", "expected a number -100..100, got '--1'"},
    {"trigger", "Line 1",
     "expected off, software or a trigger source such as Line1, got 'Line 1'"},
};

static void test_aravis_bad_values(void)
{
    for (size_t i = 0; i < sizeof bad_aravis / sizeof bad_aravis[0]; i++) {
        char text[256], msg[512];
        snprintf(text, sizeof text, "[camera gv]\nsource = aravis\ndevice = x\n"
                 "%s = %s\n", bad_aravis[i].key, bad_aravis[i].value);
        snprintf(msg, sizeof msg, "[camera gv] %s: %s", bad_aravis[i].key,
                 bad_aravis[i].detail);
        expect_error(text, 4, msg);
    }
}

static void test_camera_config_error(void)
{
    cc_config cfg;
    char err[512], want[640];
    CHECK_EQ_INT(load_text(&cfg, aravis_full, err, sizeof err), 0);
    if (cfg.n_cameras < 1)
        return;
    const cc_camera_config *c = &cfg.cameras[0];
    cc_camera_config_error(c, c->key_line[CC_KEY_GAIN_DB], "gain_db", err,
                           sizeof err, "Gain = %g refused", -3.5);
    snprintf(want, sizeof want, "%s:13: [camera gv] gain_db: Gain = -3.5 "
             "refused", ini_path);
    CHECK_EQ_INT(strcmp(err, want), 0);
    /* A key that is not in the file: the section's header line. */
    cc_camera_config_error(c, 0, "pixel_format", err, sizeof err, "x");
    snprintf(want, sizeof want, "%s:1: [camera gv] pixel_format: x", ini_path);
    CHECK_EQ_INT(strcmp(err, want), 0);
    cc_config_destroy(&cfg);
}

static void test_names(void)
{
    CHECK_STR_CONTAINS(cc_source_kind_name(CC_SOURCE_TESTPATTERN),
                       "testpattern");
    CHECK_STR_CONTAINS(cc_pattern_name(CC_PATTERN_SCROLL), "scroll");
    CHECK_STR_CONTAINS(cc_pattern_name(CC_PATTERN_BARS), "bars");
    CHECK_STR_CONTAINS(cc_pattern_name(CC_PATTERN_CHECKER), "checker");
    CHECK(cc_pattern_name((cc_pattern)0) == NULL);
    CHECK(cc_pattern_name((cc_pattern)99) == NULL);
    CHECK(cc_source_kind_name((cc_source_kind)0) == NULL);
    CHECK(cc_source_kind_name((cc_source_kind)-1) == NULL);
    CHECK_STR_CONTAINS(cc_source_kind_name(CC_SOURCE_ARAVIS), "aravis");
    CHECK_STR_CONTAINS(cc_camera_key_name(CC_KEY_PACKET_RESEND), "packet_resend");
    CHECK_STR_CONTAINS(cc_camera_key_name(CC_KEY_SOURCE), "source");
    CHECK(cc_camera_key_name(CC_CAMERA_KEYS) == NULL);
}

static const char *sample_path;

/* The shipped cams.ini: three 1920x1200 Mono8 cameras at 400 fps. */
static void test_sample(void)
{
    cc_config cfg;
    char err[512] = "";
    CHECK_EQ_INT(cc_config_load(&cfg, sample_path, err, sizeof err), 0);
    CHECK_EQ_INT(err[0], 0); /* no message on success */
    CHECK_STR_CONTAINS(cfg.server.listen, "0.0.0.0");
    CHECK_EQ_INT(cfg.server.port, 8765);
    CHECK(cfg.server.stream_fps == 30);
    CHECK_EQ_INT(cfg.server.jpeg_quality, 80);
    CHECK_EQ_INT(cfg.server.encoder_workers, expected_workers());
    CHECK_EQ_INT(cfg.server.max_clients, 256);
    CHECK_EQ_INT(cfg.n_cameras, 3);
    static const char *const names[] = {"left", "center", "right"};
    static const cc_pattern patterns[] = {CC_PATTERN_SCROLL, CC_PATTERN_BARS,
                                          CC_PATTERN_CHECKER};
    for (size_t i = 0; i < cfg.n_cameras && i < 3; i++) {
        const cc_camera_config *c = &cfg.cameras[i];
        CHECK_EQ_INT(strcmp(c->name, names[i]), 0);
        CHECK_EQ_INT(c->source, CC_SOURCE_TESTPATTERN);
        CHECK_EQ_INT(c->width, 1920);
        CHECK_EQ_INT(c->height, 1200);
        CHECK_EQ_INT(c->pixfmt, CC_PIX_MONO8);
        CHECK(c->grab_fps == 400);
        CHECK_EQ_INT(c->pattern, patterns[i]);
    }
    if (cfg.n_cameras)
        check_round_trip(&cfg);
    cc_config_destroy(&cfg);
}

static const char *const *more_samples; /* NULL-terminated */

/* The other shipped configs (the fake cameras) load and round-trip. */
static void test_more_samples(void)
{
    for (const char *const *p = more_samples; *p; p++) {
        cc_config cfg;
        char err[512] = "";
        CHECK_EQ_INT(cc_config_load(&cfg, *p, err, sizeof err), 0);
        CHECK_EQ_INT(err[0], 0);
        CHECK(cfg.n_cameras == 3);
        for (size_t i = 0; i < cfg.n_cameras; i++)
            CHECK_EQ_INT(cfg.cameras[i].source, CC_SOURCE_ARAVIS);
        if (cfg.n_cameras)
            check_round_trip(&cfg);
        cc_config_destroy(&cfg);
    }
}

int main(int argc, char **argv)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    snprintf(ini_path, sizeof ini_path, "%s/cams.ini", dir);
    snprintf(out_path, sizeof out_path, "%s/written.ini", dir);

    RUN(test_defaults);
    RUN(test_full);
    RUN(test_round_trip);
    RUN(test_file_errors);
    RUN(test_section_errors);
    RUN(test_variants);
    RUN(test_rtsp);
    RUN(test_rtsp_limits);
    RUN(test_sync);
    RUN(test_sync_errors);
    RUN(test_camera_errors);
    RUN(test_too_many_cameras);
    RUN(test_bad_values);
    RUN(test_good_values);
    RUN(test_syntax_errors);
    RUN(test_token_file);
    RUN(test_control_token_file);
    RUN(test_origins);
    RUN(test_congestion);
    RUN(test_long_values_round_trip);
    RUN(test_set_listen);
    RUN(test_aravis_defaults);
    RUN(test_aravis_full);
    RUN(test_aravis_errors);
    RUN(test_aravis_bad_values);
    RUN(test_camera_config_error);
    RUN(test_names);
    if (argc > 1) {
        sample_path = argv[1];
        RUN(test_sample);
        more_samples = (const char *const *)argv + 2;
        RUN(test_more_samples);
    } else {
        fprintf(stderr, "skip test_sample (no sample path given)\n");
    }

    unlink(ini_path);
    unlink(out_path);
    rmdir(dir);
    return CHECK_DONE();
}
