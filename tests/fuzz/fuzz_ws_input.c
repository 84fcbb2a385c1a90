/* The server's WebSocket input path on any client bytes.
 *
 * As src/stream/ws_session.c does it: reads go through cc_ws_guard_scan,
 * what it lets pass is fed to a wslay server context by cc_ws_feed, text
 * messages go to cc_control_parse and get replies from cc_control_error_new
 * or cc_control_pong, a bad frame header gets a close with 1002, and
 * wslay_event_send frames the replies into a cc_ws_sendbuf. Input: byte 0
 * seeds the read sizes, the rest is what the client sends (masked frames).
 * Every frame the server sends back must be well formed: unmasked, a
 * header cc_ws_header_check accepts, text in valid UTF-8. The guard alone
 * must find the same bad header whether the stream comes whole or a byte
 * at a time.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

#include "camcast/ws_feed.h"
#include "camcast/ws_guard.h"
#include "camcast/ws_sendbuf.h"
#include "fuzz_check.h"
#include "fuzz_utf8.h"
#include "stream/control.h"

#define MAX_CONTROL_MSG 4096 /* ws_session.c */
#define N_CAMERAS 3          /* the sample config's */

typedef struct conn {
    wslay_event_context_ptr ws;
    cc_ws_feed in;
    cc_ws_sendbuf out;
    cc_ws_guard guard;
    bool closed;
} conn;

static void queue_text(conn *c, const char *text)
{
    struct wslay_event_msg msg = {WSLAY_TEXT_FRAME, (const uint8_t *)text, strlen(text)};
    int rc = wslay_event_queue_msg(c->ws, &msg);
    FUZZ_CHECK(rc == 0 || rc == WSLAY_ERR_NO_MORE_MSG);
}

static void queue_error(conn *c, const char *message)
{
    char *reply = cc_control_error_new(message);
    FUZZ_CHECK(reply != NULL);
    queue_text(c, reply);
    free(reply);
}

static void handle_control(conn *c, const uint8_t *msg, size_t len)
{
    char err[160], pong[64];
    cc_control ctl;
    if (cc_control_parse((const char *)msg, len, N_CAMERAS, &ctl, err, sizeof err) < 0)
        queue_error(c, err);
    else if (ctl.type == CC_CONTROL_PING && cc_control_pong(pong, sizeof pong, 1) > 0)
        queue_text(c, pong);
}

static void on_msg(wslay_event_context_ptr ctx,
                   const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    (void)ctx;
    conn *c = user;
    if (arg->opcode == WSLAY_TEXT_FRAME)
        handle_control(c, arg->msg, arg->msg_length);
    else if (arg->opcode == WSLAY_BINARY_FRAME)
        queue_error(c, "binary messages are not accepted");
}

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
                       int flags, void *user)
{
    (void)flags;
    conn *c = user;
    return cc_ws_feed_read(&c->in, ctx, buf, len);
}

static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data,
                       size_t len, int flags, void *user)
{
    (void)flags;
    conn *c = user;
    return cc_ws_sendbuf_wslay(&c->out, ctx, data, len);
}

/* The frames one wslay_event_send wrote: whole, unmasked, well formed. */
static void check_sent(const uint8_t *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        FUZZ_CHECK(len - off >= 2);
        const uint8_t *hdr = p + off;
        size_t hlen = cc_ws_header_size(hdr);
        FUZZ_CHECK(!(hdr[1] & 0x80) && len - off >= hlen);
        const char *why;
        FUZZ_CHECK(cc_ws_header_check(hdr, &why) == 0);
        uint64_t plen = cc_ws_header_payload(hdr);
        FUZZ_CHECK(plen <= len - off - hlen);
        if ((hdr[0] & 0x0f) == WSLAY_TEXT_FRAME)
            FUZZ_CHECK(fuzz_utf8_valid(hdr + hlen, (size_t)plen));
        off += hlen + (size_t)plen;
    }
}

static void flush(conn *c)
{
    if (c->closed || !wslay_event_want_write(c->ws))
        return;
    c->out.len = 0;
    int rc = wslay_event_send(c->ws);
    check_sent(c->out.data, c->out.len);
    if (rc < 0)
        c->closed = true;
}

/* One read from the socket: ws_session.c cc_session_receive, step for step. */
static void receive(conn *c, const uint8_t *data, size_t len)
{
    size_t ok = cc_ws_guard_scan(&c->guard, data, len);
    FUZZ_CHECK(ok <= len);
    FUZZ_CHECK(ok == len || c->guard.code == CC_WS_CLOSE_PROTOCOL_ERROR);
    c->in = (cc_ws_feed){data, ok};
    int rc = ok > 0 ? wslay_event_recv(c->ws) : 0;
    flush(c);
    if (c->guard.code && rc == 0 && !c->closed) {
        /* ws_fail(): a close frame with 1002 and the reason, then close. */
        FUZZ_CHECK(c->guard.why && strlen(c->guard.why) <= 123);
        wslay_event_queue_close(c->ws, (uint16_t)c->guard.code,
                                (const uint8_t *)c->guard.why, strlen(c->guard.why));
        flush(c);
        c->closed = true;
    } else if (rc < 0 ||
               (!wslay_event_want_read(c->ws) && !wslay_event_want_write(c->ws))) {
        c->closed = true;
    }
}

/* The guard on the whole stream, and a byte at a time: the same verdict,
 * and the bytes let through differ only by the start of the bad header
 * that came before it was complete (ws_guard.h). */
static void check_guard_split(const uint8_t *data, size_t size)
{
    cc_ws_guard whole, bytes;
    cc_ws_guard_init(&whole);
    cc_ws_guard_init(&bytes);
    size_t ok_whole = cc_ws_guard_scan(&whole, data, size);
    size_t ok_bytes = 0;
    for (size_t i = 0; i < size; i++)
        ok_bytes += cc_ws_guard_scan(&bytes, data + i, 1);
    FUZZ_CHECK(whole.code == bytes.code);
    FUZZ_CHECK(whole.code ? whole.why == bytes.why : ok_whole == size);
    FUZZ_CHECK(ok_bytes >= ok_whole && ok_bytes - ok_whole < sizeof whole.hdr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct wslay_event_callbacks callbacks = {
        .recv_callback = on_recv,
        .send_callback = on_send,
        .on_msg_recv_callback = on_msg,
    };
    if (size < 1)
        return 0;
    uint32_t seed = data[0];
    data++;
    size--;
    check_guard_split(data, size);

    conn c = {0};
    cc_ws_guard_init(&c.guard);
    FUZZ_CHECK(wslay_event_context_server_init(&c.ws, &callbacks, &c) == 0);
    wslay_event_config_set_max_recv_msg_length(c.ws, MAX_CONTROL_MSG);
    size_t pos = 0;
    while (pos < size && !c.closed) {
        size_t n = 1 + fuzz_next(&seed) % 512;
        if (n > size - pos)
            n = size - pos;
        receive(&c, data + pos, n);
        pos += n;
    }
    wslay_event_context_free(c.ws);
    cc_ws_sendbuf_destroy(&c.out);
    return 0;
}
