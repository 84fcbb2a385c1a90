#include "control.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -EINVAL;
}

/* A whole number in [0, max]: JSON has only doubles. */
static bool whole(const cJSON *v, double max)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= max &&
           v->valuedouble == floor(v->valuedouble);
}

static int parse_cameras(const cJSON *list, size_t n_cameras, cc_control *out, char *err,
                         size_t errlen)
{
    if (!cJSON_IsArray(list))
        return fail(err, errlen, "subscribe: \"cameras\" must be an array of camera indexes");
    uint64_t mask = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        if (!whole(item, (double)n_cameras - 1)) {
            snprintf(err, errlen, "subscribe: camera index must be an integer 0..%zu",
                     n_cameras - 1);
            return -EINVAL;
        }
        mask |= UINT64_C(1) << (unsigned)item->valuedouble;
    }
    out->has_cameras = true;
    out->cameras = mask;
    return 0;
}

static int parse_max_fps(const cJSON *v, cc_control *out, char *err, size_t errlen)
{
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > CC_CONTROL_MAX_FPS)
        return fail(err, errlen, "subscribe: \"max_fps\" must be a number 0..1000 "
                                 "(0: every bundle)");
    out->has_max_fps = true;
    out->max_fps = v->valuedouble;
    return 0;
}

static int parse_variant(const cJSON *v, cc_control *out, char *err, size_t errlen)
{
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= sizeof out->variant)
        return fail(err, errlen, "subscribe: \"variant\" must be a variant name "
                                 "from the hello");
    out->has_variant = true;
    snprintf(out->variant, sizeof out->variant, "%s", v->valuestring);
    return 0;
}

static int parse_window(const cJSON *v, cc_control *out, char *err, size_t errlen)
{
    if (!whole(v, CC_CONTROL_MAX_WINDOW))
        return fail(err, errlen, "subscribe: \"window\" must be an integer 0..8 "
                                 "(0: no flow control)");
    out->has_window = true;
    out->window = (unsigned)v->valuedouble;
    return 0;
}

static int parse_levels(const cJSON *v, cc_control *out, char *err, size_t errlen)
{
    if (!cJSON_IsBool(v))
        return fail(err, errlen, "subscribe: \"levels\" must be true or false");
    out->has_levels = true;
    out->levels = cJSON_IsTrue(v);
    return 0;
}

/* Every key is optional: those given replace the client's settings. */
static int parse_subscribe(const cJSON *root, size_t n_cameras, cc_control *out,
                           char *err, size_t errlen)
{
    const cJSON *cameras = cJSON_GetObjectItemCaseSensitive(root, "cameras");
    const cJSON *max_fps = cJSON_GetObjectItemCaseSensitive(root, "max_fps");
    const cJSON *variant = cJSON_GetObjectItemCaseSensitive(root, "variant");
    const cJSON *window = cJSON_GetObjectItemCaseSensitive(root, "window");
    const cJSON *levels = cJSON_GetObjectItemCaseSensitive(root, "levels");
    out->type = CC_CONTROL_SUBSCRIBE;
    if (cameras && parse_cameras(cameras, n_cameras, out, err, errlen) < 0)
        return -EINVAL;
    if (max_fps && parse_max_fps(max_fps, out, err, errlen) < 0)
        return -EINVAL;
    if (variant && parse_variant(variant, out, err, errlen) < 0)
        return -EINVAL;
    if (window && parse_window(window, out, err, errlen) < 0)
        return -EINVAL;
    if (levels && parse_levels(levels, out, err, errlen) < 0)
        return -EINVAL;
    return 0;
}

static int parse_ack(const cJSON *root, cc_control *out, char *err, size_t errlen)
{
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(root, "seq");
    out->type = CC_CONTROL_ACK;
    if (!whole(seq, (double)CC_CONTROL_MAX_SEQ))
        return fail(err, errlen, "ack: \"seq\" must be the bundle_seq of a bundle "
                                 "received (an integer)");
    out->seq = (uint64_t)seq->valuedouble;
    return 0;
}

