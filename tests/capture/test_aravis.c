/* The Aravis source against Aravis' real in-process Fake camera ("Fake_1";
 * each open is an independent camera): configuration and read-back, the
 * messages for refused values, the fake's own images through the grab
 * thread and the ring, its formats through the converters, the watchdog,
 * software triggers, and the grab thread's CPU at 400 fps. */
#include "capture/aravis.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/camera.h"
#include "capture/schedule.h"
#include "encode/convert.h"
#include "check.h"

#define KEY(k) (1u << (k))
#define WAIT_MS 10000 /* bound on every wait for frames */

static cc_camera_config fake_config(uint32_t w, uint32_t h, cc_pixfmt fmt,
                                    double fps)
{
    cc_camera_config c = {
        .path = "test.ini",
        .line = 1,
        .source = CC_SOURCE_ARAVIS,
        .width = w,
        .height = h,
        .pixfmt = fmt,
        .grab_fps = fps,
        .aravis = {.required = true, .trigger = CC_TRIGGER_OFF,
                   .timeout_ms = 1000, .packet_resend = true},
    };
    snprintf(c.name, sizeof c.name, "fake");
    snprintf(c.aravis.device, sizeof c.aravis.device, "Fake_1");
    c.set = KEY(CC_KEY_SOURCE) | KEY(CC_KEY_DEVICE) | KEY(CC_KEY_WIDTH) |
            KEY(CC_KEY_HEIGHT) | KEY(CC_KEY_PIXEL_FORMAT) | KEY(CC_KEY_GRAB_FPS);
    for (int k = 0; k < CC_CAMERA_KEYS; k++)
        c.key_line[k] = k + 2; /* as if each key had its own line */
    return c;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L};
    nanosleep(&ts, NULL);
}

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Grabs one frame straight from the source into f (bounded retries). */
static int grab_one(cc_source *src, cc_frame *f)
{
    int rc = -EAGAIN;
    for (int i = 0; i < WAIT_MS / 100 && rc == -EAGAIN; i++)
        rc = cc_source_grab(src, f, 100);
    return rc;
}

static cc_frame alloc_frame(const cc_source *src)
{
    cc_frame f = {.capacity = cc_source_frame_bytes(src)};
    f.data = malloc(f.capacity);
    return f;
}

/* ---- opening and settings ---- */

static void test_open(void)
{
    cc_camera_config cfg = fake_config(640, 480, CC_PIX_MONO8, 200);
    cc_source *src = NULL;
    char err[1024] = "";
    CHECK_EQ_INT(cc_aravis_new(&src, &cfg, err, sizeof err), 0);
    if (!src) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK_EQ_INT(err[0], 0);
    CHECK(src->connected);
    CHECK_STR_CONTAINS(src->ops->kind, "aravis");
    /* Read back from the camera. */
    CHECK_EQ_INT(src->width, 640);
    CHECK_EQ_INT(src->height, 480);
    CHECK_EQ_INT(src->fmt, CC_PIX_MONO8);
    CHECK(src->fps > 199.9 && src->fps < 200.1);
    CHECK_STR_CONTAINS(src->detail, "Fake_1, 640x480 Mono8 at 200 fps");
    CHECK_EQ_INT(cc_source_frame_bytes(src), 640 * 480);
    cc_source_free(src);

    /* Keys left out: the camera's current values (the Fake starts at
     * 512x512 Mono8). */
    cfg.set = KEY(CC_KEY_SOURCE) | KEY(CC_KEY_DEVICE);
    CHECK_EQ_INT(cc_aravis_new(&src, &cfg, err, sizeof err), 0);
    if (src) {
        CHECK_EQ_INT(src->width, 512);
        CHECK_EQ_INT(src->height, 512);
        CHECK_EQ_INT(src->fmt, CC_PIX_MONO8);
        CHECK(src->fps > 0);
        cc_source_free(src);
    }
}

