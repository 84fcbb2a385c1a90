#include "control.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define EXPOSURE_STEP 1.4142135623730951 /* sqrt(2): half a stop */
#define GAIN_STEP_DB 1.0
#define GAIN_STEPS 20                    /* a gain without dB: its range in steps */

static const char *const names[CC_CONTROL_N][3] = {
    [CC_CONTROL_EXPOSURE] = {"ExposureTime", "ExposureTimeAbs", "ExposureTimeRaw"},
    [CC_CONTROL_GAIN] = {"Gain", "GainAbs", "GainRaw"},
};

int cc_control_which_of(const char *name)
{
    for (int w = 0; w < CC_CONTROL_N; w++)
        for (size_t i = 0; i < sizeof names[w] / sizeof names[w][0]; i++)
            if (strcmp(name, names[w][i]) == 0)
                return w;
    return -1;
}

/* Control characters become '?': these strings reach log lines. */
static void copy_str(char *dst, size_t cap, const cJSON *v)
{
    snprintf(dst, cap, "%s", cJSON_IsString(v) ? v->valuestring : "");
    for (char *p = dst; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

static bool finite_number(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble);
}

static const cJSON *key(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A feature object (its name under name_key): into out[which] when it is
 * a number feature the keys step. */
static void read_number(const cJSON *o, const char *name_key, cc_control_number *out)
{
    const cJSON *name = key(o, name_key), *kind = key(o, "kind");
    if (!cJSON_IsString(name) || !cJSON_IsString(kind))
        return;
    int which = cc_control_which_of(name->valuestring);
    bool is_int = strcmp(kind->valuestring, "int") == 0;
    if (which < 0 || out[which].known ||
        (!is_int && strcmp(kind->valuestring, "float") != 0) || !finite_number(key(o, "value")))
        return;
    cc_control_number *f = &out[which];
    memset(f, 0, sizeof *f);
    f->known = true;
    snprintf(f->name, sizeof f->name, "%s", name->valuestring);
    f->is_int = is_int;
    f->value = key(o, "value")->valuedouble;
    const cJSON *min = key(o, "min"), *max = key(o, "max"), *inc = key(o, "inc");
    f->has_range = finite_number(min) && finite_number(max) &&
                   min->valuedouble <= max->valuedouble;
    if (f->has_range) {
        f->min = min->valuedouble;
        f->max = max->valuedouble;
    }
    f->inc = finite_number(inc) && inc->valuedouble > 0 ? inc->valuedouble : 0;
    copy_str(f->unit, sizeof f->unit, key(o, "unit"));
    f->writable = cJSON_IsTrue(key(o, "writable"));
    copy_str(f->why, sizeof f->why, key(o, "why"));
}

static int read_levels(const cJSON *root, cc_control_levels *lv)
{
    const cJSON *h = key(root, "histogram"), *lo = key(root, "clipped_low"),
                *hi = key(root, "clipped_high"), *frame = key(root, "frame_id");
    if (!cJSON_IsArray(h) || cJSON_GetArraySize(h) != CC_CONTROL_BINS ||
        !finite_number(lo) || !finite_number(hi))
        return -EINVAL;
    int i = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, h) {
        if (!finite_number(n) || n->valuedouble < 0)
            return -EINVAL;
        lv->bins[i++] = n->valuedouble;
    }
    lv->have = true;
    lv->frame_id = finite_number(frame) && frame->valuedouble >= 0 &&
                           frame->valuedouble < 1.8e19 ? (uint64_t)frame->valuedouble : 0;
    lv->clipped_low = fmin(1, fmax(0, lo->valuedouble));
    lv->clipped_high = fmin(1, fmax(0, hi->valuedouble));
    return 0;
}

/* The camera's index: "index" (features, feature) or "camera" (levels). */
static int read_camera(const cJSON *root, const char *k, unsigned *out)
{
    const cJSON *v = key(root, k);
    if (!finite_number(v) || v->valuedouble < 0 || v->valuedouble > 65535 ||
        v->valuedouble != floor(v->valuedouble))
        return -EINVAL;
    *out = (unsigned)v->valuedouble;
    return 0;
}

static int parse_root(const cJSON *root, cc_control_msg *out)
{
    const cJSON *type = key(root, "type");
    if (!cJSON_IsString(type))
        return -ENOMSG;
    copy_str(out->name, sizeof out->name, key(root, "camera"));
    if (strcmp(type->valuestring, "features") == 0) {
        out->type = CC_CONTROL_MSG_FEATURES;
        const cJSON *list = key(root, "features"), *item;
        if (read_camera(root, "index", &out->camera) < 0 || !cJSON_IsArray(list))
            return -EINVAL;
        out->online = !cJSON_IsFalse(key(root, "online"));
        out->may_set = cJSON_IsTrue(key(root, "operator"));
        cJSON_ArrayForEach(item, list)
            read_number(item, "name", out->number);
        return 0;
    }
    if (strcmp(type->valuestring, "feature") == 0) {
        out->type = CC_CONTROL_MSG_FEATURE;
        if (read_camera(root, "index", &out->camera) < 0 ||
            !cJSON_IsString(key(root, "feature")))
            return -EINVAL;
        read_number(root, "feature", out->number);
        return 0;
    }
    if (strcmp(type->valuestring, "levels") == 0) {
        out->type = CC_CONTROL_MSG_LEVELS;
        if (read_camera(root, "camera", &out->camera) < 0)
            return -EINVAL;
        return read_levels(root, &out->levels);
    }
    return -ENOMSG;
}

int cc_control_parse(const char *msg, size_t len, cc_control_msg *out)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(msg, len);
    int rc = cJSON_IsObject(root) ? parse_root(root, out) : -ENOMSG;
    cJSON_Delete(root);
    return rc;
}

