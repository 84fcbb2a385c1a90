/* FrameBundle codec, protocol version 1 (see docs/protocol.md).
 *
 * Shared by the daemon (writer) and every C client (reader): the viewer and
 * the bench. All integers on the wire are little-endian.
 */
#ifndef CAMCAST_FRAMEBUNDLE_H
#define CAMCAST_FRAMEBUNDLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CC_FB_MAGIC "CCFB"
#define CC_FB_VERSION 1
#define CC_FB_HEADER_SIZE 32
#define CC_FB_ENTRY_SIZE 40
#define CC_FB_CODEC_JPEG 1
#define CC_FB_ENTRY_FLAG_GRAY 0x0001u

/* Error codes (negative returns). */
enum {
    CC_FB_OK = 0,
    CC_FB_ESHORT = -1,    /* message shorter than a bundle header */
    CC_FB_EMAGIC = -2,    /* magic is not "CCFB" */
    CC_FB_EVERSION = -3,  /* version is not 1 */
    CC_FB_EHEADER = -4,   /* header_size / entry_size below the v1 minimum */
    CC_FB_ETOOMANY = -5,  /* more entries than allowed */
    CC_FB_ETRUNC = -6,    /* an entry header or payload runs past the end */
    CC_FB_ESIZE = -7,     /* sizes do not add up to the message length */
    CC_FB_ENOSPC = -8,    /* writer: buffer too small */
    CC_FB_EINVAL = -9,    /* writer: bad argument */
    CC_FB_EDUP = -10,     /* two entries for the same camera_index */
};

typedef struct cc_fb_header {
    uint16_t version;
    uint16_t header_size;
    uint64_t bundle_seq;
    uint64_t mux_time_ns;
    uint16_t entry_count;
    uint16_t flags;
} cc_fb_header;

typedef struct cc_fb_entry {
    uint16_t camera_index;
    uint32_t width;
    uint32_t height;
    uint16_t codec;
    uint16_t flags;
    uint64_t frame_id;
    uint64_t capture_time_ns;
    uint32_t payload_size;
    uint32_t dropped;
    const uint8_t *payload; /* reader: points into the parsed buffer */
} cc_fb_entry;

/* Text for an error code above. */
const char *cc_fb_strerror(int err);

/* Bytes a bundle needs for entries whose payload sizes sum to payload_bytes. */
size_t cc_fb_bundle_size(size_t n_entries, size_t payload_bytes);

/* Writer: fills a caller-owned buffer. */
typedef struct cc_fb_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    uint16_t count;
} cc_fb_writer;

/* Starts a bundle: writes the header with entry_count 0. */
int cc_fb_writer_begin(cc_fb_writer *w, uint8_t *buf, size_t cap,
                       uint64_t bundle_seq, uint64_t mux_time_ns);
/* Appends an entry header and copies e->payload (e->payload_size bytes). */
int cc_fb_writer_add(cc_fb_writer *w, const cc_fb_entry *e);
/* Patches entry_count; returns the bundle length in bytes. */
size_t cc_fb_writer_end(cc_fb_writer *w);

/* Parses and validates a whole message. max_entries bounds entry_count (the
 * camera count from the hello); entries must have room for max_entries.
 * Extra header bytes (header_size > 32, entry_size > 40) are skipped.
 * Returns CC_FB_OK or a negative error code; nothing is trusted on error. */
int cc_fb_parse(const uint8_t *buf, size_t len, size_t max_entries,
                cc_fb_header *hdr, cc_fb_entry *entries);

#ifdef __cplusplus
}
#endif

#endif
