#include "genicam.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The camera being set up and the section it is set up from. */
typedef struct setter {
    ArvCamera *camera;
    const cc_camera_config *cfg;
} setter;

/* The config line of key, for messages (0: the section header). */
static int line_of(const setter *s, cc_camera_key key)
{
    return s->cfg->key_line[key];
}

/* A refused setting, as a config message. Returns -EINVAL. */
__attribute__((format(printf, 6, 7)))
static int refuse(const setter *s, int line, const char *key, char *err,
                  size_t errlen, const char *fmt, ...)
{
    char detail[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    cc_camera_config_error(s->cfg, line, key, err, errlen, "%s", detail);
    return -EINVAL;
}

static ArvDevice *device(const setter *s)
{
    return arv_camera_get_device(s->camera);
}

static bool has_feature(const setter *s, const char *name)
{
    return arv_camera_is_feature_available(s->camera, name, NULL);
}

/* The first of the names the camera implements (vendors differ). */
static const char *pick_feature(const setter *s, const char *const *names,
                                size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (arv_camera_is_feature_implemented(s->camera, names[i], NULL))
            return names[i];
    return names[0];
}

/* What the camera accepts for a feature now, as text ("" if unknown). */
static void describe_allowed(ArvGcNode *node, char *buf, size_t len)
{
    buf[0] = '\0';
    if (ARV_IS_GC_ENUMERATION(node)) {
        guint n = 0;
        const char **v = arv_gc_enumeration_dup_available_string_values(
            ARV_GC_ENUMERATION(node), &n, NULL);
        size_t used = 0;
        for (guint i = 0; v && i < n && used < len; i++)
            used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                     i ? ", " : "", v[i]);
        g_free(v);
    } else if (ARV_IS_GC_FLOAT(node)) {
        snprintf(buf, len, "%g..%g", arv_gc_float_get_min(ARV_GC_FLOAT(node), NULL),
                 arv_gc_float_get_max(ARV_GC_FLOAT(node), NULL));
    } else if (ARV_IS_GC_INTEGER(node)) {
        ArvGcInteger *i = ARV_GC_INTEGER(node);
        gint64 inc = arv_gc_integer_get_inc(i, NULL);
        int n = snprintf(buf, len, "%lld..%lld",
                         (long long)arv_gc_integer_get_min(i, NULL),
                         (long long)arv_gc_integer_get_max(i, NULL));
        if (inc > 1 && n > 0 && (size_t)n < len)
            snprintf(buf + n, len - (size_t)n, " in steps of %lld",
                     (long long)inc);
    } else if (ARV_IS_GC_BOOLEAN(node)) {
        snprintf(buf, len, "true, false");
    }
}

/* Numbers outside the camera's bounds (or off its increment) are refused
 * here, so the message can say what is allowed. */
static bool out_of_range(ArvGcNode *node, const char *value)
{
    char *end;
    if (ARV_IS_GC_ENUMERATION(node))
        return false;
    if (ARV_IS_GC_FLOAT(node)) {
        double v = strtod(value, &end);
        ArvGcFloat *f = ARV_GC_FLOAT(node);
        return !*end && end != value &&
               (v < arv_gc_float_get_min(f, NULL) ||
                v > arv_gc_float_get_max(f, NULL));
    }
    if (ARV_IS_GC_INTEGER(node)) {
        long long v = strtoll(value, &end, 0);
        ArvGcInteger *i = ARV_GC_INTEGER(node);
        gint64 min = arv_gc_integer_get_min(i, NULL);
        gint64 inc = arv_gc_integer_get_inc(i, NULL);
        return !*end && end != value &&
               (v < min || v > arv_gc_integer_get_max(i, NULL) ||
                (inc > 1 && (v - min) % inc != 0));
    }
    return false;
}

