/* cams.ini: loading (libinih), the [server] section, the public API. The
 * other sections are in camera.c, variant.c, rtsp.c and sync.c; the key tables at
 * work in keys.c. */
#include "config/config.h"

#include "camcast/token.h"
#include "config/load.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ENCODER_WORKERS 64

__attribute__((format(printf, 3, 0)))
static void vfail(cc_load *st, int line, const char *fmt, va_list ap)
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

void cc_load_fail(cc_load *st, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(st, line, fmt, ap);
    va_end(ap);
}

void cc_key_error(cc_load *st, const char *fmt, ...)
{
    char detail[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    cc_load_fail(st, st->line, "%s %s: %s", st->sec.label, st->key, detail);
}

void cc_load_nomem(cc_load *st)
{
    snprintf(st->err, st->errlen, "%s: out of memory", st->path);
    st->rc = -ENOMEM;
}

void cc_load_enter(cc_load *st, const cc_section_type *type, void *obj)
{
    if (obj)
        cc_keys_defaults(st, type->keys, type->n_keys, obj);
    st->sec.type = type;
    st->sec.line = st->line;
    memset(st->sec.key_lines, 0, sizeof st->sec.key_lines);
}

/* [server] */

static int check_address(cc_load *st, void *obj, const char *value)
{
    (void)obj;
    if (cc_valid_address(value))
        return 0;
    cc_key_error(st, "expected an IPv4 or IPv6 address, got '%s'", value);
    return -1;
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

/* A token is read at load: a file that does not give one stops the load.
 * The viewing and the control token must differ, or viewers would be
 * operators: other is the one read so far of the two. */
static int read_token_into(cc_load *st, const char *value, char *token, const char *other)
{
    char path[CC_VALUE_MAX], err[256];
    resolve_beside(st->path, value, path, sizeof path);
    if (strlen(path) >= sizeof path - 1) {
        cc_key_error(st, "path too long");
        return -1;
    }
    if (cc_token_read_file(path, token, err, sizeof err) < 0) {
        cc_key_error(st, "%s", err);
        return -1;
    }
    if (other[0] && strcmp(token, other) == 0) {
        cc_key_error(st, "token_file and control_token_file hold the same token: the "
                     "viewing token would grant control (use two tokens)");
        return -1;
    }
    return 0;
}

static int read_token(cc_load *st, void *obj, const char *value)
{
    cc_server_config *s = obj;
    return read_token_into(st, value, s->token, s->control_token);
}

static int read_control_token(cc_load *st, void *obj, const char *value)
{
    cc_server_config *s = obj;
    return read_token_into(st, value, s->control_token, s->token);
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

/* A space-separated list whose every item valid() takes; else the first
 * item it refuses is the error ("is not " what). */
static int check_list(cc_load *st, const char *value,
                      bool (*valid)(const char *item, size_t n), const char *what)
{
    for (const char *p = value + strspn(value, " \t"); *p;) {
        size_t n = strcspn(p, " \t");
        if (!valid(p, n)) {
            cc_key_error(st, "'%.*s' is not %s", (int)n, p, what);
            return -1;
        }
        p += n;
        p += strspn(p, " \t");
    }
    return 0;
}

static int check_origins(cc_load *st, void *obj, const char *value)
{
    (void)obj;
    return check_list(st, value, valid_origin, "an origin (SCHEME://HOST[:PORT], null or *)");
}

static int check_server_names(cc_load *st, void *obj, const char *value)
{
    (void)obj;
    return check_list(st, value, valid_server_name,
                      "a host name (letters, digits, '-' and '.'; or *)");
}

int cc_congestion_offered(const char *list_path, const char *name, char *offered,
                          size_t len)
{
    char line[1024];
    FILE *f = fopen(list_path, "r");
    bool read = f && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    if (!read)
        return 0;
    offered[0] = '\0';
    bool found = false;
    for (char *save, *p = strtok_r(line, " \t\n", &save); p;
         p = strtok_r(NULL, " \t\n", &save)) {
        size_t used = strlen(offered);
        snprintf(offered + used, len - used, "%s%s", used ? ", " : "", p);
        found |= strcmp(p, name) == 0;
    }
    return found || !offered[0] ? 0 : -ENOENT;
}

/* A kernel congestion control name (cubic, bbr, reno, ...) that the kernel
 * offers: a name it lacks fails here rather than at the first viewer. */
static int check_congestion(cc_load *st, void *obj, const char *value)
{
    cc_server_config *s = obj;
    size_t n = strlen(value);
    bool ok = n > 0 && n < sizeof s->tcp_congestion;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)value[i]) || value[i] == '_' || value[i] == '-';
    if (!ok) {
        cc_key_error(st, "expected a congestion control name such as cubic or bbr, "
                     "got '%s'", value);
        return -1;
    }
    char offered[256];
    if (cc_congestion_offered(CC_CONGESTION_AVAILABLE, value, offered, sizeof offered)) {
        cc_key_error(st, "unknown congestion control '%s' (the kernel offers: %s)", value,
                     offered);
        return -1;
    }
    return 0;
}

/* In the order cc_config_write writes them. */
static const cc_key server_keys[] = {
    CC_TEXT("listen", "127.0.0.1", cc_server_config, listen, .check = check_address),
    CC_UINT("port", 0, 65535, "8765", cc_server_config, port),
    CC_NUMBER("stream_fps", 0.1, 1000, "30", cc_server_config, stream_fps),
    CC_UINT("jpeg_quality", 1, 100, "80", cc_server_config, jpeg_quality),
    /* 0: one per core, resolved at load */
    CC_UINT("encoder_workers", 0, MAX_ENCODER_WORKERS, "0", cc_server_config,
            encoder_workers),
    CC_UINT("max_clients", 1, 10000, "256", cc_server_config, max_clients),
    CC_BOOL("aravis_fake", "false", cc_server_config, aravis_fake),
    /* The token's file is written back, never the token. */
    CC_TEXT("token_file", NULL, cc_server_config, token_file, .check = read_token,
            .flags = CC_KEY_OMIT_EMPTY),
    CC_TEXT("control_token_file", NULL, cc_server_config, control_token_file,
            .check = read_control_token, .flags = CC_KEY_OMIT_EMPTY),
    CC_TEXT("allowed_origins", NULL, cc_server_config, allowed_origins,
            .check = check_origins, .flags = CC_KEY_OMIT_EMPTY),
    CC_TEXT("server_names", NULL, cc_server_config, server_names,
            .check = check_server_names, .flags = CC_KEY_OMIT_EMPTY),
    CC_UINT("max_clients_per_address", 0, 10000, "0", cc_server_config,
            max_clients_per_address),
    CC_UINT("max_pending", 1, 10000, "256", cc_server_config, max_pending),
    CC_NUMBER("handshake_timeout", 0.1, 600, "5", cc_server_config, handshake_timeout_s),
    CC_NUMBER("stall_timeout", 0, 3600, "30", cc_server_config, stall_timeout_s),
    CC_BOOL("expose_client_addresses", "false", cc_server_config,
            expose_client_addresses),
    CC_UINT("send_queue_bound", 0, 1L << 30, "0", cc_server_config, send_queue_bound),
    CC_TEXT("tcp_congestion", NULL, cc_server_config, tcp_congestion,
            .check = check_congestion, .flags = CC_KEY_OMIT_EMPTY),
};
_Static_assert(CC_N_OF(server_keys) <= CC_SECTION_KEYS_MAX, "raise CC_SECTION_KEYS_MAX");

static const cc_section_type server_section;

static void begin_server(cc_load *st, const char *name, size_t len)
{
    (void)name;
    (void)len;
    if (st->server_line) {
        cc_load_fail(st, st->line, "duplicate section [server] (first defined at line %d)",
                     st->server_line);
        return;
    }
    st->server_line = st->line;
    snprintf(st->sec.label, sizeof st->sec.label, "[server]");
    cc_load_enter(st, &server_section, NULL); /* the defaults are in since the start */
}

static void *server_object(cc_load *st)
{
    return &st->cfg->server;
}

static const cc_section_type server_section = {
    .name = "server",
    .keys = server_keys,
    .n_keys = CC_N_OF(server_keys),
    .begin = begin_server,
    .object = server_object,
};

/* In the order the unknown-section message names them. */
static const cc_section_type *const sections[] = {
    &server_section, &cc_camera_section, &cc_variant_section, &cc_rtsp_section,
    &cc_sync_section,
};

/* Loading */

static void end_section(cc_load *st)
{
    if (st->sec.type && st->sec.type->end)
        st->sec.type->end(st);
}

/* "[server], [camera NAME], [variant NAME], [rtsp] or [sync NAME]" */
static void unknown_section(cc_load *st, const char *text, size_t len)
{
    char expected[256] = "";
    for (size_t i = 0; i < CC_N_OF(sections); i++) {
        size_t used = strlen(expected);
        snprintf(expected + used, sizeof expected - used, "%s[%s%s]",
                 i == 0 ? "" : i + 1 == CC_N_OF(sections) ? " or " : ", ",
                 sections[i]->name, sections[i]->named ? " NAME" : "");
    }
    cc_load_fail(st, st->line, "unknown section [%.*s] (expected %s)", (int)len, text,
                 expected);
}

/* text follows the '['. Without a ']' inih reports a syntax error itself. */
static void begin_section(cc_load *st, const char *text)
{
    const char *close = strchr(text, ']');
    if (!close)
        return;
    size_t len = (size_t)(close - text);
    end_section(st);
    if (st->rc)
        return;
    for (size_t i = 0; i < CC_N_OF(sections); i++) {
        const cc_section_type *type = sections[i];
        size_t n = strlen(type->name);
        if (len < n || memcmp(text, type->name, n) != 0 ||
            (len > n && (!type->named || text[n] != ' ')))
            continue;
        size_t skip = len > n ? n + 1 : n; /* "[camera]" has an empty name */
        type->begin(st, text + skip, len - skip);
        return;
    }
    unknown_section(st, text, len);
}

/* inih line reader. Handing out one physical line per call keeps inih's line
 * numbers equal to ours. Leading blanks are stripped because inih would take
 * an indented line as a continuation of the previous value. Section headers
 * are handled here since inih only calls the handler for keys, and empty
 * sections need checking too. Returns NULL (end) after the first error. */
static char *read_line(char *str, int num, void *stream)
{
    cc_load *st = stream;
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
        cc_load_fail(st, st->line, "syntax error (NUL byte)");
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
        cc_load_fail(st, st->line, "line too long (at most %d characters)", num - 2);
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
    cc_load *st = user;
    (void)section_name; /* read_line tracks sections, empty ones included */
    const cc_section_type *type = st->sec.type;
    if (!type) {
        cc_load_fail(st, st->line, "key '%s' outside any section (start with [server] "
                     "or [camera NAME])", name);
        return 0;
    }
    int key = cc_key_find(type->keys, type->n_keys, name);
    if (key < 0 && type->other_key && type->other_key(st, name, value))
        return st->rc == 0;
    if (key < 0)
        cc_load_fail(st, st->line, "%s unknown key '%s'", st->sec.label, name);
    else if (st->sec.key_lines[key])
        cc_load_fail(st, st->line, "%s duplicate key '%s' (first set at line %d)",
                     st->sec.label, name, st->sec.key_lines[key]);
    else {
        st->sec.key_lines[key] = st->line;
        if (type->seen)
            type->seen(st, key);
        st->key = name;
        cc_key_parse(st, &type->keys[key], type->object(st), value);
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
static void finish(cc_load *st, int ret)
{
    if (ret > 0 && (!st->rc || ret < st->err_line)) {
        st->rc = 0; /* the earlier line wins */
        cc_load_fail(st, ret, "syntax error");
    }
    if (st->rc)
        return;
    end_section(st);
    if (!st->rc && st->cfg->n_cameras == 0)
        cc_load_fail(st, 0, "no cameras: add a [camera NAME] section");
    cc_server_config *s = &st->cfg->server;
    if (!st->rc && s->encoder_workers == 0)
        s->encoder_workers = online_cores();
    for (size_t i = 0; !st->rc && i < s->n_variants; i++)
        if (s->variants[i].quality == 0)
            s->variants[i].quality = s->jpeg_quality;
    if (!st->rc && s->rtsp.enabled)
        cc_rtsp_resolve(st);
    if (!st->rc)
        cc_sync_resolve(st);
}

int cc_config_load(cc_config *cfg, const char *path, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    cc_load st = {.cfg = cfg, .path = path, .err = err, .errlen = errlen};
    st.file = fopen(path, "r");
    if (!st.file) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        return -e;
    }
    cc_keys_defaults(&st, server_keys, CC_N_OF(server_keys), &cfg->server);
    cfg->path = strdup(path);
    if (!cfg->path)
        cc_load_nomem(&st);
    else
        finish(&st, ini_parse_stream(read_line, &st, on_key, &st));
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

int cc_config_set_listen(cc_config *cfg, const char *arg, char *err,
                         size_t errlen)
{
    char addr[sizeof cfg->server.listen];
    const char *port;
    long n = 0;
    if (cc_split_listen(arg, addr, sizeof addr, &port) || !cc_valid_address(addr)) {
        snprintf(err, errlen, "--listen: invalid address '%s' (expected ADDR, "
                 "ADDR:PORT or [IPV6]:PORT)", arg);
        return -EINVAL;
    }
    if (port && cc_parse_long(port, 0, 65535, &n)) {
        snprintf(err, errlen, "--listen: invalid port '%s' (expected 0..65535)",
                 port);
        return -EINVAL;
    }
    memcpy(cfg->server.listen, addr, sizeof addr);
    if (port)
        cfg->server.port = (uint16_t)n;
    return 0;
}

void cc_config_write(const cc_config *cfg, FILE *out)
{
    const cc_server_config *s = &cfg->server;
    /* A comment line is a line too: a long path is cut. */
    fprintf(out, "# resolved from %.*s\n[server]\n", CC_LINE_CHARS_MAX - 16, cfg->path);
    cc_keys_write(out, server_keys, CC_N_OF(server_keys), s);
    for (size_t i = 0; i < s->n_variants; i++)
        cc_variant_config_write(&s->variants[i], out);
    if (s->rtsp.enabled)
        cc_rtsp_config_write(&s->rtsp, out);
    for (size_t i = 0; i < cfg->n_cameras; i++) {
        fputc('\n', out);
        cc_camera_config_write(&cfg->cameras[i], out);
    }
    for (size_t i = 0; i < s->n_syncs; i++)
        cc_sync_config_write(&s->syncs[i], cfg, out);
}
