/* FrameBundle codec, protocol version 1 with the 1.2 additions (see
 * docs/protocol.md): the writer makes 48-byte entries with device_time_ns,
 * the reader takes any entry_size from 40 up.
 *
 * Shared by the daemon (writer) and every C client (reader): the viewer and
 * the bench. All integers on the wire are little-endian.
 */
#ifndef CAMCAST_FRAMEBUNDLE_H
#define CAMCAST_FRAMEBUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CC_FB_MAGIC "CCFB"
#define CC_FB_VERSION 1
#define CC_FB_HEADER_SIZE 32
#define CC_FB_ENTRY_SIZE 48     /* what the writer makes (1.2) */
#define CC_FB_ENTRY_SIZE_MIN 40 /* what a reader takes (v1) */
#define CC_FB_CODEC_JPEG 1
#define CC_FB_ENTRY_FLAG_GRAY 0x0001u
/* device_time_ns is on a clock shared with the other cameras of its sync
 * group (PTP locked, or one host clock). */
#define CC_FB_ENTRY_FLAG_SHARED_CLOCK 0x0002u
/* Bundle flags: every entry belongs to one capture instant of its sync
 * group, and every camera of the group the client takes is there. */
#define CC_FB_FLAG_ALIGNED 0x0001u

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
    uint64_t device_time_ns; /* the camera's own timestamp; 0: none (or a
                                40-byte entry) */
    const uint8_t *payload; /* reader: points into the parsed buffer */
} cc_fb_entry;

/* Text for an error code above. */
const char *cc_fb_strerror(int err);

/* Bytes a bundle needs for entries whose payload sizes sum to payload_bytes. */
size_t cc_fb_bundle_size(size_t n_entries, size_t payload_bytes);

/* What a reader lets a server announce (docs/protocol.md, "Limits of a
 * reader"). An image of more than CC_FB_MAX_PIXELS (2^27: 16384 x 8192, a
 * 134-megapixel sensor) is refused in a hello and in an entry: decoding
 * one takes 4 bytes a pixel, and a server that lies about it would make a
 * client allocate gigabytes for a few bytes of JPEG. */
#define CC_FB_MAX_PIXELS (UINT64_C(1) << 27)
/* A JPEG payload larger than 3 bytes a pixel (raw RGB) plus this much for
 * its headers is no camera's frame, whatever its quality. */
#define CC_FB_PAYLOAD_SLACK 65536

/* Whether an image of w x h may be announced: neither side 0, at most
 * CC_FB_MAX_PIXELS. */
bool cc_fb_size_ok(uint32_t w, uint32_t h);
/* The largest payload plausible for a w x h entry (see
 * CC_FB_PAYLOAD_SLACK); 0 when cc_fb_size_ok refuses the size. */
uint64_t cc_fb_max_payload(uint32_t w, uint32_t h);
/* A bound on the size of the bundles of a hello's cameras, built one
 * camera at a time: start from cc_fb_bundle_size(0, 0) and add each
 * camera's size (its variants are smaller). Saturates at cap, the most a
 * client takes in one bundle whatever the hello says. */
size_t cc_fb_bound_add(size_t bound, uint32_t w, uint32_t h, size_t cap);

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
/* Sets the bundle's flags (CC_FB_FLAG_ALIGNED); 0 until then. */
void cc_fb_writer_set_flags(cc_fb_writer *w, uint16_t flags);
/* Patches entry_count; returns the bundle length in bytes. */
size_t cc_fb_writer_end(cc_fb_writer *w);

/* Parses and validates a whole message. max_entries bounds entry_count (the
 * camera count from the hello); entries must have room for max_entries.
 * Extra header bytes (header_size > 32, entry_size > 48) are skipped; a
 * 40-byte entry (a v1 writer) reads as device_time_ns 0.
 * Returns CC_FB_OK or a negative error code; nothing is trusted on error. */
int cc_fb_parse(const uint8_t *buf, size_t len, size_t max_entries,
                cc_fb_header *hdr, cc_fb_entry *entries);

#ifdef __cplusplus
}
#endif

#endif
