#include "config.h"

#include "camcast/token.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ENCODER_WORKERS 64
#define MAX_KEYS CC_CAMERA_KEYS /* per section */
#define FEATURE_PREFIX "feature."
/* What libinih (INI_MAX_LINE 200) lets a line hold, as read_line says. */
#define LINE_CHARS_MAX 198
#define KEY_BIT(k) (UINT32_C(1) << (k))

static const char *const source_names[] = {
    [CC_SOURCE_TESTPATTERN] = "testpattern",
    [CC_SOURCE_ARAVIS] = "aravis",
};

static const char *const pattern_names[] = {
    [CC_PATTERN_SCROLL] = "scroll",
    [CC_PATTERN_BARS] = "bars",
    [CC_PATTERN_CHECKER] = "checker",
};

static const char *const color_names[] = {
    [CC_COLOR_AUTO] = "auto",
    [CC_COLOR_GRAY] = "gray",
    [CC_COLOR_YUV] = "yuv",
};

enum { V_MAX_WIDTH, V_SCALE, V_QUALITY, V_COLOR };
static const char *const variant_keys[] = {"max_width", "scale", "quality",
                                           "color"};

enum { R_LISTEN, R_PORT, R_FPS, R_VARIANT };
static const char *const rtsp_keys[] = {"listen", "port", "fps", "variant"};

#define RTSP_DEFAULT_PORT 8554

enum { S_LISTEN, S_PORT, S_STREAM_FPS, S_JPEG_QUALITY, S_ENCODER_WORKERS,
       S_MAX_CLIENTS, S_ARAVIS_FAKE, S_TOKEN_FILE, S_ALLOWED_ORIGINS,
       S_MAX_CLIENTS_PER_ADDRESS, S_MAX_PENDING, S_HANDSHAKE_TIMEOUT,
       S_STALL_TIMEOUT, S_EXPOSE_CLIENT_ADDRESSES, S_SEND_QUEUE_BOUND,
       S_TCP_CONGESTION, S_SERVER_NAMES };
static const char *const server_keys[] = {
    "listen", "port", "stream_fps", "jpeg_quality", "encoder_workers",
    "max_clients", "aravis_fake", "token_file", "allowed_origins",
    "max_clients_per_address", "max_pending", "handshake_timeout",
    "stall_timeout", "expose_client_addresses", "send_queue_bound",
    "tcp_congestion", "server_names",
};

static const char *const camera_keys[CC_CAMERA_KEYS] = {
    [CC_KEY_SOURCE] = "source",
    [CC_KEY_WIDTH] = "width",
    [CC_KEY_HEIGHT] = "height",
    [CC_KEY_PIXEL_FORMAT] = "pixel_format",
    [CC_KEY_GRAB_FPS] = "grab_fps",
    [CC_KEY_PATTERN] = "pattern",
    [CC_KEY_DEVICE] = "device",
    [CC_KEY_REQUIRED] = "required",
    [CC_KEY_OFFSET_X] = "offset_x",
    [CC_KEY_OFFSET_Y] = "offset_y",
    [CC_KEY_BINNING] = "binning",
    [CC_KEY_EXPOSURE_US] = "exposure_us",
    [CC_KEY_GAIN_DB] = "gain_db",
    [CC_KEY_TRIGGER] = "trigger",
    [CC_KEY_TIMEOUT_MS] = "timeout_ms",
    [CC_KEY_PACKET_SIZE] = "packet_size",
    [CC_KEY_SOCKET_BUFFER] = "socket_buffer",
    [CC_KEY_PACKET_RESEND] = "packet_resend",
};

_Static_assert(N_OF(server_keys) <= MAX_KEYS, "raise MAX_KEYS");
_Static_assert(CC_CAMERA_KEYS <= 32, "cc_camera_config.set is 32 bits");

/* Which keys each source takes (feature.NAME: aravis only). */
static const uint32_t source_keys[] = {
    [CC_SOURCE_TESTPATTERN] = KEY_BIT(CC_KEY_SOURCE) | KEY_BIT(CC_KEY_WIDTH) |
                              KEY_BIT(CC_KEY_HEIGHT) |
                              KEY_BIT(CC_KEY_PIXEL_FORMAT) |
                              KEY_BIT(CC_KEY_GRAB_FPS) | KEY_BIT(CC_KEY_PATTERN),
    [CC_SOURCE_ARAVIS] = (KEY_BIT(CC_CAMERA_KEYS) - 1) & ~KEY_BIT(CC_KEY_PATTERN),
};

/* What the test pattern can paint. */
static const cc_pixfmt testpattern_formats[] = {CC_PIX_MONO8, CC_PIX_RGB8};

#define DEFAULT_TIMEOUT_MS 1000

typedef struct load_state load_state;

typedef struct section_type {
    const char *const *keys;
    size_t n_keys;
    void (*set)(load_state *st, int key, const char *value);
} section_type;

typedef struct section {
    const section_type *type; /* NULL before the first section */
    int line;
    int key_lines[MAX_KEYS];  /* where each key was set, 0: not yet */
    char label[CC_NAME_MAX + 16];
} section;

struct load_state {
    cc_config *cfg;
    const char *path;
    FILE *file;
    char *buf; /* getline's */
    size_t cap;
    int line;
    section sec;
    int server_line;
    const char *key; /* the key being set, for messages */
    char *err;
    size_t errlen;
    int err_line;
    int rc;
};

static const char *name_of(const char *const *names, size_t n, int value)
{
    return value >= 0 && (size_t)value < n ? names[value] : NULL;
}

static int index_of(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

static void append_name(char *buf, size_t len, const char *name)
{
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}

static const char *list_names(char *buf, size_t len, const char *const *names,
                              size_t n)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (names[i])
            append_name(buf, len, names[i]);
    return buf;
}


/* Strict: digits only (no sign, blanks or junk), in min..max. */
static int parse_long(const char *s, long min, long max, long *out)
{
    if (!isdigit((unsigned char)s[0]))
        return -EINVAL;
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (*end || errno || n < min || n > max)
        return -EINVAL;
    *out = n;
    return 0;
}

/* Strict like parse_long; the leading digit or '.' (after a '-' where
 * min < 0) also rules out inf/nan. */
static int parse_double(const char *s, double min, double max, double *out)
{
    const char *digits = min < 0 && s[0] == '-' ? s + 1 : s;
    if (!isdigit((unsigned char)digits[0]) && digits[0] != '.')
        return -EINVAL;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end || errno || !isfinite(d) || d < min || d > max)
        return -EINVAL;
    *out = d;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < N_OF(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
            *out = strcasecmp(s, yes[i]) == 0;
            return 0;
        }
    }
    return -EINVAL;
}

