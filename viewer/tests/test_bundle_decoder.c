/* Bundles to tiles, with the real TurboJPEG: entries find their tile by
 * camera index, unknown cameras and codecs are ignored, malformed bundles
 * and bad JPEGs are counted and skipped, entries whose sizes do not fit the
 * hello are rejected before decoding, images decode (gray and colour,
 * scaled down when the tile is small). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "../../tests/check.h"
#include "bundle_decoder.h"

#define W 64
#define H 48

typedef struct jpeg {
    unsigned char *data;
    unsigned long size;
} jpeg;

/* A flat image: gray (one channel) or RGB; progressive if asked. */
static jpeg encode_flags(int w, int h, bool gray, uint8_t r, uint8_t g, uint8_t b,
                         int flags)
{
    size_t px = gray ? 1 : 3;
    uint8_t *img = malloc((size_t)w * h * px);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        if (gray) {
            img[i] = r;
        } else {
            img[3 * i] = r;
            img[3 * i + 1] = g;
            img[3 * i + 2] = b;
        }
    }
    tjhandle tj = tjInitCompress();
    jpeg j = {NULL, 0};
    int rc = tjCompress2(tj, img, w, 0, h, gray ? TJPF_GRAY : TJPF_RGB, &j.data,
                         &j.size, gray ? TJSAMP_GRAY : TJSAMP_444, 95, flags);
    CHECK_EQ_INT(rc, 0);
    tjDestroy(tj);
    free(img);
    return j;
}

static jpeg encode(int w, int h, bool gray, uint8_t r, uint8_t g, uint8_t b)
{
    return encode_flags(w, h, gray, r, g, b, 0);
}

static cc_fb_entry entry(uint16_t cam, const jpeg *j, int w, int h, bool gray)
{
    return (cc_fb_entry){
        .camera_index = cam, .width = (uint32_t)w, .height = (uint32_t)h,
        .codec = CC_FB_CODEC_JPEG, .flags = gray ? CC_FB_ENTRY_FLAG_GRAY : 0,
        .frame_id = 1000u + cam, .capture_time_ns = 5, .payload_size = (uint32_t)j->size,
        .dropped = cam, .payload = j->data,
    };
}

/* A bundle of n entries into raw (real codec, as the daemon writes it). */
static void make_bundle(cc_raw_bundle *raw, uint64_t seq, const cc_fb_entry *e, size_t n)
{
    size_t payload = 0;
    for (size_t i = 0; i < n; i++)
        payload += e[i].payload_size;
    size_t cap = cc_fb_bundle_size(n, payload);
    uint8_t *buf = malloc(cap);
    cc_fb_writer w;
    CHECK_EQ_INT(cc_fb_writer_begin(&w, buf, cap, seq, 77), 0);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(cc_fb_writer_add(&w, &e[i]), 0);
    size_t len = cc_fb_writer_end(&w);
    CHECK_EQ_INT(cc_raw_bundle_set(raw, buf, len), 0);
    free(buf);
}

static const char hello_text[] =
    "{\"type\":\"hello\",\"protocol\":1,\"cameras\":["
    "{\"index\":5,\"name\":\"a\",\"width\":64,\"height\":48},"
    "{\"index\":2,\"name\":\"b\",\"width\":64,\"height\":48},"
    "{\"index\":9,\"name\":\"c\",\"width\":64,\"height\":48}]}";

typedef struct fixture {
    cc_session session;
    cc_frames *frames;
    cc_bundle_decoder bd;
    cc_raw_bundle raw;
    uint64_t gen;
    int wakeups;
    jpeg gray, red;
} fixture;

static void on_frames(void *arg)
{
    ((fixture *)arg)->wakeups++;
}

static void setup(fixture *f)
{
    memset(f, 0, sizeof *f);
    CHECK_EQ_INT(cc_session_init(&f->session), 0);
    CHECK_EQ_INT(cc_frames_new(&f->frames), 0);
    CHECK_EQ_INT(cc_bundle_decoder_init(&f->bd, &f->session, f->frames), 0);
    f->bd.on_frames = on_frames;
    f->bd.arg = f;
    cc_hello h;
    char err[128];
    CHECK_EQ_INT(cc_hello_parse(&h, hello_text, strlen(hello_text), err, sizeof err), 0);
    f->gen = cc_session_set_hello(&f->session, &h);
    cc_raw_bundle_init(&f->raw);
    f->raw.gen = f->gen;
    f->raw.recv_ns = 4242;
    f->gray = encode(W, H, true, 200, 0, 0);
    f->red = encode(W, H, false, 255, 0, 0);
}

