/* Client control messages (text JSON) and the error reply built from them.
 *
 * Input: byte 0 picks the camera count, the rest is the message. Whatever
 * the client sent, the reply must be valid JSON and valid UTF-8 (a browser
 * closes on a text message that is not) carrying the error text intact,
 * with no control character unescaped.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fuzz_check.h"
#include "fuzz_utf8.h"
#include "stream/control.h"

#define SERVER_ERR_MAX 160 /* ws_session.c handle_control's err */

static void check_reply(const char *err)
{
    char *reply = cc_control_error_new(err);
    FUZZ_CHECK(reply != NULL);
    size_t len = strlen(reply);
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK((unsigned char)reply[i] >= 0x20);
    FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)reply, len));
    cJSON *root = cJSON_Parse(reply);
    FUZZ_CHECK(root != NULL);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(root, "message");
    FUZZ_CHECK(cJSON_IsString(type) && strcmp(type->valuestring, "error") == 0);
    FUZZ_CHECK(cJSON_IsString(message) && strcmp(message->valuestring, err) == 0);
    cJSON_Delete(root);
    free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n_cameras = 1 + data[0] % CC_MAX_CAMERAS;
    const char *msg = (const char *)data + 1;
    size_t len = size - 1;

    cc_control ctl;
    char err[SERVER_ERR_MAX];
    memset(err, 0x55, sizeof err); /* unterminated unless written */
    if (cc_control_parse(msg, len, n_cameras, &ctl, err, sizeof err) < 0) {
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
        FUZZ_CHECK(err[0] != '\0');
        check_reply(err);
        return 0;
    }
    FUZZ_CHECK(ctl.type == CC_CONTROL_SUBSCRIBE || ctl.type == CC_CONTROL_PING);
    if (ctl.type == CC_CONTROL_SUBSCRIBE && n_cameras < 64)
        FUZZ_CHECK(ctl.cameras >> n_cameras == 0);
    return 0;
}