/* A binned, offset region, and every feature.NAME kind. */
static void test_settings(void)
{
    cc_camera_config cfg = fake_config(320, 240, CC_PIX_BAYER_GR8, 100);
    cfg.aravis.binning = 2;
    cfg.aravis.offset_x = 16;
    cfg.aravis.offset_y = 8;
    cfg.aravis.exposure_us = 2000;
    cfg.aravis.gain_db = 1;
    cfg.set |= KEY(CC_KEY_BINNING) | KEY(CC_KEY_OFFSET_X) |
               KEY(CC_KEY_OFFSET_Y) | KEY(CC_KEY_EXPOSURE_US) |
               KEY(CC_KEY_GAIN_DB);
    cc_feature features[] = {
        {.name = "TriggerSelector", .value = "FrameStart", .line = 40},
        {.name = "GevSCPSPacketSize", .value = "1500", .line = 41},
    };
    cfg.aravis.features = features;
    cfg.aravis.n_features = 2;
    cc_source *src = NULL;
    char err[1024] = "";
    CHECK_EQ_INT(cc_aravis_new(&src, &cfg, err, sizeof err), 0);
    if (!src) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK_EQ_INT(src->width, 320);
    CHECK_EQ_INT(src->height, 240);
    CHECK_EQ_INT(src->fmt, CC_PIX_BAYER_GR8);
    cc_frame f = alloc_frame(src);
    CHECK_EQ_INT(grab_one(src, &f), 0);
    CHECK_EQ_INT(f.width, 320);
    CHECK_EQ_INT(f.height, 240);
    CHECK_EQ_INT(f.stride, 320);
    CHECK_EQ_INT(f.size, 320 * 240);
    CHECK_EQ_INT(f.fmt, CC_PIX_BAYER_GR8);
    free(f.data);
    cc_source_free(src);
}

/* Opens cfg, expecting it refused with rc and exactly message. */
static void expect_refused(const cc_camera_config *cfg, int rc,
                           const char *message)
{
    cc_source *src = NULL;
    char err[1024] = "";
    CHECK_EQ_INT(cc_aravis_new(&src, cfg, err, sizeof err), rc);
    CHECK(src == NULL);
    if (strcmp(err, message) != 0) {
        fprintf(stderr, "  got:  %s\n  want: %s\n", err, message);
        CHECK(strcmp(err, message) == 0);
    }
}

static void test_refused(void)
{
    cc_camera_config cfg = fake_config(4096, 480, CC_PIX_MONO8, 100);
    expect_refused(&cfg, -EINVAL, "test.ini:3: [camera fake] width: Width = "
                   "4096 refused by the camera (allowed 1..2048)");
    cfg = fake_config(640, 480, CC_PIX_MONO8, 5000);
    expect_refused(&cfg, -EINVAL, "test.ini:6: [camera fake] grab_fps: "
                   "AcquisitionFrameRate = 5000 refused by the camera "
                   "(allowed 0.1..1000)");
    cfg = fake_config(640, 480, CC_PIX_MONO8, 100);
    cfg.aravis.exposure_us = 2e7;
    cfg.set |= KEY(CC_KEY_EXPOSURE_US);
    expect_refused(&cfg, -EINVAL, "test.ini:13: [camera fake] exposure_us: "
                   "ExposureTimeAbs = 20000000 refused by the camera (allowed "
                   "10..1e+07)");
    cfg = fake_config(640, 480, CC_PIX_YUV422_YUYV, 100);
    expect_refused(&cfg, -EINVAL, "test.ini:5: [camera fake] pixel_format: the "
                   "camera does not offer YUV422_8 (it offers: BayerBG8, "
                   "BayerGB8, BayerGR8, BayerRG8, Mono8, RGB8, Mono16)");
    cfg = fake_config(640, 480, CC_PIX_MONO8, 100);
    cfg.aravis.trigger = CC_TRIGGER_LINE;
    snprintf(cfg.aravis.trigger_source, sizeof cfg.aravis.trigger_source,
             "Line7");
    expect_refused(&cfg, -EINVAL, "test.ini:15: [camera fake] trigger: the "
                   "camera has no trigger source Line7 (it has: Line0, "
                   "Software)");

    cc_feature bogus = {.name = "Bogus", .value = "1", .line = 30};
    cfg = fake_config(640, 480, CC_PIX_MONO8, 100);
    cfg.aravis.features = &bogus;
    cfg.aravis.n_features = 1;
    expect_refused(&cfg, -EINVAL, "test.ini:30: [camera fake] feature.Bogus: "
                   "the camera has no feature Bogus");
    cc_feature mode = {.name = "TriggerMode", .value = "Sometimes", .line = 31};
    cfg.aravis.features = &mode;
    expect_refused(&cfg, -EINVAL, "test.ini:31: [camera fake] feature."
                   "TriggerMode: TriggerMode = Sometimes refused by the camera: "
                   "[TriggerMode] 'Sometimes' not an entry (allowed Off, On)");
    cc_feature gain = {.name = "GainRaw", .value = "11", .line = 32};
    cfg.aravis.features = &gain;
    expect_refused(&cfg, -EINVAL, "test.ini:32: [camera fake] feature.GainRaw: "
                   "GainRaw = 11 refused by the camera (allowed 0..10)");
}