static void teardown(fixture *f)
{
    cc_raw_bundle_destroy(&f->raw);
    cc_bundle_decoder_destroy(&f->bd);
    cc_frames_free(f->frames);
    cc_session_destroy(&f->session);
    tjFree(f->gray.data);
    tjFree(f->red.data);
}

static uint32_t pixel(const cc_frame *fr, int x, int y)
{
    uint32_t v;
    memcpy(&v, fr->pixels + ((size_t)y * fr->w + x) * 4, 4);
    return v;
}

static int channel(uint32_t xrgb, int shift)
{
    return (int)(xrgb >> shift & 0xff);
}

static void entries_go_to_their_tiles(void)
{
    fixture f;
    setup(&f);
    cc_fb_entry e[3] = {entry(2, &f.red, W, H, false), entry(9, &f.gray, W, H, true),
                        entry(7, &f.gray, W, H, true)};
    make_bundle(&f.raw, 41, e, 3);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    cc_bundle_counts c = cc_bundle_decoder_counts(&f.bd);
    CHECK_EQ_INT(c.decoded, 1);
    CHECK_EQ_INT(c.ignored, 1); /* camera 7 is not in the hello */
    CHECK_EQ_INT(c.malformed, 0);
    CHECK_EQ_INT(f.wakeups, 1);

    CHECK(!cc_frames_take(f.frames, 0)); /* camera 5: no entry */
    CHECK(cc_frames_take(f.frames, 1));  /* camera 2 */
    CHECK(cc_frames_take(f.frames, 2));  /* camera 9 */
    CHECK(!cc_frames_take(f.frames, 3));

    const cc_frame *red = f.frames->consumer[1], *gray = f.frames->consumer[2];
    CHECK_EQ_INT(red->entry.camera_index, 2);
    CHECK_EQ_INT(red->entry.frame_id, 1002);
    CHECK_EQ_INT(red->bundle_seq, 41);
    CHECK_EQ_INT(red->mux_time_ns, 77);
    CHECK_EQ_INT(red->recv_ns, 4242);
    CHECK_EQ_INT(red->gen, f.gen);
    CHECK_EQ_INT(red->w, W);
    CHECK_EQ_INT(red->h, H);
    uint32_t p = pixel(red, W / 2, H / 2);
    CHECK(channel(p, 16) > 230 && channel(p, 8) < 25 && channel(p, 0) < 25);
    /* The original bytes are kept for saving. */
    CHECK_EQ_INT(red->entry.payload_size, f.red.size);
    CHECK(memcmp(red->jpeg, f.red.data, f.red.size) == 0);

    CHECK_EQ_INT(gray->entry.camera_index, 9);
    p = pixel(gray, 3, 5);
    CHECK_EQ_INT(channel(p, 16), channel(p, 8));
    CHECK_EQ_INT(channel(p, 8), channel(p, 0));
    CHECK(abs(channel(p, 0) - 200) <= 2);
    teardown(&f);
}

/* A sync group (cameras 2 and 9): each frame carries what its bundle said
 * of the group: aligned or not, the spread of the device times on one
 * clock; camera 5 is in none. */
