#include "jpeg_stitch.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

enum {
    JPEG_MAX_DIM = 65535, /* SOF's 16-bit height and width */
    DRI_MAX = 65535,      /* DRI's 16-bit interval */
    DRI_LEN = 6,          /* FF DD 00 04 Ri_hi Ri_lo */
    MARKER_LEN = 2,
};

/* The markers we meet (second byte; the first is 0xFF). */
enum {
    M_SOF0 = 0xC0, /* baseline */
    M_SOF1 = 0xC1, /* extended sequential, Huffman */
    M_DHT = 0xC4,
    M_RST0 = 0xD0,
    M_SOI = 0xD8,
    M_EOI = 0xD9,
    M_SOS = 0xDA,
    M_DQT = 0xDB,
    M_DRI = 0xDD,
    M_APP0 = 0xE0,
    M_APP15 = 0xEF,
    M_COM = 0xFE,
};

static uint32_t div_up(uint32_t a, uint32_t b)
{
    return a / b + (a % b != 0);
}

/* ---- the plan ---- */

/* MCU rows the last strip gets when m MCU rows are cut k at a time. */
static uint32_t last_strip(uint32_t m, uint32_t k)
{
    return m - (div_up(m, k) - 1) * k;
}

/* MCU rows per strip for about n (>= 2) strips of m MCU rows, each at least
 * min_k: the ceil split, with fewer strips while the last one is too short.
 * Two strips always fit, since m >= 2 * min_k. */
static uint32_t even_split(uint32_t m, uint32_t n, uint32_t min_k)
{
    uint32_t k = div_up(m, n);
    while (n > 2 && last_strip(m, k) < min_k)
        k = div_up(m, --n);
    return k;
}

int cc_strip_plan_make(cc_strip_plan *plan, uint32_t width, uint32_t height,
                       unsigned mcu_w, unsigned mcu_h, unsigned max_strips,
                       uint32_t min_rows)
{
    if (!plan || !width || !height || !mcu_w || !mcu_h || !max_strips ||
        width > JPEG_MAX_DIM || height > JPEG_MAX_DIM)
        return -EINVAL;
    *plan = (cc_strip_plan){.n = 1, .rows = height};
    uint32_t m = div_up(height, mcu_h);
    uint32_t per_row = div_up(width, mcu_w);
    uint32_t min_k = min_rows ? div_up(min_rows, mcu_h) : 1;
    uint32_t n = m / min_k < max_strips ? m / min_k : max_strips;
    if (n < 2)
        return 0;
    uint32_t k = even_split(m, n, min_k);
    if ((uint64_t)k * per_row > DRI_MAX) {
        /* Too wide for one interval: shorter strips, or none. */
        k = DRI_MAX / per_row;
        if (!k || div_up(m, k) > max_strips)
            return 0;
    }
    *plan = (cc_strip_plan){
        .n = div_up(m, k),
        .rows = k * mcu_h,
        .restart_interval = (uint16_t)(k * per_row),
    };
    return 0;
}

/* ---- reading a part ---- */

/* Where things are in a part, and what its frame header says. */
typedef struct part_info {
    size_t height_at; /* the SOF's height field */
    size_t sos;       /* the SOS marker (with its fill bytes) */
    size_t data;      /* the entropy-coded data, right after SOS */
    uint32_t width, height;
    unsigned ncomp;
    unsigned mcu_w, mcu_h; /* pixels */
} part_info;

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* SOF0/SOF1 segment body seg (len bytes) at offset off of the part. */
static int parse_sof(const uint8_t *seg, size_t len, size_t off, part_info *pi)
{
    if (len < 6)
        return -EINVAL;
    unsigned nf = seg[5], hmax = 0, vmax = 0;
    /* Height 0 would be set later by a DNL marker, which we do not take. */
    if (!nf || len != 6 + 3 * (size_t)nf || !be16(seg + 1) || !be16(seg + 3))
        return -EINVAL;
    for (unsigned i = 0; i < nf; i++) {
        unsigned h = seg[7 + 3 * i] >> 4, v = seg[7 + 3 * i] & 0x0F;
        if (h < 1 || h > 4 || v < 1 || v > 4)
            return -EINVAL;
        hmax = h > hmax ? h : hmax;
        vmax = v > vmax ? v : vmax;
    }
    pi->height_at = off + 1;
    pi->height = be16(seg + 1);
    pi->width = be16(seg + 3);
    pi->ncomp = nf;
    /* A one-component scan is not interleaved: its MCU is one block. */
    pi->mcu_w = nf == 1 ? 8 : 8 * hmax;
    pi->mcu_h = nf == 1 ? 8 : 8 * vmax;
    return 0;
}