/* "camera": a name or an index from the hello. */
static int parse_camera(const cJSON *root, size_t n_cameras, const char *type,
                        cc_control *out, char *err, size_t errlen)
{
    const cJSON *cam = cJSON_GetObjectItemCaseSensitive(root, "camera");
    if (cJSON_IsString(cam) && strlen(cam->valuestring) < sizeof out->camera) {
        out->camera_index = -1;
        snprintf(out->camera, sizeof out->camera, "%s", cam->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(cam) && cam->valuedouble >= 0 &&
        cam->valuedouble < (double)n_cameras && cam->valuedouble == floor(cam->valuedouble)) {
        out->camera_index = (int)cam->valuedouble;
        return 0;
    }
    if (cJSON_IsString(cam))
        snprintf(err, errlen, "%s: unknown camera (a name from the hello)", type);
    else
        snprintf(err, errlen, "%s: \"camera\" must be a camera name or an index 0..%zu",
                 type, n_cameras ? n_cameras - 1 : 0);
    return -EINVAL;
}

/* The value's kind comes from its JSON type; the feature's own kind is
 * checked against it later (capture/feature.h). */
static int parse_value(const cJSON *v, cc_control *out, char *err, size_t errlen)
{
    cc_feature_value *fv = &out->value;
    if (!v)
        return fail(err, errlen, "set: \"value\" missing (a number, true or false, an "
                                 "entry's name, or \"execute\" for a command)");
    if (cJSON_IsNumber(v)) {
        fv->kind = CC_FEATURE_FLOAT;
        fv->number = v->valuedouble;
    } else if (cJSON_IsBool(v)) {
        fv->kind = CC_FEATURE_BOOL;
        fv->flag = cJSON_IsTrue(v);
    } else if (cJSON_IsString(v)) {
        if (strlen(v->valuestring) >= sizeof fv->text)
            return fail(err, errlen, "set: \"value\" is too long for any entry");
        fv->kind = CC_FEATURE_ENUM;
        snprintf(fv->text, sizeof fv->text, "%s", v->valuestring);
    } else {
        return fail(err, errlen, "set: \"value\" must be a number, true or false, or a "
                                 "string");
    }
    return 0;
}

int cc_control_parse_value(const char *json, size_t len, cc_feature_value *out, char *err,
                           size_t errlen)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    cc_control c;
    memset(&c, 0, sizeof c);
    int rc = cJSON_IsObject(root)
                 ? parse_value(cJSON_GetObjectItemCaseSensitive(root, "value"), &c, err, errlen)
                 : fail(err, errlen, "the body must be a JSON object: {\"value\": V}");
    cJSON_Delete(root);
    *out = c.value;
    return rc;
}

static int parse_set(const cJSON *root, size_t n_cameras, cc_control *out, char *err,
                     size_t errlen)
{
    out->type = CC_CONTROL_SET;
    if (parse_camera(root, n_cameras, "set", out, err, errlen) < 0)
        return -EINVAL;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "feature");
    if (!cJSON_IsString(f) || !f->valuestring[0])
        return fail(err, errlen, "set: \"feature\" must be a feature's name (see "
                                 "features)");
    if (strlen(f->valuestring) >= sizeof out->feature)
        return fail(err, errlen, "set: unknown feature (see features)");
    snprintf(out->feature, sizeof out->feature, "%s", f->valuestring);
    return parse_value(cJSON_GetObjectItemCaseSensitive(root, "value"), out, err, errlen);
}

