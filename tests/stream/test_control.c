/* Control messages and the hello. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "stream/control.h"

static int parse(const char *msg, cc_control *out, char *err, size_t errlen)
{
    return cc_control_parse(msg, strlen(msg), 3, out, err, errlen);
}

static void test_ping(void)
{
    cc_control c;
    char err[128];
    CHECK_EQ_INT(parse("{\"type\":\"ping\"}", &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.type, CC_CONTROL_PING);
    /* Unknown keys are ignored, as in the hello. */
    CHECK_EQ_INT(parse("{\"type\":\"ping\",\"id\":7}", &c, err, sizeof err), 0);
}

static void test_subscribe(void)
{
    cc_control c;
    char err[128];
    CHECK_EQ_INT(parse("{\"type\":\"subscribe\",\"cameras\":[0,2]}", &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.type, CC_CONTROL_SUBSCRIBE);
    CHECK_EQ_INT(c.cameras, 5);
    CHECK(c.has_cameras && !c.has_max_fps && !c.has_variant);
    CHECK_EQ_INT(parse("{\"type\":\"subscribe\",\"cameras\":[]}", &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.cameras, 0);
    /* 1.1: each key optional, and only the keys given change. */
    CHECK_EQ_INT(parse("{\"type\":\"subscribe\",\"max_fps\":2.5}", &c, err, sizeof err), 0);
    CHECK(!c.has_cameras && c.has_max_fps && !c.has_variant);
    CHECK(c.max_fps == 2.5);
    CHECK_EQ_INT(parse("{\"type\":\"subscribe\",\"variant\":\"preview\",\"max_fps\":0}",
                       &c, err, sizeof err), 0);
    CHECK(c.has_variant && c.has_max_fps && c.max_fps == 0);
    CHECK_EQ_INT(strcmp(c.variant, "preview"), 0);
    CHECK_EQ_INT(parse("{\"type\":\"subscribe\"}", &c, err, sizeof err), 0);
    CHECK(!c.has_cameras && !c.has_max_fps && !c.has_variant);
}

static void test_errors(void)
{
    static const struct {
        const char *msg;
        const char *text;
    } cases[] = {
        {"not json", "malformed"},
        {"[1,2]", "malformed"},
        {"{\"kind\":\"ping\"}", "no \"type\""},
        {"{\"type\":\"dance\"}", "unknown control message type \"dance\""},
        {"{\"type\":\"subscribe\",\"cameras\":3}", "must be an array"},
        {"{\"type\":\"subscribe\",\"max_fps\":-1}", "\"max_fps\" must be a number 0..1000"},
        {"{\"type\":\"subscribe\",\"max_fps\":1001}", "\"max_fps\" must be"},
        {"{\"type\":\"subscribe\",\"max_fps\":\"5\"}", "\"max_fps\" must be"},
        {"{\"type\":\"subscribe\",\"variant\":5}", "\"variant\" must be a variant name"},
        {"{\"type\":\"subscribe\",\"cameras\":[3]}", "integer 0..2"},
        {"{\"type\":\"subscribe\",\"cameras\":[-1]}", "integer 0..2"},
        {"{\"type\":\"subscribe\",\"cameras\":[1.5]}", "integer 0..2"},
        {"{\"type\":\"subscribe\",\"cameras\":[\"0\"]}", "integer 0..2"},
        {"{\"type\":\"subscribe\",\"levels\":1}", "\"levels\" must be true or false"},
        {"{\"type\":\"features\"}", "features: \"camera\" must be a camera name or an "
                                     "index 0..2"},
        {"{\"type\":\"features\",\"camera\":3}", "index 0..2"},
        {"{\"type\":\"features\",\"camera\":0.5}", "index 0..2"},
        {"{\"type\":\"set\",\"camera\":0,\"value\":1}", "set: \"feature\" must be"},
        {"{\"type\":\"set\",\"camera\":0,\"feature\":\"\",\"value\":1}",
         "set: \"feature\" must be"},
        {"{\"type\":\"set\",\"camera\":0,\"feature\":\"Gain\"}", "set: \"value\" missing"},
        {"{\"type\":\"set\",\"camera\":0,\"feature\":\"Gain\",\"value\":null}",
         "set: \"value\" must be a number, true or false, or a string"},
        {"{\"type\":\"set\",\"camera\":0,\"feature\":\"Gain\",\"value\":[1]}",
         "set: \"value\" must be"},
        {"{\"type\":\"set\",\"camera\":\"a\",\"feature\":\"Gain\",\"value\":NaN}",
         "malformed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cc_control c;
        char err[128] = "";
        CHECK_EQ_INT(parse(cases[i].msg, &c, err, sizeof err), -EINVAL);
        CHECK_STR_CONTAINS(err, cases[i].text);
    }
}

/* 1.2: features, set, and the levels key of subscribe. */
static void test_control_messages(void)
{
    cc_control c;
    char err[160];
    CHECK_EQ_INT(parse("{\"type\":\"subscribe\",\"levels\":true}", &c, err, sizeof err), 0);
    CHECK(c.has_levels && c.levels && !c.has_cameras);
    CHECK_EQ_INT(parse("{\"type\":\"features\",\"camera\":\"left\"}", &c, err, sizeof err),
                 0);
    CHECK(c.type == CC_CONTROL_FEATURES && c.camera_index == -1);
    CHECK_EQ_INT(strcmp(c.camera, "left"), 0);
    CHECK_EQ_INT(parse("{\"type\":\"features\",\"camera\":2}", &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.camera_index, 2);
    CHECK_EQ_INT(parse("{\"type\":\"set\",\"camera\":1,\"feature\":\"ExposureTime\","
                       "\"value\":5000.5}", &c, err, sizeof err), 0);
    CHECK(c.type == CC_CONTROL_SET && c.camera_index == 1 &&
          c.value.kind == CC_FEATURE_FLOAT && c.value.number == 5000.5);
    CHECK_EQ_INT(strcmp(c.feature, "ExposureTime"), 0);
    CHECK_EQ_INT(parse("{\"type\":\"set\",\"camera\":\"a\",\"feature\":\"ReverseX\","
                       "\"value\":true}", &c, err, sizeof err), 0);
    CHECK(c.value.kind == CC_FEATURE_BOOL && c.value.flag);
    CHECK_EQ_INT(parse("{\"type\":\"set\",\"camera\":\"a\",\"feature\":\"TriggerSoftware\","
                       "\"value\":\"execute\"}", &c, err, sizeof err), 0);
    CHECK(c.value.kind == CC_FEATURE_ENUM && strcmp(c.value.text, "execute") == 0);
    /* A huge number parses; the feature's check refuses it (feature.h). */
    CHECK_EQ_INT(parse("{\"type\":\"set\",\"camera\":\"a\",\"feature\":\"Gain\","
                       "\"value\":1e999}", &c, err, sizeof err), 0);
    CHECK(c.value.kind == CC_FEATURE_FLOAT && !(c.value.number < 1e308));
    /* Names too long for any camera or feature are unknown, not cut. */
    char msg[512];
    snprintf(msg, sizeof msg, "{\"type\":\"set\",\"camera\":\"%0100d\",\"feature\":\"G\","
             "\"value\":1}", 0);
    CHECK_EQ_INT(parse(msg, &c, err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "set: unknown camera");
    snprintf(msg, sizeof msg, "{\"type\":\"set\",\"camera\":0,\"feature\":\"%0100d\","
             "\"value\":1}", 0);
    CHECK_EQ_INT(parse(msg, &c, err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "set: unknown feature");
    snprintf(msg, sizeof msg, "{\"type\":\"set\",\"camera\":0,\"feature\":\"G\","
             "\"value\":\"%0100d\"}", 0);
    CHECK_EQ_INT(parse(msg, &c, err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "too long");

    /* The HTTP body. */
    cc_feature_value v;
    CHECK_EQ_INT(cc_control_parse_value("{\"value\":\"Off\"}", 15, &v, err, sizeof err), 0);
    CHECK(v.kind == CC_FEATURE_ENUM && strcmp(v.text, "Off") == 0);
    CHECK_EQ_INT(cc_control_parse_value("5000", 4, &v, err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "the body must be a JSON object: {\"value\": V}");
    CHECK_EQ_INT(cc_control_parse_value("{}", 2, &v, err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "\"value\" missing");
}

static cJSON *parsed(char *text)
{
    CHECK(text != NULL);
    cJSON *o = cJSON_Parse(text);
    CHECK(o != NULL);
    free(text);
    return o;
}

static void test_control_replies(void)
{
    cc_feature_state f[2] = {{.name = "GainAuto", .kind = CC_FEATURE_ENUM, .writable = true,
                              .value = {.kind = CC_FEATURE_ENUM, .text = "Off"}},
                             {.name = "GainRaw", .kind = CC_FEATURE_INT, .has_range = true,
                              .min = 0, .max = 10, .inc = 1, .writable = false,
                              .why = "locked while GainAuto is Continuous",
                              .value = {.kind = CC_FEATURE_INT, .number = 3}}};
    cc_feature_add_entry(&f[0], "Off");
    cc_feature_add_entry(&f[0], "Continuous");
    cJSON *o = parsed(cc_control_features_new("left", 2, true, false, f, 2));
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "features");
    CHECK_EQ_INT(cJSON_GetArraySize(list), 2);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "operator")));
    const cJSON *first = cJSON_GetArrayItem(list, 0);
    CHECK_EQ_INT(strcmp(cJSON_GetObjectItemCaseSensitive(first, "kind")->valuestring, "enum"), 0);
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(first, "entries")), 2);
    const cJSON *second = cJSON_GetArrayItem(list, 1);
    CHECK(cJSON_GetObjectItemCaseSensitive(second, "value")->valuedouble == 3);
    CHECK(cJSON_GetObjectItemCaseSensitive(second, "max")->valuedouble == 10);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(second, "writable")));
    CHECK_STR_CONTAINS(cJSON_GetObjectItemCaseSensitive(second, "why")->valuestring,
                       "GainAuto is Continuous");
    cJSON_Delete(o);

    o = parsed(cc_control_feature_new("left", 2, &f[1]));
    CHECK_EQ_INT(strcmp(cJSON_GetObjectItemCaseSensitive(o, "type")->valuestring, "feature"),
                 0);
    CHECK_EQ_INT(strcmp(cJSON_GetObjectItemCaseSensitive(o, "feature")->valuestring,
                        "GainRaw"), 0);
    CHECK(cJSON_GetObjectItemCaseSensitive(o, "value")->valuedouble == 3);
    cJSON_Delete(o);

    cc_levels lv = {.pixels = 1000, .low = 1, .high = 20};
    lv.bins[0] = 400;
    lv.bins[63] = 600;
    o = parsed(cc_control_levels_new(1, 77, &lv));
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "histogram");
    CHECK_EQ_INT(cJSON_GetArraySize(h), 64);
    CHECK(cJSON_GetArrayItem(h, 63)->valuedouble == 600);
    CHECK(cJSON_GetObjectItemCaseSensitive(o, "clipped_low")->valuedouble == 0.001);
    CHECK(cJSON_GetObjectItemCaseSensitive(o, "clipped_high")->valuedouble == 0.02);
    CHECK(cJSON_GetObjectItemCaseSensitive(o, "frame_id")->valuedouble == 77);
    cJSON_Delete(o);

    o = parsed(cc_control_error_about_new("no", "left", "Gain"));
    CHECK_EQ_INT(strcmp(cJSON_GetObjectItemCaseSensitive(o, "camera")->valuestring, "left"), 0);
    CHECK_EQ_INT(strcmp(cJSON_GetObjectItemCaseSensitive(o, "feature")->valuestring, "Gain"), 0);
    cJSON_Delete(o);
}

