#include "hello.h"

#include <camcast/framebundle.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "hello: %s", msg);
    return -EINVAL;
}

static int fail_camera(char *err, size_t errlen, size_t i, const char *msg)
{
    snprintf(err, errlen, "hello: camera %zu: %s", i, msg);
    return -EINVAL;
}

/* An integer in [lo, hi]; false for anything else (missing, 1.5, "3"). */
static bool get_int(const cJSON *obj, const char *key, double lo, double hi,
                    double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        v->valuedouble < lo || v->valuedouble > hi)
        return false;
    *out = v->valuedouble;
    return true;
}

/* Control characters become '?': these strings reach log lines and a
 * terminal, and come from the network. */
static void copy_str(char *dst, size_t cap, const cJSON *v)
{
    snprintf(dst, cap, "%s", cJSON_IsString(v) ? v->valuestring : "");
    for (char *p = dst; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

static bool variant_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CC_HELLO_VARIANT_NAME_CAP)
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

/* "variants": what the viewer can ask for. Only names it can send back
 * as they are (and show) are kept; the others are skipped, since a stream
 * without variants still works. */
static void parse_variants(const cJSON *list, cc_hello *out)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        if (out->n_variants == CC_HELLO_MAX_VARIANTS)
            return;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
        if (!cJSON_IsString(name) || !variant_name_ok(name->valuestring) ||
            cc_hello_variant_of(out, name->valuestring) >= 0)
            continue;
        cc_hello_variant *v = &out->variants[out->n_variants++];
        snprintf(v->name, sizeof v->name, "%s", name->valuestring);
        double d;
        v->max_width = get_int(item, "max_width", 1, CC_HELLO_MAX_SIDE, &d) ? (uint32_t)d : 0;
        const cJSON *scale = cJSON_GetObjectItemCaseSensitive(item, "scale");
        v->scale = cJSON_IsNumber(scale) && scale->valuedouble > 0 &&
                           scale->valuedouble <= 1 ? scale->valuedouble : 0;
        v->quality = get_int(item, "quality", 1, 100, &d) ? (int)d : 0;
    }
}

/* "sync": [{"name": N, "cameras": [indexes]}]: groups the viewer says how
 * well aligned they are of. Groups beyond what it keeps are skipped. */
static void parse_syncs(const cJSON *list, cc_hello *out)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        if (out->n_syncs == CC_HELLO_MAX_SYNC)
            return;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
        const cJSON *cams = cJSON_GetObjectItemCaseSensitive(item, "cameras");
        if (!cJSON_IsString(name) || !cJSON_IsArray(cams))
            continue;
        uint64_t mask = 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, cams)
            if (cJSON_IsNumber(c) && c->valuedouble >= 0 && c->valuedouble < 64 &&
                c->valuedouble == (double)(int)c->valuedouble)
                mask |= UINT64_C(1) << (int)c->valuedouble;
        if (!mask)
            continue;
        cc_hello_sync *g = &out->syncs[out->n_syncs++];
        snprintf(g->name, sizeof g->name, "%s", name->valuestring);
        g->cameras = mask;
    }
}

/* "variant_sizes": {"NAME": {"width": W, "height": H}, ...}. A size for a
 * variant the hello does not list, or larger than the camera, is ignored:
 * entries of that size would be rejected anyway. */
static void parse_variant_sizes(const cJSON *o, const cc_hello *h, cc_hello_camera *c)
{
    const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(o, "variant_sizes");
    const cJSON *item;
    if (!cJSON_IsObject(sizes))
        return;
    cJSON_ArrayForEach(item, sizes) {
        int v = item->string ? cc_hello_variant_of(h, item->string) : -1;
        double w, hh;
        if (v < 0 || !get_int(item, "width", 1, c->width, &w) ||
            !get_int(item, "height", 1, c->height, &hh))
            continue;
        c->variant_w[v] = (uint16_t)w;
        c->variant_h[v] = (uint16_t)hh;
    }
}

static int parse_camera(const cJSON *o, size_t i, const cc_hello *hello,
                        cc_hello_camera *c, char *err, size_t errlen)
{
    double index, w, h;
    if (!cJSON_IsObject(o))
        return fail_camera(err, errlen, i, "not an object");
    if (!get_int(o, "index", 0, UINT16_MAX, &index))
        return fail_camera(err, errlen, i, "\"index\" missing or invalid");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    if (!cJSON_IsString(name) || strlen(name->valuestring) > CC_HELLO_NAME_MAX)
        return fail_camera(err, errlen, i, "\"name\" missing or invalid");
    if (!get_int(o, "width", 1, CC_HELLO_MAX_SIDE, &w))
        return fail_camera(err, errlen, i, "\"width\" missing or invalid");
    if (!get_int(o, "height", 1, CC_HELLO_MAX_SIDE, &h))
        return fail_camera(err, errlen, i, "\"height\" missing or invalid");
    if (!cc_fb_size_ok((uint32_t)w, (uint32_t)h))
        return fail_camera(err, errlen, i, "width x height over the pixels a viewer "
                                           "takes (2^27)");

    c->index = (uint16_t)index;
    c->width = (uint32_t)w;
    c->height = (uint32_t)h;
    copy_str(c->name, sizeof c->name, name);
    copy_str(c->pixel_format, sizeof c->pixel_format,
             cJSON_GetObjectItemCaseSensitive(o, "pixel_format"));
    const cJSON *fps = cJSON_GetObjectItemCaseSensitive(o, "grab_fps");
    c->grab_fps = cJSON_IsNumber(fps) ? fps->valuedouble : 0;
    /* Only an explicit false marks a camera offline. */
    c->online = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "online"));
    parse_variant_sizes(o, hello, c);
    return 0;
}

