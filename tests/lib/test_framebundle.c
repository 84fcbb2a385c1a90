/* FrameBundle codec: wire layout, round trips, every rejection, fuzzing. */
#include "camcast/framebundle.h"

#include "check.h"

#include <stdbool.h>
#include <stdint.h>

#define MAXE 8

/* Little-endian writers of our own, so hand-built messages do not depend on
 * the codec under test. */
static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, (uint16_t)v);
    le16(p + 2, (uint16_t)(v >> 16));
}

static void le64(uint8_t *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}

static const uint8_t pay0[5] = {0x10, 0x11, 0x12, 0x13, 0x14};
static const uint8_t pay2[17] = {0xFF, 0xD8, 0xFF, 0xE0, 1, 2,    3,    4,   5,
                                 6,    7,    8,    9,    0, 0xFF, 0xD9, 0x42};

/* Three entries: payloads of 5, 0 and 17 bytes, 64-bit values above 2^32. */
static const cc_fb_entry sample[3] = {
    {.camera_index = 0, .width = 1920, .height = 1200,
     .codec = CC_FB_CODEC_JPEG, .flags = CC_FB_ENTRY_FLAG_GRAY,
     .frame_id = 0x100000001ULL, .capture_time_ns = 0x17F0A1B2C3D4E5F6ULL,
     .payload_size = sizeof pay0, .dropped = 0,
     .device_time_ns = 0x8877665544332211ULL, .payload = pay0},
    {.camera_index = 2, .width = 640, .height = 480,
     .codec = CC_FB_CODEC_JPEG, .flags = 0, .frame_id = 7,
     .capture_time_ns = 1700000000123456789ULL, .payload_size = 0,
     .dropped = 0xFFFFFFFFu, .device_time_ns = 0, .payload = NULL},
    {.camera_index = 1, .width = 4096, .height = 3000,
     .codec = CC_FB_CODEC_JPEG, .flags = 0, .frame_id = UINT64_MAX,
     .capture_time_ns = 0x8000000000000001ULL, .payload_size = sizeof pay2,
     .dropped = 3, .device_time_ns = 1, .payload = pay2},
};

/* Where the entries of the three-entry sample bundle start, and its end. */
enum {
    E0 = CC_FB_HEADER_SIZE,
    E1 = E0 + CC_FB_ENTRY_SIZE + sizeof pay0,
    E2 = E1 + CC_FB_ENTRY_SIZE,
    END = E2 + CC_FB_ENTRY_SIZE + sizeof pay2,
};

/* Writes a bundle of the first n sample entries into buf; returns its length. */
static size_t build(uint8_t *buf, size_t cap, size_t n, uint64_t seq,
                    uint64_t mux)
{
    cc_fb_writer w;
    CHECK_EQ_INT(cc_fb_writer_begin(&w, buf, cap, seq, mux), CC_FB_OK);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(cc_fb_writer_add(&w, &sample[i]), CC_FB_OK);
    return cc_fb_writer_end(&w);
}

static size_t build3(uint8_t *buf, size_t cap)
{
    return build(buf, cap, 3, 42, 43);
}

/* A heap copy of exactly len bytes, so ASan flags any read past the end. */
static uint8_t *dup_exact(const uint8_t *msg, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (len)
        memcpy(copy, msg, len);
    return copy;
}

/* Parses an exact-size copy of msg and returns only the result code. */
static int parse_code(const uint8_t *msg, size_t len, size_t max_entries)
{
    cc_fb_header h;
    cc_fb_entry e[MAXE];
    uint8_t *copy = dup_exact(msg, len);
    int r = cc_fb_parse(len ? copy : NULL, len, max_entries, &h, e);
    free(copy);
    return r;
}

/* Parses msg, counting a failure unless it is accepted; h and e mean
 * something only when this returns true. */
