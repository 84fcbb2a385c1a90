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
    CHECK(!c.has_cameras && !c.has_max_fps && !c.has_variant && !c.has_window);
    /* 1.2: flow control. */
    CHECK_EQ_INT(parse("{\"type\":\"subscribe\",\"window\":1}", &c, err, sizeof err), 0);
    CHECK(c.has_window && c.window == 1 && !c.has_cameras && !c.has_max_fps);
    CHECK_EQ_INT(parse("{\"type\":\"subscribe\",\"window\":8.0,\"max_fps\":5}", &c, err,
                       sizeof err), 0);
    CHECK(c.has_window && c.window == 8 && c.has_max_fps);
    CHECK_EQ_INT(parse("{\"type\":\"subscribe\",\"window\":0}", &c, err, sizeof err), 0);
    CHECK(c.has_window && c.window == 0);
}

static void test_ack(void)
{
    cc_control c;
    char err[128];
    CHECK_EQ_INT(parse("{\"type\":\"ack\",\"seq\":41}", &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.type, CC_CONTROL_ACK);
    CHECK_EQ_INT(c.seq, 41);
    CHECK_EQ_INT(parse("{\"seq\":0,\"type\":\"ack\",\"x\":[]}", &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.seq, 0);
    /* The largest exact JSON integer. */
    CHECK_EQ_INT(parse("{\"type\":\"ack\",\"seq\":9007199254740992}", &c, err, sizeof err),
                 0);
    CHECK(c.seq == CC_CONTROL_MAX_SEQ);
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
        {"{\"type\":\"subscribe\",\"window\":9}", "\"window\" must be an integer 0..8"},
        {"{\"type\":\"subscribe\",\"window\":-1}", "\"window\" must be"},
        {"{\"type\":\"subscribe\",\"window\":1.5}", "\"window\" must be"},
        {"{\"type\":\"subscribe\",\"window\":\"2\"}", "\"window\" must be"},
        {"{\"type\":\"subscribe\",\"window\":true}", "\"window\" must be"},
        {"{\"type\":\"subscribe\",\"window\":null}", "\"window\" must be"},
        {"{\"type\":\"subscribe\",\"window\":1e309}", "\"window\" must be"},
        {"{\"type\":\"ack\"}", "ack: \"seq\" must be"},
        {"{\"type\":\"ack\",\"seq\":-1}", "ack: \"seq\" must be"},
        {"{\"type\":\"ack\",\"seq\":2.5}", "ack: \"seq\" must be"},
        {"{\"type\":\"ack\",\"seq\":\"7\"}", "ack: \"seq\" must be"},
        {"{\"type\":\"ack\",\"seq\":[7]}", "ack: \"seq\" must be"},
        {"{\"type\":\"ack\",\"seq\":9007199254740994}", "ack: \"seq\" must be"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cc_control c;
        char err[128] = "";
        CHECK_EQ_INT(parse(cases[i].msg, &c, err, sizeof err), -EINVAL);
        CHECK_STR_CONTAINS(err, cases[i].text);
    }
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
    RUN(test_ack);
    RUN(test_errors);
    RUN(test_replies);
    RUN(test_error_echo_is_cut_and_plain);
    return CHECK_DONE();
}