/* Not found: the message lists what Aravis sees. With required = false the
 * source comes back unconnected, in the shape the config gives. */
static void test_not_found(void)
{
    cc_camera_config cfg = fake_config(640, 480, CC_PIX_MONO8, 100);
    snprintf(cfg.aravis.device, sizeof cfg.aravis.device, "GV99");
    cc_source *src = NULL;
    char msg[1024] = "";
    CHECK_EQ_INT(cc_aravis_new(&src, &cfg, msg, sizeof msg), -ENODEV);
    CHECK(src == NULL);
    /* Other cameras on this host's networks may be listed too. */
    static const char head[] = "test.ini:8: [camera fake] device: camera "
                               "'GV99' not found; Aravis sees ";
    CHECK_EQ_INT(strncmp(msg, head, sizeof head - 1), 0);
    CHECK_STR_CONTAINS(msg, "Fake_1 (Aravis Fake, serial 1, 0.0.0.0)");

    cfg.aravis.required = false;
    cc_camera cam;
    char err[1024] = "";
    CHECK_EQ_INT(cc_camera_init(&cam, &cfg, 0, 30, err, sizeof err), 0);
    CHECK_STR_CONTAINS(err, "camera 'GV99' not found");
    if (!cam.source)
        return;
    CHECK(!cam.source->connected);
    CHECK(!atomic_load(&cam.online));
    CHECK_EQ_INT(cam.source->width, 640);
    CHECK_EQ_INT(cam.source->fmt, CC_PIX_MONO8);
    cc_frame *slot = cc_ring_write_slot(cam.ring);
    CHECK_EQ_INT(cc_source_grab(cam.source, slot, 10), -ENOTCONN);
    /* Its grab thread keeps retrying and stops when asked. */
    CHECK_EQ_INT(cc_camera_start(&cam), 0);
    sleep_ms(200);
    CHECK(!atomic_load(&cam.online));
    CHECK_EQ_INT(atomic_load(&cam.grabbed), 0);
    cc_camera_destroy(&cam);
}

static void test_list(void)
{
    cc_aravis_device d[4];
    size_t n = cc_aravis_list(d, 4);
    CHECK(n >= 1);
    bool fake = false;
    for (size_t i = 0; i < n && i < 4; i++)
        fake |= strcmp(d[i].id, "Fake_1") == 0 &&
                strcmp(d[i].model, "Fake") == 0 &&
                strcmp(d[i].protocol, "Fake") == 0;
    CHECK(fake);
}

/* ---- the fake's images ---- */

/* The Fake draws pixel (x, y) of frame id n as (x + y + n) % 255. */
static size_t ramp_errors(const cc_frame *f)
{
    size_t bad = 0;
    for (uint32_t y = 0; y < f->height; y++)
        for (uint32_t x = 0; x < f->width; x++)
            bad += f->data[y * f->stride + x] != (x + y + f->frame_id) % 255;
    return bad;
}

/* A camera on cfg, streamed at 30 fps; false (with the reason printed)
 * when it could not be opened. */
static bool init_camera(cc_camera *cam, const cc_camera_config *cfg)
{
    char err[1024] = "";
    CHECK_EQ_INT(cc_camera_init(cam, cfg, 0, 30, err, sizeof err), 0);
    if (!cam->ring)
        fprintf(stderr, "  %s\n", err);
    return cam->ring != NULL;
}

