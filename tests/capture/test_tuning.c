/* Live settings: feature checks, the test pattern's exposure and gain, and
 * the mailbox between the loop and a grab thread (tuning.h), alone and
 * with a running camera (suite threads: under TSan too). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/camera.h"
#include "capture/tuning.h"
#include "check.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L};
    nanosleep(&ts, NULL);
}

static cc_feature_state float_state(const char *name, double min, double max, double inc)
{
    cc_feature_state f = {.kind = CC_FEATURE_FLOAT, .has_range = true, .min = min,
                          .max = max, .inc = inc, .writable = true};
    snprintf(f.name, sizeof f.name, "%s", name);
    snprintf(f.unit, sizeof f.unit, "us");
    return f;
}

static int check_value(const cc_feature_state *f, cc_feature_value v, char *err)
{
    err[0] = '\0';
    return cc_feature_check(f, &v, err, 256);
}

static void test_feature_check(void)
{
    char err[256];
    cc_feature_state exp = float_state("ExposureTime", 10, 1e6, 0);
    cc_feature_value num = {.kind = CC_FEATURE_FLOAT, .number = 5000};
    CHECK_EQ_INT(check_value(&exp, num, err), 0);
    num.number = 5;
    CHECK_EQ_INT(check_value(&exp, num, err), -ERANGE);
    CHECK_EQ_INT(strcmp(err, "ExposureTime = 5 is out of range (10..1000000 us)"), 0);
    num.number = NAN;
    CHECK_EQ_INT(check_value(&exp, num, err), -EINVAL);
    CHECK_STR_CONTAINS(err, "takes a finite number");
    num.number = INFINITY;
    CHECK_EQ_INT(check_value(&exp, num, err), -EINVAL);
    num.number = 1e300;
    CHECK_EQ_INT(check_value(&exp, num, err), -ERANGE);
    cc_feature_value text = {.kind = CC_FEATURE_ENUM};
    snprintf(text.text, sizeof text.text, "abc");
    CHECK_EQ_INT(check_value(&exp, text, err), -EINVAL);
    CHECK_EQ_INT(strcmp(err, "ExposureTime takes a number, not a string"), 0);
    exp.writable = false;
    snprintf(exp.why, sizeof exp.why, "locked while ExposureAuto is Continuous");
    num.number = 5000;
    CHECK_EQ_INT(check_value(&exp, num, err), -EPERM);
    CHECK_EQ_INT(strcmp(err, "ExposureTime cannot be set now: locked while ExposureAuto "
                             "is Continuous"), 0);

    /* Integers: whole, and on the increment. */
    cc_feature_state gain = {.kind = CC_FEATURE_INT, .has_range = true, .min = 0, .max = 10,
                             .inc = 2, .writable = true};
    snprintf(gain.name, sizeof gain.name, "GainRaw");
    num.number = 4;
    CHECK_EQ_INT(check_value(&gain, num, err), 0);
    num.number = 2.5;
    CHECK_EQ_INT(check_value(&gain, num, err), -EINVAL);
    CHECK_STR_CONTAINS(err, "GainRaw takes an integer (0..10 in steps of 2), not 2.5");
    num.number = 3;
    CHECK_EQ_INT(check_value(&gain, num, err), -ERANGE);
    CHECK_STR_CONTAINS(err, "not on the camera's steps");

    /* Enumerations, booleans, commands. */
    cc_feature_state mode = {.kind = CC_FEATURE_ENUM, .writable = true};
    snprintf(mode.name, sizeof mode.name, "GainAuto");
    CHECK_EQ_INT(cc_feature_add_entry(&mode, "Off"), 0);
    CHECK_EQ_INT(cc_feature_add_entry(&mode, "Continuous"), 0);
    snprintf(text.text, sizeof text.text, "Continuous");
    CHECK_EQ_INT(check_value(&mode, text, err), 0);
    snprintf(text.text, sizeof text.text, "Sometimes\x01");
    CHECK_EQ_INT(check_value(&mode, text, err), -EINVAL);
    CHECK_EQ_INT(strcmp(err, "GainAuto has no entry \"Sometimes?\" (it has: Off, "
                             "Continuous)"), 0);
    CHECK_EQ_INT(check_value(&mode, num, err), -EINVAL);
    cc_feature_state flag = {.kind = CC_FEATURE_BOOL, .writable = true};
    snprintf(flag.name, sizeof flag.name, "ReverseX");
    cc_feature_value yes = {.kind = CC_FEATURE_BOOL, .flag = true};
    CHECK_EQ_INT(check_value(&flag, yes, err), 0);
    CHECK_EQ_INT(check_value(&flag, num, err), -EINVAL);
    cc_feature_state cmd = {.kind = CC_FEATURE_COMMAND, .writable = true};
    snprintf(cmd.name, sizeof cmd.name, "TriggerSoftware");
    snprintf(text.text, sizeof text.text, "execute");
    CHECK_EQ_INT(check_value(&cmd, text, err), 0);
    snprintf(text.text, sizeof text.text, "now");
    CHECK_EQ_INT(check_value(&cmd, text, err), -EINVAL);
    CHECK_STR_CONTAINS(err, "is a command: its value is \"execute\"");
    CHECK_EQ_INT(check_value(&cmd, num, err), -EINVAL);

    /* Entries that do not fit are refused, not cut. */
    cc_feature_state many = {.kind = CC_FEATURE_ENUM};
    char entry[CC_FEATURE_TEXT_MAX + 8];
    memset(entry, 'x', sizeof entry - 1);
    entry[sizeof entry - 1] = '\0';
    CHECK_EQ_INT(cc_feature_add_entry(&many, entry), -ENOSPC);
    CHECK_EQ_INT(many.n_entries, 0);
    entry[40] = '\0';
    int added = 0;
    while (cc_feature_add_entry(&many, entry) == 0)
        added++;
    CHECK_EQ_INT(added, CC_FEATURE_ENTRIES_BYTES / 41);
    CHECK_EQ_INT(many.n_entries, (unsigned)added);
}