/* SOS segment body: one sequential scan of all nf components. */
static int parse_sos(const uint8_t *seg, size_t len, unsigned nf)
{
    if (len < 1 || seg[0] != nf || len != 1 + 2 * (size_t)nf + 3)
        return -EINVAL;
    const uint8_t *tail = seg + 1 + 2 * nf; /* Ss, Se, Ah/Al */
    return tail[0] == 0 && tail[1] == 63 && tail[2] == 0 ? 0 : -EINVAL;
}

/* Segments a part may have besides SOF and SOS: all other markers (DRI,
 * other frame types, DNL, ...) make it something we cannot merge. */
static bool plain_segment(unsigned m)
{
    return m == M_DHT || m == M_DQT || m == M_COM ||
           (m >= M_APP0 && m <= M_APP15);
}

/* Walks the part's segments from SOI through SOS. */
static int parse_header(const uint8_t *p, size_t size, part_info *pi)
{
    if (size < 4 || p[0] != 0xFF || p[1] != M_SOI)
        return -EINVAL;
    bool sof = false;
    size_t at = 2;
    for (;;) {
        size_t start = at;
        if (at >= size || p[at] != 0xFF)
            return -EINVAL;
        while (at < size && p[at] == 0xFF) /* fill bytes */
            at++;
        if (size - at < 3)
            return -EINVAL;
        unsigned m = p[at];
        size_t len = be16(p + at + 1);
        if (len < 2 || len > size - at - 1)
            return -EINVAL;
        const uint8_t *seg = p + at + 3;
        size_t seg_off = at + 3;
        at += 1 + len;
        if (m == M_SOF0 || m == M_SOF1) {
            if (sof || parse_sof(seg, len - 2, seg_off, pi))
                return -EINVAL;
            sof = true;
        } else if (m == M_SOS) {
            if (!sof || parse_sos(seg, len - 2, pi->ncomp))
                return -EINVAL;
            pi->sos = start;
            pi->data = at;
            return 0;
        } else if (!plain_segment(m)) {
            return -EINVAL;
        }
    }
}

/* Checks that the entropy-coded data from `data` holds no marker (stuffed
 * FF 00 bytes are data) until the EOI that ends the part. */
static int check_entropy(const uint8_t *p, size_t size, size_t data)
{
    size_t at = data;
    while (at < size) {
        const uint8_t *ff = memchr(p + at, 0xFF, size - at);
        if (!ff)
            return -EINVAL;
        size_t q = (size_t)(ff - p) + 1;
        while (q < size && p[q] == 0xFF)
            q++;
        if (q >= size)
            return -EINVAL;
        if (p[q] == 0x00) {
            at = q + 1;
            continue;
        }
        /* RSTn, another scan's tables or SOS, DNL, data after EOI. */
        return p[q] == M_EOI && q == size - 1 ? 0 : -EINVAL;
    }
    return -EINVAL;
}

/* End of the entropy-coded data of a checked part: before EOI and its fill
 * bytes (in the data, 0xFF is always followed by 0x00). */
static size_t data_end(const uint8_t *p, size_t size, size_t data)
{
    size_t end = size - MARKER_LEN;
    while (end > data && p[end - 1] == 0xFF)
        end--;
    return end;
}

/* A part we can take, as a whole. */
static int parse_part(const uint8_t *p, size_t size, part_info *pi)
{
    if (!p)
        return -EINVAL;
    int rc = parse_header(p, size, pi);
    return rc ? rc : check_entropy(p, size, pi->data);
}

/* Same headers, byte for byte, but for the frame height. */
static bool same_headers(const uint8_t *a, const part_info *ai,
                         const uint8_t *b, const part_info *bi)
{
    size_t h = ai->height_at, tail = h + 2;
    return ai->data == bi->data && h == bi->height_at && !memcmp(a, b, h) &&
           !memcmp(a + tail, b + tail, ai->data - tail);
}

