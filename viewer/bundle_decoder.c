#include "bundle_decoder.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "variant.h"

/* Every wait is bounded; cc_mailbox_close() ends one early. */
#define TAKE_TIMEOUT_MS 200

void cc_raw_bundle_init(cc_raw_bundle *b)
{
    memset(b, 0, sizeof *b);
}

void cc_raw_bundle_destroy(cc_raw_bundle *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

int cc_raw_bundle_set(cc_raw_bundle *b, const uint8_t *msg, size_t len)
{
    if (cc_buf_reserve(&b->data, &b->cap, len ? len : 1))
        return -ENOMEM;
    memcpy(b->data, msg, len);
    b->len = len;
    b->seq = 0;
    if (len >= CC_FB_HEADER_SIZE && memcmp(msg, CC_FB_MAGIC, 4) == 0)
        for (int i = 7; i >= 0; i--) /* bundle_seq: offset 8, little-endian */
            b->seq = b->seq << 8 | msg[8 + i];
    return 0;
}

int cc_bundle_decoder_init(cc_bundle_decoder *bd, cc_session *session,
                           cc_frames *frames)
{
    memset(bd, 0, sizeof *bd);
    bd->session = session;
    bd->frames = frames;
    bd->lock = SDL_CreateMutex();
    if (!bd->lock)
        return -ENOMEM;
    int rc = cc_jpeg_decoder_init(&bd->jpeg);
    if (rc)
        cc_bundle_decoder_destroy(bd);
    return rc;
}

void cc_bundle_decoder_destroy(cc_bundle_decoder *bd)
{
    cc_jpeg_decoder_destroy(&bd->jpeg);
    cc_hello_destroy(&bd->hello);
    free(bd->entries);
    if (bd->lock)
        SDL_DestroyMutex(bd->lock);
    memset(bd, 0, sizeof *bd);
}

static void count(cc_bundle_decoder *bd, uint64_t *counter, uint64_t n)
{
    SDL_LockMutex(bd->lock);
    *counter += n;
    SDL_UnlockMutex(bd->lock);
}

cc_bundle_counts cc_bundle_decoder_counts(cc_bundle_decoder *bd)
{
    SDL_LockMutex(bd->lock);
    cc_bundle_counts c = bd->counts;
    SDL_UnlockMutex(bd->lock);
    return c;
}

/* Switches to the hello of the bundle's connection. False when the bundle
 * is from an older connection than the current hello. */
static bool sync_hello(cc_bundle_decoder *bd, uint64_t gen)
{
    if (gen == bd->gen)
        return true;
    cc_hello h;
    uint64_t now_gen;
    if (cc_session_hello(bd->session, &h, &now_gen))
        return false;
    cc_hello_destroy(&bd->hello);
    bd->hello = h;
    bd->gen = now_gen;
    bd->have_seq = false;
    size_t need = h.n_cameras ? h.n_cameras : 1;
    if (need > bd->entries_cap) {
        cc_fb_entry *e = realloc(bd->entries, need * sizeof *e);
        if (!e) {
            bd->gen = 0; /* try again with the next bundle */
            return false;
        }
        bd->entries = e;
        bd->entries_cap = need;
    }
    return gen == now_gen;
}

static void note_seq(cc_bundle_decoder *bd, uint64_t seq)
{
    if (bd->have_seq && seq > bd->last_seq + 1)
        count(bd, &bd->counts.skipped, seq - bd->last_seq - 1);
    bd->have_seq = true;
    bd->last_seq = seq;
}

/* Why e cannot be a frame of cam, or NULL. A variant's entries (protocol
 * 1.1) are smaller than the camera, never larger: the sizes variant.h
 * accepts. */
static const char *entry_misfit(const cc_hello *h, const cc_hello_camera *cam,
                                const cc_fb_entry *e)
{
    if (!cc_variant_entry_fits(h, cam, e->width, e->height))
        return "image size not within the hello's (not the camera's, nor a variant's)";
    if (e->payload_size == 0 || e->payload_size > cc_fb_max_payload(e->width, e->height))
        return "payload size implausible for the image size";
    return NULL;
}

static void reject(cc_bundle_decoder *bd, const cc_fb_entry *e, const char *why)
{
    count(bd, &bd->counts.rejected, 1);
    uint64_t n = cc_bundle_decoder_counts(bd).rejected;
    if (cc_vlog_sample(n))
        cc_vlog_warn("camera %u frame %" PRIu64 " rejected (%" PRIu32 "x%" PRIu32
                     ", %" PRIu32 " bytes): %s (%" PRIu64 " so far)",
                     e->camera_index, e->frame_id, e->width, e->height,
                     e->payload_size, why, n);
}

/* The spread of group g's device times in the bundle (ms), over its
 * entries on a shared clock; -1 with fewer than two. */
static double sync_spread(const cc_bundle_decoder *bd, size_t n, int g)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    int on_clock = 0;
    for (size_t i = 0; i < n; i++) {
        const cc_fb_entry *e = &bd->entries[i];
        if (cc_hello_sync_of(&bd->hello, e->camera_index) != g ||
            !(e->flags & CC_FB_ENTRY_FLAG_SHARED_CLOCK) || !e->device_time_ns)
            continue;
        lo = e->device_time_ns < lo ? e->device_time_ns : lo;
        hi = e->device_time_ns > hi ? e->device_time_ns : hi;
        on_clock++;
    }
    return on_clock < 2 ? -1 : (double)(hi - lo) / 1e6;
}

