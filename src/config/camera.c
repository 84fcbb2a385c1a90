/* [camera NAME]: its keys, which source takes which, and the checks of a
 * whole section. */
#include "config/camera.h"

#include "config/load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FEATURE_PREFIX "feature."
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

static void parse_pixel_format(cc_load *st, void *obj, const char *value)
{
    cc_camera_config *c = obj;
    char list[512];
    if (cc_pixfmt_parse(value, &c->pixfmt))
        cc_key_error(st, "unknown pixel format '%s' (supported: %s)", value,
                     cc_pixfmt_list(list, sizeof list));
}

static const char *format_pixel_format(const void *obj, char *buf, size_t len)
{
    (void)buf;
    (void)len;
    return cc_pixfmt_name(((const cc_camera_config *)obj)->pixfmt);
}

/* off, software, or the name of the trigger input ("Line1"). */
static void parse_trigger(cc_load *st, void *obj, const char *value)
{
    cc_aravis_config *a = &((cc_camera_config *)obj)->aravis;
    if (strcasecmp(value, "off") == 0)
        a->trigger = CC_TRIGGER_OFF;
    else if (strcasecmp(value, "software") == 0)
        a->trigger = CC_TRIGGER_SOFTWARE;
    else if (cc_valid_feature_name(value) && strlen(value) < CC_NAME_MAX) {
        a->trigger = CC_TRIGGER_LINE;
        snprintf(a->trigger_source, sizeof a->trigger_source, "%s", value);
    } else
        cc_key_error(st, "expected off, software or a trigger source such as "
                     "Line1, got '%s'", value);
}

static const char *format_trigger(const void *obj, char *buf, size_t len)
{
    (void)buf;
    (void)len;
    const cc_aravis_config *a = &((const cc_camera_config *)obj)->aravis;
    return a->trigger == CC_TRIGGER_OFF        ? "off"
           : a->trigger == CC_TRIGGER_SOFTWARE ? "software"
                                               : a->trigger_source;
}

#define CAM cc_camera_config
static const cc_key camera_keys[] = {
    [CC_KEY_SOURCE] = CC_ENUM("source", NULL, source_names, "source", CAM, source),
    [CC_KEY_DEVICE] = CC_TEXT("device", NULL, CAM, aravis.device, .check = cc_need_value),
    [CC_KEY_REQUIRED] = CC_BOOL("required", "true", CAM, aravis.required),
    [CC_KEY_WIDTH] = CC_UINT("width", 16, 16384, NULL, CAM, width),
    [CC_KEY_HEIGHT] = CC_UINT("height", 16, 16384, NULL, CAM, height),
    [CC_KEY_OFFSET_X] = CC_UINT("offset_x", 0, 16383, NULL, CAM, aravis.offset_x),
    [CC_KEY_OFFSET_Y] = CC_UINT("offset_y", 0, 16383, NULL, CAM, aravis.offset_y),
    [CC_KEY_BINNING] = CC_UINT("binning", 1, 16, NULL, CAM, aravis.binning),
    [CC_KEY_PIXEL_FORMAT] = CC_CUSTOM("pixel_format", "Mono8", CAM, pixfmt,
                                      parse_pixel_format, format_pixel_format),
    [CC_KEY_GRAB_FPS] = CC_NUMBER("grab_fps", 0.1, 10000, "30", CAM, grab_fps),
    [CC_KEY_EXPOSURE_US] = CC_NUMBER("exposure_us", 0.001, 1e9, NULL, CAM,
                                     aravis.exposure_us),
    [CC_KEY_GAIN_DB] = CC_NUMBER("gain_db", -100, 100, NULL, CAM, aravis.gain_db),
    [CC_KEY_TRIGGER] = CC_CUSTOM("trigger", "off", CAM, aravis.trigger, parse_trigger,
                                 format_trigger),
    [CC_KEY_TIMEOUT_MS] = CC_UINT("timeout_ms", 100, 60000, "1000", CAM,
                                  aravis.timeout_ms),
    [CC_KEY_PACKET_SIZE] = CC_AUTO("packet_size", 576, 65535, NULL, CAM,
                                   aravis.packet_size),
    [CC_KEY_SOCKET_BUFFER] = CC_AUTO("socket_buffer", 65536, 1 << 30, NULL, CAM,
                                     aravis.socket_buffer),
    [CC_KEY_PACKET_RESEND] = CC_BOOL("packet_resend", "true", CAM, aravis.packet_resend),
    [CC_KEY_PATTERN] = CC_ENUM("pattern", "scroll", pattern_names, "pattern", CAM,
                               pattern),
    [CC_KEY_DELAY_US] = CC_UINT("delay_us", 0, 1000000, "0", CAM, delay_us,
                                .flags = CC_KEY_OMIT_EMPTY),
    [CC_KEY_JITTER_US] = CC_UINT("jitter_us", 0, 1000000, "0", CAM, jitter_us,
                                 .flags = CC_KEY_OMIT_EMPTY),
    [CC_KEY_PTP] = CC_BOOL("ptp", "false", CAM, aravis.ptp),
};
#undef CAM
_Static_assert(CC_N_OF(camera_keys) == CC_CAMERA_KEYS, "a row per cc_camera_key");
_Static_assert(CC_CAMERA_KEYS <= 32, "cc_camera_config.set is 32 bits");