/* Whether part `pi` is one restart interval (the last: at most one). */
static bool fits_interval(const part_info *pi, bool last, uint16_t interval)
{
    uint64_t mcus = (uint64_t)div_up(pi->width, pi->mcu_w) *
                    div_up(pi->height, pi->mcu_h);
    if (last)
        return mcus <= interval;
    return pi->height % pi->mcu_h == 0 && mcus == interval;
}

/* ---- merging ---- */

size_t cc_jpeg_stitch_bound(const size_t sizes[], unsigned n)
{
    size_t sum = DRI_LEN + (size_t)MARKER_LEN * n;
    for (unsigned i = 0; i < n; i++) {
        if (sizes[i] > SIZE_MAX - sum)
            return SIZE_MAX;
        sum += sizes[i];
    }
    return sum;
}

/* Checks all n parts against the first, *first; *total gets the merged
 * size. */
static int check_parts(const uint8_t *const parts[], const size_t sizes[],
                       unsigned n, uint32_t full_height, uint16_t interval,
                       part_info *first, size_t *total)
{
    uint64_t height = 0;
    size_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        part_info pi;
        if (parse_part(parts[i], sizes[i], &pi))
            return -EINVAL;
        if (i == 0)
            *first = pi;
        else if (!same_headers(parts[0], first, parts[i], &pi))
            return -EINVAL;
        if (!fits_interval(&pi, i == n - 1, interval))
            return -EINVAL;
        height += pi.height;
        sum += data_end(parts[i], sizes[i], pi.data) - pi.data;
    }
    if (height != full_height)
        return -EINVAL;
    /* No overflow: each part's data is shorter than the part. */
    *total = first->data + DRI_LEN + sum + (size_t)MARKER_LEN * n;
    return 0;
}

static uint8_t *put(uint8_t *at, const uint8_t *src, size_t len)
{
    memcpy(at, src, len);
    return at + len;
}

static uint8_t *put_marker(uint8_t *at, unsigned m)
{
    at[0] = 0xFF;
    at[1] = (uint8_t)m;
    return at + MARKER_LEN;
}

/* Writes the merged JPEG of checked parts; returns its size. */
static size_t write_merged(const uint8_t *const parts[], const size_t sizes[],
                           unsigned n, const part_info *first,
                           uint16_t full_height, uint16_t interval,
                           uint8_t *out)
{
    const uint8_t dri[DRI_LEN] = {0xFF, M_DRI, 0, 4, (uint8_t)(interval >> 8),
                                  (uint8_t)interval};
    uint8_t *at = put(out, parts[0], first->sos);
    out[first->height_at] = (uint8_t)(full_height >> 8);
    out[first->height_at + 1] = (uint8_t)full_height;
    at = put(at, dri, sizeof dri);
    at = put(at, parts[0] + first->sos, first->data - first->sos);
    for (unsigned i = 0; i < n; i++) {
        part_info pi = *first;
        if (i > 0) {
            at = put_marker(at, M_RST0 + (i - 1) % 8);
            (void)parse_header(parts[i], sizes[i], &pi);
        }
        at = put(at, parts[i] + pi.data,
                 data_end(parts[i], sizes[i], pi.data) - pi.data);
    }
    at = put_marker(at, M_EOI);
    return (size_t)(at - out);
}

/* One part: checked, then copied as it is. */
static int copy_one(const uint8_t *part, size_t size, uint32_t full_height,
                    uint8_t *out, size_t cap, size_t *out_size)
{
    part_info pi;
    if (parse_part(part, size, &pi) || pi.height != full_height)
        return -EINVAL;
    if (size > cap)
        return -ENOSPC;
    memcpy(out, part, size);
    *out_size = size;
    return 0;
}

int cc_jpeg_stitch(const uint8_t *const parts[], const size_t sizes[],
                   unsigned n, uint32_t full_height, uint16_t restart_interval,
                   uint8_t *out, size_t cap, size_t *out_size)
{
    if (!parts || !sizes || !n || !out || !out_size)
        return -EINVAL;
    if (n == 1)
        return copy_one(parts[0], sizes[0], full_height, out, cap, out_size);
    if (!restart_interval || !full_height || full_height > JPEG_MAX_DIM)
        return -EINVAL;
    part_info first;
    size_t total;
    int rc = check_parts(parts, sizes, n, full_height, restart_interval,
                         &first, &total);
    if (rc)
        return rc;
    if (total > cap)
        return -ENOSPC;
    *out_size = write_merged(parts, sizes, n, &first, (uint16_t)full_height,
                             restart_interval, out);
    return 0;
}