static void sync_state(void)
{
    static const char text[] =
        "{\"type\":\"hello\",\"protocol\":1,\"sync\":[{\"name\":\"g\",\"cameras\":[2,9]}],"
        "\"cameras\":[{\"index\":5,\"name\":\"a\",\"width\":64,\"height\":48},"
        "{\"index\":2,\"name\":\"b\",\"width\":64,\"height\":48},"
        "{\"index\":9,\"name\":\"c\",\"width\":64,\"height\":48}]}";
    fixture f;
    setup(&f);
    cc_hello h;
    char err[128];
    CHECK_EQ_INT(cc_hello_parse(&h, text, strlen(text), err, sizeof err), 0);
    f.gen = f.raw.gen = cc_session_set_hello(&f.session, &h);
    cc_fb_entry e[3] = {entry(2, &f.red, W, H, false), entry(9, &f.gray, W, H, true),
                        entry(5, &f.gray, W, H, true)};
    e[0].flags |= CC_FB_ENTRY_FLAG_SHARED_CLOCK;
    e[1].flags |= CC_FB_ENTRY_FLAG_SHARED_CLOCK;
    e[0].device_time_ns = 1000000000;
    e[1].device_time_ns = 1000080000;
    e[2].device_time_ns = 5;
    size_t payload = 0;
    for (size_t i = 0; i < 3; i++)
        payload += e[i].payload_size;
    uint8_t *buf = malloc(cc_fb_bundle_size(3, payload));
    cc_fb_writer w;
    CHECK_EQ_INT(cc_fb_writer_begin(&w, buf, cc_fb_bundle_size(3, payload), 7, 77), 0);
    for (size_t i = 0; i < 3; i++)
        CHECK_EQ_INT(cc_fb_writer_add(&w, &e[i]), 0);
    cc_fb_writer_set_flags(&w, CC_FB_FLAG_ALIGNED);
    CHECK_EQ_INT(cc_raw_bundle_set(&f.raw, buf, cc_fb_writer_end(&w)), 0);
    free(buf);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    CHECK(cc_frames_take(f.frames, 0) && cc_frames_take(f.frames, 1) &&
          cc_frames_take(f.frames, 2));
    const cc_frame *a = f.frames->consumer[0], *b = f.frames->consumer[1];
    CHECK_EQ_INT(a->sync_group, -1);
    CHECK_EQ_INT(b->sync_group, 0);
    CHECK(b->sync_aligned);
    CHECK(b->sync_spread_ms > 0.0799 && b->sync_spread_ms < 0.0801);
    CHECK(b->entry.device_time_ns == 1000000000);
    /* Not on one clock: no spread; not flagged: not aligned. */
    e[1].flags &= (uint16_t)~CC_FB_ENTRY_FLAG_SHARED_CLOCK;
    make_bundle(&f.raw, 8, e, 3);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    CHECK(cc_frames_take(f.frames, 1));
    b = f.frames->consumer[1];
    CHECK(!b->sync_aligned && b->sync_spread_ms < 0);
    teardown(&f);
}

static void malformed_bundles_counted(void)
{
    fixture f;
    setup(&f);
    cc_fb_entry e[1] = {entry(5, &f.gray, W, H, true)};
    make_bundle(&f.raw, 1, e, 1);
    f.raw.len--; /* one byte short */
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), CC_FB_ETRUNC);
    f.raw.len++;
    f.raw.data[0] = 'X';
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), CC_FB_EMAGIC);
    f.raw.len = 3;
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), CC_FB_ESHORT);
    /* Four entries for a three-camera hello. */
    cc_fb_entry four[4] = {entry(5, &f.gray, W, H, true), entry(2, &f.gray, W, H, true),
                           entry(9, &f.gray, W, H, true), entry(1, &f.gray, W, H, true)};
    make_bundle(&f.raw, 2, four, 4);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), CC_FB_ETOOMANY);
    cc_bundle_counts c = cc_bundle_decoder_counts(&f.bd);
    CHECK_EQ_INT(c.malformed, 4);
    CHECK_EQ_INT(c.decoded, 0);
    CHECK_EQ_INT(f.wakeups, 0);
    for (size_t i = 0; i < 3; i++)
        CHECK(!cc_frames_take(f.frames, i));
    /* And the next good bundle goes through. */
    make_bundle(&f.raw, 3, e, 1);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    CHECK(cc_frames_take(f.frames, 0));
    teardown(&f);
}

static void bad_jpeg_and_unknown_codec(void)
{
    fixture f;
    setup(&f);
    uint8_t junk[100];
    memset(junk, 0xAB, sizeof junk);
    jpeg bad = {junk, sizeof junk};
    cc_fb_entry e[3] = {entry(5, &bad, W, H, false), entry(2, &f.red, W, H, false),
                        entry(9, &f.gray, W, H, true)};
    e[2].codec = 2; /* not JPEG */
    make_bundle(&f.raw, 1, e, 3);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    cc_bundle_counts c = cc_bundle_decoder_counts(&f.bd);
    CHECK_EQ_INT(c.undecodable, 1);
    CHECK_EQ_INT(c.ignored, 1);
    CHECK_EQ_INT(c.decoded, 1);
    CHECK(!cc_frames_take(f.frames, 0));
    CHECK(cc_frames_take(f.frames, 1)); /* the good one still shows */
    CHECK(!cc_frames_take(f.frames, 2));
    teardown(&f);
}