static void test_replies(void)
{
    char buf[256];
    CHECK(cc_control_pong(buf, sizeof buf, 1234567890123ULL) > 0);
    CHECK_EQ_INT(strcmp(buf, "{\"type\":\"pong\",\"time_ns\":1234567890123}"), 0);
    CHECK_EQ_INT(cc_control_pong(buf, 10, 1), -ENOSPC);

    /* The message is client-influenced: it must come out as valid JSON. */
    char *text = cc_control_error_new("bad \"quote\"\n");
    CHECK(text != NULL);
    cJSON *o = cJSON_Parse(text);
    CHECK(o != NULL);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "message");
    CHECK(cJSON_IsString(msg) && strcmp(msg->valuestring, "bad \"quote\"\n") == 0);
    cJSON_Delete(o);
    free(text);
}

/* The reply that once overflowed a 256-byte buffer and went out
 * unterminated: a long type full of characters JSON must escape. It is
 * echoed cut short, in plain characters, and the reply is whole JSON. */
static void test_error_echo_is_cut_and_plain(void)
{
    char msg[512] = "{\"type\":\"";
    for (int i = 0; i < 40; i++)
        strcat(msg, "\\u0001");
    strcat(msg, "\"}");
    cc_control c;
    char err[160];
    CHECK_EQ_INT(parse(msg, &c, err, sizeof err), -EINVAL);
    char *text = cc_control_error_new(err);
    CHECK(text != NULL);
    cJSON *o = cJSON_Parse(text);
    CHECK(o != NULL);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");
    CHECK(cJSON_IsString(m));
    char want[128];
    snprintf(want, sizeof want, "unknown control message type \"%.*s\"",
             CC_CONTROL_TYPE_SHOWN, "????????????????????????????????????????");
    CHECK_EQ_INT(strcmp(m->valuestring, want), 0);
    cJSON_Delete(o);
    free(text);

    char out[8];
    cc_control_quote("a\"b\\c\x7f\xc3\xa9zzzz", out, sizeof out);
    CHECK_EQ_INT(strcmp(out, "a?b?c??"), 0);
}

int main(void)
{
    RUN(test_ping);
    RUN(test_subscribe);
    RUN(test_errors);
    RUN(test_replies);
    RUN(test_control_messages);
    RUN(test_control_replies);
    RUN(test_error_echo_is_cut_and_plain);
    return CHECK_DONE();
}