/* Which keys each source takes (feature.NAME: aravis only), and which of
 * them stand for the camera's own value when left out: those are written
 * back only when given. */
static const uint32_t source_keys[] = {
    [CC_SOURCE_TESTPATTERN] = KEY_BIT(CC_KEY_SOURCE) | KEY_BIT(CC_KEY_WIDTH) |
                              KEY_BIT(CC_KEY_HEIGHT) |
                              KEY_BIT(CC_KEY_PIXEL_FORMAT) |
                              KEY_BIT(CC_KEY_GRAB_FPS) | KEY_BIT(CC_KEY_PATTERN) |
                              KEY_BIT(CC_KEY_EXPOSURE_US) | KEY_BIT(CC_KEY_GAIN_DB) |
                              KEY_BIT(CC_KEY_DELAY_US) | KEY_BIT(CC_KEY_JITTER_US),
    [CC_SOURCE_ARAVIS] = (KEY_BIT(CC_CAMERA_KEYS) - 1) &
                         ~(KEY_BIT(CC_KEY_PATTERN) | KEY_BIT(CC_KEY_DELAY_US) |
                           KEY_BIT(CC_KEY_JITTER_US)),
};
static const uint32_t source_own_keys[] = {
    [CC_SOURCE_TESTPATTERN] = KEY_BIT(CC_KEY_EXPOSURE_US) | KEY_BIT(CC_KEY_GAIN_DB),
    [CC_SOURCE_ARAVIS] = KEY_BIT(CC_KEY_WIDTH) | KEY_BIT(CC_KEY_HEIGHT) |
                         KEY_BIT(CC_KEY_OFFSET_X) | KEY_BIT(CC_KEY_OFFSET_Y) |
                         KEY_BIT(CC_KEY_BINNING) | KEY_BIT(CC_KEY_PIXEL_FORMAT) |
                         KEY_BIT(CC_KEY_GRAB_FPS) | KEY_BIT(CC_KEY_EXPOSURE_US) |
                         KEY_BIT(CC_KEY_GAIN_DB),
};