static void set_node(ArvGcNode *node, const char *value, GError **e)
{
    if (!ARV_IS_GC_COMMAND(node)) {
        arv_gc_feature_node_set_value_from_string(ARV_GC_FEATURE_NODE(node),
                                                  value, e);
        return;
    }
    if (strcasecmp(value, "execute") == 0)
        arv_gc_command_execute(ARV_GC_COMMAND(node), e);
    else
        g_set_error(e, ARV_DEVICE_ERROR, ARV_DEVICE_ERROR_INVALID_PARAMETER,
                    "a command takes the value 'execute'");
}

/* Sets a GenICam feature from text, as written in the config. A refusal is
 * reported against the config key with the feature's name and what the
 * camera allows. */
static int set_feature(const setter *s, int line, const char *key,
                       const char *feature, const char *value, char *err,
                       size_t errlen)
{
    ArvGcNode *node = arv_device_get_feature(device(s), feature);
    if (!ARV_IS_GC_FEATURE_NODE(node))
        return refuse(s, line, key, err, errlen, "the camera has no feature "
                      "%s", feature);
    char allowed[256];
    describe_allowed(node, allowed, sizeof allowed);
    if (out_of_range(node, value))
        return refuse(s, line, key, err, errlen, "%s = %s refused by the "
                      "camera (allowed %s)", feature, value, allowed);
    GError *e = NULL;
    set_node(node, value, &e);
    if (!e)
        return 0;
    refuse(s, line, key, err, errlen, "%s = %s refused by the camera: %s%s%s%s",
           feature, value, e->message, allowed[0] ? " (allowed " : "", allowed,
           allowed[0] ? ")" : "");
    g_error_free(e);
    return -EINVAL;
}

static int set_key_u32(const setter *s, cc_camera_key key, const char *feature,
                       uint32_t value, char *err, size_t errlen)
{
    char text[16];
    snprintf(text, sizeof text, "%u", value);
    return set_feature(s, line_of(s, key), cc_camera_key_name(key), feature,
                       text, err, errlen);
}

static int set_key_double(const setter *s, cc_camera_key key, const char *feature,
                          double value, char *err, size_t errlen)
{
    char text[32];
    snprintf(text, sizeof text, "%.15g", value);
    return set_feature(s, line_of(s, key), cc_camera_key_name(key), feature,
                       text, err, errlen);
}

/* feature.NAME lines, first and in file order: they may switch on modes
 * that the other settings need. */