/* GenICam names: a letter or '_', then letters, digits and '_'. */
static bool valid_feature_name(const char *s)
{
    if (!isalpha((unsigned char)s[0]) && s[0] != '_')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

static int valid_address(const char *s)
{
    unsigned char bin[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, bin) == 1 || inet_pton(AF_INET6, s, bin) == 1;
}

__attribute__((format(printf, 3, 0)))
static void vfail(load_state *st, int line, const char *fmt, va_list ap)
{
    if (st->rc)
        return; /* the first error is the one to fix */
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (line)
        snprintf(st->err, st->errlen, "%s:%d: %s", st->path, line, msg);
    else
        snprintf(st->err, st->errlen, "%s: %s", st->path, msg);
    st->rc = -EINVAL;
    st->err_line = line;
}

__attribute__((format(printf, 3, 4)))
static void fail(load_state *st, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(st, line, fmt, ap);
    va_end(ap);
}

/* "FILE:LINE: [section] key: detail" for the key being set. */
__attribute__((format(printf, 2, 3)))
static void key_error(load_state *st, const char *fmt, ...)
{
    char detail[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    fail(st, st->line, "%s %s: %s", st->sec.label, st->key, detail);
}

static int get_long(load_state *st, const char *value, long min, long max,
                    long *out)
{
    int rc = parse_long(value, min, max, out);
    if (rc)
        key_error(st, "expected an integer %ld..%ld, got '%s'", min, max, value);
    return rc;
}

static int get_double(load_state *st, const char *value, double min,
                      double max, double *out)
{
    int rc = parse_double(value, min, max, out);
    if (rc)
        key_error(st, "expected a number %g..%g, got '%s'", min, max, value);
    return rc;
}

static int get_bool(load_state *st, const char *value, bool *out)
{
    int rc = parse_bool(value, out);
    if (rc)
        key_error(st, "expected true or false, got '%s'", value);
    return rc;
}

/* "auto" (stored as 0) or an integer min..max. */
static void get_auto_u32(load_state *st, const char *value, long min,
                         long max, uint32_t *out)
{
    long n;
    if (strcasecmp(value, "auto") == 0)
        *out = 0;
    else if (parse_long(value, min, max, &n) == 0)
        *out = (uint32_t)n;
    else
        key_error(st, "expected auto or an integer %ld..%ld, got '%s'", min,
                  max, value);
}

/* A relative token_file is relative to the config file's folder, so a
 * config and its token move together. */
static void resolve_beside(const char *config_path, const char *file, char *out,
                           size_t cap)
{
    const char *slash = strrchr(config_path, '/');
    if (file[0] == '/' || !slash)
        snprintf(out, cap, "%s", file);
    else
        snprintf(out, cap, "%.*s/%s", (int)(slash - config_path), config_path, file);
}

static void set_token_file(load_state *st, cc_server_config *s, const char *value)
{
    char path[sizeof s->token_file], err[256];
    resolve_beside(st->path, value, path, sizeof path);
    if (strlen(path) >= sizeof s->token_file - 1) {
        key_error(st, "path too long");
        return;
    }
    if (cc_token_read_file(path, s->token, err, sizeof err) < 0) {
        key_error(st, "%s", err);
        return;
    }
    snprintf(s->token_file, sizeof s->token_file, "%s", value);
}

/* Each origin is "*", "null" or SCHEME://HOST[:PORT], without a path: what
 * a browser sends in its Origin header. */
static bool valid_origin(const char *o, size_t n)
{
    if ((n == 1 && o[0] == '*') || (n == 4 && strncmp(o, "null", 4) == 0))
        return true;
    const char *sep = memmem(o, n, "://", 3);
    if (!sep || sep == o || (size_t)(sep - o) + 3 >= n)
        return false;
    for (const char *p = sep + 3; p < o + n; p++)
        if (*p == '/' || *p == '?' || *p == '#' || *p == '@')
            return false;
    return true;
}

/* A space-separated list, kept as written when valid() takes every item;
 * else the first item it refuses is the error ("is not " what). */
static void set_list(load_state *st, char *dst, size_t cap, const char *value,
                     bool (*valid)(const char *item, size_t n), const char *what)
{
    for (const char *p = value + strspn(value, " \t"); *p;) {
        size_t n = strcspn(p, " \t");
        if (!valid(p, n)) {
            key_error(st, "'%.*s' is not %s", (int)n, p, what);
            return;
        }
        p += n;
        p += strspn(p, " \t");
    }
    snprintf(dst, cap, "%s", value);
}

/* A host name as a browser writes it in Host: letters, digits, '-' and
 * '.' (an IP address needs no entry: every one is accepted), or "*". */
static bool valid_server_name(const char *name, size_t n)
{
    if (n == 1 && name[0] == '*')
        return true;
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '.')
            return false;
    return true;
}

/* A kernel congestion control name (cubic, bbr, reno, ...): checked for
 * its form here; whether the kernel has it is known when a socket asks. */
static void set_congestion(load_state *st, cc_server_config *s, const char *value)
{
    size_t n = strlen(value);
    bool ok = n > 0 && n < sizeof s->tcp_congestion;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)value[i]) || value[i] == '_' || value[i] == '-';
    if (!ok)
        key_error(st, "expected a congestion control name such as cubic or bbr, got '%s'",
                  value);
    else
        snprintf(s->tcp_congestion, sizeof s->tcp_congestion, "%s", value);
}