static bool parse_ok(const uint8_t *msg, size_t len, size_t max_entries,
                     cc_fb_header *h, cc_fb_entry *e)
{
    int r = cc_fb_parse(msg, len, max_entries, h, e);
    CHECK_EQ_INT(r, CC_FB_OK);
    return r == CC_FB_OK;
}

static void check_entry(const cc_fb_entry *want, const cc_fb_entry *got,
                        const uint8_t *msg, size_t len)
{
    CHECK_EQ_INT(got->camera_index, want->camera_index);
    CHECK_EQ_INT(got->width, want->width);
    CHECK_EQ_INT(got->height, want->height);
    CHECK_EQ_INT(got->codec, want->codec);
    CHECK_EQ_INT(got->flags, want->flags);
    CHECK(got->frame_id == want->frame_id);
    CHECK(got->capture_time_ns == want->capture_time_ns);
    CHECK_EQ_INT(got->payload_size, want->payload_size);
    CHECK_EQ_INT(got->dropped, want->dropped);
    CHECK(got->device_time_ns == want->device_time_ns);
    CHECK(got->payload >= msg && got->payload <= msg + len);
    CHECK(got->payload_size <= (size_t)(msg + len - got->payload));
    if (want->payload_size)
        CHECK(memcmp(got->payload, want->payload, want->payload_size) == 0);
}

static void roundtrip(size_t n)
{
    uint8_t buf[512];
    uint64_t seq = 0x123456789ULL + n, mux = 0xFEDCBA9876543210ULL;
    size_t len = build(buf, sizeof buf, n, seq, mux);
    size_t payload = 0;
    for (size_t i = 0; i < n; i++)
        payload += sample[i].payload_size;
    CHECK_EQ_INT(len, cc_fb_bundle_size(n, payload));

    uint8_t *msg = dup_exact(buf, len);
    cc_fb_header h;
    cc_fb_entry e[MAXE];
    /* max_entries == n: a count equal to the bound is accepted. */
    if (!parse_ok(msg, len, n, &h, e)) {
        free(msg);
        return;
    }
    CHECK_EQ_INT(h.version, CC_FB_VERSION);
    CHECK_EQ_INT(h.header_size, CC_FB_HEADER_SIZE);
    CHECK(h.bundle_seq == seq);
    CHECK(h.mux_time_ns == mux);
    CHECK_EQ_INT(h.entry_count, n);
    CHECK_EQ_INT(h.flags, 0);
    for (size_t i = 0; i < n; i++)
        check_entry(&sample[i], &e[i], msg, len);
    free(msg);
}

static void test_roundtrip_0(void) { roundtrip(0); }
static void test_roundtrip_1(void) { roundtrip(1); }
static void test_roundtrip_3(void) { roundtrip(3); }

static long first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return (long)i;
    return -1;
}

