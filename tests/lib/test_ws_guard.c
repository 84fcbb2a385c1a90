/* Tests for ws_guard.c: the frame rules checked before wslay sees the
 * bytes, whatever the chunking. */
#include "camcast/ws_guard.h"

#include <string.h>

#include "check.h"

/* A masked client frame: header + 4 mask bytes + payload (not masked: the
 * guard does not read payloads). Returns its length. */
static size_t frame(uint8_t *out, unsigned first, uint64_t len, int len_form)
{
    size_t n = 0;
    out[n++] = (uint8_t)first;
    if (len_form == 7) {
        out[n++] = (uint8_t)(0x80 | len);
    } else if (len_form == 16) {
        out[n++] = 0x80 | 126;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            out[n++] = (uint8_t)(len >> (8 * i));
    }
    memset(out + n, 0x11, 4);
    n += 4;
    if (len < 4096) {
        memset(out + n, 'x', (size_t)len);
        n += (size_t)len;
    }
    return n;
}

/* Scans buf in chunks of chunk bytes; returns the bytes passed on. */
static size_t scan(cc_ws_guard *g, const uint8_t *buf, size_t len, size_t chunk)
{
    size_t passed = 0;
    cc_ws_guard_init(g);
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        size_t ok = cc_ws_guard_scan(g, buf + off, n);
        passed += ok;
        if (ok < n)
            break;
    }
    return passed;
}

static void expect(const uint8_t *buf, size_t len, size_t good_prefix, int code,
                   const char *why)
{
    for (size_t chunk = 1; chunk <= len + 1; chunk += chunk < 16 ? 1 : 97) {
        cc_ws_guard g;
        size_t passed = scan(&g, buf, len, chunk);
        CHECK_EQ_INT(g.code, code);
        if (code) {
            /* Never the whole bad header; never less than the good frames. */
            CHECK(passed >= good_prefix);
            CHECK(passed < len);
            CHECK_STR_CONTAINS(g.why, why);
        } else {
            CHECK_EQ_INT(passed, len);
        }
    }
}

static void test_good_stream(void)
{
    uint8_t buf[8192];
    size_t n = 0;
    n += frame(buf + n, 0x81, 5, 7);      /* text */
    n += frame(buf + n, 0x89, 125, 7);    /* ping, largest allowed */
    n += frame(buf + n, 0x01, 200, 16);   /* fragmented text ... */
    n += frame(buf + n, 0x8a, 0, 7);      /* ... a pong between ... */
    n += frame(buf + n, 0x80, 3, 7);      /* ... and its end */
    n += frame(buf + n, 0x88, 2, 7);      /* close */
    expect(buf, n, n, 0, NULL);
}

static void test_bad_frames(void)
{
    uint8_t buf[8192];
    size_t good = frame(buf, 0x81, 5, 7);
    size_t n = good + frame(buf + good, 0x89, 126, 16);  /* 126-byte ping */
    expect(buf, n, good, CC_WS_CLOSE_PROTOCOL_ERROR, "control frame over 125 bytes");
    n = good + frame(buf + good, 0x09, 4, 7);             /* ping without FIN */
    expect(buf, n, good, CC_WS_CLOSE_PROTOCOL_ERROR, "fragmented control frame");
    n = good + frame(buf + good, 0x88, 200, 16);          /* close, 200 bytes */
    expect(buf, n, good, CC_WS_CLOSE_PROTOCOL_ERROR, "control frame over 125 bytes");
    n = good + frame(buf + good, 0x81, 100, 16);          /* 16-bit length for 100 */
    expect(buf, n, good, CC_WS_CLOSE_PROTOCOL_ERROR, "shortest form");
    n = good + frame(buf + good, 0x82, 1000, 64);         /* 64-bit length for 1000 */
    expect(buf, n, good, CC_WS_CLOSE_PROTOCOL_ERROR, "shortest form");
    n = good + frame(buf + good, 0x82, UINT64_C(1) << 63, 64);
    expect(buf, n, good, CC_WS_CLOSE_PROTOCOL_ERROR, "top bit");
}

static void test_stays_failed(void)
{
    uint8_t buf[256];
    size_t n = frame(buf, 0x89, 126, 16);
    cc_ws_guard g;
    cc_ws_guard_init(&g);
    CHECK_EQ_INT(cc_ws_guard_scan(&g, buf, n), 0);
    CHECK_EQ_INT(cc_ws_guard_scan(&g, buf, n), 0);
    CHECK_EQ_INT(g.code, CC_WS_CLOSE_PROTOCOL_ERROR);
}

int main(void)
{
    RUN(test_good_stream);
    RUN(test_bad_frames);
    RUN(test_stays_failed);
    return CHECK_DONE();
}