static void set_server(load_state *st, int key, const char *value)
{
    cc_server_config *s = &st->cfg->server;
    long n;
    switch (key) {
    case S_LISTEN:
        if (!valid_address(value))
            key_error(st, "expected an IPv4 or IPv6 address, got '%s'", value);
        else
            snprintf(s->listen, sizeof s->listen, "%s", value);
        break;
    case S_PORT:
        if (!get_long(st, value, 0, 65535, &n))
            s->port = (uint16_t)n;
        break;
    case S_STREAM_FPS:
        get_double(st, value, 0.1, 1000, &s->stream_fps);
        break;
    case S_JPEG_QUALITY:
        if (!get_long(st, value, 1, 100, &n))
            s->jpeg_quality = (int)n;
        break;
    case S_ENCODER_WORKERS:
        if (!get_long(st, value, 0, MAX_ENCODER_WORKERS, &n))
            s->encoder_workers = (unsigned)n;
        break;
    case S_MAX_CLIENTS:
        if (!get_long(st, value, 1, 10000, &n))
            s->max_clients = (unsigned)n;
        break;
    case S_ARAVIS_FAKE:
        get_bool(st, value, &s->aravis_fake);
        break;
    case S_TOKEN_FILE:
        set_token_file(st, s, value);
        break;
    case S_ALLOWED_ORIGINS:
        set_list(st, s->allowed_origins, sizeof s->allowed_origins, value, valid_origin,
                 "an origin (SCHEME://HOST[:PORT], null or *)");
        break;
    case S_SERVER_NAMES:
        set_list(st, s->server_names, sizeof s->server_names, value, valid_server_name,
                 "a host name (letters, digits, '-' and '.'; or *)");
        break;
    case S_MAX_CLIENTS_PER_ADDRESS:
        if (!get_long(st, value, 0, 10000, &n))
            s->max_clients_per_address = (unsigned)n;
        break;
    case S_MAX_PENDING:
        if (!get_long(st, value, 1, 10000, &n))
            s->max_pending = (unsigned)n;
        break;
    case S_HANDSHAKE_TIMEOUT:
        get_double(st, value, 0.1, 600, &s->handshake_timeout_s);
        break;
    case S_STALL_TIMEOUT:
        get_double(st, value, 0, 3600, &s->stall_timeout_s);
        break;
    case S_EXPOSE_CLIENT_ADDRESSES:
        get_bool(st, value, &s->expose_client_addresses);
        break;
    case S_SEND_QUEUE_BOUND:
        if (!get_long(st, value, 0, 1L << 30, &n))
            s->send_queue_bound = (size_t)n;
        break;
    case S_TCP_CONGESTION:
        set_congestion(st, s, value);
        break;
    }
}

static cc_camera_config *current_camera(load_state *st)
{
    return &st->cfg->cameras[st->cfg->n_cameras - 1];
}

static void set_source(load_state *st, cc_camera_config *c, const char *value)
{
    char list[128];
    int i = index_of(source_names, N_OF(source_names), value);
    if (i < 0)
        key_error(st, "unknown source '%s' (supported: %s)", value,
                  list_names(list, sizeof list, source_names,
                             N_OF(source_names)));
    else
        c->source = (cc_source_kind)i;
}

static void set_pixel_format(load_state *st, cc_camera_config *c,
                             const char *value)
{
    char list[512];
    if (cc_pixfmt_parse(value, &c->pixfmt))
        key_error(st, "unknown pixel format '%s' (supported: %s)", value,
                  cc_pixfmt_list(list, sizeof list));
}

static void set_pattern(load_state *st, cc_camera_config *c, const char *value)
{
    char list[128];
    int i = index_of(pattern_names, N_OF(pattern_names), value);
    if (i < 0)
        key_error(st, "unknown pattern '%s' (supported: %s)", value,
                  list_names(list, sizeof list, pattern_names,
                             N_OF(pattern_names)));
    else
        c->pattern = (cc_pattern)i;
}

static void set_text(load_state *st, char *dst, size_t size, const char *value)
{
    if (!value[0])
        key_error(st, "expected a value");
    else
        snprintf(dst, size, "%s", value);
}

/* off, software, or the name of the trigger input ("Line1"). */
static void set_trigger(load_state *st, cc_aravis_config *a, const char *value)
{
    if (strcasecmp(value, "off") == 0)
        a->trigger = CC_TRIGGER_OFF;
    else if (strcasecmp(value, "software") == 0)
        a->trigger = CC_TRIGGER_SOFTWARE;
    else if (valid_feature_name(value) && strlen(value) < CC_NAME_MAX) {
        a->trigger = CC_TRIGGER_LINE;
        snprintf(a->trigger_source, sizeof a->trigger_source, "%s", value);
    } else
        key_error(st, "expected off, software or a trigger source such as "
                  "Line1, got '%s'", value);
}

static void set_u32(load_state *st, const char *value, long min, long max,
                    uint32_t *out)
{
    long n;
    if (!get_long(st, value, min, max, &n))
        *out = (uint32_t)n;
}

/* Keys any source may have. */
static bool set_common(load_state *st, cc_camera_config *c, int key,
                       const char *value)
{
    switch (key) {
    case CC_KEY_SOURCE:
        set_source(st, c, value);
        return true;
    case CC_KEY_WIDTH:
        set_u32(st, value, 16, 16384, &c->width);
        return true;
    case CC_KEY_HEIGHT:
        set_u32(st, value, 16, 16384, &c->height);
        return true;
    case CC_KEY_PIXEL_FORMAT:
        set_pixel_format(st, c, value);
        return true;
    case CC_KEY_GRAB_FPS:
        get_double(st, value, 0.1, 10000, &c->grab_fps);
        return true;
    case CC_KEY_PATTERN:
        set_pattern(st, c, value);
        return true;
    }
    return false;
}

static void set_aravis(load_state *st, cc_aravis_config *a, int key,
                       const char *value)
{
    long n;
    switch (key) {
    case CC_KEY_DEVICE:
        set_text(st, a->device, sizeof a->device, value);
        break;
    case CC_KEY_REQUIRED:
        get_bool(st, value, &a->required);
        break;
    case CC_KEY_OFFSET_X:
        set_u32(st, value, 0, 16383, &a->offset_x);
        break;
    case CC_KEY_OFFSET_Y:
        set_u32(st, value, 0, 16383, &a->offset_y);
        break;
    case CC_KEY_BINNING:
        set_u32(st, value, 1, 16, &a->binning);
        break;
    case CC_KEY_EXPOSURE_US:
        get_double(st, value, 0.001, 1e9, &a->exposure_us);
        break;
    case CC_KEY_GAIN_DB:
        get_double(st, value, -100, 100, &a->gain_db);
        break;
    case CC_KEY_TRIGGER:
        set_trigger(st, a, value);
        break;
    case CC_KEY_TIMEOUT_MS:
        if (!get_long(st, value, 100, 60000, &n))
            a->timeout_ms = (unsigned)n;
        break;
    case CC_KEY_PACKET_SIZE:
        get_auto_u32(st, value, 576, 65535, &a->packet_size);
        break;
    case CC_KEY_SOCKET_BUFFER:
        get_auto_u32(st, value, 65536, 1 << 30, &a->socket_buffer);
        break;
    case CC_KEY_PACKET_RESEND:
        get_bool(st, value, &a->packet_resend);
        break;
    }
}

static void set_camera(load_state *st, int key, const char *value)
{
    cc_camera_config *c = current_camera(st);
    c->set |= KEY_BIT(key);
    c->key_line[key] = st->line;
    if (!set_common(st, c, key, value))
        set_aravis(st, &c->aravis, key, value);
}