/* Pins the wire format to the offset tables of the protocol. */
static void test_layout(void)
{
    static const uint8_t payload[3] = {0xAA, 0xBB, 0xCC};
    static const uint8_t want[] = {
        /* header */
        'C', 'C', 'F', 'B',                             /* 0 magic */
        0x01, 0x00,                                     /* 4 version */
        0x20, 0x00,                                     /* 6 header_size */
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* 8 bundle_seq */
        0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, /* 16 mux_time_ns */
        0x01, 0x00,                                     /* 24 entry_count */
        0x01, 0x00,                                     /* 26 flags: aligned */
        0x00, 0x00, 0x00, 0x00,                         /* 28 reserved */
        /* entry */
        0x30, 0x00,                                     /* 0 entry_size */
        0x03, 0x02,                                     /* 2 camera_index */
        0x80, 0x07, 0x00, 0x00,                         /* 4 width */
        0xB0, 0x04, 0x00, 0x00,                         /* 8 height */
        0x01, 0x00,                                     /* 12 codec */
        0x03, 0x00,                                     /* 14 flags */
        0x89, 0x67, 0x45, 0x23, 0x01, 0x00, 0x00, 0x00, /* 16 frame_id */
        0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21, /* 24 capture_time */
        0x03, 0x00, 0x00, 0x00,                         /* 32 payload_size */
        0x34, 0x33, 0x32, 0x31,                         /* 36 dropped */
        0x48, 0x47, 0x46, 0x45, 0x44, 0x43, 0x42, 0x41, /* 40 device_time */
        0xAA, 0xBB, 0xCC,                               /* payload */
    };
    cc_fb_entry e = {.camera_index = 0x0203, .width = 1920, .height = 1200,
                     .codec = CC_FB_CODEC_JPEG,
                     .flags = CC_FB_ENTRY_FLAG_GRAY | CC_FB_ENTRY_FLAG_SHARED_CLOCK,
                     .frame_id = 0x123456789ULL,
                     .capture_time_ns = 0x2122232425262728ULL,
                     .payload_size = sizeof payload, .dropped = 0x31323334u,
                     .device_time_ns = 0x4142434445464748ULL,
                     .payload = payload};
    uint8_t buf[sizeof want];
    cc_fb_writer w;
    CHECK_EQ_INT(cc_fb_writer_begin(&w, buf, sizeof buf, 0x0102030405060708ULL,
                                    0x1112131415161718ULL),
                 CC_FB_OK);
    CHECK_EQ_INT(cc_fb_writer_add(&w, &e), CC_FB_OK);
    cc_fb_writer_set_flags(&w, CC_FB_FLAG_ALIGNED);
    CHECK_EQ_INT(cc_fb_writer_end(&w), sizeof want);
    CHECK_EQ_INT(first_diff(buf, want, sizeof want), -1);
}

static void test_bundle_size(void)
{
    CHECK_EQ_INT(cc_fb_bundle_size(0, 0), 32);
    CHECK_EQ_INT(cc_fb_bundle_size(3, 100), 32 + 3 * 48 + 100);
    CHECK(cc_fb_bundle_size(SIZE_MAX / 48 + 1, 0) == SIZE_MAX);
    CHECK(cc_fb_bundle_size(1, SIZE_MAX - 79) == SIZE_MAX);
    CHECK(cc_fb_bundle_size(1, SIZE_MAX - 81) == SIZE_MAX - 1);
}

/* What a reader lets a hello announce, and the bundle bound built from it. */
static void test_reader_limits(void)
{
    CHECK(cc_fb_size_ok(16384, 8192));          /* exactly 2^27 pixels */
    CHECK(!cc_fb_size_ok(16384, 8193));
    CHECK(!cc_fb_size_ok(16384, 16384));
    CHECK(!cc_fb_size_ok(UINT32_MAX, UINT32_MAX)); /* no wrap to a small area */
    CHECK(!cc_fb_size_ok(0, 16) && !cc_fb_size_ok(16, 0));
    CHECK(cc_fb_max_payload(640, 480) == 640u * 480 * 3 + CC_FB_PAYLOAD_SLACK);
    CHECK(cc_fb_max_payload(16384, 16384) == 0);
    size_t bound = cc_fb_bundle_size(0, 0);
    bound = cc_fb_bound_add(bound, 640, 480, SIZE_MAX);
    bound = cc_fb_bound_add(bound, 320, 240, SIZE_MAX);
    CHECK(bound == cc_fb_bundle_size(2, cc_fb_max_payload(640, 480) +
                                            cc_fb_max_payload(320, 240)));
    /* The cap holds, also for a bound already at it. */
    CHECK(cc_fb_bound_add(bound, 16384, 8192, 1000000) == 1000000);
    CHECK(cc_fb_bound_add(SIZE_MAX, 8, 8, SIZE_MAX) == SIZE_MAX);
}