/* Through the grab thread and the ring, at 400 fps. */
static void test_camera_stream(void)
{
    cc_camera_config cfg = fake_config(640, 480, CC_PIX_MONO8, 400);
    cc_camera cam;
    if (!init_camera(&cam, &cfg))
        return;
    CHECK(atomic_load(&cam.online));
    CHECK_EQ_INT(cc_ring_slots(cam.ring), 16); /* 400 fps streamed at 30 */
    CHECK_EQ_INT(cc_camera_start(&cam), 0);
    uint64_t seen = 0, last_seq = 0, last_id = 0, cpu0 = 0, cpu1 = 0;
    uint64_t grabbed0 = 0, t0 = 0;
    size_t bad = 0;
    for (int i = 0; i < WAIT_MS && seen < 60; i++) {
        const cc_frame *f = cc_ring_take_newest(cam.ring, NULL);
        if (!f) {
            sleep_ms(1);
            continue;
        }
        if (seen == 0) { /* the stream runs: measure from here */
            cc_camera_grab_cpu_ns(&cam, &cpu0);
            grabbed0 = atomic_load(&cam.grabbed);
            t0 = mono_ns();
        }
        CHECK(f->seq > last_seq);
        CHECK(f->frame_id > last_id); /* only grows */
        CHECK_EQ_INT(f->width, 640);
        CHECK_EQ_INT(f->height, 480);
        CHECK(f->capture_ns > 0);
        bad += ramp_errors(f);
        last_seq = f->seq;
        last_id = f->frame_id;
        seen++;
        cc_ring_release(cam.ring);
        sleep_ms(33); /* a 30 fps consumer */
    }
    CHECK_EQ_INT(seen, 60);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(cc_camera_grab_cpu_ns(&cam, &cpu1), 0);
    double secs = (double)(mono_ns() - t0) / 1e9;
    uint64_t frames = atomic_load(&cam.grabbed) - grabbed0;
    fprintf(stderr, "  640x480 Mono8: %llu frames in %.2f s (%.0f fps), grab "
            "thread CPU %.2f%% of a core\n", (unsigned long long)frames, secs,
            (double)frames / secs, (double)(cpu1 - cpu0) / 1e7 / secs);
    cc_camera_stop(&cam);
    const cc_source_stats *st = &cam.source->stats;
    CHECK(atomic_load(&st->completed) >= atomic_load(&cam.grabbed));
    CHECK_EQ_INT(atomic_load(&st->failed), 0);
    CHECK_EQ_INT(atomic_load(&cam.grab_errors), 0);
    CHECK(!cam.source->connected); /* released by its grab thread */
    cc_camera_destroy(&cam);
}

/* Waits for a frame in cam's ring (polled every ms, so the first one
 * published, or of a burst); returns its frame_id (and capture time if
 * asked), or 0. */
static uint64_t next_frame_id_at(cc_camera *cam, uint64_t *capture_ns)
{
    for (int i = 0; i < WAIT_MS; i++) {
        const cc_frame *f = cc_ring_take_newest(cam->ring, NULL);
        if (f) {
            uint64_t id = f->frame_id;
            if (capture_ns)
                *capture_ns = f->capture_ns;
            cc_ring_release(cam->ring);
            return id;
        }
        sleep_ms(1);
    }
    return 0;
}

static uint64_t next_frame_id(cc_camera *cam)
{
    return next_frame_id_at(cam, NULL);
}

/* A reload that keeps a camera pauses it with the device open, gives it
 * the new copy of its config and a new ring, and it grabs on. */
