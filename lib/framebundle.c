#include "camcast/framebundle.h"

#include <stdbool.h>
#include <string.h>

/* Field offsets of the bundle header and of an entry header (protocol v1,
 * device_time_ns from 1.2). */
enum {
    H_MAGIC = 0,
    H_VERSION = 4,
    H_HEADER_SIZE = 6,
    H_SEQ = 8,
    H_MUX_TIME = 16,
    H_COUNT = 24,
    H_FLAGS = 26,
    H_RESERVED = 28,
};

enum {
    E_SIZE = 0,
    E_CAMERA = 2,
    E_WIDTH = 4,
    E_HEIGHT = 8,
    E_CODEC = 12,
    E_FLAGS = 14,
    E_FRAME_ID = 16,
    E_CAPTURE = 24,
    E_PAYLOAD_SIZE = 32,
    E_DROPPED = 36,
    E_DEVICE_TIME = 40,
};

/* Byte shifts instead of memcpy of integers: the result does not depend on
 * host byte order or alignment, so every platform reads the same wire. */
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

const char *cc_fb_strerror(int err)
{
    switch (err) {
    case CC_FB_OK: return "success";
    case CC_FB_ESHORT: return "message shorter than a bundle header";
    case CC_FB_EMAGIC: return "not a FrameBundle (bad magic)";
    case CC_FB_EVERSION: return "unsupported FrameBundle version";
    case CC_FB_EHEADER: return "header or entry size below the minimum";
    case CC_FB_ETOOMANY: return "more entries than allowed";
    case CC_FB_ETRUNC: return "bundle truncated";
    case CC_FB_ESIZE: return "bundle sizes do not add up to the message length";
    case CC_FB_ENOSPC: return "bundle buffer too small";
    case CC_FB_EINVAL: return "invalid argument";
    case CC_FB_EDUP: return "two entries for the same camera";
    default: return "unknown error";
    }
}

size_t cc_fb_bundle_size(size_t n_entries, size_t payload_bytes)
{
    /* Saturate: an absurd request then fails to allocate instead of wrapping
     * to a small buffer. */
    size_t room = SIZE_MAX - CC_FB_HEADER_SIZE;
    if (n_entries > room / CC_FB_ENTRY_SIZE)
        return SIZE_MAX;
    room -= n_entries * CC_FB_ENTRY_SIZE;
    if (payload_bytes > room)
        return SIZE_MAX;
    return CC_FB_HEADER_SIZE + n_entries * CC_FB_ENTRY_SIZE + payload_bytes;
}

bool cc_fb_size_ok(uint32_t w, uint32_t h)
{
    return w > 0 && h > 0 && (uint64_t)w * h <= CC_FB_MAX_PIXELS;
}

uint64_t cc_fb_max_payload(uint32_t w, uint32_t h)
{
    return cc_fb_size_ok(w, h) ? (uint64_t)w * h * 3 + CC_FB_PAYLOAD_SLACK : 0;
}

size_t cc_fb_bound_add(size_t bound, uint32_t w, uint32_t h, size_t cap)
{
    if (bound >= cap)
        return cap;
    /* bound < cap <= SIZE_MAX and an entry below 2^30 bytes: no wrap. */
    uint64_t sum = (uint64_t)bound + CC_FB_ENTRY_SIZE + cc_fb_max_payload(w, h);
    return sum < cap ? (size_t)sum : cap;
}

int cc_fb_writer_begin(cc_fb_writer *w, uint8_t *buf, size_t cap,
                       uint64_t bundle_seq, uint64_t mux_time_ns)
{
    if (!w || !buf)
        return CC_FB_EINVAL;
    if (cap < CC_FB_HEADER_SIZE)
        return CC_FB_ENOSPC;
    memcpy(buf + H_MAGIC, CC_FB_MAGIC, 4);
    put16(buf + H_VERSION, CC_FB_VERSION);
    put16(buf + H_HEADER_SIZE, CC_FB_HEADER_SIZE);
    put64(buf + H_SEQ, bundle_seq);
    put64(buf + H_MUX_TIME, mux_time_ns);
    put16(buf + H_COUNT, 0);
    put16(buf + H_FLAGS, 0);
    put32(buf + H_RESERVED, 0);
    w->buf = buf;
    w->cap = cap;
    w->len = CC_FB_HEADER_SIZE;
    w->count = 0;
    return CC_FB_OK;
}

static void put_entry(uint8_t *p, const cc_fb_entry *e)
{
    put16(p + E_SIZE, CC_FB_ENTRY_SIZE);
    put16(p + E_CAMERA, e->camera_index);
    put32(p + E_WIDTH, e->width);
    put32(p + E_HEIGHT, e->height);
    put16(p + E_CODEC, e->codec);
    put16(p + E_FLAGS, e->flags);
    put64(p + E_FRAME_ID, e->frame_id);
    put64(p + E_CAPTURE, e->capture_time_ns);
    put32(p + E_PAYLOAD_SIZE, e->payload_size);
    put32(p + E_DROPPED, e->dropped);
    put64(p + E_DEVICE_TIME, e->device_time_ns);
}