static cc_camera_config pattern_config(double fps)
{
    cc_camera_config cfg = {.source = CC_SOURCE_TESTPATTERN, .width = 64, .height = 32,
                            .pixfmt = CC_PIX_MONO8, .grab_fps = fps,
                            .pattern = CC_PATTERN_SCROLL};
    snprintf(cfg.name, sizeof cfg.name, "tp");
    return cfg;
}

/* A grabbed frame painted into buf. */
static void grab_painted(cc_source *src, uint8_t *buf, uint32_t *level)
{
    cc_frame f = {0};
    int rc = -EAGAIN;
    for (int i = 0; i < 50 && rc == -EAGAIN; i++)
        rc = cc_source_grab(src, &f, 100);
    CHECK_EQ_INT(rc, 0);
    f.frame_id = 0; /* the same digits in both */
    f.paint_x = f.paint_y = 0;
    *level = f.paint_level;
    CHECK_EQ_INT(cc_frame_read_rows(&f, 0, 32, buf, 64), 0);
}

static void set_float(cc_source *src, const char *name, double v, int want)
{
    char err[256] = "";
    cc_feature_value value = {.kind = CC_FEATURE_FLOAT, .number = v};
    CHECK_EQ_INT(src->ops->write_feature(src, name, &value, err, sizeof err), want);
}

/* Exposure and gain scale the painted image as a sensor would, clipping
 * at white; the frame carries the level it was grabbed with. */
static void test_pattern_brightness(void)
{
    cc_camera_config cfg = pattern_config(1000);
    cc_source *src;
    CHECK_EQ_INT(cc_testpattern_new(&src, &cfg), 0);
    if (!src)
        return;
    cc_feature_state list[4];
    CHECK_EQ_INT(src->ops->list_features(src, list, 4), 2);
    CHECK_EQ_INT(strcmp(list[0].name, "ExposureTime"), 0);
    CHECK(list[0].value.number == 10000 && list[0].min == 10 && list[0].max == 1e6);
    CHECK_EQ_INT(strcmp(list[1].name, "Gain"), 0);
    CHECK_EQ_INT(strcmp(list[1].unit, "dB"), 0);
    uint8_t unity[64 * 32], half[64 * 32], bright[64 * 32];
    uint32_t level;
    grab_painted(src, unity, &level);
    CHECK_EQ_INT(level, CC_PAINT_UNITY);
    set_float(src, "ExposureTime", 5000, 0);
    grab_painted(src, half, &level);
    CHECK_EQ_INT(level, CC_PAINT_UNITY / 2);
    set_float(src, "ExposureTime", 10000, 0);
    set_float(src, "Gain", 20, 0); /* x10 */
    grab_painted(src, bright, &level);
    CHECK_EQ_INT(level, CC_PAINT_UNITY * 10);
    int wrong_half = 0, wrong_bright = 0, white = 0;
    for (size_t i = 0; i < sizeof unity; i++) {
        /* The digits' box (bottom left) is drawn after the scaling. */
        if (i / 64 >= 32 - 11 || i % 64 < 40)
            continue;
        int want = (unity[i] + 1) / 2;
        wrong_half += abs(half[i] - want) > 1;
        int b = unity[i] * 10 > 255 ? 255 : unity[i] * 10;
        wrong_bright += bright[i] != b;
        white += bright[i] == 255;
    }
    CHECK_EQ_INT(wrong_half, 0);
    CHECK_EQ_INT(wrong_bright, 0);
    CHECK(white > 0); /* clipped */
    set_float(src, "Gain", 30, -ERANGE);
    set_float(src, "Shutter", 3, -ENOENT);
    cc_feature_state g = {.name = "Gain"};
    CHECK_EQ_INT(src->ops->read_feature(src, &g), 0);
    CHECK(g.value.number == 20); /* the refused value changed nothing */
    cc_source_free(src);
}