static void test_short(void)
{
    uint8_t b[END];
    build3(b, sizeof b);
    CHECK_EQ_INT(parse_code(NULL, 0, 3), CC_FB_ESHORT);
    CHECK_EQ_INT(parse_code(b, 1, 3), CC_FB_ESHORT);
    CHECK_EQ_INT(parse_code(b, CC_FB_HEADER_SIZE - 1, 3), CC_FB_ESHORT);
}

static void test_bad_magic(void)
{
    uint8_t b[END];
    build3(b, sizeof b);
    b[3] = 'A';
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_EMAGIC);
    build3(b, sizeof b);
    b[0] = 'c';
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_EMAGIC);
}

static void test_bad_version(void)
{
    static const uint16_t bad[] = {0, 2, 0x0100};
    uint8_t b[END];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        build3(b, sizeof b);
        le16(b + 4, bad[i]);
        CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_EVERSION);
    }
}

static void test_header_size(void)
{
    uint8_t b[END];
    build3(b, sizeof b);
    le16(b + 6, 31);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_EHEADER);
    le16(b + 6, 0);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_EHEADER);
    /* Pointing past the end of the message is a truncation. */
    le16(b + 6, 0xFFFF);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_ETRUNC);
    size_t len = build(b, sizeof b, 0, 1, 2);
    le16(b + 6, 33);
    CHECK_EQ_INT(parse_code(b, len, 3), CC_FB_ETRUNC);
}

static void test_too_many(void)
{
    uint8_t b[END];
    build3(b, sizeof b);
    CHECK_EQ_INT(parse_code(b, END, 2), CC_FB_ETOOMANY);
    CHECK_EQ_INT(parse_code(b, END, 0), CC_FB_ETOOMANY);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_OK);
}

static void test_truncated_entry_header(void)
{
    uint8_t b[END];
    build3(b, sizeof b);
    CHECK_EQ_INT(parse_code(b, E0 + 10, 3), CC_FB_ETRUNC);
    CHECK_EQ_INT(parse_code(b, E1 + CC_FB_ENTRY_SIZE - 1, 3), CC_FB_ETRUNC);
    /* entry_size larger than what remains */
    le16(b + E2, CC_FB_ENTRY_SIZE + sizeof pay2 + 1);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_ETRUNC);
    /* a count promising an entry the message does not hold */
    size_t len = build(b, sizeof b, 0, 1, 2);
    le16(b + 24, 1);
    CHECK_EQ_INT(parse_code(b, len, 3), CC_FB_ETRUNC);
}

static void test_truncated_payload(void)
{
    uint8_t b[END];
    build3(b, sizeof b);
    CHECK_EQ_INT(parse_code(b, END - 1, 3), CC_FB_ETRUNC);
    le32(b + E2 + 32, sizeof pay2 + 1);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_ETRUNC);
    /* Must not wrap an offset, even where size_t is 32 bits. */
    build3(b, sizeof b);
    le32(b + E0 + 32, 0xFFFFFFFFu);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_ETRUNC);
}

static void test_trailing_bytes(void)
{
    uint8_t b[END + 5];
    build3(b, sizeof b);
    CHECK_EQ_INT(parse_code(b, END + 1, 3), CC_FB_ESIZE);
    le32(b + E2 + 32, sizeof pay2 - 1);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_ESIZE);
    build3(b, sizeof b);
    le16(b + 24, 2);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_ESIZE);
    size_t len = build(b, sizeof b, 0, 1, 2);
    CHECK_EQ_INT(parse_code(b, len + 5, 3), CC_FB_ESIZE);
}

static void test_entry_size_too_small(void)
{
    uint8_t b[END];
    build3(b, sizeof b);
    le16(b + E1, CC_FB_ENTRY_SIZE_MIN - 1);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_EHEADER);
    build3(b, sizeof b);
    le16(b + E0, 0);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_EHEADER);
}

static void test_duplicate_camera(void)
{
    uint8_t b[END];
    build3(b, sizeof b);
    le16(b + E2 + 2, sample[0].camera_index);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_EDUP);
    build3(b, sizeof b);
    le16(b + E1 + 2, sample[2].camera_index);
    CHECK_EQ_INT(parse_code(b, END, 3), CC_FB_EDUP);
}