static int set_features(const setter *s, char *err, size_t errlen)
{
    const cc_aravis_config *a = &s->cfg->aravis;
    for (size_t i = 0; i < a->n_features; i++) {
        const cc_feature *f = &a->features[i];
        char key[CC_NAME_MAX + 16];
        snprintf(key, sizeof key, "feature.%s", f->name);
        int rc = set_feature(s, f->line, key, f->name, f->value, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

static int set_binning(const setter *s, char *err, size_t errlen)
{
    if (!cc_camera_has(s->cfg, CC_KEY_BINNING))
        return 0;
    uint32_t b = s->cfg->aravis.binning;
    int rc = set_key_u32(s, CC_KEY_BINNING, "BinningHorizontal", b, err, errlen);
    return rc ? rc : set_key_u32(s, CC_KEY_BINNING, "BinningVertical", b, err,
                                 errlen);
}

static void list_offered(const setter *s, char *buf, size_t len)
{
    guint n = 0;
    const char **names =
        arv_camera_dup_available_pixel_formats_as_strings(s->camera, &n, NULL);
    size_t used = 0;
    buf[0] = '\0';
    for (guint i = 0; names && i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                                 names[i]);
    g_free(names);
}

/* By PFNC code: cameras name some formats differently ("RGB8Packed"). */
static int set_pixel_format(const setter *s, char *err, size_t errlen)
{
    const cc_camera_config *c = s->cfg;
    if (!cc_camera_has(c, CC_KEY_PIXEL_FORMAT))
        return 0;
    uint32_t code = cc_pixfmt_pfnc(c->pixfmt);
    guint n = 0;
    gint64 *codes = arv_camera_dup_available_pixel_formats(s->camera, &n, NULL);
    bool offered = false;
    for (guint i = 0; codes && i < n; i++)
        offered |= (uint32_t)codes[i] == code;
    g_free(codes);
    int line = line_of(s, CC_KEY_PIXEL_FORMAT);
    if (!offered) {
        char list[256];
        list_offered(s, list, sizeof list);
        return refuse(s, line, "pixel_format", err, errlen, "the camera does "
                      "not offer %s (it offers: %s)",
                      cc_pixfmt_name(c->pixfmt), list);
    }
    GError *e = NULL;
    arv_camera_set_pixel_format(s->camera, code, &e);
    if (!e)
        return 0;
    refuse(s, line, "pixel_format", err, errlen, "PixelFormat = %s refused by "
           "the camera: %s", cc_pixfmt_name(c->pixfmt), e->message);
    g_error_free(e);
    return -EINVAL;
}

/* Width then offset, from offset 0 so the whole sensor is allowed: a given
 * size starts at offset 0 unless the offset is given too. */
static int set_axis(const setter *s, cc_camera_key size_key, uint32_t size,
                    cc_camera_key off_key, uint32_t off, const char *size_name,
                    const char *off_name, char *err, size_t errlen)
{
    bool has_size = cc_camera_has(s->cfg, size_key);
    bool has_off = cc_camera_has(s->cfg, off_key);
    int rc = 0;
    if (has_size && has_feature(s, off_name))
        rc = set_key_u32(s, size_key, off_name, 0, err, errlen);
    if (!rc && has_size)
        rc = set_key_u32(s, size_key, size_name, size, err, errlen);
    if (!rc && (has_off || (has_size && off)))
        rc = set_key_u32(s, off_key, off_name, off, err, errlen);
    return rc;
}

static int set_region(const setter *s, char *err, size_t errlen)
{
    const cc_camera_config *c = s->cfg;
    int rc = set_axis(s, CC_KEY_WIDTH, c->width, CC_KEY_OFFSET_X,
                      c->aravis.offset_x, "Width", "OffsetX", err, errlen);
    return rc ? rc : set_axis(s, CC_KEY_HEIGHT, c->height, CC_KEY_OFFSET_Y,
                              c->aravis.offset_y, "Height", "OffsetY", err,
                              errlen);
}

/* Turns the automatic control off first when the camera has one, or the
 * value would not hold. */
static int set_manual(const setter *s, cc_camera_key key, const char *auto_name,
                      const char *const *names, size_t n, double value,
                      char *err, size_t errlen)
{
    if (!cc_camera_has(s->cfg, key))
        return 0;
    int rc = 0;
    if (has_feature(s, auto_name))
        rc = set_feature(s, line_of(s, key), cc_camera_key_name(key),
                         auto_name, "Off", err, errlen);
    return rc ? rc : set_key_double(s, key, pick_feature(s, names, n), value,
                                    err, errlen);
}

static int set_exposure_gain(const setter *s, char *err, size_t errlen)
{
    static const char *const exposure[] = {"ExposureTime", "ExposureTimeAbs"};
    static const char *const gain[] = {"Gain", "GainAbs", "GainRaw"};
    const cc_aravis_config *a = &s->cfg->aravis;
    int rc = set_manual(s, CC_KEY_EXPOSURE_US, "ExposureAuto", exposure, 2,
                        a->exposure_us, err, errlen);
    return rc ? rc : set_manual(s, CC_KEY_GAIN_DB, "GainAuto", gain, 3,
                                a->gain_db, err, errlen);
}

static int check_trigger_source(const setter *s, const char *want, char *err,
                                size_t errlen)
{
    guint n = 0;
    const char **v = arv_camera_dup_available_trigger_sources(s->camera, &n, NULL);
    char list[256] = "";
    size_t used = 0;
    bool ok = false;
    for (guint i = 0; v && i < n; i++) {
        ok |= strcmp(v[i], want) == 0;
        if (used < sizeof list)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     i ? ", " : "", v[i]);
    }
    g_free(v);
    if (ok)
        return 0;
    /* A trigger the camera's sync group asked for, not its own key. */
    bool by_group = !cc_camera_has(s->cfg, CC_KEY_TRIGGER) &&
                    s->cfg->sync.trigger != CC_SYNC_NONE;
    return refuse(s, line_of(s, CC_KEY_TRIGGER), "trigger", err, errlen,
                  "the camera has no trigger source %s (it has: %s)%s", want,
                  n ? list : "none", by_group ? "; its sync group needs it" : "");
}

static int set_trigger(const setter *s, char *err, size_t errlen)
{
    const cc_aravis_config *a = &s->cfg->aravis;
    const char *source = a->trigger == CC_TRIGGER_SOFTWARE ? "Software"
                                                           : a->trigger_source;
    GError *e = NULL;
    if (a->trigger == CC_TRIGGER_OFF) {
        if (!has_feature(s, "TriggerMode"))
            return 0; /* a camera without triggers is free running */
        arv_camera_clear_triggers(s->camera, &e);
    } else {
        int rc = check_trigger_source(s, source, err, errlen);
        if (rc)
            return rc;
        arv_camera_set_trigger(s->camera, source, &e);
    }
    if (!e)
        return 0;
    refuse(s, line_of(s, CC_KEY_TRIGGER), "trigger", err, errlen, "the camera "
           "refused trigger %s: %s", a->trigger == CC_TRIGGER_OFF ? "off" : source,
           e->message);
    g_error_free(e);
    return -EINVAL;
}

/* ptp = true: PTP (IEEE 1588) on, by its SFNC name or the older GigE
 * Vision one. The state it reaches is read while grabbing (aravis.c). */
static int set_ptp(const setter *s, char *err, size_t errlen)
{
    static const char *const names[] = {"PtpEnable", "GevIEEE1588"};
    if (!s->cfg->aravis.ptp)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (has_feature(s, names[i]))
            return set_feature(s, line_of(s, CC_KEY_PTP), "ptp", names[i], "true", err,
                               errlen);
    return refuse(s, line_of(s, CC_KEY_PTP), "ptp", err, errlen, "the camera has no PTP "
                  "(neither PtpEnable nor GevIEEE1588)");
}

/* A free-running camera grabs at grab_fps; a triggered one as triggered. */
static int set_frame_rate(const setter *s, char *err, size_t errlen)
{
    static const char *const names[] = {"AcquisitionFrameRate",
                                        "AcquisitionFrameRateAbs"};
    const cc_camera_config *c = s->cfg;
    if (c->aravis.trigger != CC_TRIGGER_OFF || !cc_camera_has(c, CC_KEY_GRAB_FPS))
        return 0;
    int rc = 0;
    if (has_feature(s, "AcquisitionFrameRateEnable"))
        rc = set_feature(s, line_of(s, CC_KEY_GRAB_FPS), "grab_fps",
                         "AcquisitionFrameRateEnable", "true", err, errlen);
    return rc ? rc : set_key_double(s, CC_KEY_GRAB_FPS,
                                    pick_feature(s, names, 2), c->grab_fps,
                                    err, errlen);
}

/* GigE Vision: a fixed packet size, or the largest that gets through,
 * tested when the stream is created. */
static int set_packet_size(const setter *s, char *err, size_t errlen)
{
    const cc_aravis_config *a = &s->cfg->aravis;
    if (!a->packet_size) {
        arv_camera_gv_set_packet_size_adjustment(s->camera,
                                                 ARV_GV_PACKET_SIZE_ADJUSTMENT_ONCE);
        return 0;
    }
    arv_camera_gv_set_packet_size_adjustment(s->camera,
                                             ARV_GV_PACKET_SIZE_ADJUSTMENT_NEVER);
    return set_key_u32(s, CC_KEY_PACKET_SIZE, "GevSCPSPacketSize",
                       a->packet_size, err, errlen);
}

static int configure(const setter *s, char *err, size_t errlen)
{
    /* Aravis checks bounds only when asked. */
    arv_camera_set_range_check_policy(s->camera, ARV_RANGE_CHECK_POLICY_ENABLE);
    int rc = set_features(s, err, errlen);
    if (!rc && has_feature(s, "AcquisitionMode"))
        arv_camera_set_acquisition_mode(s->camera,
                                        ARV_ACQUISITION_MODE_CONTINUOUS, NULL);
    if (!rc)
        rc = set_binning(s, err, errlen);
    if (!rc)
        rc = set_pixel_format(s, err, errlen);
    if (!rc)
        rc = set_region(s, err, errlen);
    if (!rc)
        rc = set_exposure_gain(s, err, errlen);
    if (!rc)
        rc = set_ptp(s, err, errlen);
    if (!rc)
        rc = set_trigger(s, err, errlen);
    if (!rc)
        rc = set_frame_rate(s, err, errlen);
    if (!rc && arv_camera_is_gv_device(s->camera))
        rc = set_packet_size(s, err, errlen);
    return rc;
}

int cc_genicam_configure(ArvCamera *camera, const cc_camera_config *cfg,
                         char *err, size_t errlen)
{
    const setter s = {.camera = camera, .cfg = cfg};
    return configure(&s, err, errlen);
}

/* ---- live control (feature.h) ---- */

/* The features offered for every camera that has them (GenICam SFNC
 * names; vendors implement some of each group), besides the config's
 * feature.NAME ones. */
static const char *const offered[] = {
    "ExposureAuto", "ExposureTime", "ExposureTimeAbs",
    "GainAuto", "Gain", "GainAbs", "GainRaw",
    "BlackLevel", "Gamma", "BalanceWhiteAuto",
    "AcquisitionFrameRate", "AcquisitionFrameRateAbs",
    "TriggerSelector", "TriggerMode", "TriggerSource", "TriggerSoftware",
    "ReverseX", "ReverseY",
};

/* A feature its automatic control sets while the control is not Off
 * (many cameras do not mark it locked themselves). */
static const struct {
    const char *feature, *control;
} auto_controls[] = {
    {"ExposureTime", "ExposureAuto"}, {"ExposureTimeAbs", "ExposureAuto"},
    {"ExposureTimeRaw", "ExposureAuto"}, {"Gain", "GainAuto"}, {"GainAbs", "GainAuto"},
    {"GainRaw", "GainAuto"}, {"BlackLevel", "BlackLevelAuto"},
    {"BlackLevelRaw", "BlackLevelAuto"}, {"BalanceRatio", "BalanceWhiteAuto"},
    {"BalanceRatioAbs", "BalanceWhiteAuto"},
};

/* Units cameras often leave out of their node map. */
static const struct {
    const char *feature, *unit;
} usual_units[] = {
    {"ExposureTime", "us"}, {"ExposureTimeAbs", "us"}, {"Gain", "dB"}, {"GainAbs", "dB"},
    {"AcquisitionFrameRate", "Hz"}, {"AcquisitionFrameRateAbs", "Hz"},
};

static void set_unit(cc_feature_state *f, const char *unit)
{
    for (size_t i = 0; !(unit && unit[0]) && i < sizeof usual_units / sizeof usual_units[0];
         i++)
        if (strcmp(f->name, usual_units[i].feature) == 0)
            unit = usual_units[i].unit;
    snprintf(f->unit, sizeof f->unit, "%s", unit ? unit : "");
}

/* A float's increment, when the camera gives one (Aravis answers the
 * smallest double when there is none). */
static double float_inc(ArvGcFloat *node)
{
    GError *e = NULL;
    double inc = arv_gc_float_get_inc(node, &e);
    g_clear_error(&e);
    return inc > 1e-300 ? inc : 0;
}

static int read_number(ArvGcNode *node, cc_feature_state *f, GError **e)
{
    if (f->kind == CC_FEATURE_FLOAT) {
        ArvGcFloat *n = ARV_GC_FLOAT(node);
        f->value.number = arv_gc_float_get_value(n, e);
        f->min = *e ? 0 : arv_gc_float_get_min(n, e);
        f->max = *e ? 0 : arv_gc_float_get_max(n, e);
        f->inc = float_inc(n);
        set_unit(f, arv_gc_float_get_unit(n));
    } else {
        ArvGcInteger *n = ARV_GC_INTEGER(node);
        f->value.number = (double)arv_gc_integer_get_value(n, e);
        gint64 min = *e ? 0 : arv_gc_integer_get_min(n, e);
        gint64 max = *e ? 0 : arv_gc_integer_get_max(n, e);
        gint64 inc = *e ? 1 : arv_gc_integer_get_inc(n, e);
        f->min = (double)min;
        f->max = (double)max;
        f->inc = inc > 1 ? (double)inc : 1;
        set_unit(f, arv_gc_integer_get_unit(n));
        /* Nodes without bounds answer the type's limits. */
        if (min == G_MININT64 && max == G_MAXINT64)
            f->min = f->max = 0;
    }
    f->has_range = f->min < f->max || (f->min == f->max && f->min != 0);
    return *e ? -EIO : 0;
}

static int read_enum(ArvGcNode *node, cc_feature_state *f, GError **e)
{
    ArvGcEnumeration *n = ARV_GC_ENUMERATION(node);
    const char *now = arv_gc_enumeration_get_string_value(n, e);
    if (*e)
        return -EIO;
    snprintf(f->value.text, sizeof f->value.text, "%s", now ? now : "");
    guint count = 0;
    const char **v = arv_gc_enumeration_dup_available_string_values(n, &count, e);
    for (guint i = 0; v && i < count; i++)
        if (cc_feature_add_entry(f, v[i]) < 0)
            break; /* the rest does not fit: not offered */
    g_free(v);
    return *e ? -EIO : 0;
}

static cc_feature_kind kind_of(ArvGcNode *node)
{
    /* Enumerations are integers too: asked first. */
    if (ARV_IS_GC_COMMAND(node))
        return CC_FEATURE_COMMAND;
    if (ARV_IS_GC_BOOLEAN(node))
        return CC_FEATURE_BOOL;
    if (ARV_IS_GC_ENUMERATION(node))
        return CC_FEATURE_ENUM;
    if (ARV_IS_GC_INTEGER(node))
        return CC_FEATURE_INT;
    if (ARV_IS_GC_FLOAT(node))
        return CC_FEATURE_FLOAT;
    return 0;
}

static ArvGcNode *feature_node(ArvCamera *camera, const char *name)
{
    ArvGcNode *node = arv_device_get_feature(arv_camera_get_device(camera), name);
    return ARV_IS_GC_FEATURE_NODE(node) ? node : NULL;
}

/* Whether an automatic control holds f now; why in f->why. */
static bool held_by_auto(ArvCamera *camera, cc_feature_state *f)
{
    for (size_t i = 0; i < sizeof auto_controls / sizeof auto_controls[0]; i++) {
        if (strcmp(f->name, auto_controls[i].feature) != 0)
            continue;
        ArvGcNode *node = feature_node(camera, auto_controls[i].control);
        if (!node || !ARV_IS_GC_ENUMERATION(node))
            return false;
        GError *e = NULL;
        const char *v = arv_gc_enumeration_get_string_value(ARV_GC_ENUMERATION(node), &e);
        bool on = !e && v && strcmp(v, "Off") != 0;
        g_clear_error(&e);
        if (on)
            snprintf(f->why, sizeof f->why, "locked while %s is %s", auto_controls[i].control,
                     v);
        return on;
    }
    return false;
}

static void judge_writable(ArvCamera *camera, ArvGcFeatureNode *fn, cc_feature_state *f)
{
    GError *e = NULL;
    bool available = arv_gc_feature_node_is_available(fn, &e);
    g_clear_error(&e);
    bool locked = arv_gc_feature_node_is_locked(fn, &e);
    g_clear_error(&e);
    ArvGcAccessMode mode = arv_gc_feature_node_get_actual_access_mode(fn);
    f->writable = false;
    if (!available)
        snprintf(f->why, sizeof f->why, "not available now");
    else if (mode == ARV_GC_ACCESS_MODE_RO)
        snprintf(f->why, sizeof f->why, "read-only");
    else if (locked)
        snprintf(f->why, sizeof f->why, "locked by the camera");
    else if (!held_by_auto(camera, f))
        f->writable = true;
}

int cc_genicam_read(ArvCamera *camera, cc_feature_state *f)
{
    char name[CC_FEATURE_NAME_MAX];
    snprintf(name, sizeof name, "%s", f->name);
    *f = (cc_feature_state){0};
    snprintf(f->name, sizeof f->name, "%s", name);
    ArvGcNode *node = feature_node(camera, name);
    GError *e = NULL;
    if (!node || !arv_gc_feature_node_is_implemented(ARV_GC_FEATURE_NODE(node), &e)) {
        g_clear_error(&e);
        return -ENOENT;
    }
    f->kind = kind_of(node);
    f->value.kind = f->kind;
    int rc = 0;
    if (f->kind == CC_FEATURE_FLOAT || f->kind == CC_FEATURE_INT)
        rc = read_number(node, f, &e);
    else if (f->kind == CC_FEATURE_ENUM)
        rc = read_enum(node, f, &e);
    else if (f->kind == CC_FEATURE_BOOL)
        f->value.flag = arv_gc_boolean_get_value(ARV_GC_BOOLEAN(node), &e);
    else if (f->kind != CC_FEATURE_COMMAND)
        return -ENOENT; /* strings, registers: not offered */
    if (e)
        rc = -EIO;
    g_clear_error(&e);
    judge_writable(camera, ARV_GC_FEATURE_NODE(node), f);
    return rc;
}

static bool listed(const cc_feature_state *out, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(out[i].name, name) == 0)
            return true;
    return false;
}

static void list_one(ArvCamera *camera, const char *name, cc_feature_state *out, size_t *n,
                     size_t max)
{
    if (*n == max || listed(out, *n, name))
        return;
    snprintf(out[*n].name, sizeof out[*n].name, "%s", name);
    if (cc_genicam_read(camera, &out[*n]) == 0)
        (*n)++;
}

int cc_genicam_list(ArvCamera *camera, const cc_camera_config *cfg, cc_feature_state *out,
                    size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof offered / sizeof offered[0]; i++)
        list_one(camera, offered[i], out, &n, max);
    for (size_t i = 0; i < cfg->aravis.n_features; i++)
        list_one(camera, cfg->aravis.features[i].name, out, &n, max);
    return (int)n;
}

