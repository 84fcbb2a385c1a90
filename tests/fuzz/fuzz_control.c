/* Client control messages (text JSON) and the error reply built from them.
 *
 * Input: byte 0 picks the camera count, the rest is the message. Whatever
 * the client sent, the reply must be valid JSON and valid UTF-8 (a browser
 * closes on a text message that is not) carrying the error text intact,
 * with no control character unescaped. A message that parses must be in
 * range (cameras, window 0..8, an ack's seq an exact integer); an ack is
 * then given to a flow-control window (src/stream/window.c) with bundles
 * sent around that seq, which must keep its bounds whatever it acks.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fuzz_check.h"
#include "fuzz_utf8.h"
#include "stream/control.h"
#include "stream/window.h"

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

/* A window of 1..8 (from the camera byte) with bundles sent around the
 * acked seq, some skipped; the ack is taken or refused, never more. */
static void check_ack(const cc_control *ctl, uint8_t pick)
{
    FUZZ_CHECK(ctl->seq <= CC_CONTROL_MAX_SEQ);
    cc_window w;
    cc_window_init(&w);
    cc_window_set(&w, 1 + pick % CC_CONTROL_MAX_WINDOW);
    uint64_t first = ctl->seq > 4 ? ctl->seq - 4 : 1;
    for (uint64_t s = first; s < first + 8 && cc_window_open(&w); s += 1 + (pick >> 6))
        cc_window_sent(&w, s);
    unsigned before = w.n;
    int rc = cc_window_ack(&w, ctl->seq);
    FUZZ_CHECK(rc == 0 || rc == -ENOENT);
    FUZZ_CHECK(w.n <= before && w.n <= w.size);
    FUZZ_CHECK(rc == 0 || w.n == before);
    for (unsigned k = 0; k < w.n; k++)
        FUZZ_CHECK(w.unacked[k] > ctl->seq || rc != 0);
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
    FUZZ_CHECK(ctl.type == CC_CONTROL_SUBSCRIBE || ctl.type == CC_CONTROL_PING ||
               ctl.type == CC_CONTROL_ACK);
    if (ctl.type == CC_CONTROL_SUBSCRIBE && n_cameras < 64)
        FUZZ_CHECK(ctl.cameras >> n_cameras == 0);
    if (ctl.type == CC_CONTROL_SUBSCRIBE)
        FUZZ_CHECK(ctl.has_window ? ctl.window <= CC_CONTROL_MAX_WINDOW : ctl.window == 0);
    if (ctl.type == CC_CONTROL_ACK)
        check_ack(&ctl, data[0]);
    return 0;
}