/* Builds a bundle of 0-byte entries for the given cameras. */
static int parse_cameras(const uint16_t *cams, size_t n)
{
    uint8_t b[CC_FB_HEADER_SIZE + MAXE * CC_FB_ENTRY_SIZE];
    cc_fb_writer w;
    CHECK_EQ_INT(cc_fb_writer_begin(&w, b, sizeof b, 1, 2), CC_FB_OK);
    for (size_t i = 0; i < n; i++) {
        cc_fb_entry e = {.camera_index = cams[i], .codec = CC_FB_CODEC_JPEG};
        CHECK_EQ_INT(cc_fb_writer_add(&w, &e), CC_FB_OK);
    }
    return parse_code(b, cc_fb_writer_end(&w), MAXE);
}

/* Indices sharing a bitmap byte or bit position are still distinct. */
static void test_camera_index_edges(void)
{
    static const uint16_t distinct[] = {0, 1, 8, 16, 7, 0xFFFF, 0xFFFE, 0xFFF7};
    static const uint16_t top_twice[] = {0xFFFF, 3, 0xFFFF};
    CHECK_EQ_INT(parse_cameras(distinct, 8), CC_FB_OK);
    CHECK_EQ_INT(parse_cameras(top_twice, 3), CC_FB_EDUP);
}

/* header_size 40 and entry_size 56: a reader skips the extra bytes; a v1
 * entry of 40 bytes has no device time. */
static void test_extended_sizes(void)
{
    enum { H = 40, EA = 56, A = H, PA = A + EA, B = PA + 4, PB = B + 40 };
    uint8_t b[PB + 2];
    memset(b, 0xEE, sizeof b);
    memcpy(b, "CCFB", 4);
    le16(b + 4, 1);
    le16(b + 6, H);
    le64(b + 8, 0xA0A1A2A3A4A5A6A7ULL);
    le64(b + 16, 5);
    le16(b + 24, 2);
    le16(b + 26, 2);
    le32(b + 28, 0);

    le16(b + A, EA);
    le16(b + A + 2, 4);
    le32(b + A + 4, 320);
    le32(b + A + 8, 240);
    le16(b + A + 12, CC_FB_CODEC_JPEG);
    le16(b + A + 14, 0);
    le64(b + A + 16, 0x200000000ULL);
    le64(b + A + 24, 99);
    le32(b + A + 32, 4);
    le32(b + A + 36, 1);
    le64(b + A + 40, 0x1122334455667788ULL);
    memcpy(b + PA, "\x01\x02\x03\x04", 4);

    le16(b + B, 40);
    le16(b + B + 2, 9);
    le32(b + B + 4, 8);
    le32(b + B + 8, 6);
    le16(b + B + 12, CC_FB_CODEC_JPEG);
    le16(b + B + 14, CC_FB_ENTRY_FLAG_GRAY);
    le64(b + B + 16, 10);
    le64(b + B + 24, 11);
    le32(b + B + 32, 2);
    le32(b + B + 36, 0);
    memcpy(b + PB, "\x05\x06", 2);

    uint8_t *msg = dup_exact(b, sizeof b);
    cc_fb_header h;
    cc_fb_entry e[MAXE];
    if (!parse_ok(msg, sizeof b, 2, &h, e)) {
        free(msg);
        return;
    }
    CHECK_EQ_INT(h.header_size, H);
    CHECK_EQ_INT(h.flags, 2); /* unknown flags are reported, not rejected */
    CHECK(h.bundle_seq == 0xA0A1A2A3A4A5A6A7ULL);
    CHECK_EQ_INT(h.entry_count, 2);
    CHECK_EQ_INT(e[0].camera_index, 4);
    CHECK_EQ_INT(e[0].width, 320);
    CHECK(e[0].frame_id == 0x200000000ULL);
    CHECK_EQ_INT(e[0].payload_size, 4);
    CHECK(e[0].payload == msg + PA);
    CHECK_EQ_INT(e[0].dropped, 1);
    CHECK(e[0].device_time_ns == 0x1122334455667788ULL);
    CHECK_EQ_INT(e[1].camera_index, 9);
    CHECK(e[1].device_time_ns == 0);
    CHECK_EQ_INT(e[1].flags, CC_FB_ENTRY_FLAG_GRAY);
    CHECK(e[1].payload == msg + PB);
    CHECK(memcmp(e[1].payload, "\x05\x06", 2) == 0);
    free(msg);
}