/* Data TurboJPEG's header reader accepts but that holds no image. */
static void jpeg_without_image(void)
{
    fixture f;
    setup(&f);
    uint8_t junk[202] = {0xFF, 0xD8};
    memset(junk + 2, 0x55, sizeof junk - 2);
    jpeg tables_only = {junk, sizeof junk};
    cc_fb_entry e[1] = {entry(5, &tables_only, W, H, true)};
    make_bundle(&f.raw, 1, e, 1);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    CHECK_EQ_INT(cc_bundle_decoder_counts(&f.bd).undecodable, 1);
    CHECK(!cc_frames_take(f.frames, 0));
    CHECK_STR_CONTAINS(f.bd.jpeg.err, "0x0");
    teardown(&f);
}

static void scaled_for_small_tiles(void)
{
    fixture f;
    setup(&f);
    cc_frames_set_want(f.frames, 1, 16, 12);
    cc_fb_entry e[1] = {entry(2, &f.red, W, H, false)};
    make_bundle(&f.raw, 1, e, 1);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    CHECK(cc_frames_take(f.frames, 1));
    const cc_frame *fr = f.frames->consumer[1];
    CHECK_EQ_INT(fr->w, 16);
    CHECK_EQ_INT(fr->h, 12);
    CHECK_EQ_INT(fr->scale_num, 1);
    CHECK_EQ_INT(fr->scale_denom, 4);
    CHECK(channel(pixel(fr, 8, 6), 16) > 230);
    teardown(&f);
}

/* Entries that cannot be frames of their camera: never decoded (each one
 * holds a JPEG TurboJPEG would decode), counted as rejected. */
static void entries_not_fitting_the_hello(void)
{
    fixture f;
    setup(&f);
    jpeg big = encode(2 * W, H, true, 9, 0, 0);
    cc_fb_entry wide = entry(5, &big, 2 * W, H, true);     /* wider than the hello's */
    cc_fb_entry tall = entry(2, &f.gray, W, H + 1, true);  /* taller */
    cc_fb_entry empty = entry(9, &f.gray, 0, H, true);     /* no image */
    cc_fb_entry e[3] = {wide, tall, empty};
    make_bundle(&f.raw, 1, e, 3);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    cc_bundle_counts c = cc_bundle_decoder_counts(&f.bd);
    CHECK_EQ_INT(c.rejected, 3);
    CHECK_EQ_INT(c.undecodable, 0);
    CHECK_EQ_INT(c.decoded, 1); /* the bundle itself was well formed */
    CHECK_EQ_INT(f.wakeups, 0);
    for (size_t i = 0; i < 3; i++)
        CHECK(!cc_frames_take(f.frames, i));
    tjFree(big.data);
    teardown(&f);
}

/* A valid JPEG followed by junk, more than 3 bytes a pixel + 64 KiB. */
static void payload_too_large(void)
{
    fixture f;
    setup(&f);
    size_t n = (size_t)W * H * 3 + 65536 + 1;
    uint8_t *buf = calloc(1, n);
    memcpy(buf, f.gray.data, f.gray.size);
    jpeg padded = {buf, (unsigned long)n};
    cc_fb_entry e[2] = {entry(5, &padded, W, H, true), entry(2, &f.gray, W, H, true)};
    e[1].payload_size = (uint32_t)(n - 1); /* at the bound: fine */
    e[1].payload = buf;
    make_bundle(&f.raw, 1, e, 2);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    CHECK_EQ_INT(cc_bundle_decoder_counts(&f.bd).rejected, 1);
    CHECK(!cc_frames_take(f.frames, 0));
    CHECK(cc_frames_take(f.frames, 1));
    free(buf);
    teardown(&f);
}

/* The JPEG itself must be the entry's size: TurboJPEG's header is read
 * before any buffer is sized. */
static void jpeg_size_differs_from_entry(void)
{
    fixture f;
    setup(&f);
    jpeg small = encode(W / 2, H / 2, true, 50, 0, 0);
    cc_fb_entry e[1] = {entry(5, &small, W, H, true)};
    make_bundle(&f.raw, 1, e, 1);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    CHECK_EQ_INT(cc_bundle_decoder_counts(&f.bd).rejected, 1);
    CHECK_STR_CONTAINS(f.bd.jpeg.err, "32x24");
    CHECK(!cc_frames_take(f.frames, 0));
    tjFree(small.data);
    teardown(&f);
}