int cc_control_parse(const char *msg, size_t len, size_t n_cameras,
                     cc_control *out, char *err, size_t errlen)
{
    cJSON *root = cJSON_ParseWithLength(msg, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return fail(err, errlen, "malformed control message: expected a JSON object");
    }
    int rc;
    memset(out, 0, sizeof *out);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(type)) {
        rc = fail(err, errlen, "control message has no \"type\" string");
    } else if (strcmp(type->valuestring, "subscribe") == 0) {
        rc = parse_subscribe(root, n_cameras, out, err, errlen);
    } else if (strcmp(type->valuestring, "ack") == 0) {
        rc = parse_ack(root, out, err, errlen);
    } else if (strcmp(type->valuestring, "ping") == 0) {
        out->type = CC_CONTROL_PING;
        rc = 0;
    } else if (strcmp(type->valuestring, "features") == 0) {
        out->type = CC_CONTROL_FEATURES;
        rc = parse_camera(root, n_cameras, "features", out, err, errlen);
    } else if (strcmp(type->valuestring, "set") == 0) {
        rc = parse_set(root, n_cameras, out, err, errlen);
    } else {
        char shown[CC_CONTROL_TYPE_SHOWN + 1];
        cc_control_quote(type->valuestring, shown, sizeof shown);
        snprintf(err, errlen, "unknown control message type \"%s\"", shown);
        rc = -EINVAL;
    }
    cJSON_Delete(root);
    return rc;
}

int cc_control_pong(char *buf, size_t cap, uint64_t time_ns)
{
    int n = snprintf(buf, cap, "{\"type\":\"pong\",\"time_ns\":%" PRIu64 "}", time_ns);
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

void cc_control_quote(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++) {
        unsigned char ch = (unsigned char)*in;
        out[n++] = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' ? (char)ch : '?';
    }
    if (cap > 0)
        out[n] = '\0';
}

char *cc_control_error_about_new(const char *message, const char *camera,
                                 const char *feature)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char *text = NULL;
    if (cJSON_AddStringToObject(o, "type", "error") &&
        cJSON_AddStringToObject(o, "message", message) &&
        (!camera || cJSON_AddStringToObject(o, "camera", camera)) &&
        (!feature || cJSON_AddStringToObject(o, "feature", feature)))
        text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

char *cc_control_error_new(const char *message)
{
    return cc_control_error_about_new(message, NULL, NULL);
}

/* ---- 1.2: camera control and levels ---- */

bool cc_feature_value_add(cJSON *o, const cc_feature_value *v)
{
    switch (v->kind) {
    case CC_FEATURE_FLOAT:
    case CC_FEATURE_INT:
        return cJSON_AddNumberToObject(o, "value", v->number) != NULL;
    case CC_FEATURE_BOOL:
        return cJSON_AddBoolToObject(o, "value", v->flag) != NULL;
    case CC_FEATURE_ENUM:
        return cJSON_AddStringToObject(o, "value", v->text) != NULL;
    case CC_FEATURE_COMMAND:
        return true;
    }
    return false;
}

static bool add_entries(cJSON *o, const cc_feature_state *f)
{
    cJSON *list = cJSON_AddArrayToObject(o, "entries");
    for (unsigned i = 0; list && i < f->n_entries; i++) {
        cJSON *e = cJSON_CreateString(cc_feature_entry(f, i));
        if (!e)
            return false;
        cJSON_AddItemToArray(list, e);
    }
    return list != NULL;
}

/* Every key of f but its name, into o. */
static bool add_feature_keys(cJSON *o, const cc_feature_state *f)
{
    bool ok = cJSON_AddStringToObject(o, "kind", cc_feature_kind_name(f->kind)) &&
              (f->kind == CC_FEATURE_COMMAND || cc_feature_value_add(o, &f->value));
    if (ok && f->has_range)
        ok = cJSON_AddNumberToObject(o, "min", f->min) &&
             cJSON_AddNumberToObject(o, "max", f->max);
    if (ok && f->inc > 0)
        ok = cJSON_AddNumberToObject(o, "inc", f->inc) != NULL;
    if (ok && f->unit[0])
        ok = cJSON_AddStringToObject(o, "unit", f->unit) != NULL;
    if (ok && f->kind == CC_FEATURE_ENUM)
        ok = add_entries(o, f);
    if (ok)
        ok = cJSON_AddBoolToObject(o, "writable", f->writable) != NULL;
    if (ok && !f->writable && f->why[0])
        ok = cJSON_AddStringToObject(o, "why", f->why) != NULL;
    return ok;
}

cJSON *cc_feature_json(const cc_feature_state *f)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "name", f->name) || !add_feature_keys(o, f)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Prints and frees o; NULL when anything failed on the way. */
static char *print_done(cJSON *o, bool ok)
{
    char *text = ok && o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return text;
}