/* The order cc_camera_config_write writes a source's keys in. */
static const cc_camera_key written_order[] = {
    CC_KEY_SOURCE, CC_KEY_DEVICE, CC_KEY_REQUIRED, CC_KEY_WIDTH, CC_KEY_HEIGHT,
    CC_KEY_OFFSET_X, CC_KEY_OFFSET_Y, CC_KEY_BINNING, CC_KEY_PIXEL_FORMAT,
    CC_KEY_GRAB_FPS, CC_KEY_EXPOSURE_US, CC_KEY_GAIN_DB, CC_KEY_TRIGGER,
    CC_KEY_TIMEOUT_MS, CC_KEY_PACKET_SIZE, CC_KEY_SOCKET_BUFFER,
    CC_KEY_PACKET_RESEND, CC_KEY_PTP, CC_KEY_PATTERN, CC_KEY_DELAY_US,
    CC_KEY_JITTER_US,
};
_Static_assert(CC_N_OF(written_order) == CC_CAMERA_KEYS, "every key is written");

/* What the test pattern can paint. */
static const cc_pixfmt testpattern_formats[] = {CC_PIX_MONO8, CC_PIX_RGB8};

static cc_camera_config *current_camera(cc_load *st)
{
    return &st->cfg->cameras[st->cfg->n_cameras - 1];
}

static void *camera_object(cc_load *st)
{
    return current_camera(st);
}

static void camera_seen(cc_load *st, int key)
{
    cc_camera_config *c = current_camera(st);
    c->set |= KEY_BIT(key);
    c->key_line[key] = st->line;
}

/* feature.NAME = VALUE: NAME is checked here, VALUE by the camera. */
static bool add_feature(cc_load *st, const char *key, const char *value)
{
    if (strncmp(key, FEATURE_PREFIX, strlen(FEATURE_PREFIX)) != 0)
        return false;
    cc_aravis_config *a = &current_camera(st)->aravis;
    const char *name = key + strlen(FEATURE_PREFIX);
    if (!cc_valid_feature_name(name) || strlen(name) >= CC_NAME_MAX) {
        cc_load_fail(st, st->line, "%s %s: invalid feature name '%s' (a GenICam "
                     "name: letters, digits and _)", st->sec.label, key, name);
        return true;
    }
    for (size_t i = 0; i < a->n_features; i++) {
        if (strcmp(a->features[i].name, name) == 0) {
            cc_load_fail(st, st->line, "%s duplicate key '%s' (first set at line %d)",
                         st->sec.label, key, a->features[i].line);
            return true;
        }
    }
    if (a->n_features == CC_MAX_FEATURES) {
        cc_load_fail(st, st->line, "%s %s: too many feature keys (at most %d)",
                     st->sec.label, key, CC_MAX_FEATURES);
        return true;
    }
    cc_feature *f = realloc(a->features, (a->n_features + 1) * sizeof *f);
    if (!f) {
        cc_load_nomem(st);
        return true;
    }
    a->features = f;
    f = &a->features[a->n_features++];
    *f = (cc_feature){.line = st->line};
    snprintf(f->name, sizeof f->name, "%s", name);
    st->key = key;
    if (!cc_need_value(st, NULL, value))
        snprintf(f->value, sizeof f->value, "%s", value);
    return true;
}

static void missing(cc_load *st, cc_camera_key key, const char *why)
{
    if (why)
        cc_load_fail(st, st->sec.line, "%s missing key '%s' (required with %s)",
                     st->sec.label, camera_keys[key].name, why);
    else
        cc_load_fail(st, st->sec.line, "%s missing required key '%s'", st->sec.label,
                     camera_keys[key].name);
}

/* The first line (by line number) with a key the source does not take. */
static void check_keys_apply(cc_load *st, const cc_camera_config *c)
{
    uint32_t foreign = c->set & ~source_keys[c->source];
    int line = 0;
    const char *key = NULL;
    for (int k = 0; k < CC_CAMERA_KEYS; k++) {
        if (foreign & KEY_BIT(k) && (!line || c->key_line[k] < line)) {
            line = c->key_line[k];
            key = camera_keys[k].name;
        }
    }
    const cc_aravis_config *a = &c->aravis;
    if (c->source != CC_SOURCE_ARAVIS && a->n_features &&
        (!line || a->features[0].line < line)) {
        line = a->features[0].line;
        key = "feature.";
    }
    if (key)
        cc_load_fail(st, line, "%s key '%s%s' does not apply to source %s",
                     st->sec.label, key,
                     strcmp(key, "feature.") ? "" : a->features[0].name,
                     source_names[c->source]);
}