/* feature.NAME = VALUE: NAME is checked here, VALUE by the camera. */
static void add_feature(load_state *st, const char *key, const char *value)
{
    cc_aravis_config *a = &current_camera(st)->aravis;
    const char *name = key + strlen(FEATURE_PREFIX);
    if (!valid_feature_name(name) || strlen(name) >= CC_NAME_MAX) {
        fail(st, st->line, "%s %s: invalid feature name '%s' (a GenICam "
             "name: letters, digits and _)", st->sec.label, key, name);
        return;
    }
    for (size_t i = 0; i < a->n_features; i++) {
        if (strcmp(a->features[i].name, name) == 0) {
            fail(st, st->line, "%s duplicate key '%s' (first set at line %d)",
                 st->sec.label, key, a->features[i].line);
            return;
        }
    }
    if (a->n_features == CC_MAX_FEATURES) {
        fail(st, st->line, "%s %s: too many feature keys (at most %d)",
             st->sec.label, key, CC_MAX_FEATURES);
        return;
    }
    cc_feature *f = realloc(a->features, (a->n_features + 1) * sizeof *f);
    if (!f) {
        snprintf(st->err, st->errlen, "%s: out of memory", st->path);
        st->rc = -ENOMEM;
        return;
    }
    a->features = f;
    f = &a->features[a->n_features++];
    *f = (cc_feature){.line = st->line};
    snprintf(f->name, sizeof f->name, "%s", name);
    st->key = key;
    set_text(st, f->value, sizeof f->value, value);
}

static cc_variant_config *current_variant(load_state *st)
{
    cc_server_config *s = &st->cfg->server;
    return &s->variants[s->n_variants - 1];
}

/* "1/N" or a decimal that is 1/N (0.5, 0.25): variants are made with a
 * box filter of N x N pixels. */
static void set_scale(load_state *st, cc_variant_config *v, const char *value)
{
    long n = 0;
    double d = 0;
    if (strncmp(value, "1/", 2) == 0) {
        if (parse_long(value + 2, 1, CC_MAX_SCALE, &n))
            n = 0;
    } else if (!parse_double(value, 1.0 / (CC_MAX_SCALE + 0.5), 1, &d)) {
        n = lround(1 / d);
        if (fabs(n * d - 1) > 0.01)
            n = 0;
    }
    if (n < 1)
        key_error(st, "expected 1/N or its decimal (N = 1..%d: 1/2, 0.25), "
                  "got '%s'", CC_MAX_SCALE, value);
    else
        v->scale = (unsigned)n;
}

static void set_variant(load_state *st, int key, const char *value)
{
    cc_variant_config *v = current_variant(st);
    long n;
    int i;
    switch (key) {
    case V_MAX_WIDTH:
        if (!get_long(st, value, 16, 16384, &n))
            v->max_width = (uint32_t)n;
        break;
    case V_SCALE:
        set_scale(st, v, value);
        break;
    case V_QUALITY:
        if (!get_long(st, value, 1, 100, &n))
            v->quality = (int)n;
        break;
    case V_COLOR:
        i = index_of(color_names, N_OF(color_names), value);
        if (i < 0)
            key_error(st, "expected auto, gray or yuv, got '%s'", value);
        else
            v->color = (cc_variant_color)i;
        break;
    }
}

static int split_listen(const char *arg, char *addr, size_t size,
                        const char **port);

static void set_rtsp(load_state *st, int key, const char *value)
{
    cc_rtsp_config *r = &st->cfg->server.rtsp;
    char addr[sizeof r->listen];
    const char *port;
    long n = RTSP_DEFAULT_PORT;
    switch (key) {
    case R_LISTEN:
        if (split_listen(value, addr, sizeof addr, &port) || !valid_address(addr) ||
            (port && parse_long(port, 0, 65535, &n))) {
            key_error(st, "expected ADDR, ADDR:PORT or [IPV6]:PORT, got '%s'", value);
            break;
        }
        memcpy(r->listen, addr, sizeof addr);
        if (port && r->port_line)
            key_error(st, "the port is set at line %d already", r->port_line);
        else if (port) {
            r->port = (uint16_t)n;
            r->port_line = st->line;
        }
        break;
    case R_PORT:
        if (r->port_line)
            key_error(st, "the port is set at line %d already", r->port_line);
        else if (!get_long(st, value, 0, 65535, &n)) {
            r->port = (uint16_t)n;
            r->port_line = st->line;
        }
        break;
    case R_FPS:
        get_double(st, value, 0, 1000, &r->fps);
        break;
    case R_VARIANT:
        set_text(st, r->variant, sizeof r->variant, value);
        r->variant_line = st->line;
        break;
    }
}

static const section_type server_type = {server_keys, N_OF(server_keys),
                                         set_server};
static const section_type rtsp_type = {rtsp_keys, N_OF(rtsp_keys), set_rtsp};
static const section_type camera_type = {camera_keys, N_OF(camera_keys),
                                         set_camera};
static const section_type variant_type = {variant_keys, N_OF(variant_keys),
                                          set_variant};

static void enter_section(load_state *st, const section_type *type)
{
    st->sec.type = type;
    st->sec.line = st->line;
    memset(st->sec.key_lines, 0, sizeof st->sec.key_lines);
}

static void missing(load_state *st, cc_camera_key key, const char *why)
{
    if (why)
        fail(st, st->sec.line, "%s missing key '%s' (required with %s)",
             st->sec.label, camera_keys[key], why);
    else
        fail(st, st->sec.line, "%s missing required key '%s'", st->sec.label,
             camera_keys[key]);
}

/* The first line (by line number) with a key the source does not take. */
static void check_keys_apply(load_state *st, const cc_camera_config *c)
{
    uint32_t foreign = c->set & ~source_keys[c->source];
    int line = 0;
    const char *key = NULL;
    for (int k = 0; k < CC_CAMERA_KEYS; k++) {
        if (foreign & KEY_BIT(k) && (!line || c->key_line[k] < line)) {
            line = c->key_line[k];
            key = camera_keys[k];
        }
    }
    const cc_aravis_config *a = &c->aravis;
    if (c->source != CC_SOURCE_ARAVIS && a->n_features &&
        (!line || a->features[0].line < line)) {
        line = a->features[0].line;
        key = "feature.";
    }
    if (key)
        fail(st, line, "%s key '%s%s' does not apply to source %s",
             st->sec.label, key,
             strcmp(key, "feature.") ? "" : a->features[0].name,
             source_names[c->source]);
}