static void test_writer_begin(void)
{
    uint8_t b[CC_FB_HEADER_SIZE];
    cc_fb_writer w;
    CHECK_EQ_INT(cc_fb_writer_begin(&w, b, sizeof b - 1, 1, 2), CC_FB_ENOSPC);
    CHECK_EQ_INT(cc_fb_writer_begin(&w, NULL, 64, 1, 2), CC_FB_EINVAL);
    CHECK_EQ_INT(cc_fb_writer_begin(&w, b, sizeof b, 1, 2), CC_FB_OK);
    CHECK_EQ_INT(cc_fb_writer_end(&w), sizeof b);
    CHECK_EQ_INT(parse_code(b, sizeof b, 0), CC_FB_OK);
}

/* Bytes from..cap of b still hold the fill pattern. */
static bool untouched(const uint8_t *b, size_t from, size_t cap)
{
    for (size_t i = from; i < cap; i++)
        if (b[i] != 0xA5)
            return false;
    return true;
}

static void test_writer_enospc(void)
{
    static const uint8_t big[10] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    uint8_t b[64 + 128];
    size_t cap = cc_fb_bundle_size(1, sizeof big) - 1;
    cc_fb_writer w;
    memset(b, 0xA5, sizeof b);
    CHECK_EQ_INT(cc_fb_writer_begin(&w, b, cap, 1, 2), CC_FB_OK);

    cc_fb_entry e = sample[0];
    e.payload = big;
    e.payload_size = sizeof big;
    CHECK_EQ_INT(cc_fb_writer_add(&w, &e), CC_FB_ENOSPC);
    /* A size that would wrap an offset is refused without reading it. */
    e.payload_size = 0xFFFFFFFFu;
    CHECK_EQ_INT(cc_fb_writer_add(&w, &e), CC_FB_ENOSPC);
    CHECK_EQ_INT(w.len, CC_FB_HEADER_SIZE);
    CHECK_EQ_INT(w.count, 0);
    CHECK(untouched(b, CC_FB_HEADER_SIZE, sizeof b));

    /* Still usable: one byte less fits exactly. */
    e.payload_size = sizeof big - 1;
    CHECK_EQ_INT(cc_fb_writer_add(&w, &e), CC_FB_OK);
    CHECK_EQ_INT(cc_fb_writer_end(&w), cap);
    CHECK(untouched(b, cap, sizeof b));
    cc_fb_header h;
    cc_fb_entry out[1];
    if (parse_ok(b, cap, 1, &h, out))
        check_entry(&e, &out[0], b, cap);

    /* No room left even for an entry header. */
    e.payload_size = 0;
    CHECK_EQ_INT(cc_fb_writer_add(&w, &e), CC_FB_ENOSPC);
    CHECK_EQ_INT(cc_fb_writer_end(&w), cap);
}

