/* Test pattern source and camera grab thread. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

#include "capture/camera.h"
#include "capture/schedule.h"
#include "check.h"

static const cc_pattern patterns[] = {CC_PATTERN_SCROLL, CC_PATTERN_BARS,
                                      CC_PATTERN_CHECKER};
static const cc_pixfmt formats[] = {CC_PIX_MONO8, CC_PIX_RGB8};
static const char *const pattern_names[] = {"scroll", "bars", "checker"};
#define N_PATTERNS (sizeof patterns / sizeof patterns[0])
#define N_FORMATS (sizeof formats / sizeof formats[0])

static cc_camera_config make_config(uint32_t w, uint32_t h, cc_pixfmt fmt,
                                    double fps, cc_pattern pattern)
{
    cc_camera_config cfg = {.source = CC_SOURCE_TESTPATTERN,
                            .width = w,
                            .height = h,
                            .pixfmt = fmt,
                            .grab_fps = fps,
                            .pattern = pattern};
    snprintf(cfg.name, sizeof cfg.name, "test");
    return cfg;
}

static cc_frame alloc_frame(size_t capacity)
{
    cc_frame f = {.data = malloc(capacity), .capacity = capacity};
    if (!f.data)
        abort();
    return f;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L};
    nanosleep(&ts, NULL);
}

/* Grabs the next frame, retrying -EAGAIN a bounded number of times, and
 * paints it into its own data. */
static int grab_one(cc_source *src, cc_frame *f)
{
    int rc = -EAGAIN;
    for (int i = 0; i < 50 && rc == -EAGAIN; i++)
        rc = cc_source_grab(src, f, 100);
    return rc < 0 ? rc : cc_frame_fill(f);
}

static size_t image_bytes(const cc_source *src)
{
    return cc_pixfmt_row_bytes(src->fmt, src->width) * src->height;
}

static unsigned distinct_values(const cc_frame *f)
{
    uint8_t seen[256] = {0};
    unsigned n = 0;
    for (size_t i = 0; i < f->size; i++) {
        n += !seen[f->data[i]];
        seen[f->data[i]] = 1;
    }
    return n;
}

static double variance(const cc_frame *f)
{
    double sum = 0, sq = 0;
    for (size_t i = 0; i < f->size; i++) {
        sum += f->data[i];
        sq += (double)f->data[i] * f->data[i];
    }
    double mean = sum / (double)f->size;
    return sq / (double)f->size - mean * mean;
}

static size_t differing_bytes(const cc_frame *a, const cc_frame *b)
{
    size_t n = 0;
    for (size_t i = 0; i < a->size && i < b->size; i++)
        n += a->data[i] != b->data[i];
    return n;
}

/* The digit box at 320x240: scale 2, rows 218..235 from x = 4, so the
 * first digit is at (6, 220) and 10x14 pixels; compares a region around
 * it. */
static size_t differing_digit_bytes(const cc_frame *a, const cc_frame *b)
{
    unsigned bpp = cc_pixfmt_bpp(a->fmt);
    size_t n = 0;
    for (uint32_t y = 216; y < 238; y++)
        for (size_t x = 4 * bpp; x < 18 * bpp; x++)
            n += a->data[y * a->stride + x] != b->data[y * b->stride + x];
    return n;
}

static void test_invalid_config(void)
{
    cc_source *src = NULL;
    cc_camera_config cfg =
        make_config(320, 240, CC_PIX_MONO8, 0, CC_PATTERN_BARS);
    CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), -EINVAL);
    cfg = make_config(0, 240, CC_PIX_MONO8, 30, CC_PATTERN_BARS);
    CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), -EINVAL);
    cfg = make_config(320, 240, (cc_pixfmt)0, 30, CC_PATTERN_BARS);
    CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), -EINVAL);
    cfg = make_config(320, 240, CC_PIX_MONO8, 30, (cc_pattern)0);
    CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), -EINVAL);
    CHECK(src == NULL);
}