static void check_testpattern(load_state *st, const cc_camera_config *c)
{
    bool paintable = false;
    for (size_t i = 0; i < N_OF(testpattern_formats); i++)
        paintable |= c->pixfmt == testpattern_formats[i];
    if (!paintable)
        fail(st, c->key_line[CC_KEY_PIXEL_FORMAT], "%s pixel_format: source "
             "testpattern paints Mono8 or RGB8, not %s", st->sec.label,
             cc_pixfmt_name(c->pixfmt));
    if (!cc_camera_has(c, CC_KEY_WIDTH))
        missing(st, CC_KEY_WIDTH, NULL);
    if (!cc_camera_has(c, CC_KEY_HEIGHT))
        missing(st, CC_KEY_HEIGHT, NULL);
}

/* Without the camera at start, the stream's shape must come from the file;
 * software triggers are fired at grab_fps. */
static void check_aravis(load_state *st, const cc_camera_config *c)
{
    static const cc_camera_key shape[] = {CC_KEY_WIDTH, CC_KEY_HEIGHT,
                                          CC_KEY_PIXEL_FORMAT, CC_KEY_GRAB_FPS};
    if (!cc_camera_has(c, CC_KEY_DEVICE))
        missing(st, CC_KEY_DEVICE, NULL);
    for (size_t i = 0; !c->aravis.required && i < N_OF(shape); i++)
        if (!cc_camera_has(c, shape[i]))
            missing(st, shape[i], "required = false");
    if (c->aravis.trigger == CC_TRIGGER_SOFTWARE &&
        !cc_camera_has(c, CC_KEY_GRAB_FPS))
        missing(st, CC_KEY_GRAB_FPS, "trigger = software");
}

/* Exactly one of max_width and scale says the size. */
static void end_variant(load_state *st)
{
    const int *at = st->sec.key_lines;
    if (!at[V_MAX_WIDTH] && !at[V_SCALE])
        fail(st, st->sec.line, "%s missing key 'max_width' (or 'scale')",
             st->sec.label);
    else if (at[V_MAX_WIDTH] && at[V_SCALE])
        fail(st, at[V_MAX_WIDTH] > at[V_SCALE] ? at[V_MAX_WIDTH] : at[V_SCALE],
             "%s keys 'max_width' and 'scale' both set (line %d and %d): "
             "give one", st->sec.label, at[V_MAX_WIDTH], at[V_SCALE]);
}

static void end_section(load_state *st)
{
    if (st->sec.type == &variant_type)
        end_variant(st);
    if (st->sec.type != &camera_type)
        return;
    const cc_camera_config *c = current_camera(st);
    if (!cc_camera_has(c, CC_KEY_SOURCE)) {
        missing(st, CC_KEY_SOURCE, NULL);
        return;
    }
    check_keys_apply(st, c);
    if (c->source == CC_SOURCE_TESTPATTERN)
        check_testpattern(st, c);
    else
        check_aravis(st, c);
}

static void begin_server(load_state *st)
{
    if (st->server_line) {
        fail(st, st->line, "duplicate section [server] (first defined at line %d)",
             st->server_line);
        return;
    }
    st->server_line = st->line;
    snprintf(st->sec.label, sizeof st->sec.label, "[server]");
    enter_section(st, &server_type);
}

static int valid_camera_name(const char *name, size_t len);

static void begin_rtsp(load_state *st)
{
    cc_rtsp_config *r = &st->cfg->server.rtsp;
    if (r->enabled) {
        fail(st, st->line, "duplicate section [rtsp] (first defined at line %d)", r->line);
        return;
    }
    *r = (cc_rtsp_config){.enabled = true, .line = st->line, .port = RTSP_DEFAULT_PORT,
                          .variant = "full"};
    snprintf(st->sec.label, sizeof st->sec.label, "[rtsp]");
    enter_section(st, &rtsp_type);
}

static void begin_variant(load_state *st, const char *name, size_t len)
{
    cc_server_config *s = &st->cfg->server;
    snprintf(st->sec.label, sizeof st->sec.label, "[variant %.*s]", (int)len,
             name);
    char vname[CC_NAME_MAX];
    if (!valid_camera_name(name, len)) {
        fail(st, st->line, "%s invalid variant name '%.*s' (1..%d characters "
             "of A-Z a-z 0-9 _ . -)", st->sec.label, (int)len, name,
             CC_NAME_MAX - 1);
        return;
    }
    snprintf(vname, sizeof vname, "%.*s", (int)len, name);
    int first = cc_variant_find(s, vname);
    if (strcmp(vname, "full") == 0)
        fail(st, st->line, "%s the name 'full' is the cameras' own stream",
             st->sec.label);
    else if (first >= 0)
        fail(st, st->line, "%s duplicate variant name (first defined at line "
             "%d)", st->sec.label, s->variants[first].line);
    else if (s->n_variants == CC_MAX_VARIANTS)
        fail(st, st->line, "%s too many variants (at most %d)", st->sec.label,
             CC_MAX_VARIANTS);
    if (st->rc)
        return;
    cc_variant_config *v = &s->variants[s->n_variants++];
    *v = (cc_variant_config){.line = st->line, .color = CC_COLOR_AUTO};
    memcpy(v->name, vname, sizeof vname);
    enter_section(st, &variant_type);
}