static void test_writer_einval(void)
{
    uint8_t b[256];
    cc_fb_writer w;
    CHECK_EQ_INT(cc_fb_writer_begin(&w, b, sizeof b, 1, 2), CC_FB_OK);
    cc_fb_entry e = sample[0];
    e.payload = NULL;
    CHECK_EQ_INT(cc_fb_writer_add(&w, &e), CC_FB_EINVAL);
    CHECK_EQ_INT(cc_fb_writer_add(&w, NULL), CC_FB_EINVAL);
    CHECK_EQ_INT(cc_fb_writer_add(NULL, &sample[0]), CC_FB_EINVAL);
    CHECK_EQ_INT(w.len, CC_FB_HEADER_SIZE);
    CHECK_EQ_INT(w.count, 0);
    /* NULL is fine for an empty payload. */
    e.payload_size = 0;
    CHECK_EQ_INT(cc_fb_writer_add(&w, &e), CC_FB_OK);
    size_t len = cc_fb_writer_end(&w);
    CHECK_EQ_INT(len, CC_FB_HEADER_SIZE + CC_FB_ENTRY_SIZE);
    CHECK_EQ_INT(parse_code(b, len, 1), CC_FB_OK);
}

/* entry_count is 16 bits: the 65536th entry is refused although it fits. */
static void test_writer_entry_limit(void)
{
    size_t cap = cc_fb_bundle_size((size_t)UINT16_MAX + 1, 0);
    uint8_t *b = malloc(cap);
    cc_fb_entry *out = malloc(UINT16_MAX * sizeof *out);
    cc_fb_writer w;
    cc_fb_entry e = {.codec = CC_FB_CODEC_JPEG};
    int err = cc_fb_writer_begin(&w, b, cap, 1, 2);
    for (unsigned i = 0; i < UINT16_MAX && !err; i++) {
        e.camera_index = (uint16_t)i;
        err = cc_fb_writer_add(&w, &e);
    }
    CHECK_EQ_INT(err, CC_FB_OK);
    e.camera_index = UINT16_MAX;
    CHECK_EQ_INT(cc_fb_writer_add(&w, &e), CC_FB_EINVAL);
    CHECK_EQ_INT(w.count, UINT16_MAX);
    size_t len = cc_fb_writer_end(&w);
    CHECK_EQ_INT(len, cap - CC_FB_ENTRY_SIZE);

    cc_fb_header h;
    if (parse_ok(b, len, UINT16_MAX, &h, out)) {
        CHECK_EQ_INT(h.entry_count, UINT16_MAX);
        CHECK_EQ_INT(out[UINT16_MAX - 1].camera_index, UINT16_MAX - 1);
    }
    free(out);
    free(b);
}

static void test_strerror(void)
{
    for (int err = CC_FB_EDUP; err <= CC_FB_OK; err++) {
        const char *s = cc_fb_strerror(err);
        CHECK(s && *s && strcmp(s, "unknown error") != 0);
        for (int other = CC_FB_EDUP; other < err; other++)
            CHECK(strcmp(s, cc_fb_strerror(other)) != 0);
    }
    CHECK_STR_CONTAINS(cc_fb_strerror(CC_FB_EDUP), "same camera");
    CHECK_STR_CONTAINS(cc_fb_strerror(CC_FB_EMAGIC), "magic");
    CHECK(strcmp(cc_fb_strerror(1), "unknown error") == 0);
    CHECK(strcmp(cc_fb_strerror(-11), "unknown error") == 0);
}

/* xorshift64*: a fixed seed keeps the fuzz run reproducible everywhere. */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

/* Flips, sets, truncates or extends m (len bytes used, cap available). */
static size_t mutate(uint8_t *m, size_t len, size_t cap)
{
    static const uint8_t special[] = {0x00, 0x01, 0x20, 0x28, 0x30, 0x7F, 0x80, 0xFF};
    unsigned flips = 1 + rnd() % 4;
    for (unsigned k = 0; k < flips; k++) {
        size_t pos = rnd() % len;
        switch (rnd() % 3) {
        case 0: m[pos] ^= (uint8_t)(1u << rnd() % 8); break;
        case 1: m[pos] = (uint8_t)rnd(); break;
        default: m[pos] = special[rnd() % sizeof special]; break;
        }
    }
    switch (rnd() % 8) {
    case 0:
    case 1:
        return rnd() % (len + 1);
    case 2: {
        size_t extra = 1 + rnd() % (cap - len);
        for (size_t i = 0; i < extra; i++)
            m[len + i] = (uint8_t)rnd();
        return len + extra;
    }
    default:
        return len;
    }
}