static bool add_camera(cJSON *o, const char *type, const char *camera, unsigned index)
{
    return cJSON_AddStringToObject(o, "type", type) &&
           cJSON_AddStringToObject(o, "camera", camera) &&
           cJSON_AddNumberToObject(o, "index", index);
}

char *cc_control_features_new(const char *camera, unsigned index, bool online,
                              bool may_set, const cc_feature_state *f, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && add_camera(o, "features", camera, index) &&
              cJSON_AddBoolToObject(o, "online", online) &&
              cJSON_AddBoolToObject(o, "operator", may_set);
    cJSON *list = ok ? cJSON_AddArrayToObject(o, "features") : NULL;
    ok = list != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *one = cc_feature_json(&f[i]);
        ok = one != NULL;
        if (ok)
            cJSON_AddItemToArray(list, one);
    }
    return print_done(o, ok);
}

char *cc_control_feature_new(const char *camera, unsigned index, const cc_feature_state *f)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && add_camera(o, "feature", camera, index) &&
              cJSON_AddStringToObject(o, "feature", f->name) && add_feature_keys(o, f);
    return print_done(o, ok);
}

char *cc_control_levels_new(unsigned camera, uint64_t frame_id, const cc_levels *lv)
{
    cJSON *o = cJSON_CreateObject();
    double px = lv->pixels ? (double)lv->pixels : 1;
    bool ok = o && cJSON_AddStringToObject(o, "type", "levels") &&
              cJSON_AddNumberToObject(o, "camera", camera) &&
              cJSON_AddNumberToObject(o, "frame_id", (double)frame_id);
    cJSON *bins = ok ? cJSON_AddArrayToObject(o, "histogram") : NULL;
    ok = bins != NULL;
    for (unsigned k = 0; ok && k < CC_LEVELS_BINS; k++) {
        cJSON *n = cJSON_CreateNumber(lv->bins[k]);
        ok = n != NULL;
        if (ok)
            cJSON_AddItemToArray(bins, n);
    }
    ok = ok && cJSON_AddNumberToObject(o, "clipped_low", (double)lv->low / px) &&
         cJSON_AddNumberToObject(o, "clipped_high", (double)lv->high / px);
    return print_done(o, ok);
}

static cJSON *camera_json(const cc_camera *cam)
{
    cJSON *c = cJSON_CreateObject();
    if (!c)
        return NULL;
    const cc_source *src = cam->source;
    cJSON_AddNumberToObject(c, "index", cam->index);
    cJSON_AddStringToObject(c, "name", cam->cfg->name);
    cJSON_AddNumberToObject(c, "width", src->width);
    cJSON_AddNumberToObject(c, "height", src->height);
    cJSON_AddStringToObject(c, "pixel_format", cc_pixfmt_name(src->fmt));
    cJSON_AddNumberToObject(c, "grab_fps", src->fps);
    cJSON_AddStringToObject(c, "source", src->ops->kind);
    bool online = atomic_load_explicit(&cam->online, memory_order_relaxed);
    cJSON_AddBoolToObject(c, "online", online);
    /* Why it is offline, and since when (docs/protocol.md). */
    char error[512], at[24];
    uint64_t at_ns = online ? 0 : cc_camera_last_error(cam, error, sizeof error);
    if (at_ns) {
        cJSON_AddStringToObject(c, "last_error", error);
        snprintf(at, sizeof at, "%" PRIu64, at_ns);
        cJSON_AddRawToObject(c, "last_error_ns", at);
    }
    /* ptp = on: the state it is in now (docs/sync.md). */
    const char *ptp = cc_ptp_state_name(
        atomic_load_explicit(&src->stats.ptp, memory_order_relaxed));
    if (ptp)
        cJSON_AddStringToObject(c, "ptp", ptp);
    return c;
}

/* Each variant's entry size for this camera: ceil(size / box), as the
 * encoder makes them. */