static int valid_camera_name(const char *name, size_t len)
{
    if (len < 1 || len >= CC_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
            return 0;
    return 1;
}

static const cc_camera_config *find_camera(const cc_config *cfg,
                                           const char *name)
{
    for (size_t i = 0; i < cfg->n_cameras; i++)
        if (strcmp(cfg->cameras[i].name, name) == 0)
            return &cfg->cameras[i];
    return NULL;
}

static void begin_camera(load_state *st, const char *name, size_t len)
{
    cc_config *cfg = st->cfg;
    snprintf(st->sec.label, sizeof st->sec.label, "[camera %.*s]", (int)len,
             name);
    if (!valid_camera_name(name, len)) {
        fail(st, st->line, "%s invalid camera name '%.*s' (1..%d characters "
             "of A-Z a-z 0-9 _ . -)", st->sec.label, (int)len, name,
             CC_NAME_MAX - 1);
        return;
    }
    char cname[CC_NAME_MAX];
    snprintf(cname, sizeof cname, "%.*s", (int)len, name);
    const cc_camera_config *first = find_camera(cfg, cname);
    if (first) {
        fail(st, st->line, "%s duplicate camera name (first defined at line %d)",
             st->sec.label, first->line);
        return;
    }
    if (cfg->n_cameras == CC_MAX_CAMERAS) {
        fail(st, st->line, "%s too many cameras (at most %d)", st->sec.label,
             CC_MAX_CAMERAS);
        return;
    }
    cc_camera_config *cams =
        realloc(cfg->cameras, (cfg->n_cameras + 1) * sizeof *cams);
    if (!cams) {
        snprintf(st->err, st->errlen, "%s: out of memory", st->path);
        st->rc = -ENOMEM;
        return;
    }
    cfg->cameras = cams;
    cams[cfg->n_cameras++] = (cc_camera_config){
        .path = cfg->path,
        .line = st->line,
        .pixfmt = CC_PIX_MONO8,
        .grab_fps = 30,
        .pattern = CC_PATTERN_SCROLL,
        .aravis = {.required = true, .trigger = CC_TRIGGER_OFF,
                   .timeout_ms = DEFAULT_TIMEOUT_MS, .packet_resend = true},
    };
    memcpy(cams[cfg->n_cameras - 1].name, cname, sizeof cname);
    enter_section(st, &camera_type);
}

/* text follows the '['. Without a ']' inih reports a syntax error itself. */
static void begin_section(load_state *st, const char *text)
{
    const char *close = strchr(text, ']');
    if (!close)
        return;
    size_t len = (size_t)(close - text);
    end_section(st);
    if (st->rc)
        return;
    if (len == 6 && memcmp(text, "server", 6) == 0)
        begin_server(st);
    else if (len == 4 && memcmp(text, "rtsp", 4) == 0)
        begin_rtsp(st);
    else if (len >= 6 && memcmp(text, "camera", 6) == 0 &&
             (len == 6 || text[6] == ' ')) {
        size_t skip = len > 6 ? 7 : 6; /* "[camera]" has an empty name */
        begin_camera(st, text + skip, len - skip);
    } else if (len >= 7 && memcmp(text, "variant", 7) == 0 &&
               (len == 7 || text[7] == ' ')) {
        size_t skip = len > 7 ? 8 : 7;
        begin_variant(st, text + skip, len - skip);
    } else
        fail(st, st->line, "unknown section [%.*s] (expected [server], "
             "[camera NAME], [variant NAME] or [rtsp])", (int)len, text);
}

/* inih line reader. Handing out one physical line per call keeps inih's line
 * numbers equal to ours. Leading blanks are stripped because inih would take
 * an indented line as a continuation of the previous value. Section headers
 * are handled here since inih only calls the handler for keys, and empty
 * sections need checking too. Returns NULL (end) after the first error. */
static char *read_line(char *str, int num, void *stream)
{
    load_state *st = stream;
    if (st->rc)
        return NULL;
    ssize_t len = getline(&st->buf, &st->cap, st->file);
    if (len < 0) {
        if (!feof(st->file)) { /* ENOMEM does not set the error flag */
            int e = errno;
            st->rc = -e;
            snprintf(st->err, st->errlen, "%s: cannot read: %s", st->path,
                     strerror(e));
        }
        return NULL;
    }
    st->line++;
    char *s = st->buf;
    if (strlen(s) != (size_t)len) {
        fail(st, st->line, "syntax error (NUL byte)");
        return NULL;
    }
    if (st->line == 1 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3; /* UTF-8 byte order mark */
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    /* Counted as if newline-terminated: a last line without one may not be
     * longer than the others (cc_config_write ends every line). */
    if (n + (n == 0 || s[n - 1] != '\n') >= (size_t)num) {
        fail(st, st->line, "line too long (at most %d characters)", num - 2);
        return NULL;
    }
    if (*s == '[')
        begin_section(st, s + 1);
    if (st->rc)
        return NULL;
    memcpy(str, s, n + 1);
    return str;
}

static int on_key(void *user, const char *section_name, const char *name,
                  const char *value)
{
    load_state *st = user;
    (void)section_name; /* read_line tracks sections, empty ones included */
    const section_type *type = st->sec.type;
    if (!type) {
        fail(st, st->line, "key '%s' outside any section (start with [server] "
             "or [camera NAME])", name);
        return 0;
    }
    if (type == &camera_type &&
        strncmp(name, FEATURE_PREFIX, strlen(FEATURE_PREFIX)) == 0) {
        add_feature(st, name, value);
        return st->rc == 0;
    }
    int key = index_of(type->keys, type->n_keys, name);
    if (key < 0)
        fail(st, st->line, "%s unknown key '%s'", st->sec.label, name);
    else if (st->sec.key_lines[key])
        fail(st, st->line, "%s duplicate key '%s' (first set at line %d)",
             st->sec.label, name, st->sec.key_lines[key]);
    else {
        st->sec.key_lines[key] = st->line;
        st->key = name;
        type->set(st, key, value);
    }
    return st->rc == 0;
}

/* Clamped to what the file accepts, so cc_config_write round-trips. */
static unsigned online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > MAX_ENCODER_WORKERS ? MAX_ENCODER_WORKERS : (unsigned)n;
}

/* The JPEGs RTSP sends: the chosen variant when it is YCbCr already, else
 * one like it made YCbCr for RTSP alone. */
static void resolve_rtsp(load_state *st, cc_server_config *s)
{
    cc_rtsp_config *r = &s->rtsp;
    int v = strcmp(r->variant, "full") == 0 ? -1 : cc_variant_find(s, r->variant);
    if (v < 0 && strcmp(r->variant, "full") != 0) {
        fail(st, r->variant_line, "[rtsp] variant: no [variant %s] (give \"full\" or "
             "the name of a [variant NAME] section)", r->variant);
        return;
    }
    r->has_own = v < 0 || s->variants[v].color != CC_COLOR_YUV;
    if (!r->has_own) {
        r->mux_variant = (unsigned)v + 1;
        return;
    }
    r->own = v < 0 ? (cc_variant_config){.scale = 1, .quality = s->jpeg_quality}
                   : s->variants[v];
    snprintf(r->own.name, sizeof r->own.name, "rtsp");
    r->own.color = CC_COLOR_YUV;
    r->mux_variant = (unsigned)s->n_variants + 1;
}

/* ret is ini_parse_stream's: 0 or the first line inih found bad. */
static void finish(load_state *st, int ret)
{
    if (ret > 0 && (!st->rc || ret < st->err_line)) {
        st->rc = 0; /* the earlier line wins */
        fail(st, ret, "syntax error");
    }
    if (st->rc)
        return;
    end_section(st);
    if (!st->rc && st->cfg->n_cameras == 0)
        fail(st, 0, "no cameras: add a [camera NAME] section");
    cc_server_config *s = &st->cfg->server;
    if (!st->rc && s->encoder_workers == 0)
        s->encoder_workers = online_cores();
    for (size_t i = 0; !st->rc && i < s->n_variants; i++)
        if (s->variants[i].quality == 0)
            s->variants[i].quality = s->jpeg_quality;
    if (!st->rc && s->rtsp.enabled)
        resolve_rtsp(st, s);
}

static const cc_server_config server_defaults = {
    .listen = "127.0.0.1",
    .port = 8765,
    .stream_fps = 30,
    .jpeg_quality = 80,
    .encoder_workers = 0,
    .max_clients = 256,
    .max_clients_per_address = 0,
    .max_pending = 256,
    .handshake_timeout_s = 5,
    .stall_timeout_s = 30,
};

int cc_config_load(cc_config *cfg, const char *path, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    load_state st = {.cfg = cfg, .path = path, .err = err, .errlen = errlen};
    st.file = fopen(path, "r");
    if (!st.file) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        return -e;
    }
    cfg->server = server_defaults;
    cfg->path = strdup(path);
    if (!cfg->path) {
        snprintf(err, errlen, "%s: out of memory", path);
        st.rc = -ENOMEM;
    } else {
        finish(&st, ini_parse_stream(read_line, &st, on_key, &st));
    }
    free(st.buf);
    fclose(st.file);
    if (st.rc)
        cc_config_destroy(cfg);
    return st.rc;
}

