/* The client's receive path without a socket (lib/ws_client_internal.h),
 * which the fuzz harness drives: the same splitter and checks as over
 * TCP. Bytes are fed whole and one at a time; what the client answers
 * (pong, close frames) is read back unmasked.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../lib/ws_client_internal.h"
#include "check.h"

typedef struct seen {
    int opened, closed, texts, binaries;
    int close_code;
    char reason[160];
    char text[64];
    size_t binary_len;
} seen;

static void on_open(cc_ws_client *c, void *arg)
{
    (void)c;
    ((seen *)arg)->opened++;
}

static void on_text(cc_ws_client *c, const char *msg, size_t len, void *arg)
{
    (void)c;
    seen *s = arg;
    s->texts++;
    snprintf(s->text, sizeof s->text, "%.*s", (int)len, msg);
}

static void on_binary(cc_ws_client *c, const uint8_t *msg, size_t len, void *arg)
{
    (void)c;
    (void)msg;
    seen *s = arg;
    s->binaries++;
    s->binary_len = len;
}

static void on_close(cc_ws_client *c, int code, const char *reason, void *arg)
{
    (void)c;
    seen *s = arg;
    s->closed++;
    s->close_code = code;
    snprintf(s->reason, sizeof s->reason, "%s", reason);
}

static const cc_ws_client_callbacks callbacks = {on_open, on_text, on_binary, on_close};

static uv_loop_t loop; /* never run: a detached client has no handles */

static cc_ws_client *open_client(seen *s)
{
    cc_ws_client *c = NULL;
    memset(s, 0, sizeof *s);
    CHECK_EQ_INT(cc_ws_client_new(&c, &loop, &callbacks, s, 1u << 20), 0);
    CHECK_EQ_INT(cc_ws_client_open_detached(c), 0);
    CHECK_EQ_INT(s->opened, 1);
    return c;
}

static void feed(cc_ws_client *c, const void *data, size_t len, bool bytewise)
{
    const uint8_t *p = data;
    if (!bytewise) {
        cc_ws_client_receive(c, p, len);
        return;
    }
    for (size_t i = 0; i < len; i++)
        cc_ws_client_receive(c, p + i, 1);
}

/* The last frame the client sent (small, masked): opcode, unmasked
 * payload in out. Returns the payload length, or -1. */
static int last_sent(cc_ws_client *c, unsigned *opcode, uint8_t out[125])
{
    size_t len;
    const uint8_t *p = cc_ws_client_sent(c, &len);
    int found = -1;
    for (size_t off = 0; off + 6 <= len;) {
        size_t n = p[off + 1] & 0x7f;
        if (!(p[off + 1] & 0x80) || n > 125 || off + 6 + n > len)
            return -1;
        *opcode = p[off] & 0x0f;
        for (size_t i = 0; i < n; i++)
            out[i] = p[off + 6 + i] ^ p[off + 2 + i % 4];
        found = (int)n;
        off += 6 + n;
    }
    return found;
}

static void messages(bool bytewise)
{
    seen s;
    cc_ws_client *c = open_client(&s);
    static const uint8_t text[] = {0x81, 5, 'h', 'e', 'l', 'l', 'o'};
    static const uint8_t ping[] = {0x89, 1, 'p'};
    uint8_t binary[4 + 300] = {0x82, 126, 1, 44};
    feed(c, text, sizeof text, bytewise);
    feed(c, binary, sizeof binary, bytewise);
    feed(c, ping, sizeof ping, bytewise);
    CHECK_EQ_INT(s.texts, 1);
    CHECK(strcmp(s.text, "hello") == 0);
    CHECK_EQ_INT(s.binaries, 1);
    CHECK_EQ_INT(s.binary_len, 300);
    unsigned op = 0;
    uint8_t payload[125];
    CHECK_EQ_INT(last_sent(c, &op, payload), 1);
    CHECK_EQ_INT(op, 0xA); /* the pong */
    CHECK_EQ_INT(payload[0], 'p');
    CHECK_EQ_INT(s.closed, 0);
    cc_ws_client_end_detached(c);
    CHECK_EQ_INT(s.closed, 1);
    cc_ws_client_free(c);
}

