/* What camcast-viewer does with a server's messages: the hello parser
 * (viewer/hello.c), then a bundle through the decode thread's path
 * (viewer/bundle_decoder.c: cc_fb_parse, the entry checks against the
 * hello, TurboJPEG in viewer/jpeg_decoder.c), on any bytes.
 *
 * Input: bytes 0-1 the hello's length L (little-endian), byte 2 the size
 * the tiles want (0: full size, else 8 * byte x 6 * byte: scaled decodes),
 * then L bytes of hello, then the bundle.
 *
 * Checked: a parsed hello stays within its bounds (sides, and the area a
 * reader takes: CC_FB_MAX_PIXELS); every frame posted is of a camera in
 * the hello, no larger than the hello says, with pixels for its decoded
 * size and the very JPEG bytes of its entry.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bundle_decoder.h"
#include "fuzz_check.h"
#include "hello.h"
#include "session.h"

static void check_hello(const cc_hello *h)
{
    FUZZ_CHECK(h->n_cameras <= CC_HELLO_MAX_CAMERAS);
    for (size_t i = 0; i < h->n_cameras; i++) {
        const cc_hello_camera *c = &h->cameras[i];
        FUZZ_CHECK(c->width >= 1 && c->width <= CC_HELLO_MAX_SIDE);
        FUZZ_CHECK(c->height >= 1 && c->height <= CC_HELLO_MAX_SIDE);
        FUZZ_CHECK(cc_fb_size_ok(c->width, c->height)); /* bounded decode buffers */
        FUZZ_CHECK(strlen(c->name) < CC_HELLO_NAME_CAP);
        FUZZ_CHECK(cc_hello_tile_of(h, c->index) == (int)i);
    }
}

/* Each tile's posted frame against the hello and the bundle. */
static void check_frames(cc_frames *fs, const cc_hello *h)
{
    for (size_t i = 0; i < CC_MAX_TILES; i++) {
        if (!cc_frames_take(fs, i))
            continue;
        FUZZ_CHECK(i < h->n_cameras);
        const cc_frame *f = fs->consumer[i];
        const cc_hello_camera *cam = &h->cameras[i];
        FUZZ_CHECK(f->entry.camera_index == cam->index);
        FUZZ_CHECK(f->entry.width <= cam->width && f->entry.height <= cam->height);
        FUZZ_CHECK(f->w > 0 && f->h > 0);
        FUZZ_CHECK((uint32_t)f->w <= f->entry.width && (uint32_t)f->h <= f->entry.height);
        FUZZ_CHECK(f->pixels_cap >= (size_t)f->w * (size_t)f->h * 4);
        /* The last pixel is there (ASan: inside the buffer). */
        volatile uint8_t last = f->pixels[(size_t)f->w * (size_t)f->h * 4 - 1];
        (void)last;
        FUZZ_CHECK(f->jpeg_cap >= f->entry.payload_size && f->entry.payload == f->jpeg);
    }
}

static void decode(cc_session *s, cc_hello *h, const uint8_t *msg, size_t len,
                   int want)
{
    cc_frames *fs = NULL;
    cc_bundle_decoder bd;
    FUZZ_CHECK(cc_frames_new(&fs) == 0);
    FUZZ_CHECK(cc_bundle_decoder_init(&bd, s, fs) == 0);
    for (size_t i = 0; i < CC_MAX_TILES; i++)
        cc_frames_set_want(fs, i, want * 8, want * 6);
    cc_raw_bundle raw;
    cc_raw_bundle_init(&raw);
    FUZZ_CHECK(cc_raw_bundle_set(&raw, msg, len) == 0);
    raw.gen = cc_session_set_hello(s, h); /* takes over *h */
    cc_hello now;
    uint64_t gen;
    FUZZ_CHECK(cc_session_hello(s, &now, &gen) == 0);
    (void)cc_bundle_decoder_process(&bd, &raw);
    check_frames(fs, &now);
    cc_bundle_counts n = cc_bundle_decoder_counts(&bd);
    FUZZ_CHECK(n.decoded + n.malformed == 1);
    cc_hello_destroy(&now);
    cc_raw_bundle_destroy(&raw);
    cc_bundle_decoder_destroy(&bd);
    cc_frames_free(fs);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The warnings for bad entries would only slow the fuzzer down. */
    SDL_LogSetPriority(SDL_LOG_CATEGORY_APPLICATION, SDL_LOG_PRIORITY_CRITICAL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t hello_len = (size_t)data[0] | (size_t)data[1] << 8;
    int want = data[2];
    if (hello_len > size - 3)
        return 0;
    const char *text = (const char *)data + 3;
    cc_hello h;
    char err[160];
    if (cc_hello_parse(&h, text, hello_len, err, sizeof err) != 0) {
        FUZZ_CHECK(h.cameras == NULL && h.n_cameras == 0 && err[0] != '\0');
        return 0;
    }
    check_hello(&h);
    cc_session s;
    FUZZ_CHECK(cc_session_init(&s) == 0);
    decode(&s, &h, data + 3 + hello_len, size - 3 - hello_len, want);
    cc_session_destroy(&s);
    return 0;
}