void cc_config_destroy(cc_config *cfg)
{
    free(cfg->path);
    for (size_t i = 0; i < cfg->n_cameras; i++)
        free(cfg->cameras[i].aravis.features);
    free(cfg->cameras);
    memset(cfg, 0, sizeof *cfg);
}

/* Splits "ADDR", "ADDR:PORT", "[V6]:PORT" or a bare IPv6 address (which has
 * several colons, where IPv4 with a port has one). */
static int split_listen(const char *arg, char *addr, size_t size,
                        const char **port)
{
    size_t len = strlen(arg);
    const char *colon = strchr(arg, ':');
    *port = NULL;
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (!close || (close[1] && close[1] != ':'))
            return -EINVAL;
        if (close[1])
            *port = close + 2;
        arg++;
        len = (size_t)(close - arg);
        if (!memchr(arg, ':', len))
            return -EINVAL; /* brackets are for IPv6 only */
    } else if (colon && colon == strrchr(arg, ':')) {
        len = (size_t)(colon - arg);
        *port = colon + 1;
    }
    if (len >= size)
        return -EINVAL;
    memcpy(addr, arg, len);
    addr[len] = '\0';
    return 0;
}

int cc_config_set_listen(cc_config *cfg, const char *arg, char *err,
                         size_t errlen)
{
    char addr[sizeof cfg->server.listen];
    const char *port;
    long n = 0;
    if (split_listen(arg, addr, sizeof addr, &port) || !valid_address(addr)) {
        snprintf(err, errlen, "--listen: invalid address '%s' (expected ADDR, "
                 "ADDR:PORT or [IPV6]:PORT)", arg);
        return -EINVAL;
    }
    if (port && parse_long(port, 0, 65535, &n)) {
        snprintf(err, errlen, "--listen: invalid port '%s' (expected 0..65535)",
                 port);
        return -EINVAL;
    }
    memcpy(cfg->server.listen, addr, sizeof addr);
    if (port)
        cfg->server.port = (uint16_t)n;
    return 0;
}

/* The shortest %g form that reads back as the same double, so 0.1 stays
 * "0.1" rather than "0.10000000000000001". */
static const char *format_double(char *buf, size_t len, double d)
{
    for (int prec = 15;; prec++) {
        snprintf(buf, len, "%.*g", prec, d);
        if (prec == 17 || strtod(buf, NULL) == d)
            return buf;
    }
}

static void write_testpattern(const cc_camera_config *c, FILE *out)
{
    char num[32];
    fprintf(out, "width = %u\nheight = %u\n", c->width, c->height);
    fprintf(out, "pixel_format = %s\ngrab_fps = %s\npattern = %s\n",
            cc_pixfmt_name(c->pixfmt),
            format_double(num, sizeof num, c->grab_fps),
            cc_pattern_name(c->pattern));
}

static const char *auto_or(char *buf, size_t len, uint32_t v)
{
    if (v == 0)
        return "auto";
    snprintf(buf, len, "%u", v);
    return buf;
}

/* Keys left out mean "as the camera is": they stay out. */
static void write_aravis_optional(const cc_camera_config *c, FILE *out)
{
    const cc_aravis_config *a = &c->aravis;
    char num[32];
    if (cc_camera_has(c, CC_KEY_WIDTH))
        fprintf(out, "width = %u\n", c->width);
    if (cc_camera_has(c, CC_KEY_HEIGHT))
        fprintf(out, "height = %u\n", c->height);
    if (cc_camera_has(c, CC_KEY_OFFSET_X))
        fprintf(out, "offset_x = %u\n", a->offset_x);
    if (cc_camera_has(c, CC_KEY_OFFSET_Y))
        fprintf(out, "offset_y = %u\n", a->offset_y);
    if (cc_camera_has(c, CC_KEY_BINNING))
        fprintf(out, "binning = %u\n", a->binning);
    if (cc_camera_has(c, CC_KEY_PIXEL_FORMAT))
        fprintf(out, "pixel_format = %s\n", cc_pixfmt_name(c->pixfmt));
    if (cc_camera_has(c, CC_KEY_GRAB_FPS))
        fprintf(out, "grab_fps = %s\n",
                format_double(num, sizeof num, c->grab_fps));
    if (cc_camera_has(c, CC_KEY_EXPOSURE_US))
        fprintf(out, "exposure_us = %s\n",
                format_double(num, sizeof num, a->exposure_us));
    if (cc_camera_has(c, CC_KEY_GAIN_DB))
        fprintf(out, "gain_db = %s\n",
                format_double(num, sizeof num, a->gain_db));
}


/* "key = value", or "key=value" when the spaces would push the line past
 * what the loader reads, or when the value starts with ';' (after a blank
 * that starts a comment): a value that loaded always loads again. */
static void write_text_key(FILE *out, const char *prefix, const char *key,
                           const char *value)
{
    size_t n = strlen(prefix) + strlen(key) + strlen(value) + 3;
    bool spaced = n <= LINE_CHARS_MAX && value[0] != ';';
    fprintf(out, spaced ? "%s%s = %s\n" : "%s%s=%s\n", prefix, key, value);
}