/* Grabs frames 0, 1, 2 of one pattern and checks them; keeps frame 0. */
static void check_pattern(size_t pattern, cc_pixfmt fmt, cc_frame *first)
{
    cc_camera_config cfg = make_config(320, 240, fmt, 1000, patterns[pattern]);
    cc_source *src = NULL;
    CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), 0);
    if (!src)
        return;
    unsigned bpp = cc_pixfmt_bpp(fmt);
    size_t bytes = (size_t)320 * 240 * bpp;
    /* Painted by whoever encodes a frame: ring slots hold no pixels. */
    CHECK(src->painted);
    CHECK_EQ_INT(cc_source_frame_bytes(src), 0);
    CHECK_EQ_INT(image_bytes(src), bytes);
    CHECK_EQ_INT(src->width, 320);
    CHECK_EQ_INT(src->height, 240);
    CHECK_EQ_INT(src->fmt, fmt);
    CHECK(src->fps == 1000);
    CHECK(strcmp(src->ops->kind, "testpattern") == 0);

    /* A grab writes no pixels, so it needs no room; painting does. */
    cc_frame small = alloc_frame(bytes - 1);
    CHECK_EQ_INT(grab_one(src, &small), -ENOSPC);
    CHECK(small.painter != NULL);
    CHECK_EQ_INT(small.size, 0);
    CHECK_EQ_INT(small.frame_id, 0);
    free(small.data);

    cc_frame f[3];
    for (int i = 0; i < 3; i++) {
        f[i] = alloc_frame(bytes);
        CHECK_EQ_INT(grab_one(src, &f[i]), 0);
        CHECK(f[i].painter == NULL); /* filled: pixels in data */
        CHECK_EQ_INT(f[i].size, bytes);
        CHECK_EQ_INT(f[i].width, 320);
        CHECK_EQ_INT(f[i].height, 240);
        CHECK_EQ_INT(f[i].stride, 320 * bpp);
        CHECK_EQ_INT(f[i].fmt, fmt);
        CHECK_EQ_INT(f[i].frame_id, i + 1);
        CHECK(f[i].capture_ns > 0);
    }
    CHECK(f[1].capture_ns >= f[0].capture_ns);

    unsigned distinct = distinct_values(&f[0]);
    double var = variance(&f[0]);
    CHECK(distinct >= 100);
    CHECK(var > 300);
    /* It moves: most bytes change from one frame to the next. */
    CHECK(differing_bytes(&f[0], &f[1]) > bytes / 4);
    CHECK(differing_bytes(&f[1], &f[2]) > bytes / 4);
    /* "2" and "3" differ in the digit box. */
    CHECK(differing_digit_bytes(&f[1], &f[2]) > 10 * bpp);
    /* The box behind the digits is black, its left edge included. */
    CHECK_EQ_INT(f[1].data[219 * f[1].stride + 4 * bpp], 0);
    /* ... and nothing is drawn at the top, where clients put overlays. */
    CHECK(f[1].data[5 * f[1].stride + 4 * bpp] != 0 ||
          f[1].data[5 * f[1].stride + 5 * bpp] != 0);
    fprintf(stderr, "  %s %s: %u distinct values, variance %.0f\n",
            pattern_names[pattern], cc_pixfmt_name(fmt), distinct, var);

    *first = f[0];
    free(f[1].data);
    free(f[2].data);
    cc_source_free(src);
}

static void test_patterns(void)
{
    for (size_t j = 0; j < N_FORMATS; j++) {
        cc_frame first[N_PATTERNS];
        for (size_t i = 0; i < N_PATTERNS; i++)
            check_pattern(i, formats[j], &first[i]);
        /* Different patterns look different. */
        for (size_t a = 0; a < N_PATTERNS; a++)
            for (size_t b = a + 1; b < N_PATTERNS; b++)
                CHECK(differing_bytes(&first[a], &first[b]) >
                      first[a].size / 2);
        for (size_t i = 0; i < N_PATTERNS; i++)
            free(first[i].data);
    }
}

/* A realistic image compresses to a realistic size: neither flat nor pure
 * noise. */