/* A variant (protocol 1.1) is smaller than its camera: decoded. */
static void smaller_entry_decoded(void)
{
    fixture f;
    setup(&f);
    jpeg small = encode(W / 2, H / 2, true, 50, 0, 0);
    cc_fb_entry e[1] = {entry(5, &small, W / 2, H / 2, true)};
    make_bundle(&f.raw, 1, e, 1);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    CHECK_EQ_INT(cc_bundle_decoder_counts(&f.bd).rejected, 0);
    CHECK(cc_frames_take(f.frames, 0));
    CHECK_EQ_INT(f.frames->consumer[0]->w, W / 2);
    tjFree(small.data);
    teardown(&f);
}

/* A hello that lists variants (protocol 1.1): an entry of a variant's
 * exact size is decoded, and scaled further for a small tile; a size that
 * is neither the camera's nor a variant's is rejected, even when it is
 * smaller than the camera. */
static void variant_entries(void)
{
    fixture f;
    setup(&f);
    static const char text[] =
        "{\"type\":\"hello\",\"protocol\":1,\"variants\":["
        "{\"name\":\"full\"},{\"name\":\"preview\",\"max_width\":32}],"
        "\"cameras\":[{\"index\":5,\"name\":\"a\",\"width\":64,\"height\":48,"
        "\"variant_sizes\":{\"preview\":{\"width\":32,\"height\":24}}},"
        "{\"index\":2,\"name\":\"b\",\"width\":64,\"height\":48,"
        "\"variant_sizes\":{\"preview\":{\"width\":32,\"height\":24}}}]}";
    cc_hello h;
    char err[128];
    CHECK_EQ_INT(cc_hello_parse(&h, text, strlen(text), err, sizeof err), 0);
    f.raw.gen = cc_session_set_hello(&f.session, &h);
    jpeg preview = encode(W / 2, H / 2, true, 120, 0, 0);
    jpeg odd = encode(W / 4, H / 4, true, 60, 0, 0);
    cc_frames_set_want(f.frames, 0, 8, 6);   /* a tiny tile: 1/4 more */
    cc_frames_set_want(f.frames, 1, 16, 12);
    cc_fb_entry e[2] = {entry(5, &preview, W / 2, H / 2, true),
                        entry(2, &odd, W / 4, H / 4, true)};
    make_bundle(&f.raw, 1, e, 2);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    cc_bundle_counts c = cc_bundle_decoder_counts(&f.bd);
    CHECK_EQ_INT(c.rejected, 1);
    CHECK_EQ_INT(c.undecodable, 0);
    CHECK(cc_frames_take(f.frames, 0));
    const cc_frame *fr = f.frames->consumer[0];
    CHECK_EQ_INT(fr->entry.width, W / 2);
    CHECK_EQ_INT(fr->w, 8);
    CHECK_EQ_INT(fr->h, 6);
    CHECK_EQ_INT(fr->scale_denom, 4);
    CHECK(channel(pixel(fr, 4, 3), 0) > 100);
    CHECK(!cc_frames_take(f.frames, 1)); /* 16x12: no variant's size */
    tjFree(preview.data);
    tjFree(odd.data);
    teardown(&f);
}

/* Offset of the last SOS marker of a JPEG, or 0. */
static size_t last_sos(const uint8_t *p, size_t n)
{
    size_t at = 0;
    for (size_t i = 2; i + 1 < n; i++)
        if (p[i] == 0xFF && p[i + 1] == 0xDA)
            at = i;
    return at;
}

/* A progressive JPEG whose last scan is repeated 600 times: libjpeg only
 * warns about the repeats, so without TJFLAG_LIMITSCANS it would decode
 * (slowly); with it, the frame is refused. */
