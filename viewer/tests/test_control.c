/* Camera control messages as the viewer reads them (features, feature,
 * levels; refusals), the exposure and gain steps its keys take, the set it
 * sends and the levels box's text. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../tests/check.h"
#include "control.h"
#include "overlay.h"
#include "reply.h"

#define PARSE(m, text) cc_control_parse((text), strlen(text), (m))

static void features(void)
{
    cc_control_msg m;
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"features\",\"camera\":\"left\",\"index\":2,"
                           "\"online\":true,\"operator\":true,\"features\":["
                           "{\"name\":\"ExposureAuto\",\"kind\":\"enum\",\"value\":\"Off\","
                           "\"entries\":[\"Off\",\"Continuous\"],\"writable\":true},"
                           "{\"name\":\"ExposureTimeAbs\",\"kind\":\"float\",\"value\":5000,"
                           "\"min\":10,\"max\":1e6,\"unit\":\"us\",\"writable\":true},"
                           "{\"name\":\"GainRaw\",\"kind\":\"int\",\"value\":4,\"min\":0,"
                           "\"max\":10,\"inc\":2,\"writable\":false,\"why\":\"a\\u001bb\"},"
                           "{\"name\":\"Gain\",\"kind\":\"float\",\"value\":1}]}"),
                 0);
    CHECK_EQ_INT(m.type, CC_CONTROL_MSG_FEATURES);
    CHECK_EQ_INT(m.camera, 2);
    CHECK(strcmp(m.name, "left") == 0);
    CHECK(m.online && m.may_set);
    const cc_control_number *e = &m.number[CC_CONTROL_EXPOSURE];
    CHECK(e->known && !e->is_int && e->value == 5000 && e->has_range && e->min == 10 &&
          e->max == 1e6 && e->writable && strcmp(e->unit, "us") == 0 &&
          strcmp(e->name, "ExposureTimeAbs") == 0);
    /* The first gain offered; its reason with the escape made harmless. */
    const cc_control_number *g = &m.number[CC_CONTROL_GAIN];
    CHECK(g->known && g->is_int && g->inc == 2 && !g->writable &&
          strcmp(g->name, "GainRaw") == 0 && strcmp(g->why, "a?b") == 0);

    /* Without "operator", no right; a feature the keys do not step. */
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"features\",\"index\":0,\"features\":[]}"), 0);
    CHECK(!m.may_set && m.online && !m.number[0].known && !m.number[1].known);
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"feature\",\"camera\":\"left\",\"index\":0,"
                           "\"feature\":\"TriggerMode\",\"kind\":\"enum\",\"value\":\"On\"}"),
                 0);
    CHECK(m.type == CC_CONTROL_MSG_FEATURE && !m.number[0].known && !m.number[1].known);
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"feature\",\"camera\":\"left\",\"index\":1,"
                           "\"feature\":\"ExposureTime\",\"kind\":\"float\",\"value\":7071.5,"
                           "\"writable\":false,\"why\":\"ExposureAuto is Continuous\"}"),
                 0);
    CHECK(m.number[CC_CONTROL_EXPOSURE].known && m.number[CC_CONTROL_EXPOSURE].value == 7071.5 &&
          !m.number[CC_CONTROL_EXPOSURE].has_range && m.camera == 1);

    /* What the viewer cannot use. */
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"features\",\"index\":-1,\"features\":[]}"), -EINVAL);
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"features\",\"index\":1.5,\"features\":[]}"), -EINVAL);
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"features\",\"index\":0,\"features\":{}}"), -EINVAL);
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"feature\",\"index\":0}"), -EINVAL);
    /* A wrong value or kind: that feature is not taken. */
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"features\",\"index\":0,\"features\":["
                           "{\"name\":\"Gain\",\"kind\":\"float\",\"value\":\"abc\"},"
                           "{\"name\":\"ExposureTime\",\"kind\":\"bool\",\"value\":true}]}"),
                 0);
    CHECK(!m.number[0].known && !m.number[1].known);
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"pong\"}"), -ENOMSG);
    CHECK_EQ_INT(PARSE(&m, "not json"), -ENOMSG);
    CHECK_EQ_INT(PARSE(&m, "[1]"), -ENOMSG);
}

static void levels(void)
{
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "{\"type\":\"levels\",\"camera\":3,\"frame_id\":77,"
                                      "\"histogram\":[");
    for (int i = 0; i < 64; i++)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s%d", i ? "," : "", i);
    snprintf(msg + n, sizeof msg - (size_t)n, "],\"clipped_low\":0.001,\"clipped_high\":2}");
    cc_control_msg m;
    CHECK_EQ_INT(PARSE(&m, msg), 0);
    CHECK(m.type == CC_CONTROL_MSG_LEVELS && m.camera == 3 && m.levels.have &&
          m.levels.frame_id == 77 && m.levels.bins[63] == 63);
    CHECK(m.levels.clipped_low == 0.001 && m.levels.clipped_high == 1); /* capped */
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"levels\",\"camera\":0,\"histogram\":[1,2],"
                           "\"clipped_low\":0,\"clipped_high\":0}"), -EINVAL);
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"levels\",\"camera\":0,\"histogram\":[],"
                           "\"clipped_low\":0}"), -EINVAL);
    CHECK_EQ_INT(PARSE(&m, "{\"type\":\"levels\",\"camera\":\"a\",\"histogram\":[]}"),
                 -EINVAL);

    /* The box's text. */
    cc_session_camera cam;
    memset(&cam, 0, sizeof cam);
    cam.levels = m.levels;
    cam.levels.clipped_low = 0.00012;
    cam.levels.clipped_high = 0.02;
    char out[CC_OVERLAY_LEVEL_LINES][CC_OVERLAY_LINE_CAP];
    cc_overlay_levels(&cam, out);
    CHECK(strcmp(out[0], "clipped 0.012% black  2.0% white") == 0);
    CHECK(out[1][0] == '\0');
    cam.number[CC_CONTROL_EXPOSURE] = (cc_control_number){.known = true, .value = 5000,
                                                          .unit = "us", .writable = false};
    cam.number[CC_CONTROL_GAIN] = (cc_control_number){.known = true, .is_int = true,
                                                      .value = 4, .writable = true};
    cc_overlay_levels(&cam, out);
    CHECK(strcmp(out[1], "exposure 5000 us (locked)  gain 4") == 0);
}