static void test_jpeg_size(void)
{
    tjhandle tj = tjInitCompress();
    CHECK(tj != NULL);
    if (!tj)
        return;
    for (size_t i = 0; i < N_PATTERNS; i++) {
        for (size_t j = 0; j < N_FORMATS; j++) {
            cc_camera_config cfg = make_config(1920, 1200, formats[j], 1000,
                                               patterns[i]);
            cc_source *src = NULL;
            CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), 0);
            if (!src)
                continue;
            cc_frame f = alloc_frame(image_bytes(src));
            CHECK_EQ_INT(grab_one(src, &f), 0);
            bool gray = f.fmt == CC_PIX_MONO8;
            unsigned char *jpeg = NULL;
            unsigned long size = 0;
            int rc = tjCompress2(tj, f.data, (int)f.width, (int)f.stride,
                                 (int)f.height, gray ? TJPF_GRAY : TJPF_RGB,
                                 &jpeg, &size, gray ? TJSAMP_GRAY : TJSAMP_420,
                                 80, TJFLAG_FASTDCT);
            CHECK_EQ_INT(rc, 0);
            fprintf(stderr, "  1920x1200 %s %s: JPEG q80 %lu KB\n",
                    pattern_names[i], cc_pixfmt_name(formats[j]),
                    size / 1024);
            CHECK(size > 50 * 1024);
            CHECK(size < 1024 * 1024);
            tjFree(jpeg);
            free(f.data);
            cc_source_free(src);
        }
    }
    tjDestroy(tj);
}

/* Any strip of rows paints what the whole frame has there, the digit box
 * cut anywhere included, and painting is repeatable (no state). */
static void test_paint_rows(void)
{
    for (size_t j = 0; j < N_FORMATS; j++) {
        cc_camera_config cfg = make_config(333, 250, formats[j], 1000,
                                           CC_PATTERN_BARS);
        cc_source *src = NULL;
        CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), 0);
        if (!src)
            continue;
        size_t row = cc_pixfmt_row_bytes(src->fmt, src->width);
        cc_frame f = {0};
        for (int i = 0; i < 7; i++) /* frame 6: far from the origin */
            CHECK_EQ_INT(cc_source_grab(src, &f, -1), 0);
        uint8_t *whole = malloc(row * 250), *strips = malloc(row * 250);
        CHECK_EQ_INT(cc_frame_read_rows(&f, 0, 250, whole, row), 0);
        /* The digit box: rows 228..245 at 333x250 (scale 2). */
        static const uint32_t cuts[] = {0, 1, 5, 64, 229, 233, 240, 249, 250};
        for (size_t c = 0; c + 1 < sizeof cuts / sizeof cuts[0]; c++)
            CHECK_EQ_INT(cc_frame_read_rows(&f, cuts[c], cuts[c + 1] - cuts[c],
                                            strips + cuts[c] * row, row),
                         0);
        CHECK(memcmp(whole, strips, row * 250) == 0);
        CHECK_EQ_INT(cc_frame_read_rows(&f, 200, 51, strips, row), -EINVAL);
        CHECK_EQ_INT(cc_frame_read_rows(&f, 0, 1, strips, row - 1), -EINVAL);
        free(whole);
        free(strips);
        cc_source_free(src);
    }
}

/* At 20 FPS the frame after the first is not due within 1 ms. */
static void test_pacing(void)
{
    cc_camera_config cfg =
        make_config(320, 240, CC_PIX_MONO8, 20, CC_PATTERN_SCROLL);
    cc_source *src = NULL;
    CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), 0);
    if (!src)
        return;
    cc_frame f = alloc_frame(image_bytes(src));
    CHECK_EQ_INT(grab_one(src, &f), 0);
    CHECK_EQ_INT(f.frame_id, 0);
    int rc = -EAGAIN, again = 0;
    for (int i = 0; i < 2000 && rc == -EAGAIN; i++) {
        rc = cc_source_grab(src, &f, 1);
        again += rc == -EAGAIN;
    }
    CHECK_EQ_INT(rc, 0);
    CHECK(again >= 1);
    CHECK_EQ_INT(f.frame_id, 1);
    /* A zero timeout polls. */
    CHECK_EQ_INT(cc_source_grab(src, &f, 0), -EAGAIN);
    free(f.data);
    cc_source_free(src);
}

static bool on_schedule(uint64_t device_ns, uint64_t period)
{
    return (device_ns - cc_schedule_real_ns(0)) % period == 0;
}

/* In a software sync group, patterns are due at the instants of the shared
 * schedule (schedule.h): two of them carry the same device times, one
 * delivered delay_us after it. Alone, a pattern keeps its own schedule. */