static double on_grid(const cc_control_number *f, double v)
{
    if (f->inc > 0) {
        double base = f->has_range ? f->min : 0;
        v = base + round((v - base) / f->inc) * f->inc;
    }
    if (f->has_range)
        v = fmin(f->max, fmax(f->min, v));
    return f->is_int ? round(v) : v;
}

bool cc_control_step(const cc_control_number *f, cc_control_which which, int dir,
                     double *out)
{
    if (!f->known || dir == 0)
        return false;
    double v = f->value;
    if (which == CC_CONTROL_EXPOSURE) {
        v = dir > 0 ? v * EXPOSURE_STEP : v / EXPOSURE_STEP;
    } else if (strcmp(f->unit, "dB") == 0) {
        v += dir * GAIN_STEP_DB;
    } else {
        double step = f->has_range ? (f->max - f->min) / GAIN_STEPS : 1;
        step = fmax(step, f->inc > 0 ? f->inc : 0);
        v += dir * (step > 0 ? step : 1);
    }
    double snapped = on_grid(f, v);
    /* An increment coarser than the step: at least one increment on. */
    if (snapped == f->value && f->inc > 0)
        snapped = on_grid(f, f->value + dir * f->inc);
    if (snapped == f->value)
        return false;
    *out = snapped;
    return true;
}

int cc_control_set_json(char *buf, size_t cap, unsigned camera, const char *feature,
                        double value)
{
    int n = snprintf(buf, cap, "{\"type\":\"set\",\"camera\":%u,\"feature\":\"%s\","
                     "\"value\":%.17g}", camera, feature, value);
    return n > 0 && (size_t)n < cap ? 0 : -ENOSPC;
}

void cc_control_format(char *buf, size_t cap, const cc_control_number *f, double value)
{
    if (f->is_int)
        snprintf(buf, cap, "%.0f%s%s", value, f->unit[0] ? " " : "", f->unit);
    else
        snprintf(buf, cap, "%.6g%s%s", value, f->unit[0] ? " " : "", f->unit);
}
