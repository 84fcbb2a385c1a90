#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ENCODER_WORKERS 64
#define MAX_KEYS 8 /* per section */

static const char *const source_names[] = {
    [CC_SOURCE_TESTPATTERN] = "testpattern",
};

static const char *const pattern_names[] = {
    [CC_PATTERN_SCROLL] = "scroll",
    [CC_PATTERN_BARS] = "bars",
    [CC_PATTERN_CHECKER] = "checker",
};

enum { S_LISTEN, S_PORT, S_STREAM_FPS, S_JPEG_QUALITY, S_ENCODER_WORKERS,
       S_MAX_CLIENTS };
static const char *const server_keys[] = {
    "listen", "port", "stream_fps", "jpeg_quality", "encoder_workers",
    "max_clients",
};

enum { C_SOURCE, C_WIDTH, C_HEIGHT, C_PIXEL_FORMAT, C_GRAB_FPS, C_PATTERN };
static const char *const camera_keys[] = {
    "source", "width", "height", "pixel_format", "grab_fps", "pattern",
};

_Static_assert(N_OF(server_keys) <= MAX_KEYS, "raise MAX_KEYS");
_Static_assert(N_OF(camera_keys) <= MAX_KEYS, "raise MAX_KEYS");

/* The keys testpattern cameras cannot do without. */
static const int camera_required[] = {C_SOURCE, C_WIDTH, C_HEIGHT};

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

/* Pixel formats are numbered from CC_PIX_MONO8 without gaps. */
static const char *list_pixfmts(char *buf, size_t len)
{
    buf[0] = '\0';
    for (int f = CC_PIX_MONO8; cc_pixfmt_name((cc_pixfmt)f); f++)
        append_name(buf, len, cc_pixfmt_name((cc_pixfmt)f));
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

/* Strict like parse_long; the leading digit or '.' also rules out inf/nan. */
static int parse_double(const char *s, double min, double max, double *out)
{
    if (!isdigit((unsigned char)s[0]) && s[0] != '.')
        return -EINVAL;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end || errno || !isfinite(d) || d < min || d > max)
        return -EINVAL;
    *out = d;
    return 0;
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
    }
}

static void set_camera(load_state *st, int key, const char *value)
{
    cc_camera_config *c = &st->cfg->cameras[st->cfg->n_cameras - 1];
    char list[128];
    long n;
    int i;
    switch (key) {
    case C_SOURCE:
        if ((i = index_of(source_names, N_OF(source_names), value)) < 0)
            key_error(st, "unknown source '%s' (supported: %s)", value,
                      list_names(list, sizeof list, source_names,
                                 N_OF(source_names)));
        else
            c->source = (cc_source_kind)i;
        break;
    case C_WIDTH:
        if (!get_long(st, value, 16, 16384, &n))
            c->width = (uint32_t)n;
        break;
    case C_HEIGHT:
        if (!get_long(st, value, 16, 16384, &n))
            c->height = (uint32_t)n;
        break;
    case C_PIXEL_FORMAT:
        if (cc_pixfmt_parse(value, &c->pixfmt))
            key_error(st, "unknown pixel format '%s' (supported: %s)", value,
                      list_pixfmts(list, sizeof list));
        break;
    case C_GRAB_FPS:
        get_double(st, value, 0.1, 10000, &c->grab_fps);
        break;
    case C_PATTERN:
        if ((i = index_of(pattern_names, N_OF(pattern_names), value)) < 0)
            key_error(st, "unknown pattern '%s' (supported: %s)", value,
                      list_names(list, sizeof list, pattern_names,
                                 N_OF(pattern_names)));
        else
            c->pattern = (cc_pattern)i;
        break;
    }
}

static const section_type server_type = {server_keys, N_OF(server_keys),
                                         set_server};
static const section_type camera_type = {camera_keys, N_OF(camera_keys),
                                         set_camera};

static void enter_section(load_state *st, const section_type *type)
{
    st->sec.type = type;
    st->sec.line = st->line;
    memset(st->sec.key_lines, 0, sizeof st->sec.key_lines);
}

static void end_section(load_state *st)
{
    if (st->sec.type != &camera_type)
        return;
    for (size_t i = 0; i < N_OF(camera_required); i++)
        if (!st->sec.key_lines[camera_required[i]])
            fail(st, st->sec.line, "%s missing required key '%s'",
                 st->sec.label, camera_keys[camera_required[i]]);
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
        .line = st->line,
        .pixfmt = CC_PIX_MONO8,
        .grab_fps = 30,
        .pattern = CC_PATTERN_SCROLL,
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
    else if (len >= 6 && memcmp(text, "camera", 6) == 0 &&
             (len == 6 || text[6] == ' ')) {
        size_t skip = len > 6 ? 7 : 6; /* "[camera]" has an empty name */
        begin_camera(st, text + skip, len - skip);
    } else
        fail(st, st->line, "unknown section [%.*s] (expected [server] or "
             "[camera NAME])", (int)len, text);
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
    if (n >= (size_t)num) {
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
    if (!st->rc && st->cfg->server.encoder_workers == 0)
        st->cfg->server.encoder_workers = online_cores();
}

static const cc_server_config server_defaults = {
    .listen = "127.0.0.1",
    .port = 8765,
    .stream_fps = 30,
    .jpeg_quality = 80,
    .encoder_workers = 0,
    .max_clients = 64,
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

void cc_config_write(const cc_config *cfg, FILE *out)
{
    const cc_server_config *s = &cfg->server;
    char num[32];
    fprintf(out, "# resolved from %s\n[server]\nlisten = %s\nport = %u\n",
            cfg->path, s->listen, s->port);
    fprintf(out, "stream_fps = %s\n",
            format_double(num, sizeof num, s->stream_fps));
    fprintf(out, "jpeg_quality = %d\nencoder_workers = %u\nmax_clients = %u\n",
            s->jpeg_quality, s->encoder_workers, s->max_clients);
    for (size_t i = 0; i < cfg->n_cameras; i++) {
        const cc_camera_config *c = &cfg->cameras[i];
        fprintf(out, "\n[camera %s]\nsource = %s\nwidth = %u\nheight = %u\n",
                c->name, cc_source_kind_name(c->source), c->width, c->height);
        fprintf(out, "pixel_format = %s\ngrab_fps = %s\npattern = %s\n",
                cc_pixfmt_name(c->pixfmt),
                format_double(num, sizeof num, c->grab_fps),
                cc_pattern_name(c->pattern));
    }
}

const char *cc_source_kind_name(cc_source_kind kind)
{
    return name_of(source_names, N_OF(source_names), (int)kind);
}

const char *cc_pattern_name(cc_pattern pattern)
{
    return name_of(pattern_names, N_OF(pattern_names), (int)pattern);
}
