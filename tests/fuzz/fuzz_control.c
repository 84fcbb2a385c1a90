/* Client control messages (text JSON) and the error reply built from them.
 *
 * Input: byte 0 picks the camera count, the rest is the message. Whatever
 * the client sent, the reply must be valid JSON and valid UTF-8 (a browser
 * closes on a text message that is not) carrying the error text intact,
 * with no control character unescaped.
 *
 * 1.2: a set's value is checked against features of every kind as the
 * loop checks it (capture/feature.h): accepted only when it fits the kind,
 * is finite, in range and on the steps, or is an entry; refused with a
 * reason that makes a valid reply. The same bytes are also parsed as an
 * HTTP PUT body ({"value":V}).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fuzz_check.h"
#include "fuzz_utf8.h"
#include "stream/control.h"

#define SERVER_ERR_MAX 160 /* ws_session.c handle_control's err */

/* A JSON text the server sends: whole, valid UTF-8, no raw control byte. */
static cJSON *check_text(char *reply)
{
    FUZZ_CHECK(reply != NULL);
    size_t len = strlen(reply);
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK((unsigned char)reply[i] >= 0x20);
    FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)reply, len));
    cJSON *root = cJSON_Parse(reply);
    FUZZ_CHECK(root != NULL);
    free(reply);
    return root;
}

/* Features of every kind, as a camera offers them. */
static void make_features(cc_feature_state f[5])
{
    memset(f, 0, 5 * sizeof *f);
    f[0] = (cc_feature_state){.name = "ExposureTime", .kind = CC_FEATURE_FLOAT,
                              .has_range = true, .min = 10, .max = 1e6, .writable = true,
                              .unit = "us"};
    f[1] = (cc_feature_state){.name = "GainRaw", .kind = CC_FEATURE_INT, .has_range = true,
                              .min = 0, .max = 48, .inc = 4, .writable = true};
    f[2] = (cc_feature_state){.name = "GainAuto", .kind = CC_FEATURE_ENUM, .writable = true};
    cc_feature_add_entry(&f[2], "Off");
    cc_feature_add_entry(&f[2], "Continuous");
    f[3] = (cc_feature_state){.name = "ReverseX", .kind = CC_FEATURE_BOOL, .writable = true};
    f[4] = (cc_feature_state){.name = "TriggerSoftware", .kind = CC_FEATURE_COMMAND,
                              .writable = true};
}

/* A set's value against each kind: what passes is what the camera may be
 * given; a refusal says why in a reply that stays valid JSON. */
static void check_value(const cc_feature_value *given)
{
    static cc_feature_state f[5];
    make_features(f);
    for (int k = 0; k < 5; k++) {
        cc_feature_value v = *given;
        char err[256];
        memset(err, 0x55, sizeof err);
        int rc = cc_feature_check(&f[k], &v, err, sizeof err);
        if (rc < 0) {
            FUZZ_CHECK(rc == -EINVAL || rc == -ERANGE || rc == -EPERM);
            FUZZ_CHECK(memchr(err, '\0', sizeof err) && err[0]);
            cJSON_Delete(check_text(cc_control_error_about_new(err, "cam", f[k].name)));
            continue;
        }
        FUZZ_CHECK(v.kind == f[k].kind);
        if (f[k].kind == CC_FEATURE_FLOAT || f[k].kind == CC_FEATURE_INT) {
            FUZZ_CHECK(isfinite(v.number) && v.number >= f[k].min && v.number <= f[k].max);
            if (f[k].kind == CC_FEATURE_INT)
                FUZZ_CHECK(v.number == floor(v.number) && fmod(v.number, 4) == 0);
        }
        if (f[k].kind == CC_FEATURE_ENUM)
            FUZZ_CHECK(cc_feature_has_entry(&f[k], v.text));
        if (f[k].kind == CC_FEATURE_COMMAND)
            FUZZ_CHECK(strcmp(v.text, "execute") == 0);
        /* The read-back announced to every client. */
        cc_feature_state now = f[k];
        now.value = v;
        cJSON_Delete(check_text(cc_control_feature_new("cam", 0, &now)));
    }
}

static void check_reply(const char *err)
{
    cJSON *root = check_text(cc_control_error_new(err));
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(root, "message");
    FUZZ_CHECK(cJSON_IsString(type) && strcmp(type->valuestring, "error") == 0);
    FUZZ_CHECK(cJSON_IsString(message) && strcmp(message->valuestring, err) == 0);
    cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n_cameras = 1 + data[0] % CC_MAX_CAMERAS;
    const char *msg = (const char *)data + 1;
    size_t len = size - 1;

    cc_feature_value body;
    char body_err[256];
    if (cc_control_parse_value(msg, len, &body, body_err, sizeof body_err) == 0)
        check_value(&body);
    else
        check_reply(body_err);

    cc_control ctl;
    char err[SERVER_ERR_MAX];
    memset(err, 0x55, sizeof err); /* unterminated unless written */
    if (cc_control_parse(msg, len, n_cameras, &ctl, err, sizeof err) < 0) {
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
        FUZZ_CHECK(err[0] != '\0');
        check_reply(err);
        return 0;
    }
    FUZZ_CHECK(ctl.type == CC_CONTROL_SUBSCRIBE || ctl.type == CC_CONTROL_PING ||
               ctl.type == CC_CONTROL_FEATURES || ctl.type == CC_CONTROL_SET);
    if (ctl.type == CC_CONTROL_SUBSCRIBE && n_cameras < 64)
        FUZZ_CHECK(ctl.cameras >> n_cameras == 0);
    if (ctl.type == CC_CONTROL_FEATURES || ctl.type == CC_CONTROL_SET) {
        FUZZ_CHECK(ctl.camera_index < (int)n_cameras);
        FUZZ_CHECK(ctl.camera_index >= 0 || memchr(ctl.camera, '\0', sizeof ctl.camera));
    }
    if (ctl.type == CC_CONTROL_SET) {
        FUZZ_CHECK(ctl.feature[0] && memchr(ctl.feature, '\0', sizeof ctl.feature));
        check_value(&ctl.value);
    }
    return 0;
}