static void test_pattern_schedule(void)
{
    cc_camera_config a = make_config(64, 64, CC_PIX_MONO8, 100, CC_PATTERN_SCROLL);
    a.sync.trigger = CC_SYNC_SOFTWARE;
    cc_camera_config b = a;
    b.delay_us = 3000;
    cc_source *sa = NULL, *sb = NULL;
    CHECK_EQ_INT(cc_testpattern_new(&sa, &a), 0);
    CHECK_EQ_INT(cc_testpattern_new(&sb, &b), 0);
    if (!sa || !sb)
        return;
    CHECK(sa->host_clock);
    uint64_t period = cc_schedule_period_ns(100), da[6], db[6];
    cc_frame f = {0};
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_INT(cc_source_grab(sa, &f, 1000), 0);
        da[i] = f.device_ns;
        CHECK(on_schedule(f.device_ns, period) && f.sync_ns == f.device_ns);
        CHECK(f.capture_ns >= f.device_ns);
        CHECK_EQ_INT(cc_source_grab(sb, &f, 1000), 0);
        db[i] = f.device_ns;
        CHECK(on_schedule(f.device_ns, period) && f.sync_ns == f.device_ns);
        CHECK(f.capture_ns >= f.device_ns + 3000000);
    }
    int shared = 0;
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            shared += da[i] == db[j];
    CHECK(shared >= 3);
    for (int i = 1; i < 6; i++)
        CHECK(da[i] > da[i - 1] && (da[i] - da[i - 1]) % period == 0);
    cc_source_free(sa);
    cc_source_free(sb);

    /* Alone: frames a period apart, on its own schedule. */
    a.sync.trigger = CC_SYNC_NONE;
    a.jitter_us = 2000;
    CHECK_EQ_INT(cc_testpattern_new(&sa, &a), 0);
    if (!sa)
        return;
    uint64_t prev = 0;
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(cc_source_grab(sa, &f, 1000), 0);
        CHECK(f.device_ns && f.capture_ns >= f.device_ns);
        if (prev)
            CHECK(f.device_ns - prev >= period - 1 && f.device_ns - prev <= period + 1);
        prev = f.device_ns;
    }
    cc_source_free(sa);
}

/* The grab thread publishes the camera's clock against the host's: for a
 * pattern delivered 2 ms late, an offset of at least that. */
static void test_camera_clock(void)
{
    cc_camera_config cfg = make_config(64, 64, CC_PIX_MONO8, 200, CC_PATTERN_SCROLL);
    cfg.delay_us = 2000;
    cc_camera cam;
    char err[256];
    CHECK_EQ_INT(cc_camera_init(&cam, &cfg, 0, 30, err, sizeof err), 0);
    if (!cam.ring)
        return;
    CHECK(!atomic_load(&cam.clock_valid));
    CHECK_EQ_INT(cc_camera_start(&cam), 0);
    for (int i = 0; i < 2000 && !atomic_load(&cam.clock_valid); i++)
        sleep_ms(1);
    CHECK(atomic_load(&cam.clock_valid));
    int64_t off = atomic_load(&cam.clock_offset_ns);
    CHECK(off >= 2000000 && off < 1000000000);
    const cc_frame *f = NULL;
    for (int i = 0; i < 2000 && !(f = cc_ring_take_newest(cam.ring, NULL)); i++)
        sleep_ms(1);
    CHECK(f && f->device_ns && f->sync_ns == f->device_ns);
    if (f)
        cc_ring_release(cam.ring);
    cc_camera_destroy(&cam);
}