/* Decodes one entry into its tile's mailbox. True when a frame was posted. */
static bool decode_entry(cc_bundle_decoder *bd, const cc_fb_entry *e,
                         const cc_fb_header *h, const cc_raw_bundle *raw)
{
    int tile = cc_hello_tile_of(&bd->hello, e->camera_index);
    if (tile < 0 || tile >= CC_MAX_TILES || e->codec != CC_FB_CODEC_JPEG) {
        count(bd, &bd->counts.ignored, 1);
        cc_vlog_debug("entry for camera %u (codec %u) ignored", e->camera_index,
                      e->codec);
        return false;
    }
    const char *why = entry_misfit(&bd->hello, &bd->hello.cameras[tile], e);
    if (why) {
        reject(bd, e, why);
        return false;
    }
    int want_w, want_h;
    cc_frames_get_want(bd->frames, (size_t)tile, &want_w, &want_h);
    cc_frame *f = bd->frames->producer[tile];
    int rc = cc_jpeg_decode(&bd->jpeg, e, want_w, want_h, f);
    if (rc == -EPROTO) {
        reject(bd, e, bd->jpeg.err);
        return false;
    }
    if (rc) {
        count(bd, &bd->counts.undecodable, 1);
        uint64_t n = cc_bundle_decoder_counts(bd).undecodable;
        if (cc_vlog_sample(n))
            cc_vlog_warn("camera %u frame %" PRIu64 " not decoded: %s (%" PRIu64
                         " so far)", e->camera_index, e->frame_id,
                         rc == -ENOMEM ? "out of memory" : bd->jpeg.err, n);
        return false;
    }
    f->gen = bd->gen;
    f->sync_group = cc_hello_sync_of(&bd->hello, e->camera_index);
    f->sync_aligned = h->flags & CC_FB_FLAG_ALIGNED;
    f->sync_spread_ms = f->sync_group < 0 ? -1 : sync_spread(bd, h->entry_count, f->sync_group);
    f->bundle_seq = h->bundle_seq;
    f->mux_time_ns = h->mux_time_ns;
    f->recv_ns = raw->recv_ns;
    cc_frames_post(bd->frames, (size_t)tile);
    return true;
}

static int process(cc_bundle_decoder *bd, const cc_raw_bundle *raw)
{
    if (!sync_hello(bd, raw->gen))
        return 0;
    cc_fb_header h;
    int rc = cc_fb_parse(raw->data, raw->len, bd->hello.n_cameras, &h, bd->entries);
    if (rc) {
        count(bd, &bd->counts.malformed, 1);
        uint64_t n = cc_bundle_decoder_counts(bd).malformed;
        if (cc_vlog_sample(n))
            cc_vlog_warn("malformed bundle (%zu bytes) skipped: %s (%" PRIu64
                         " so far)", raw->len, cc_fb_strerror(rc), n);
        return rc;
    }
    note_seq(bd, h.bundle_seq);
    bool posted = false;
    for (size_t i = 0; i < h.entry_count; i++)
        posted |= decode_entry(bd, &bd->entries[i], &h, raw);
    count(bd, &bd->counts.decoded, 1);
    if (posted && bd->on_frames)
        bd->on_frames(bd->arg);
    return 0;
}

int cc_bundle_decoder_process(cc_bundle_decoder *bd, const cc_raw_bundle *raw)
{
    int rc = process(bd, raw);
    if (raw->seq) {
        cc_session_set_taken(bd->session, raw->gen, raw->seq);
        if (bd->on_taken)
            bd->on_taken(bd->taken_arg);
    }
    return rc;
}

static int thread_main(void *arg)
{
    cc_bundle_decoder *bd = arg;
    for (;;) {
        void *slot = bd->slot;
        int rc = cc_mailbox_take(bd->in, &slot, TAKE_TIMEOUT_MS);
        bd->slot = slot;
        if (rc == CC_MAILBOX_CLOSED)
            return 0;
        if (rc == CC_MAILBOX_TOOK)
            cc_bundle_decoder_process(bd, bd->slot);
    }
}

int cc_bundle_decoder_start(cc_bundle_decoder *bd, cc_mailbox *in,
                            cc_raw_bundle *slot)
{
    bd->in = in;
    bd->slot = slot;
    bd->thread = SDL_CreateThread(thread_main, "camcast-decode", bd);
    return bd->thread ? 0 : -ENOMEM;
}

void cc_bundle_decoder_stop(cc_bundle_decoder *bd)
{
    if (!bd->thread)
        return;
    cc_mailbox_close(bd->in);
    SDL_WaitThread(bd->thread, NULL);
    bd->thread = NULL;
}