/* An ack (flow control) goes out as a masked text frame of JSON. */
static void send_ack(void)
{
    seen s;
    cc_ws_client *c = open_client(&s);
    CHECK_EQ_INT(cc_ws_client_send_ack(c, UINT64_C(9007199254740992)), 0);
    unsigned op = 0;
    uint8_t payload[126] = {0};
    int n = last_sent(c, &op, payload);
    CHECK_EQ_INT(op, 0x1);
    CHECK(n > 0 && strcmp((const char *)payload,
                          "{\"type\":\"ack\",\"seq\":9007199254740992}") == 0);
    cc_ws_client_end_detached(c);
    cc_ws_client_free(c);
}

static void messages_whole(void)
{
    messages(false);
}

static void messages_bytewise(void)
{
    messages(true);
}

/* One bad header: close frame with code, on_close before receive returns,
 * and what follows is ignored. */
static void expect_close(const uint8_t *data, size_t len, bool bytewise, int code,
                         const char *reason)
{
    seen s;
    cc_ws_client *c = open_client(&s);
    static const uint8_t after[] = {0x81, 2, 'n', 'o'};
    feed(c, data, len, bytewise);
    feed(c, after, sizeof after, false);
    CHECK_EQ_INT(s.closed, 1);
    CHECK_EQ_INT(s.close_code, 0);
    CHECK_STR_CONTAINS(s.reason, reason);
    CHECK_EQ_INT(s.texts, 0);
    unsigned op = 0;
    uint8_t payload[125];
    CHECK_EQ_INT(last_sent(c, &op, payload), 2);
    CHECK_EQ_INT(op, 0x8);
    CHECK_EQ_INT(payload[0] << 8 | payload[1], code);
    cc_ws_client_free(c); /* idle again after on_close */
}

static void bad_headers(void)
{
    static uint8_t big_ping[2 + 126] = {0x89, 126};
    static const uint8_t frag_ping[] = {0x09, 1, 'p'};
    static const uint8_t frag_close[] = {0x08, 0};
    static const uint8_t short_16[] = {0x82, 126, 0, 125};
    static const uint8_t short_64[] = {0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t top_bit[] = {0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0};
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        expect_close(big_ping, sizeof big_ping, bytewise, 1002, "over 125 bytes");
        expect_close(frag_ping, sizeof frag_ping, bytewise, 1002, "fragmented control");
        expect_close(frag_close, sizeof frag_close, bytewise, 1002, "fragmented control");
        expect_close(short_16, sizeof short_16, bytewise, 1002, "shortest form");
        expect_close(short_64, sizeof short_64, bytewise, 1002, "shortest form");
        expect_close(top_bit, sizeof top_bit, bytewise, 1002, "top bit");
    }
}

static void text_cap(void)
{
    /* 1 MiB + 1 announced: refused at the header, nothing buffered. */
    static const uint8_t big[] = {0x81, 127, 0, 0, 0, 0, 0, 0x10, 0, 1};
    expect_close(big, sizeof big, false, 1009, "over 1048576 bytes");
    /* Binary messages keep max_message (1 MiB here too). */
    static const uint8_t big_binary[] = {0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 1};
    expect_close(big_binary, sizeof big_binary, false, 1009, "max_message");
}

static void reopen(void)
{
    seen s;
    cc_ws_client *c = open_client(&s);
    CHECK_EQ_INT(cc_ws_client_open_detached(c), -EALREADY);
    cc_ws_client_end_detached(c);
    CHECK_EQ_INT(s.closed, 1);
    CHECK_EQ_INT(cc_ws_client_open_detached(c), 0);
    CHECK_EQ_INT(s.opened, 2);
    static const uint8_t text[] = {0x81, 2, 'o', 'k'};
    feed(c, text, sizeof text, false);
    CHECK(strcmp(s.text, "ok") == 0);
    cc_ws_client_end_detached(c);
    CHECK_EQ_INT(s.closed, 2);
    cc_ws_client_free(c);
}

int main(void)
{
    CHECK_EQ_INT(uv_loop_init(&loop), 0);
    RUN(messages_whole);
    RUN(messages_bytewise);
    RUN(send_ack);
    RUN(bad_headers);
    RUN(text_cap);
    RUN(reopen);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
    return CHECK_DONE();
}