/* ---- the mailbox, driven by hand with a source that counts ---- */

typedef struct counting {
    cc_source base;
    double value;
    unsigned executed, writes;
    bool refuse;
} counting;

static int c_read(cc_source *src, cc_feature_state *f)
{
    counting *c = (counting *)src;
    if (strcmp(f->name, "Level") == 0) {
        *f = float_state("Level", 0, 100, 0);
        f->value = (cc_feature_value){.kind = CC_FEATURE_FLOAT, .number = c->value};
        return 0;
    }
    if (strcmp(f->name, "Fire") == 0) {
        *f = (cc_feature_state){.name = "Fire", .kind = CC_FEATURE_COMMAND, .writable = true};
        return 0;
    }
    return -ENOENT;
}

static int c_list(cc_source *src, cc_feature_state *out, size_t max)
{
    static const char *const names[] = {"Level", "Fire"};
    size_t n = 0;
    for (; n < 2 && n < max; n++) {
        snprintf(out[n].name, sizeof out[n].name, "%s", names[n]);
        c_read(src, &out[n]);
    }
    return (int)n;
}

static int c_write(cc_source *src, const char *name, cc_feature_value *v, char *err,
                   size_t errlen)
{
    counting *c = (counting *)src;
    cc_feature_state f = {0};
    snprintf(f.name, sizeof f.name, "%s", name);
    if (c_read(src, &f) < 0)
        return -ENOENT;
    int rc = cc_feature_check(&f, v, err, errlen);
    if (rc < 0)
        return rc;
    if (c->refuse) {
        snprintf(err, errlen, "the camera refused %s", name);
        return -EIO;
    }
    c->writes++;
    if (v->kind == CC_FEATURE_COMMAND)
        c->executed++;
    else
        c->value = v->number;
    return 0;
}

static const cc_source_ops counting_ops = {
    .kind = "counting",
    .list_features = c_list,
    .read_feature = c_read,
    .write_feature = c_write,
};

static atomic_uint notified;

static void on_notify(void *arg)
{
    (void)arg;
    atomic_fetch_add(&notified, 1);
}