static void write_aravis(const cc_camera_config *c, FILE *out)
{
    const cc_aravis_config *a = &c->aravis;
    char num[32];
    write_text_key(out, "", "device", a->device);
    fprintf(out, "required = %s\n", a->required ? "true" : "false");
    write_aravis_optional(c, out);
    fprintf(out, "trigger = %s\ntimeout_ms = %u\n",
            a->trigger == CC_TRIGGER_OFF        ? "off"
            : a->trigger == CC_TRIGGER_SOFTWARE ? "software"
                                                : a->trigger_source,
            a->timeout_ms);
    fprintf(out, "packet_size = %s\n",
            auto_or(num, sizeof num, a->packet_size));
    fprintf(out, "socket_buffer = %s\n",
            auto_or(num, sizeof num, a->socket_buffer));
    fprintf(out, "packet_resend = %s\n", a->packet_resend ? "true" : "false");
    for (size_t i = 0; i < a->n_features; i++)
        write_text_key(out, FEATURE_PREFIX, a->features[i].name, a->features[i].value);
}

void cc_camera_config_write(const cc_camera_config *c, FILE *out)
{
    fprintf(out, "[camera %s]\nsource = %s\n", c->name,
            cc_source_kind_name(c->source));
    if (c->source == CC_SOURCE_ARAVIS)
        write_aravis(c, out);
    else
        write_testpattern(c, out);
}

/* Compared as written back: what the camera is asked for, wherever the
 * keys sit in the file. */
bool cc_camera_config_same(const cc_camera_config *a, const cc_camera_config *b)
{
    char *text[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    const cc_camera_config *c[2] = {a, b};
    bool ok = true;
    for (int i = 0; i < 2; i++) {
        FILE *f = open_memstream(&text[i], &len[i]);
        if (!f) {
            ok = false;
            break;
        }
        cc_camera_config_write(c[i], f);
        ok = fclose(f) == 0 && ok;
    }
    bool same = ok && len[0] == len[1] && memcmp(text[0], text[1], len[0]) == 0;
    free(text[0]);
    free(text[1]);
    return same;
}

static void write_variant(const cc_variant_config *v, FILE *out)
{
    fprintf(out, "\n[variant %s]\n", v->name);
    if (v->max_width)
        fprintf(out, "max_width = %u\n", v->max_width);
    else
        fprintf(out, "scale = 1/%u\n", v->scale);
    fprintf(out, "quality = %d\ncolor = %s\n", v->quality,
            cc_variant_color_name(v->color));
}

void cc_config_write(const cc_config *cfg, FILE *out)
{
    const cc_server_config *s = &cfg->server;
    char num[32];
    /* A comment line is a line too: a long path is cut. */
    fprintf(out, "# resolved from %.*s\n[server]\nlisten = %s\nport = %u\n",
            LINE_CHARS_MAX - 16, cfg->path, s->listen, s->port);
    fprintf(out, "stream_fps = %s\n",
            format_double(num, sizeof num, s->stream_fps));
    fprintf(out, "jpeg_quality = %d\nencoder_workers = %u\nmax_clients = %u\n",
            s->jpeg_quality, s->encoder_workers, s->max_clients);
    fprintf(out, "aravis_fake = %s\n", s->aravis_fake ? "true" : "false");
    /* The token's file, never the token. */
    if (s->token_file[0])
        write_text_key(out, "", "token_file", s->token_file);
    if (s->allowed_origins[0])
        write_text_key(out, "", "allowed_origins", s->allowed_origins);
    if (s->server_names[0])
        write_text_key(out, "", "server_names", s->server_names);
    fprintf(out, "max_clients_per_address = %u\nmax_pending = %u\n",
            s->max_clients_per_address, s->max_pending);
    fprintf(out, "handshake_timeout = %s\n",
            format_double(num, sizeof num, s->handshake_timeout_s));
    fprintf(out, "stall_timeout = %s\n", format_double(num, sizeof num, s->stall_timeout_s));
    fprintf(out, "expose_client_addresses = %s\n",
            s->expose_client_addresses ? "true" : "false");
    fprintf(out, "send_queue_bound = %zu\n", s->send_queue_bound);
    if (s->tcp_congestion[0])
        fprintf(out, "tcp_congestion = %s\n", s->tcp_congestion);
    for (size_t i = 0; i < s->n_variants; i++)
        write_variant(&s->variants[i], out);
    if (s->rtsp.enabled) {
        fputs("\n[rtsp]\n", out);
        if (s->rtsp.listen[0])
            fprintf(out, "listen = %s\n", s->rtsp.listen);
        fprintf(out, "port = %u\nfps = %s\n", s->rtsp.port,
                format_double(num, sizeof num, s->rtsp.fps));
        write_text_key(out, "", "variant", s->rtsp.variant);
    }
    for (size_t i = 0; i < cfg->n_cameras; i++) {
        fputc('\n', out);
        cc_camera_config_write(&cfg->cameras[i], out);
    }
}

void cc_camera_config_error(const cc_camera_config *c, int line,
                            const char *key, char *err, size_t errlen,
                            const char *fmt, ...)
{
    char detail[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s:%d: [camera %s] %s: %s",
             c->path ? c->path : "(config)", line ? line : c->line, c->name,
             key, detail);
}

unsigned cc_variant_scale(const cc_variant_config *v, uint32_t width)
{
    unsigned k = v->scale;
    if (!k)
        k = v->max_width ? (width + v->max_width - 1) / v->max_width : 1;
    return k < 1 ? 1 : k > CC_MAX_SCALE ? CC_MAX_SCALE : k;
}

size_t cc_variant_count(const cc_server_config *s)
{
    return s->n_variants + (s->rtsp.enabled && s->rtsp.has_own);
}

const cc_variant_config *cc_variant_at(const cc_server_config *s, size_t v)
{
    return v >= 1 && v <= s->n_variants ? &s->variants[v - 1] : &s->rtsp.own;
}

int cc_variant_find(const cc_server_config *s, const char *name)
{
    for (size_t i = 0; i < s->n_variants; i++)
        if (strcmp(s->variants[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *cc_variant_color_name(cc_variant_color color)
{
    return name_of(color_names, N_OF(color_names), (int)color);
}

const char *cc_source_kind_name(cc_source_kind kind)
{
    return name_of(source_names, N_OF(source_names), (int)kind);
}

const char *cc_pattern_name(cc_pattern pattern)
{
    return name_of(pattern_names, N_OF(pattern_names), (int)pattern);
}

const char *cc_camera_key_name(cc_camera_key key)
{
    return name_of(camera_keys, N_OF(camera_keys), (int)key);
}
