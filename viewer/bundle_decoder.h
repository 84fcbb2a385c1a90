/* The decode thread: takes the newest bundle from the network thread,
 * checks it with cc_fb_parse, routes each entry to its tile by camera index
 * and decodes it into that tile's frame mailbox. The server is not
 * trusted: an entry whose sizes do not fit its camera in the hello is
 * rejected before TurboJPEG sees it. A malformed bundle, a rejected entry
 * or an undecodable JPEG is logged (sampled) and counted, never fatal. */
#ifndef CC_VIEWER_BUNDLE_DECODER_H
#define CC_VIEWER_BUNDLE_DECODER_H

#include <SDL.h>
#include <stdint.h>

#include "frames.h"
#include "hello.h"
#include "jpeg_decoder.h"
#include "mailbox.h"
#include "session.h"

/* A bundle as received, handed from the network thread. */
typedef struct cc_raw_bundle {
    uint8_t *data;
    size_t len, cap;
    uint64_t gen;     /* generation of the hello of its connection */
    uint64_t recv_ns; /* wall clock when it arrived */
    uint64_t seq;     /* its bundle_seq as the header says (0: none) */
} cc_raw_bundle;

void cc_raw_bundle_init(cc_raw_bundle *b);
void cc_raw_bundle_destroy(cc_raw_bundle *b);
/* Copies msg into b (growing it once to the largest bundle seen), and its
 * header's bundle_seq, even of a bundle cc_fb_parse will refuse: a bundle
 * taken is acknowledged whatever it holds. */
int cc_raw_bundle_set(cc_raw_bundle *b, const uint8_t *msg, size_t len);

typedef struct cc_bundle_counts {
    uint64_t decoded;      /* bundles that passed cc_fb_parse */
    uint64_t malformed;    /* bundles cc_fb_parse rejected */
    uint64_t undecodable;  /* entries whose JPEG did not decode */
    uint64_t rejected;     /* entries whose sizes do not fit the hello's
                              camera, or whose JPEG is not their size */
    uint64_t ignored;      /* entries for unknown cameras or codecs */
    uint64_t skipped;      /* gaps in bundle_seq: bundles never decoded */
} cc_bundle_counts;

typedef struct cc_bundle_decoder {
    cc_jpeg_decoder jpeg;
    cc_session *session;
    cc_frames *frames;
    cc_hello hello;
    uint64_t gen;
    cc_fb_entry *entries;
    size_t entries_cap;
    bool have_seq;
    uint64_t last_seq;
    SDL_mutex *lock; /* guards counts */
    cc_bundle_counts counts;
    /* Called (on the decode thread) after frames were posted. */
    void (*on_frames)(void *arg);
    void *arg;
    /* Called (on the decode thread) after each bundle taken, recorded in
     * the session (cc_session_set_taken) for the acks of flow control. */
    void (*on_taken)(void *arg);
    void *taken_arg;
    /* The thread, once started. */
    cc_mailbox *in;
    cc_raw_bundle *slot;
    SDL_Thread *thread;
} cc_bundle_decoder;

int cc_bundle_decoder_init(cc_bundle_decoder *bd, cc_session *session,
                           cc_frames *frames);
void cc_bundle_decoder_destroy(cc_bundle_decoder *bd);

/* One bundle, on the calling thread, then recorded as taken. Returns 0
 * (also for a bundle of an older connection, dropped) or the cc_fb_parse
 * error. */
int cc_bundle_decoder_process(cc_bundle_decoder *bd, const cc_raw_bundle *raw);

cc_bundle_counts cc_bundle_decoder_counts(cc_bundle_decoder *bd);

/* Runs process() on a thread for every bundle posted to in; slot is the
 * consumer's slot of that mailbox. stop() closes in and joins. */
int cc_bundle_decoder_start(cc_bundle_decoder *bd, cc_mailbox *in,
                            cc_raw_bundle *slot);
void cc_bundle_decoder_stop(cc_bundle_decoder *bd);

#endif