/* An accepted message must be described exactly: entries in order, inside
 * it, one per camera, the last payload ending at its last byte. */
static bool sane(const uint8_t *msg, size_t len, size_t max,
                 const cc_fb_header *h, const cc_fb_entry *e)
{
    uintptr_t base = (uintptr_t)msg;
    size_t end = h->header_size;
    if (end < CC_FB_HEADER_SIZE || end > len || h->entry_count > max)
        return false;
    for (size_t i = 0; i < h->entry_count; i++) {
        uintptr_t p = (uintptr_t)e[i].payload;
        if (p < base + end + CC_FB_ENTRY_SIZE_MIN || p > base + len)
            return false;
        size_t off = (size_t)(p - base);
        if (e[i].payload_size > len - off)
            return false;
        for (size_t j = 0; j < i; j++)
            if (e[j].camera_index == e[i].camera_index)
                return false;
        end = off + e[i].payload_size;
    }
    return end == len;
}

static void test_fuzz(void)
{
    enum { ITERATIONS = 100000, MAX = 4 };
    uint8_t valid[END], work[END + 8];
    build3(valid, sizeof valid);
    unsigned results[11] = {0};
    unsigned long touched = 0;
    for (int it = 0; it < ITERATIONS; it++) {
        memcpy(work, valid, END);
        size_t len = mutate(work, END, sizeof work);
        uint8_t *msg = dup_exact(work, len);
        cc_fb_header h;
        cc_fb_entry e[MAX];
        int r = cc_fb_parse(len ? msg : NULL, len, MAX, &h, e);
        CHECK(r <= CC_FB_OK && r >= CC_FB_EDUP);
        if (r <= CC_FB_OK && r >= CC_FB_EDUP)
            results[-r]++;
        if (r == CC_FB_OK) {
            CHECK(sane(msg, len, MAX, &h, e));
            /* Reading every payload byte lets ASan confirm the bounds. */
            for (size_t i = 0; i < h.entry_count; i++)
                for (size_t k = 0; k < e[i].payload_size; k++)
                    touched += e[i].payload[k] != 0;
        }
        free(msg);
    }
    /* The run reached acceptance and every parser rejection. */
    CHECK(touched > 0);
    for (int code = CC_FB_OK; code >= CC_FB_ESIZE; code--)
        CHECK(results[-code] > 0);
    CHECK(results[-CC_FB_EDUP] > 0);
    fprintf(stderr, "fuzz: ok %u short %u magic %u version %u header %u "
                    "toomany %u trunc %u size %u dup %u\n",
            results[0], results[1], results[2], results[3], results[4],
            results[5], results[6], results[7], results[10]);
}

int main(void)
{
    RUN(test_roundtrip_0);
    RUN(test_roundtrip_1);
    RUN(test_roundtrip_3);
    RUN(test_layout);
    RUN(test_bundle_size);
    RUN(test_reader_limits);
    RUN(test_short);
    RUN(test_bad_magic);
    RUN(test_bad_version);
    RUN(test_header_size);
    RUN(test_too_many);
    RUN(test_truncated_entry_header);
    RUN(test_truncated_payload);
    RUN(test_trailing_bytes);
    RUN(test_entry_size_too_small);
    RUN(test_duplicate_camera);
    RUN(test_camera_index_edges);
    RUN(test_extended_sizes);
    RUN(test_writer_begin);
    RUN(test_writer_enospc);
    RUN(test_writer_einval);
    RUN(test_writer_entry_limit);
    RUN(test_strerror);
    RUN(test_fuzz);
    return CHECK_DONE();
}