static void too_many_scans(void)
{
    fixture f;
    setup(&f);
    jpeg prog = encode_flags(W, H, true, 120, 0, 0, TJFLAG_PROGRESSIVE);
    size_t sos = last_sos(prog.data, prog.size);
    CHECK(sos > 0);
    size_t scan = prog.size - 2 - sos; /* last SOS up to EOI */
    size_t n = sos + 600 * scan + 2;
    uint8_t *buf = malloc(n);
    memcpy(buf, prog.data, sos);
    for (size_t i = 0; i < 600; i++)
        memcpy(buf + sos + i * scan, prog.data + sos, scan);
    memcpy(buf + n - 2, "\xff\xd9", 2);
    jpeg many = {buf, (unsigned long)n};
    cc_fb_entry e[2] = {entry(5, &many, W, H, true), entry(2, &prog, W, H, true)};
    make_bundle(&f.raw, 1, e, 2);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    cc_bundle_counts c = cc_bundle_decoder_counts(&f.bd);
    CHECK_EQ_INT(c.undecodable, 1);
    CHECK_STR_CONTAINS(f.bd.jpeg.err, "scans");
    CHECK(!cc_frames_take(f.frames, 0));
    CHECK(cc_frames_take(f.frames, 1)); /* a plain progressive JPEG is fine */
    free(buf);
    tjFree(prog.data);
    teardown(&f);
}

static void pick_scale(void)
{
    tjscalingfactor s = cc_jpeg_pick_scale(1920, 1200, 600, 375);
    CHECK_EQ_INT(s.num, 3); /* 720x450: the smallest at least 600x375 */
    CHECK_EQ_INT(s.denom, 8);
    s = cc_jpeg_pick_scale(1920, 1200, 0, 0);
    CHECK_EQ_INT(s.num, s.denom);
    s = cc_jpeg_pick_scale(640, 480, 1280, 960); /* no upscaling */
    CHECK_EQ_INT(s.num, s.denom);
    s = cc_jpeg_pick_scale(1920, 1200, 1, 1);
    CHECK_EQ_INT(s.num, 1);
    CHECK_EQ_INT(s.denom, 8);
    s = cc_jpeg_pick_scale(1920, 1200, 1920, 1200);
    CHECK_EQ_INT(s.num, s.denom);
}

static void older_connection_dropped(void)
{
    fixture f;
    setup(&f);
    cc_hello h;
    char err[128];
    CHECK_EQ_INT(cc_hello_parse(&h, hello_text, strlen(hello_text), err, sizeof err), 0);
    uint64_t newer = cc_session_set_hello(&f.session, &h);
    CHECK(newer > f.gen);
    cc_fb_entry e[1] = {entry(5, &f.gray, W, H, true)};
    make_bundle(&f.raw, 1, e, 1);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0); /* f.raw.gen is older */
    CHECK_EQ_INT(cc_bundle_decoder_counts(&f.bd).decoded, 0);
    CHECK(!cc_frames_take(f.frames, 0));
    f.raw.gen = newer;
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    CHECK(cc_frames_take(f.frames, 0));
    CHECK_EQ_INT(f.frames->consumer[0]->gen, newer);
    teardown(&f);
}

static void gaps_in_seq_counted(void)
{
    fixture f;
    setup(&f);
    cc_fb_entry e[1] = {entry(5, &f.gray, W, H, true)};
    make_bundle(&f.raw, 10, e, 1);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    make_bundle(&f.raw, 11, e, 1);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    make_bundle(&f.raw, 14, e, 1);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    CHECK_EQ_INT(cc_bundle_decoder_counts(&f.bd).skipped, 2);
    /* Newest wins in the tile's mailbox: three posts, two replaced. */
    CHECK_EQ_INT(cc_frames_replaced(f.frames, 0), 2);
    CHECK(cc_frames_take(f.frames, 0));
    CHECK_EQ_INT(f.frames->consumer[0]->bundle_seq, 14);
    teardown(&f);
}

static void count_taken(void *arg)
{
    ((fixture *)arg)->wakeups += 100;
}

/* Flow control: every bundle taken is recorded for the ack, with its
 * generation: decoded, malformed (by its header's seq), or of an older
 * hello. Without a seq in its header (too short, no magic): nothing. */
