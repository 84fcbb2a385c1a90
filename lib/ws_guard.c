#include "camcast/ws_guard.h"

#include <string.h>

size_t cc_ws_header_size(const uint8_t hdr[2])
{
    size_t len7 = hdr[1] & 0x7f;
    size_t n = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
    return n + (hdr[1] & 0x80 ? 4 : 0);
}

uint64_t cc_ws_header_payload(const uint8_t *hdr)
{
    uint64_t len = hdr[1] & 0x7f;
    size_t bytes = len == 126 ? 2 : len == 127 ? 8 : 0;
    if (bytes == 0)
        return len;
    len = 0;
    for (size_t i = 0; i < bytes; i++)
        len = len << 8 | hdr[2 + i];
    return len;
}

int cc_ws_header_check(const uint8_t *hdr, const char **why)
{
    unsigned opcode = hdr[0] & 0x0f;
    bool fin = hdr[0] & 0x80;
    size_t len7 = hdr[1] & 0x7f;
    uint64_t len = cc_ws_header_payload(hdr);
    const char *bad = NULL;
    if (opcode & 0x8) {
        if (!fin)
            bad = "fragmented control frame";
        else if (len7 > 125)
            bad = "control frame over 125 bytes";
    } else if (len7 == 126 && len < 126) {
        bad = "frame length not in its shortest form";
    } else if (len7 == 127 && len <= 0xffff) {
        bad = "frame length not in its shortest form";
    } else if (len7 == 127 && (len >> 63)) {
        bad = "frame length with the top bit set";
    }
    if (!bad)
        return 0;
    *why = bad;
    return CC_WS_CLOSE_PROTOCOL_ERROR;
}

void cc_ws_guard_init(cc_ws_guard *g)
{
    memset(g, 0, sizeof *g);
}

/* Takes header bytes from data; returns how many it took. On a complete
 * header, checks it and starts its payload. */
static size_t take_header(cc_ws_guard *g, const uint8_t *data, size_t len)
{
    size_t want = g->hdr_len < 2 ? 2 : cc_ws_header_size(g->hdr);
    size_t n = want - g->hdr_len < len ? want - g->hdr_len : len;
    memcpy(g->hdr + g->hdr_len, data, n);
    g->hdr_len += n;
    if (g->hdr_len < 2 || g->hdr_len < cc_ws_header_size(g->hdr))
        return n;
    g->code = cc_ws_header_check(g->hdr, &g->why);
    if (g->code == 0) {
        g->payload_left = cc_ws_header_payload(g->hdr);
        g->hdr_len = 0;
    }
    return n;
}

size_t cc_ws_guard_scan(cc_ws_guard *g, const uint8_t *data, size_t len)
{
    if (g->code)
        return 0;
    size_t pos = 0;
    while (pos < len) {
        if (g->payload_left > 0) {
            size_t n = g->payload_left < len - pos ? (size_t)g->payload_left : len - pos;
            g->payload_left -= n;
            pos += n;
            continue;
        }
        /* Where this header began in this chunk (0 when an earlier chunk
         * started it). */
        size_t start = g->hdr_len > pos ? 0 : pos - g->hdr_len;
        pos += take_header(g, data + pos, len - pos);
        if (g->code)
            return start;
    }
    return len;
}