static void test_camera_bad_source(void)
{
    cc_camera_config cfg =
        make_config(320, 240, CC_PIX_MONO8, 100, CC_PATTERN_SCROLL);
    cfg.source = (cc_source_kind)0;
    cc_camera cam;
    char err[256];
    CHECK_EQ_INT(cc_camera_init(&cam, &cfg, 0, 30, err, sizeof err), -EINVAL);
    CHECK(cam.source == NULL && cam.ring == NULL);
    CHECK_STR_CONTAINS(err, "[camera test] unknown source");
    cfg = make_config(320, 240, CC_PIX_MONO8, 0, CC_PATTERN_SCROLL);
    CHECK_EQ_INT(cc_camera_init(&cam, &cfg, 0, 30, err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "[camera test] cannot start the test pattern: "
                            "Invalid argument");
    cc_camera_destroy(&cam); /* safe after a failed init */
}

static void test_camera(void)
{
    cc_camera_config cfg =
        make_config(320, 240, CC_PIX_MONO8, 2000, CC_PATTERN_SCROLL);
    snprintf(cfg.name, sizeof cfg.name, "a-long-camera-name");
    cc_camera cam;
    char err[256];
    CHECK_EQ_INT(cc_camera_init(&cam, &cfg, 3, 30, err, sizeof err), 0);
    if (!cam.ring)
        return;
    CHECK_EQ_INT(err[0], 0); /* no message on success */
    CHECK(atomic_load(&cam.online)); /* a test pattern is always there */
    CHECK_EQ_INT(cam.index, 3);
    CHECK_EQ_INT(cc_ring_slots(cam.ring), 64);
    cc_camera_stop(&cam); /* safe before start */
    CHECK_EQ_INT(cc_camera_start(&cam), 0);
    CHECK_EQ_INT(cc_camera_start(&cam), -EALREADY);

    uint64_t seen = 0, skipped = 0, last_seq = 0;
    bool named = false;
    for (int i = 0; i < 2000 && seen < 100; i++) {
        char name[16] = "";
        if (!named && pthread_getname_np(cam.thread, name, sizeof name) == 0)
            named = strcmp(name, "grab-a-long-cam") == 0;
        uint32_t n = 0;
        const cc_frame *f = cc_ring_take_newest(cam.ring, &n);
        if (!f) {
            sleep_ms(1);
            continue;
        }
        CHECK(f->seq > last_seq);
        CHECK_EQ_INT(f->frame_id, f->seq - 1);
        CHECK(f->painter != NULL && f->data == NULL);
        CHECK_EQ_INT(f->size, 0);
        CHECK_EQ_INT(f->width, 320);
        CHECK_EQ_INT(f->stride, 320);
        /* Everything between two takes was skipped in the ring or
         * overwritten by the producer. */
        CHECK(f->seq - last_seq - 1 >= n);
        last_seq = f->seq;
        seen++;
        skipped += n;
        cc_ring_release(cam.ring);
        sleep_ms(i % 5); /* sometimes let frames pile up */
    }
    CHECK(named);
    uint64_t cpu = 0;
    CHECK_EQ_INT(cc_camera_grab_cpu_ns(&cam, &cpu), 0);
    CHECK(cpu > 0);

    /* Not taking anything fills the ring: the producer then overwrites its
     * write slot instead of blocking. */
    for (int i = 0; i < 2000 && cc_ring_overwritten(cam.ring) == 0; i++)
        sleep_ms(1);
    CHECK(cc_ring_overwritten(cam.ring) > 0);
    cc_camera_stop(&cam);

    /* Drain what was published before the stop. */
    uint32_t n = 0;
    const cc_frame *f = cc_ring_take_newest(cam.ring, &n);
    if (f) {
        CHECK(f->seq > last_seq);
        seen++;
        skipped += n;
        cc_ring_release(cam.ring);
    }
    uint64_t grabbed = atomic_load(&cam.grabbed);
    uint64_t overwritten = cc_ring_overwritten(cam.ring);
    fprintf(stderr,
            "  grabbed %llu: seen %llu, skipped %llu, overwritten %llu\n",
            (unsigned long long)grabbed, (unsigned long long)seen,
            (unsigned long long)skipped, (unsigned long long)overwritten);
    CHECK(seen > 0);
    CHECK_EQ_INT(grabbed, seen + skipped + overwritten);
    CHECK_EQ_INT(atomic_load(&cam.grab_errors), 0);
    CHECK_EQ_INT(atomic_load(&cam.reconnects), 0);
    CHECK_EQ_INT(cc_camera_grab_cpu_ns(&cam, &cpu), -ESRCH); /* stopped */
    cc_camera_destroy(&cam);
    CHECK(cam.ring == NULL && cam.source == NULL);
}

int main(void)
{
    RUN(test_invalid_config);
    RUN(test_patterns);
    RUN(test_jpeg_size);
    RUN(test_paint_rows);
    RUN(test_pacing);
    RUN(test_pattern_schedule);
    RUN(test_camera_clock);
    RUN(test_camera_bad_source);
    RUN(test_camera);
    return CHECK_DONE();
}