static int parse_cameras(const cJSON *list, cc_hello *out, char *err,
                         size_t errlen)
{
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (n > CC_HELLO_MAX_CAMERAS)
        return fail(err, errlen, "too many cameras");
    out->cameras = calloc(n ? n : 1, sizeof *out->cameras);
    if (!out->cameras)
        return -ENOMEM;
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        size_t i = out->n_cameras;
        int rc = parse_camera(item, i, out, &out->cameras[i], err, errlen);
        if (rc)
            return rc;
        if (cc_hello_tile_of(out, out->cameras[i].index) >= 0)
            return fail_camera(err, errlen, i, "duplicate index");
        out->n_cameras++;
    }
    return 0;
}

static int parse_root(const cJSON *root, cc_hello *out, char *err, size_t errlen)
{
    if (!cJSON_IsObject(root))
        return fail(err, errlen, "not a JSON object");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "hello") != 0) {
        fail(err, errlen, "\"type\" is not \"hello\"");
        return -ENOMSG;
    }
    double proto;
    if (!get_int(root, "protocol", 0, INT32_MAX, &proto))
        return fail(err, errlen, "\"protocol\" missing or invalid");
    if (proto != 1)
        return fail(err, errlen, "unsupported protocol (this viewer speaks 1)");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "cameras");
    if (!cJSON_IsArray(list))
        return fail(err, errlen, "\"cameras\" missing or not an array");

    out->protocol = (int)proto;
    const cJSON *fps = cJSON_GetObjectItemCaseSensitive(root, "stream_fps");
    out->stream_fps = cJSON_IsNumber(fps) ? fps->valuedouble : 0;
    copy_str(out->server, sizeof out->server,
             cJSON_GetObjectItemCaseSensitive(root, "server"));
    /* Before the cameras: their variant_sizes refer to these by name. */
    const cJSON *variants = cJSON_GetObjectItemCaseSensitive(root, "variants");
    if (cJSON_IsArray(variants))
        parse_variants(variants, out);
    const cJSON *exts = cJSON_GetObjectItemCaseSensitive(root, "extensions"), *ext;
    if (cJSON_IsArray(exts)) {
        cJSON_ArrayForEach(ext, exts) {
            if (!cJSON_IsString(ext))
                continue;
            out->offers_window |= strcmp(ext->valuestring, "window") == 0;
            out->control |= strcmp(ext->valuestring, "control") == 0;
        }
    }
    const cJSON *syncs = cJSON_GetObjectItemCaseSensitive(root, "sync");
    if (cJSON_IsArray(syncs))
        parse_syncs(syncs, out);
    return parse_cameras(list, out, err, errlen);
}

int cc_hello_parse(cc_hello *out, const char *msg, size_t len, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(msg, len);
    int rc = root ? parse_root(root, out, err, errlen)
                  : fail(err, errlen, "malformed JSON");
    cJSON_Delete(root);
    if (rc)
        cc_hello_destroy(out);
    return rc;
}

int cc_hello_copy(cc_hello *dst, const cc_hello *src)
{
    *dst = *src;
    dst->cameras = calloc(src->n_cameras ? src->n_cameras : 1, sizeof *dst->cameras);
    if (!dst->cameras) {
        dst->n_cameras = 0;
        return -ENOMEM;
    }
    memcpy(dst->cameras, src->cameras, src->n_cameras * sizeof *dst->cameras);
    return 0;
}

int cc_hello_sync_of(const cc_hello *h, unsigned camera_index)
{
    for (size_t i = 0; camera_index < 64 && i < h->n_syncs; i++)
        if (h->syncs[i].cameras >> camera_index & 1)
            return (int)i;
    return -1;
}

int cc_hello_variant_of(const cc_hello *h, const char *name)
{
    for (size_t i = 0; i < h->n_variants; i++)
        if (strcmp(h->variants[i].name, name) == 0)
            return (int)i;
    return -1;
}

void cc_hello_destroy(cc_hello *h)
{
    free(h->cameras);
    memset(h, 0, sizeof *h);
}

int cc_hello_tile_of(const cc_hello *h, unsigned camera_index)
{
    for (size_t i = 0; i < h->n_cameras; i++)
        if (h->cameras[i].index == camera_index)
            return (int)i;
    return -1;
}