static void check_testpattern(cc_load *st, const cc_camera_config *c)
{
    bool paintable = false;
    for (size_t i = 0; i < CC_N_OF(testpattern_formats); i++)
        paintable |= c->pixfmt == testpattern_formats[i];
    if (!paintable)
        cc_load_fail(st, c->key_line[CC_KEY_PIXEL_FORMAT], "%s pixel_format: source "
                     "testpattern paints Mono8 or RGB8, not %s", st->sec.label,
                     cc_pixfmt_name(c->pixfmt));
    if (!cc_camera_has(c, CC_KEY_WIDTH))
        missing(st, CC_KEY_WIDTH, NULL);
    if (!cc_camera_has(c, CC_KEY_HEIGHT))
        missing(st, CC_KEY_HEIGHT, NULL);
    const cc_aravis_config *a = &c->aravis;
    if (cc_camera_has(c, CC_KEY_EXPOSURE_US) &&
        (a->exposure_us < CC_TESTPATTERN_MIN_EXPOSURE_US ||
         a->exposure_us > CC_TESTPATTERN_MAX_EXPOSURE_US))
        cc_load_fail(st, c->key_line[CC_KEY_EXPOSURE_US], "%s exposure_us: the test "
                     "pattern takes %.0f..%.0f", st->sec.label, CC_TESTPATTERN_MIN_EXPOSURE_US,
                     CC_TESTPATTERN_MAX_EXPOSURE_US);
    if (cc_camera_has(c, CC_KEY_GAIN_DB) &&
        (a->gain_db < 0 || a->gain_db > CC_TESTPATTERN_MAX_GAIN_DB))
        cc_load_fail(st, c->key_line[CC_KEY_GAIN_DB], "%s gain_db: the test pattern "
                     "takes 0..%g", st->sec.label, CC_TESTPATTERN_MAX_GAIN_DB);
}

/* Without the camera at start, the stream's shape must come from the file;
 * software triggers are fired at grab_fps. */
static void check_aravis(cc_load *st, const cc_camera_config *c)
{
    static const cc_camera_key shape[] = {CC_KEY_WIDTH, CC_KEY_HEIGHT,
                                          CC_KEY_PIXEL_FORMAT, CC_KEY_GRAB_FPS};
    if (!cc_camera_has(c, CC_KEY_DEVICE))
        missing(st, CC_KEY_DEVICE, NULL);
    for (size_t i = 0; !c->aravis.required && i < CC_N_OF(shape); i++)
        if (!cc_camera_has(c, shape[i]))
            missing(st, shape[i], "required = false");
    if (c->aravis.trigger == CC_TRIGGER_SOFTWARE &&
        !cc_camera_has(c, CC_KEY_GRAB_FPS))
        missing(st, CC_KEY_GRAB_FPS, "trigger = software");
}

static void end_camera(cc_load *st)
{
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

static const cc_camera_config *find_camera(const cc_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_cameras; i++)
        if (strcmp(cfg->cameras[i].name, name) == 0)
            return &cfg->cameras[i];
    return NULL;
}