static void test_camera_pause_rebind(void)
{
    cc_camera_config cfg = fake_config(320, 240, CC_PIX_MONO8, 200);
    cc_camera cam;
    if (!init_camera(&cam, &cfg))
        return;
    CHECK_EQ_INT(cc_camera_start(&cam), 0);
    uint64_t before = next_frame_id(&cam);
    CHECK(before > 0);
    CHECK_EQ_INT(cc_camera_rebind(&cam, &cfg, 0, 30), -EBUSY);
    cc_camera_pause(&cam);
    CHECK(cam.source->connected); /* still open */
    uint64_t reconnects = atomic_load(&cam.reconnects);

    cc_camera_config copy = cfg; /* the reloaded config: equal, elsewhere */
    CHECK(cc_camera_config_same(&cfg, &copy));
    cc_ring *old_ring = cam.ring;
    CHECK_EQ_INT(cc_camera_rebind(&cam, &copy, 2, 100), 0);
    CHECK(cam.cfg == &copy);
    CHECK_EQ_INT(cam.index, 2);
    CHECK(cam.ring != old_ring);
    CHECK_EQ_INT(cc_ring_slots(cam.ring), 4); /* 200 fps streamed at 100 */
    CHECK(cc_ring_take_newest(cam.ring, NULL) == NULL); /* nothing old */

    sleep_ms(100); /* frames that come now must not show up later */
    uint64_t resumed_ns = realtime_ns();
    CHECK_EQ_INT(cc_camera_start(&cam), 0);
    uint64_t capture_ns = 0;
    uint64_t after = next_frame_id_at(&cam, &capture_ns);
    CHECK(after > before); /* the same stream goes on */
    fprintf(stderr, "  resumed at %llu, first frame captured at %llu (%+.3f ms)\n", (unsigned long long)resumed_ns, (unsigned long long)capture_ns, ((double)capture_ns - (double)resumed_ns) / 1e6);
    CHECK(capture_ns >= resumed_ns); /* not a frame from before */
    CHECK_EQ_INT(atomic_load(&cam.reconnects), reconnects); /* not reopened */
    cc_camera_stop(&cam);
    CHECK(!cam.source->connected);
    cc_camera_destroy(&cam);

    /* Another setting is another camera. */
    copy.grab_fps = 100;
    CHECK(!cc_camera_config_same(&cfg, &copy));
}

/* Mono16, then each Bayer order against the colours of its RGB8 frame. */
static void test_fake_mono16(void)
{
    cc_camera_config cfg = fake_config(300, 200, CC_PIX_MONO16, 100);
    cc_source *src = NULL;
    char err[1024] = "";
    CHECK_EQ_INT(cc_aravis_new(&src, &cfg, err, sizeof err), 0);
    if (!src)
        return;
    cc_frame f = alloc_frame(src);
    CHECK_EQ_INT(grab_one(src, &f), 0);
    CHECK_EQ_INT(f.stride, 600);
    uint8_t *gray = malloc(300 * 200);
    CHECK_EQ_INT(cc_convert(&f, gray, 300 * 200), 0);
    size_t bad = 0;
    for (uint32_t y = 0; y < 200; y++)
        for (uint32_t x = 0; x < 300; x++)
            bad += gray[y * 300 + x] !=
                   (uint8_t)((256 * (x + y + f.frame_id)) % 65535 >> 8);
    CHECK_EQ_INT(bad, 0);
    free(gray);
    free(f.data);
    cc_source_free(src);
}

static bool grab_format(cc_pixfmt fmt, cc_frame *out)
{
    cc_camera_config cfg = fake_config(400, 100, fmt, 100);
    cc_source *src = NULL;
    char err[1024] = "";
    CHECK_EQ_INT(cc_aravis_new(&src, &cfg, err, sizeof err), 0);
    if (!src)
        return false;
    *out = alloc_frame(src);
    int rc = grab_one(src, out);
    CHECK_EQ_INT(rc, 0);
    cc_source_free(src);
    return rc == 0;
}

