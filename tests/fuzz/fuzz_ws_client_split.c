/* The WebSocket client's receive path (lib/ws_client.c) on any bytes from
 * a server, as after a successful handshake: the frame splitter, its
 * header checks and caps, wslay for text and control frames, the close
 * handshake. Driven through lib/ws_client_internal.h: the very code a
 * connected client runs, without a socket.
 *
 * Input: byte 0 seeds the read sizes (the stream is cut at places drawn
 * from it, as the kernel would), byte 1 picks the caps (max_message 2^8 ..
 * 2^15: the buffer for a binary message is allocated at its header, so
 * larger caps only slow the fuzzer; max_text that or half) and whether
 * the client answers a text with a control message or starts closing; the
 * rest is what the server sends.
 *
 * Checked: every message delivered is within its cap and whole (a text is
 * NUL terminated), on_close comes exactly once, and what the client sent
 * is well-formed client frames (masked, headers that cc_ws_header_check
 * accepts): a bad server never makes the client speak bad WebSocket.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <uv.h>

#include "../../lib/ws_client_internal.h"
#include "camcast/ws_guard.h"
#include "fuzz_check.h"

typedef struct run {
    size_t max_message, max_text;
    bool reply, close_on_text;
    int opened, closed;
    uint64_t sum; /* every delivered byte read: ASan sees a short buffer */
} run;

static void on_open(cc_ws_client *c, void *arg)
{
    (void)c;
    ((run *)arg)->opened++;
}

static void touch(run *r, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        r->sum += p[i];
}

static void on_text(cc_ws_client *c, const char *msg, size_t len, void *arg)
{
    run *r = arg;
    FUZZ_CHECK(r->closed == 0);
    FUZZ_CHECK(len <= r->max_text);
    FUZZ_CHECK(msg[len] == '\0');
    touch(r, (const uint8_t *)msg, len);
    if (r->reply)
        (void)cc_ws_client_send_text(c, "{\"type\":\"ping\"}"); /* may fail: closing */
    if (r->close_on_text)
        cc_ws_client_close(c, 1000);
}

static void on_binary(cc_ws_client *c, const uint8_t *msg, size_t len, void *arg)
{
    (void)c;
    run *r = arg;
    FUZZ_CHECK(r->closed == 0);
    FUZZ_CHECK(len <= r->max_message);
    FUZZ_CHECK(msg != NULL);
    touch(r, msg, len);
}

static void on_close(cc_ws_client *c, int code, const char *reason, void *arg)
{
    (void)c;
    run *r = arg;
    FUZZ_CHECK(code >= 0 && code <= 65535);
    FUZZ_CHECK(reason != NULL && strlen(reason) < 160);
    r->closed++;
}

static const cc_ws_client_callbacks callbacks = {on_open, on_text, on_binary, on_close};

/* The client's output: whole frames, masked, with valid headers. */
static void check_sent(const cc_ws_client *c)
{
    size_t len;
    const uint8_t *p = cc_ws_client_sent(c, &len);
    size_t off = 0;
    while (off < len) {
        FUZZ_CHECK(len - off >= 2);
        size_t hdr = cc_ws_header_size(p + off);
        FUZZ_CHECK(len - off >= hdr);
        const char *why = NULL;
        FUZZ_CHECK(cc_ws_header_check(p + off, &why) == 0);
        FUZZ_CHECK(p[off + 1] & 0x80); /* masked */
        uint64_t n = cc_ws_header_payload(p + off);
        FUZZ_CHECK(n <= len - off - hdr);
        off += hdr + (size_t)n;
    }
}

static uv_loop_t *loop(void)
{
    static uv_loop_t l; /* a detached client never uses it; new() wants one */
    static bool ready;
    if (!ready)
        FUZZ_CHECK(uv_loop_init(&l) == 0);
    ready = true;
    return &l;
}

/* Feeds data in pieces of 1 .. 4096 bytes drawn from seed. */
static void feed(cc_ws_client *c, const run *r, uint32_t seed, const uint8_t *data,
                 size_t len)
{
    while (len > 0 && r->closed == 0) {
        size_t n = 1 + fuzz_next(&seed) % 4096;
        n = n < len ? n : len;
        cc_ws_client_receive(c, data, n);
        data += n;
        len -= n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    run r = {
        .max_message = (size_t)1 << (8 + (data[1] & 7)),
        .reply = data[1] & 0x10,
        .close_on_text = data[1] & 0x20,
    };
    r.max_text = data[1] & 0x40 ? r.max_message / 2 : r.max_message;
    cc_ws_client *c = NULL;
    FUZZ_CHECK(cc_ws_client_new(&c, loop(), &callbacks, &r, r.max_message) == 0);
    FUZZ_CHECK(cc_ws_client_set_max_text(c, r.max_text) == 0);
    FUZZ_CHECK(cc_ws_client_open_detached(c) == 0);
    FUZZ_CHECK(r.opened == 1);
    feed(c, &r, data[0], data + 2, size - 2);
    check_sent(c);
    cc_ws_client_end_detached(c);
    FUZZ_CHECK(r.closed == 1);
    cc_ws_client_free(c);
    return 0;
}