static void add_variant_sizes(cJSON *c, const cc_server_config *s, const cc_source *src)
{
    cJSON *sizes = cJSON_AddObjectToObject(c, "variant_sizes");
    for (size_t v = 0; sizes && v < s->n_variants; v++) {
        unsigned k = cc_variant_scale(&s->variants[v], src->width);
        cJSON *one = cJSON_AddObjectToObject(sizes, s->variants[v].name);
        if (!one)
            return;
        cJSON_AddNumberToObject(one, "width", (src->width + k - 1) / k);
        cJSON_AddNumberToObject(one, "height", (src->height + k - 1) / k);
    }
}

/* "full" first, then what the config offers (docs/protocol.md 1.1). */
static cJSON *variants_json(const cc_server_config *s)
{
    cJSON *list = cJSON_CreateArray();
    cJSON *full = cJSON_CreateObject();
    if (!list || !full || !cJSON_AddStringToObject(full, "name", "full")) {
        cJSON_Delete(list);
        cJSON_Delete(full);
        return NULL;
    }
    cJSON_AddItemToArray(list, full);
    for (size_t i = 0; i < s->n_variants; i++) {
        const cc_variant_config *v = &s->variants[i];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        cJSON_AddItemToArray(list, o);
        cJSON_AddStringToObject(o, "name", v->name);
        if (v->max_width)
            cJSON_AddNumberToObject(o, "max_width", v->max_width);
        else
            cJSON_AddNumberToObject(o, "scale", 1.0 / v->scale);
        cJSON_AddNumberToObject(o, "quality", v->quality);
        if (v->color != CC_COLOR_AUTO)
            cJSON_AddStringToObject(o, "color", cc_variant_color_name(v->color));
    }
    return list;
}

/* What this server adds to protocol 1 (docs/protocol.md, "1.2
 * additions"): one list, in one place. */
static const char *const extensions[] = {"window", "control", "sync"};

static cJSON *extensions_json(void)
{
    return cJSON_CreateStringArray(extensions, (int)(sizeof extensions / sizeof extensions[0]));
}

/* The sync groups: which camera indexes capture one moment together. */
static cJSON *sync_json(const cc_server_config *s)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t g = 0; list && g < s->n_syncs; g++) {
        const cc_sync_config *sc = &s->syncs[g];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        cJSON_AddItemToArray(list, o);
        cJSON_AddStringToObject(o, "name", sc->name);
        cJSON *cams = cJSON_AddArrayToObject(o, "cameras");
        for (unsigned i = 0; cams && i < CC_MAX_CAMERAS; i++)
            if (sc->cameras >> i & 1)
                cJSON_AddItemToArray(cams, cJSON_CreateNumber(i));
        cJSON_AddStringToObject(o, "trigger", cc_sync_trigger_name(sc));
        cJSON_AddNumberToObject(o, "tolerance_us", sc->tolerance_us);
        cJSON_AddNumberToObject(o, "wait_ms", sc->wait_resolved_ms);
    }
    return list;
}

char *cc_hello_new(const cc_config *cfg, const cc_camera *cams, size_t n)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_CreateArray();
    if (!root || !list) {
        cJSON_Delete(root);
        cJSON_Delete(list);
        return NULL;
    }
    cJSON_AddStringToObject(root, "type", "hello");
    cJSON_AddNumberToObject(root, "protocol", 1);
    cJSON_AddStringToObject(root, "server", "camcastd " CC_VERSION);
    cJSON_AddItemToObject(root, "extensions", extensions_json());
    cJSON_AddNumberToObject(root, "stream_fps", cfg->server.stream_fps);
    cJSON_AddItemToObject(root, "cameras", list);
    for (size_t i = 0; i < n; i++) {
        cJSON *c = camera_json(&cams[i]);
        if (c && cfg->server.n_variants)
            add_variant_sizes(c, &cfg->server, cams[i].source);
        cJSON_AddItemToArray(list, c);
    }
    if (cfg->server.n_variants)
        cJSON_AddItemToObject(root, "variants", variants_json(&cfg->server));
    if (cfg->server.n_syncs)
        cJSON_AddItemToObject(root, "sync", sync_json(&cfg->server));
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}