static void begin_camera(cc_load *st, const char *name, size_t len)
{
    cc_config *cfg = st->cfg;
    snprintf(st->sec.label, sizeof st->sec.label, "[camera %.*s]", (int)len, name);
    if (!cc_valid_name(name, len)) {
        cc_load_fail(st, st->line, "%s invalid camera name '%.*s' (1..%d characters "
                     "of A-Z a-z 0-9 _ . -)", st->sec.label, (int)len, name,
                     CC_NAME_MAX - 1);
        return;
    }
    char cname[CC_NAME_MAX];
    snprintf(cname, sizeof cname, "%.*s", (int)len, name);
    const cc_camera_config *first = find_camera(cfg, cname);
    if (first) {
        cc_load_fail(st, st->line, "%s duplicate camera name (first defined at line %d)",
                     st->sec.label, first->line);
        return;
    }
    if (cfg->n_cameras == CC_MAX_CAMERAS) {
        cc_load_fail(st, st->line, "%s too many cameras (at most %d)", st->sec.label,
                     CC_MAX_CAMERAS);
        return;
    }
    cc_camera_config *cams = realloc(cfg->cameras, (cfg->n_cameras + 1) * sizeof *cams);
    if (!cams) {
        cc_load_nomem(st);
        return;
    }
    cfg->cameras = cams;
    cc_camera_config *c = &cams[cfg->n_cameras++];
    *c = (cc_camera_config){.path = cfg->path, .line = st->line, .sync.group = -1};
    memcpy(c->name, cname, sizeof cname);
    cc_load_enter(st, &cc_camera_section, c);
}

const cc_section_type cc_camera_section = {
    .name = "camera",
    .named = true,
    .keys = camera_keys,
    .n_keys = CC_N_OF(camera_keys),
    .begin = begin_camera,
    .object = camera_object,
    .end = end_camera,
    .seen = camera_seen,
    .other_key = add_feature,
};

int cc_camera_config_set_feature(cc_camera_config *c, const char *name, const char *value)
{
    if (!cc_valid_feature_name(name) || strlen(name) >= CC_NAME_MAX || !value[0] ||
        strlen(value) >= CC_VALUE_MAX)
        return -EINVAL;
    cc_aravis_config *a = &c->aravis;
    for (size_t i = 0; i < a->n_features; i++) {
        if (strcmp(a->features[i].name, name) == 0) {
            snprintf(a->features[i].value, sizeof a->features[i].value, "%s", value);
            return 0;
        }
    }
    if (a->n_features == CC_MAX_FEATURES)
        return -ENOSPC;
    cc_feature *f = realloc(a->features, (a->n_features + 1) * sizeof *f);
    if (!f)
        return -ENOMEM;
    a->features = f;
    f = &a->features[a->n_features++];
    *f = (cc_feature){.line = 0};
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->value, sizeof f->value, "%s", value);
    return 0;
}

void cc_camera_config_write(const cc_camera_config *c, FILE *out)
{
    uint32_t takes = 0, own = 0;
    if (c->source > 0 && (size_t)c->source < CC_N_OF(source_keys)) {
        takes = source_keys[c->source];
        own = source_own_keys[c->source];
    }
    fprintf(out, "[camera %s]\n", c->name);
    for (size_t i = 0; i < CC_N_OF(written_order); i++) {
        cc_camera_key k = written_order[i];
        if (takes & KEY_BIT(k) && (!(own & KEY_BIT(k)) || cc_camera_has(c, k)))
            cc_key_write(out, &camera_keys[k], c);
    }
    for (size_t i = 0; i < c->aravis.n_features; i++)
        cc_write_text_key(out, FEATURE_PREFIX, c->aravis.features[i].name,
                          c->aravis.features[i].value);
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
    bool same = ok && len[0] == len[1] && memcmp(text[0], text[1], len[0]) == 0 &&
                a->sync.trigger == b->sync.trigger && a->sync.wait_ms == b->sync.wait_ms;
    free(text[0]);
    free(text[1]);
    return same;
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

static const char *name_of(const char *const *names, size_t n, int value)
{
    return value >= 0 && (size_t)value < n ? names[value] : NULL;
}

const char *cc_source_kind_name(cc_source_kind kind)
{
    return name_of(source_names, CC_N_OF(source_names), (int)kind);
}

const char *cc_pattern_name(cc_pattern pattern)
{
    return name_of(pattern_names, CC_N_OF(pattern_names), (int)pattern);
}

const char *cc_camera_key_name(cc_camera_key key)
{
    return (size_t)key < CC_N_OF(camera_keys) ? camera_keys[key].name : NULL;
}