static void bundles_taken(void)
{
    fixture f;
    setup(&f);
    f.bd.on_taken = count_taken;
    f.bd.taken_arg = &f;
    uint64_t gen, seq;
    cc_fb_entry e[1] = {entry(5, &f.gray, W, H, true)};
    make_bundle(&f.raw, 0x0102030405060708u, e, 1);
    CHECK(f.raw.seq == 0x0102030405060708u);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    cc_session_taken(&f.session, &gen, &seq);
    CHECK(gen == f.gen && seq == 0x0102030405060708u);
    CHECK_EQ_INT(f.wakeups, 101); /* a frame, and the bundle taken */
    make_bundle(&f.raw, 41, e, 1);
    f.raw.len--;
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), CC_FB_ETRUNC);
    cc_session_taken(&f.session, &gen, &seq);
    CHECK_EQ_INT(seq, 41);
    CHECK_EQ_INT(f.wakeups, 201);
    CHECK_EQ_INT(cc_raw_bundle_set(&f.raw, (const uint8_t *)"XXFB", 4), 0);
    CHECK_EQ_INT(f.raw.seq, 0);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), CC_FB_ESHORT);
    cc_session_taken(&f.session, &gen, &seq);
    CHECK_EQ_INT(seq, 41);
    CHECK_EQ_INT(f.wakeups, 201);
    /* A bundle of an older hello is dropped, and taken all the same. */
    cc_hello h;
    char err[128];
    CHECK_EQ_INT(cc_hello_parse(&h, hello_text, strlen(hello_text), err, sizeof err), 0);
    uint64_t newer = cc_session_set_hello(&f.session, &h);
    make_bundle(&f.raw, 42, e, 1);
    CHECK_EQ_INT(cc_bundle_decoder_process(&f.bd, &f.raw), 0);
    cc_session_taken(&f.session, &gen, &seq);
    CHECK(gen == f.gen && gen < newer && seq == 42);
    teardown(&f);
}

static void wake(void *arg)
{
    SDL_AtomicAdd(arg, 1);
}

/* The decode thread: bundles posted from here (as the network thread
 * does) come out as frames, then stop() joins it. */
static void decode_thread(void)
{
    fixture f;
    setup(&f);
    SDL_atomic_t wakeups = {0};
    f.bd.on_frames = wake;
    f.bd.arg = &wakeups;
    cc_raw_bundle slots[3];
    for (int i = 0; i < 3; i++)
        cc_raw_bundle_init(&slots[i]);
    cc_mailbox in;
    CHECK_EQ_INT(cc_mailbox_init(&in, &slots[2]), 0);
    CHECK_EQ_INT(cc_bundle_decoder_start(&f.bd, &in, &slots[1]), 0);
    void *mine = &slots[0];
    cc_fb_entry e[2] = {entry(5, &f.gray, W, H, true), entry(2, &f.red, W, H, false)};
    uint64_t last = 0;
    for (uint64_t seq = 1; seq <= 200; seq++) {
        cc_raw_bundle *b = mine;
        make_bundle(b, seq, e, 2);
        b->gen = f.gen;
        cc_mailbox_post(&in, &mine);
        /* Take as the render thread would, newest only. */
        if (cc_frames_take(f.frames, 0))
            last = f.frames->consumer[0]->bundle_seq;
    }
    /* Bounded wait for the last bundle to come out. */
    for (int i = 0; i < 500 && last != 200; i++) {
        SDL_Delay(10);
        if (cc_frames_take(f.frames, 0))
            last = f.frames->consumer[0]->bundle_seq;
    }
    cc_bundle_decoder_stop(&f.bd);
    CHECK_EQ_INT(last, 200);
    CHECK(SDL_AtomicGet(&wakeups) > 0);
    cc_bundle_counts c = cc_bundle_decoder_counts(&f.bd);
    /* Every bundle was decoded or replaced unread in the mailbox. */
    CHECK_EQ_INT(c.decoded + cc_mailbox_replaced(&in), 200);
    CHECK_EQ_INT(c.malformed, 0);
    cc_mailbox_destroy(&in);
    for (int i = 0; i < 3; i++)
        cc_raw_bundle_destroy(&slots[i]);
    teardown(&f);
}

int main(void)
{
    RUN(entries_go_to_their_tiles);
    RUN(sync_state);
    RUN(malformed_bundles_counted);
    RUN(bad_jpeg_and_unknown_codec);
    RUN(jpeg_without_image);
    RUN(entries_not_fitting_the_hello);
    RUN(payload_too_large);
    RUN(jpeg_size_differs_from_entry);
    RUN(smaller_entry_decoded);
    RUN(variant_entries);
    RUN(too_many_scans);
    RUN(scaled_for_small_tiles);
    RUN(pick_scale);
    RUN(older_connection_dropped);
    RUN(gaps_in_seq_counted);
    RUN(bundles_taken);
    RUN(decode_thread);
    return CHECK_DONE();
}
