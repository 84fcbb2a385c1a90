/* The FrameBundle reader on any bytes, and the writer on what it accepts.
 *
 * Input: byte 0 is max_entries (the hello's camera count), the rest the
 * message. An accepted bundle is written again with cc_fb_writer_*: the
 * result parses to the same fields and, for a canonical bundle (header 32
 * bytes, entries 48, reserved 0: all the writer can say), is
 * the very same bytes. A 1.2 bundle (entries of 48) is canonical; a v1
 * one (entries of 40) rewrites to 48-byte entries with device time 0.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "camcast/framebundle.h"
#include "fuzz_check.h"

#define MAX_ENTRIES 256

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static void check_same_entry(const cc_fb_entry *a, const cc_fb_entry *b)
{
    FUZZ_CHECK(a->camera_index == b->camera_index);
    FUZZ_CHECK(a->width == b->width && a->height == b->height);
    FUZZ_CHECK(a->codec == b->codec && a->flags == b->flags);
    FUZZ_CHECK(a->frame_id == b->frame_id);
    FUZZ_CHECK(a->capture_time_ns == b->capture_time_ns);
    FUZZ_CHECK(a->payload_size == b->payload_size && a->dropped == b->dropped);
    FUZZ_CHECK(a->device_time_ns == b->device_time_ns);
    FUZZ_CHECK(a->payload_size == 0 ||
               memcmp(a->payload, b->payload, a->payload_size) == 0);
}

/* Writes h and e again into a buffer of exactly the size the codec says. */
static uint8_t *rewrite(const cc_fb_header *h, const cc_fb_entry *e, size_t *len)
{
    size_t payload = 0;
    for (size_t i = 0; i < h->entry_count; i++)
        payload += e[i].payload_size;
    size_t cap = cc_fb_bundle_size(h->entry_count, payload);
    uint8_t *buf = malloc(cap);
    FUZZ_CHECK(buf != NULL);
    cc_fb_writer w;
    FUZZ_CHECK(cc_fb_writer_begin(&w, buf, cap, h->bundle_seq, h->mux_time_ns) == CC_FB_OK);
    for (size_t i = 0; i < h->entry_count; i++)
        FUZZ_CHECK(cc_fb_writer_add(&w, &e[i]) == CC_FB_OK);
    cc_fb_writer_set_flags(&w, h->flags);
    *len = cc_fb_writer_end(&w);
    FUZZ_CHECK(*len == cap);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t max_entries = data[0];
    /* A heap copy of exactly the message: ASan sees any read past it. */
    size_t len = size - 1;
    uint8_t *msg = malloc(len ? len : 1);
    FUZZ_CHECK(msg != NULL);
    memcpy(msg, data + 1, len);

    static cc_fb_entry e[MAX_ENTRIES], again[MAX_ENTRIES];
    cc_fb_header h, h2;
    int rc = cc_fb_parse(msg, len, max_entries, &h, e);
    FUZZ_CHECK(rc <= 0 && rc >= CC_FB_EDUP && rc != CC_FB_ENOSPC && rc != CC_FB_EINVAL);
    FUZZ_CHECK(cc_fb_strerror(rc)[0] != '\0');
    if (rc != CC_FB_OK) {
        free(msg);
        return 0;
    }
    FUZZ_CHECK(h.entry_count <= max_entries);

    size_t out_len;
    uint8_t *out = rewrite(&h, e, &out_len);
    FUZZ_CHECK(cc_fb_parse(out, out_len, max_entries, &h2, again) == CC_FB_OK);
    FUZZ_CHECK(h2.bundle_seq == h.bundle_seq && h2.mux_time_ns == h.mux_time_ns);
    FUZZ_CHECK(h2.entry_count == h.entry_count && h2.flags == h.flags);
    for (size_t i = 0; i < h.entry_count; i++)
        check_same_entry(&e[i], &again[i]);

    bool canonical = h.header_size == CC_FB_HEADER_SIZE && out_len == len &&
                     get16(msg + 28) == 0 && get16(msg + 30) == 0;
    if (canonical)
        FUZZ_CHECK(memcmp(out, msg, len) == 0);
    free(out);
    free(msg);
    return 0;
}