static void test_fake_bayer(void)
{
    /* Row 0 of an RGB8 frame holds the colour of every ramp value. */
    cc_frame rgb;
    if (!grab_format(CC_PIX_RGB8, &rgb))
        return;
    uint8_t colour[255][3];
    for (uint32_t x = 0; x < 255; x++)
        memcpy(colour[(x + rgb.frame_id) % 255], rgb.data + 3 * x, 3);
    free(rgb.data);

    static const cc_pixfmt orders[] = {CC_PIX_BAYER_RG8, CC_PIX_BAYER_GB8,
                                       CC_PIX_BAYER_GR8, CC_PIX_BAYER_BG8};
    /* Aravis 0.8's Fake draws BayerRG8 with blue at (0, 0) and BayerBG8
     * with red there, against PFNC (test_convert checks the orders on
     * their own): for those two, red and blue come out exchanged. */
    static const bool swapped[] = {true, false, false, true};
    for (size_t o = 0; o < 4; o++) {
        cc_frame f;
        if (!grab_format(orders[o], &f))
            continue;
        uint8_t *out = malloc(400 * 100 * 3);
        CHECK_EQ_INT(cc_convert(&f, out, 400 * 100 * 3), 0);
        uint64_t sum = 0, n = 0;
        for (uint32_t y = 1; y < 99; y++) {
            for (uint32_t x = 1; x < 399; x++) {
                uint32_t v = (x + y + (uint32_t)f.frame_id) % 255;
                if (v < 2 || v > 252)
                    continue; /* the ramp wraps there */
                for (int c = 0; c < 3; c++) {
                    int want = colour[v][swapped[o] ? 2 - c : c];
                    sum += (uint64_t)abs(out[(y * 400 + x) * 3 + c] - want);
                }
                n += 3;
            }
        }
        double mae = (double)sum / (double)n;
        fprintf(stderr, "  %s demosaiced: mean error %.2f\n",
                cc_pixfmt_name(orders[o]), mae);
        CHECK(mae < 1.5);
        free(out);
        free(f.data);
    }
}

/* ---- loss, triggers ---- */

/* No frame for timeout_ms: lost. A 1 fps camera watched for 200 ms. */
static void test_watchdog(void)
{
    cc_camera_config cfg = fake_config(64, 64, CC_PIX_MONO8, 0.5);
    cfg.aravis.timeout_ms = 200;
    cc_source *src = NULL;
    char err[1024] = "";
    CHECK_EQ_INT(cc_aravis_new(&src, &cfg, err, sizeof err), 0);
    if (!src)
        return;
    cc_frame f = alloc_frame(src);
    int rc = -EAGAIN;
    /* The first frame may come before the watchdog: then the next one
     * does not. */
    for (int i = 0; i < 100 && (rc == -EAGAIN || rc == 0); i++)
        rc = cc_source_grab(src, &f, 100);
    CHECK_EQ_INT(rc, -ETIMEDOUT);
    CHECK(cc_source_lost(rc));
    src->ops->disconnect(src);
    CHECK(!src->connected);
    CHECK_EQ_INT(cc_source_grab(src, &f, 10), -ENOTCONN);
    /* And it comes back. */
    CHECK_EQ_INT(src->ops->connect(src, err, sizeof err), 0);
    CHECK(src->connected);
    free(f.data);
    cc_source_free(src);
}

/* The Fake fires its trigger lines by itself, 25 times a second: frames
 * come, and a watchdog shorter than the gaps of a slow line does not
 * declare the camera lost while it answers. */
static void test_line_trigger(void)
{
    cc_camera_config cfg = fake_config(64, 64, CC_PIX_MONO8, 100);
    cfg.aravis.trigger = CC_TRIGGER_LINE;
    snprintf(cfg.aravis.trigger_source, sizeof cfg.aravis.trigger_source,
             "Line0");
    cfg.aravis.timeout_ms = 100;
    cc_source *src = NULL;
    char err[1024] = "";
    CHECK_EQ_INT(cc_aravis_new(&src, &cfg, err, sizeof err), 0);
    if (!src) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK(src->fps == 100); /* the rate the config expects */
    cc_frame f = alloc_frame(src);
    int frames = 0, lost = 0;
    for (int i = 0; i < WAIT_MS / 100 && frames < 10; i++) {
        int rc = cc_source_grab(src, &f, 100);
        frames += rc == 0;
        lost += cc_source_lost(rc);
    }
    CHECK_EQ_INT(frames, 10);
    CHECK_EQ_INT(lost, 0);
    CHECK_EQ_INT(ramp_errors(&f), 0);
    free(f.data);
    cc_source_free(src);
}