int cc_fb_writer_add(cc_fb_writer *w, const cc_fb_entry *e)
{
    /* entry_count is 16 bits on the wire. */
    if (!w || !w->buf || !e || (!e->payload && e->payload_size) ||
        w->count == UINT16_MAX)
        return CC_FB_EINVAL;
    /* Compare against the room left (len <= cap always holds) so no sum can
     * wrap, even with a 32-bit size_t. */
    size_t room = w->cap - w->len;
    if (room < CC_FB_ENTRY_SIZE || room - CC_FB_ENTRY_SIZE < e->payload_size)
        return CC_FB_ENOSPC;
    uint8_t *p = w->buf + w->len;
    put_entry(p, e);
    if (e->payload_size)
        memcpy(p + CC_FB_ENTRY_SIZE, e->payload, e->payload_size);
    w->len += CC_FB_ENTRY_SIZE + (size_t)e->payload_size;
    w->count++;
    return CC_FB_OK;
}

void cc_fb_writer_set_flags(cc_fb_writer *w, uint16_t flags)
{
    put16(w->buf + H_FLAGS, flags);
}

size_t cc_fb_writer_end(cc_fb_writer *w)
{
    put16(w->buf + H_COUNT, w->count);
    return w->len;
}

/* A header_size below 32 is malformed (EHEADER); one that points past the
 * end of the message is a truncation (ETRUNC), like an entry running past
 * the end. Flags and reserved are not checked so that a later minor
 * revision can set them without breaking v1 readers. */
static int parse_header(const uint8_t *buf, size_t len, size_t max_entries,
                        cc_fb_header *h)
{
    if (len < CC_FB_HEADER_SIZE)
        return CC_FB_ESHORT;
    if (memcmp(buf + H_MAGIC, CC_FB_MAGIC, 4) != 0)
        return CC_FB_EMAGIC;
    h->version = get16(buf + H_VERSION);
    if (h->version != CC_FB_VERSION)
        return CC_FB_EVERSION;
    h->header_size = get16(buf + H_HEADER_SIZE);
    if (h->header_size < CC_FB_HEADER_SIZE)
        return CC_FB_EHEADER;
    if (h->header_size > len)
        return CC_FB_ETRUNC;
    h->entry_count = get16(buf + H_COUNT);
    if (h->entry_count > max_entries)
        return CC_FB_ETOOMANY;
    h->bundle_seq = get64(buf + H_SEQ);
    h->mux_time_ns = get64(buf + H_MUX_TIME);
    h->flags = get16(buf + H_FLAGS);
    return CC_FB_OK;
}

/* entry_size >= 40: fields past the v1 ones are read where present. */
static void get_entry(const uint8_t *p, size_t entry_size, cc_fb_entry *e)
{
    e->camera_index = get16(p + E_CAMERA);
    e->width = get32(p + E_WIDTH);
    e->height = get32(p + E_HEIGHT);
    e->codec = get16(p + E_CODEC);
    e->flags = get16(p + E_FLAGS);
    e->frame_id = get64(p + E_FRAME_ID);
    e->capture_time_ns = get64(p + E_CAPTURE);
    e->payload_size = get32(p + E_PAYLOAD_SIZE);
    e->dropped = get32(p + E_DROPPED);
    e->device_time_ns = entry_size >= E_DEVICE_TIME + 8 ? get64(p + E_DEVICE_TIME) : 0;
}

/* Parses the entry at buf + *off (*off <= len) and advances *off past its
 * payload. Each untrusted size is compared with what is left of the message
 * before it is added, so no offset can overflow or pass len. */
static int parse_entry(const uint8_t *buf, size_t len, size_t *off,
                       cc_fb_entry *e)
{
    size_t left = len - *off;
    const uint8_t *p = buf + *off;
    if (left < CC_FB_ENTRY_SIZE_MIN)
        return CC_FB_ETRUNC;
    size_t entry_size = get16(p + E_SIZE);
    if (entry_size < CC_FB_ENTRY_SIZE_MIN)
        return CC_FB_EHEADER;
    if (entry_size > left)
        return CC_FB_ETRUNC;
    get_entry(p, entry_size, e);
    if (e->payload_size > left - entry_size)
        return CC_FB_ETRUNC;
    e->payload = p + entry_size;
    *off += entry_size + e->payload_size;
    return CC_FB_OK;
}

/* Marks camera index i in a bitmap; true if it was already marked. */
static bool seen_before(uint8_t *seen, uint16_t i)
{
    uint8_t bit = (uint8_t)(1u << (i % 8));
    bool was = seen[i / 8] & bit;
    seen[i / 8] |= bit;
    return was;
}

int cc_fb_parse(const uint8_t *buf, size_t len, size_t max_entries,
                cc_fb_header *hdr, cc_fb_entry *entries)
{
    cc_fb_header h;
    int err = parse_header(buf, len, max_entries, &h);
    if (err)
        return err;
    /* A bitmap over all 16-bit indices keeps the duplicate check linear,
     * whatever max_entries the caller allows. */
    uint8_t seen[(UINT16_MAX + 1) / 8];
    memset(seen, 0, sizeof seen);
    size_t off = h.header_size;
    for (size_t i = 0; i < h.entry_count; i++) {
        err = parse_entry(buf, len, &off, &entries[i]);
        if (err)
            return err;
        if (seen_before(seen, entries[i].camera_index))
            return CC_FB_EDUP;
    }
    if (off != len)
        return CC_FB_ESIZE;
    *hdr = h;
    return CC_FB_OK;
}