static void write_node(ArvGcNode *node, const cc_feature_value *v, GError **e)
{
    switch (v->kind) {
    case CC_FEATURE_FLOAT:
        arv_gc_float_set_value(ARV_GC_FLOAT(node), v->number, e);
        break;
    case CC_FEATURE_INT:
        arv_gc_integer_set_value(ARV_GC_INTEGER(node), (gint64)v->number, e);
        break;
    case CC_FEATURE_BOOL:
        arv_gc_boolean_set_value(ARV_GC_BOOLEAN(node), v->flag, e);
        break;
    case CC_FEATURE_ENUM:
        arv_gc_enumeration_set_string_value(ARV_GC_ENUMERATION(node), v->text, e);
        break;
    case CC_FEATURE_COMMAND:
        arv_gc_command_execute(ARV_GC_COMMAND(node), e);
        break;
    }
}

int cc_genicam_write(ArvCamera *camera, const char *name, cc_feature_value *v, char *err,
                     size_t errlen)
{
    cc_feature_state f = {0};
    snprintf(f.name, sizeof f.name, "%s", name);
    int rc = cc_genicam_read(camera, &f);
    if (rc == -ENOENT) {
        snprintf(err, errlen, "the camera has no feature %s", name);
        return rc;
    }
    rc = cc_feature_check(&f, v, err, errlen);
    if (rc < 0)
        return rc;
    GError *e = NULL;
    write_node(feature_node(camera, name), v, &e);
    if (!e)
        return 0;
    char text[CC_FEATURE_TEXT_MAX + 32];
    cc_feature_value_format(v, text, sizeof text);
    snprintf(err, errlen, "the camera refused %s = %s: %s", name, text, e->message);
    g_error_free(e);
    return -EIO;
}