static void test_software_trigger(void)
{
    cc_camera_config cfg = fake_config(64, 64, CC_PIX_MONO8, 50);
    cfg.aravis.trigger = CC_TRIGGER_SOFTWARE;
    cc_source *src = NULL;
    char err[1024] = "";
    CHECK_EQ_INT(cc_aravis_new(&src, &cfg, err, sizeof err), 0);
    if (!src) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK(src->fps == 50);
    CHECK(!src->host_clock);
    cc_frame f = alloc_frame(src);
    int frames = 0, matched = 0;
    uint64_t period = cc_schedule_period_ns(50), prev_sync = 0;
    for (int i = 0; i < WAIT_MS / 100 && frames < 6; i++) {
        if (cc_source_grab(src, &f, 100) != 0)
            continue;
        frames++;
        /* The trigger it answers: an instant of the schedule every camera
         * at 50 fps fires on, in order. (Aravis' in-process Fake runs at
         * its own rate when triggered: a frame before the first trigger
         * answers none.) */
        if (!f.sync_ns)
            continue;
        matched++;
        CHECK(f.device_ns != 0);
        CHECK_EQ_INT((f.sync_ns - cc_schedule_real_ns(0)) % period, 0);
        CHECK(f.sync_ns > prev_sync);
        CHECK(f.sync_ns <= f.capture_ns);
        prev_sync = f.sync_ns;
    }
    CHECK_EQ_INT(frames, 6);
    CHECK(matched >= 5);
    CHECK_EQ_INT(ramp_errors(&f), 0);
    free(f.data);
    cc_source_free(src);
}

/* What only the camera knows, refused at start: PTP on a camera without
 * it; the software trigger a sync group asks of a camera that lacks the
 * source named (said to come from the group). */
static void test_sync_refused(void)
{
    cc_camera_config cfg = fake_config(64, 64, CC_PIX_MONO8, 50);
    cfg.aravis.ptp = true;
    expect_refused(&cfg, -EINVAL, "test.ini:22: [camera fake] ptp: the camera has no PTP "
                   "(neither PtpEnable nor GevIEEE1588)");
    cfg = fake_config(64, 64, CC_PIX_MONO8, 50);
    cfg.sync = (cc_camera_sync){.group = 0, .trigger = CC_SYNC_LINE, .wait_ms = 20};
    cfg.set &= ~KEY(CC_KEY_TRIGGER);
    cfg.aravis.trigger = CC_TRIGGER_LINE;
    snprintf(cfg.aravis.trigger_source, sizeof cfg.aravis.trigger_source, "Line7");
    expect_refused(&cfg, -EINVAL, "test.ini:15: [camera fake] trigger: the camera has no "
                   "trigger source Line7 (it has: Line0, Software); its sync group needs it");
}

/* Discovery (a camera not found, the list) broadcasts on every network
 * interface: those tests run in a network namespace holding only loopback,
 * this program re-run under unshare -n when root, and are left out
 * otherwise. Opening Fake_1 by its id does not discover. */
static bool in_loopback_netns(char **argv)
{
    const char *in = getenv("CC_IN_NETNS");
    if (in && strcmp(in, "1") == 0)
        return true;
    if (geteuid() != 0 || setenv("CC_IN_NETNS", "1", 1) != 0)
        return false;
    fflush(stdout);
    char *args[] = {"unshare", "-n", "sh", "-c", "ip link set lo up && exec \"$@\"",
                    "sh", argv[0], NULL};
    execvp("unshare", args);
    unsetenv("CC_IN_NETNS"); /* no unshare: as without root */
    return false;
}

int main(int argc, char **argv)
{
    (void)argc;
    bool netns = in_loopback_netns(argv);
    cc_aravis_enable_fake();
    RUN(test_open);
    RUN(test_settings);
    RUN(test_refused);
    if (netns) {
        RUN(test_not_found);
        RUN(test_list);
    } else {
        printf("not root: the tests that discover (not found, list) left out\n");
    }
    RUN(test_camera_stream);
    RUN(test_camera_pause_rebind);
    RUN(test_fake_mono16);
    RUN(test_fake_bayer);
    RUN(test_watchdog);
    RUN(test_line_trigger);
    RUN(test_software_trigger);
    RUN(test_sync_refused);
    cc_aravis_shutdown();
    return CHECK_DONE();
}