static void test_mailbox(void)
{
    counting src = {.base = {.ops = &counting_ops, .connected = true}, .value = 1};
    cc_tuning *t;
    CHECK_EQ_INT(cc_tuning_new(&t, "cam"), 0);
    cc_tuning_set_notify(t, on_notify, NULL);
    CHECK(!cc_tuning_pending(t));
    cc_tuning_connected(t, &src.base, false);
    cc_feature_state table[8];
    CHECK_EQ_INT(cc_tuning_take_table(t, table, 8), 2);
    CHECK_EQ_INT(cc_tuning_take_table(t, table, 8), -1); /* nothing new */
    CHECK(atomic_load(&notified) > 0);

    /* Newest wins; a command pending again runs once more. */
    uint64_t replaced[2];
    cc_feature_value v = {.kind = CC_FEATURE_FLOAT, .number = 10};
    CHECK_EQ_INT(cc_tuning_post(t, "Level", &v, 7, 1, replaced), 0);
    CHECK(replaced[0] == 0 && replaced[1] == 0);
    v.number = 20;
    CHECK_EQ_INT(cc_tuning_post(t, "Level", &v, 8, 0, replaced), 0);
    CHECK(replaced[0] == 7 && replaced[1] == 1);
    cc_feature_value fire = {.kind = CC_FEATURE_COMMAND};
    snprintf(fire.text, sizeof fire.text, "execute");
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(cc_tuning_post(t, "Fire", &fire, 9, 0, replaced), 0);
    CHECK(cc_tuning_pending(t));
    cc_tuning_run(t, &src.base);
    CHECK_EQ_INT(src.writes, 4); /* Level once, Fire three times */
    CHECK_EQ_INT(src.executed, 3);
    CHECK(src.value == 20);
    cc_tuning_result r[8];
    CHECK_EQ_INT(cc_tuning_take(t, r, 8), 2);
    CHECK(r[0].client == 8 && r[0].status == 0 && r[0].has_state &&
          r[0].state.value.number == 20);
    CHECK(r[1].client == 9 && r[1].status == 0);

    /* After a set, the others are read again, one per run: a change made
     * elsewhere is announced (client 0). */
    src.value = 55;
    for (int i = 0; i < 4 && cc_tuning_pending(t); i++)
        cc_tuning_run(t, &src.base);
    CHECK(!cc_tuning_pending(t));
    CHECK_EQ_INT(cc_tuning_take(t, r, 8), 1);
    CHECK(r[0].client == 0 && r[0].state.value.number == 55);

    /* A refusal comes back to its asker with the camera's words. */
    src.refuse = true;
    v.number = 30;
    cc_tuning_post(t, "Level", &v, 11, 1, replaced);
    cc_tuning_run(t, &src.base);
    CHECK_EQ_INT(cc_tuning_take(t, r, 8), 1);
    CHECK(r[0].client == 11 && r[0].request == 1 && r[0].status == -EIO);
    CHECK_EQ_INT(strcmp(r[0].message, "the camera refused Level"), 0);
    src.refuse = false;

    /* Lost: what is pending is answered offline. */
    cc_tuning_post(t, "Level", &v, 12, 0, replaced);
    cc_tuning_disconnected(t);
    CHECK(!cc_tuning_pending(t));
    CHECK_EQ_INT(cc_tuning_take(t, r, 8), 1);
    CHECK(r[0].client == 12 && r[0].status == -ENOTCONN);
    CHECK_EQ_INT(strcmp(r[0].message, "camera cam is offline"), 0);

    /* Back: the live values are set again (commands are not). */
    src.value = 0;
    unsigned before = src.executed;
    cc_tuning_connected(t, &src.base, true);
    CHECK(src.value == 20);
    CHECK_EQ_INT(src.executed, before);
    cc_tuning_value live[4];
    CHECK_EQ_INT(cc_tuning_live(t, live, 4), 1);
    CHECK(strcmp(live[0].name, "Level") == 0 && live[0].value.number == 20);
    CHECK_EQ_INT(cc_tuning_take_table(t, table, 8), 2);
    CHECK(table[0].value.number == 20);

    /* Not offered. */
    cc_tuning_post(t, "Nothing", &v, 13, 0, replaced);
    cc_tuning_run(t, &src.base);
    CHECK_EQ_INT(cc_tuning_take(t, r, 8), 1);
    CHECK(r[0].client == 13 && r[0].status == -ENOENT);
    cc_tuning_set_notify(t, NULL, NULL);
    cc_tuning_free(t);
}

/* ---- a running camera: sets from this thread, applied by its grab
 * thread while it grabs (TSan sees both sides) ---- */

static void test_running_camera(void)
{
    cc_camera_config cfg = pattern_config(2000);
    cc_camera cam;
    char err[256];
    CHECK_EQ_INT(cc_camera_init(&cam, &cfg, 0, 30, err, sizeof err), 0);
    if (!cam.ring)
        return;
    atomic_store(&notified, 0);
    cc_tuning_set_notify(cam.tuning, on_notify, NULL);
    CHECK_EQ_INT(cc_camera_start(&cam), 0);
    uint64_t replaced[2];
    cc_feature_value v = {.kind = CC_FEATURE_FLOAT};
    const int sets = 200;
    for (int i = 1; i <= sets; i++) {
        v.number = 100 * i;
        CHECK_EQ_INT(cc_tuning_post(cam.tuning, "ExposureTime", &v, (uint64_t)i, 0,
                                    replaced), 0);
        if (i % 16 == 0)
            sleep_ms(1);
    }
    /* The last value is applied and read back, whatever coalesced. */
    bool last = false;
    cc_tuning_result r[8];
    for (int i = 0; i < 5000 && !last; i++) {
        size_t n = cc_tuning_take(cam.tuning, r, 8);
        for (size_t k = 0; k < n; k++) {
            CHECK(r[k].status == 0);
            last |= r[k].client == (uint64_t)sets;
        }
        if (!n)
            sleep_ms(1);
    }
    CHECK(last);
    /* Frames grabbed from now on carry the new level. */
    uint32_t want = (uint32_t)lround(100.0 * sets / 10000 * CC_PAINT_UNITY);
    bool seen = false;
    for (int i = 0; i < 2000 && !seen; i++) {
        const cc_frame *f = cc_ring_take_newest(cam.ring, NULL);
        if (f) {
            seen = f->paint_level == want;
            cc_ring_release(cam.ring);
        } else {
            sleep_ms(1);
        }
    }
    CHECK(seen);
    CHECK(atomic_load(&notified) > 0);
    cc_tuning_set_notify(cam.tuning, NULL, NULL);
    cc_camera_destroy(&cam);
}

int main(void)
{
    RUN(test_feature_check);
    RUN(test_pattern_brightness);
    RUN(test_mailbox);
    RUN(test_running_camera);
    return CHECK_DONE();
}