static void steps(void)
{
    cc_control_number e = {.known = true, .value = 10000, .has_range = true, .min = 10,
                           .max = 1e6, .unit = "us", .writable = true};
    double v;
    CHECK(cc_control_step(&e, CC_CONTROL_EXPOSURE, -1, &v) && fabs(v - 7071.0678) < 1e-3);
    CHECK(cc_control_step(&e, CC_CONTROL_EXPOSURE, 1, &v) && fabs(v - 14142.1356) < 1e-3);
    e.value = 12;
    CHECK(cc_control_step(&e, CC_CONTROL_EXPOSURE, -1, &v) && v == 10); /* clamped */
    e.value = 10;
    CHECK(!cc_control_step(&e, CC_CONTROL_EXPOSURE, -1, &v)); /* at the minimum */
    /* An integer exposure on a coarse increment: at least one increment. */
    cc_control_number raw = {.known = true, .is_int = true, .value = 100, .has_range = true,
                             .min = 0, .max = 1000, .inc = 100, .writable = true};
    CHECK(cc_control_step(&raw, CC_CONTROL_EXPOSURE, 1, &v) && v == 100 + 100);
    CHECK(cc_control_step(&raw, CC_CONTROL_EXPOSURE, -1, &v) && v == 0);

    cc_control_number db = {.known = true, .value = 0, .has_range = true, .min = 0,
                            .max = 24, .unit = "dB", .writable = true};
    CHECK(cc_control_step(&db, CC_CONTROL_GAIN, 1, &v) && v == 1);
    CHECK(!cc_control_step(&db, CC_CONTROL_GAIN, -1, &v));
    db.value = 23.5;
    CHECK(cc_control_step(&db, CC_CONTROL_GAIN, 1, &v) && v == 24);
    /* A raw gain: a twentieth of its range, on its increment. */
    cc_control_number g = {.known = true, .is_int = true, .value = 4, .has_range = true,
                           .min = 0, .max = 10, .inc = 2, .writable = true};
    CHECK(cc_control_step(&g, CC_CONTROL_GAIN, 1, &v) && v == 6);
    cc_control_number wide = {.known = true, .is_int = true, .value = 0, .has_range = true,
                              .min = 0, .max = 1000, .inc = 1, .writable = true};
    CHECK(cc_control_step(&wide, CC_CONTROL_GAIN, 1, &v) && v == 50);
    cc_control_number unknown = {0};
    CHECK(!cc_control_step(&unknown, CC_CONTROL_GAIN, 1, &v));

    char buf[128];
    CHECK_EQ_INT(cc_control_set_json(buf, sizeof buf, 2, "ExposureTime", 7071.25), 0);
    CHECK(strcmp(buf, "{\"type\":\"set\",\"camera\":2,\"feature\":\"ExposureTime\","
                      "\"value\":7071.25}") == 0);
    CHECK_EQ_INT(cc_control_set_json(buf, 16, 2, "ExposureTime", 1), -ENOSPC);
    cc_control_format(buf, sizeof buf, &e, 7071.0678118654755);
    CHECK(strcmp(buf, "7071.07 us") == 0);
    cc_control_format(buf, sizeof buf, &g, 6);
    CHECK(strcmp(buf, "6") == 0);
    CHECK_EQ_INT(cc_control_which_of("ExposureTimeRaw"), CC_CONTROL_EXPOSURE);
    CHECK_EQ_INT(cc_control_which_of("GainAbs"), CC_CONTROL_GAIN);
    CHECK_EQ_INT(cc_control_which_of("Gamma"), -1);
}

/* A refused set is told from a refused variant (net.c routes them). */
static void refusals(void)
{
    cc_reply r;
    const char *about = "{\"type\":\"error\",\"message\":\"set: ExposureTime: 5 is below "
                        "10\",\"camera\":\"left\",\"feature\":\"ExposureTime\"}";
    cc_reply_parse(&r, about, strlen(about));
    CHECK(r.type == CC_REPLY_ERROR && r.about_control);
    const char *right = "{\"type\":\"error\",\"message\":\"set: changing camera settings "
                        "needs the operator right\"}";
    cc_reply_parse(&r, right, strlen(right));
    CHECK(r.about_control);
    const char *variant = "{\"type\":\"error\",\"message\":\"subscribe: unknown variant\"}";
    cc_reply_parse(&r, variant, strlen(variant));
    CHECK(r.type == CC_REPLY_ERROR && !r.about_control);
}

int main(void)
{
    RUN(features);
    RUN(levels);
    RUN(steps);
    RUN(refusals);
    return CHECK_DONE();
}
