#include "hello.h"

#include <camcast/framebundle.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void copy_string(const cJSON *o, const char *key, char *out, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    snprintf(out, cap, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static double number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static int parse_camera(const cJSON *o, cc_hello_camera *cam)
{
    double index = number(o, "index"), w = number(o, "width"), h = number(o, "height");
    /* Sides as JPEG's (16 bits), the area as any reader's (framebundle.h). */
    if (index < 0 || index >= CC_BENCH_MAX_CAMERAS || !(w >= 1 && w <= UINT16_MAX) ||
        !(h >= 1 && h <= UINT16_MAX) || !cc_fb_size_ok((uint32_t)w, (uint32_t)h))
        return -EINVAL;
    cam->index = (unsigned)index;
    cam->width = (uint32_t)w;
    cam->height = (uint32_t)h;
    cam->grab_fps = number(o, "grab_fps");
    copy_string(o, "name", cam->name, sizeof cam->name);
    copy_string(o, "pixel_format", cam->pixel_format, sizeof cam->pixel_format);
    return 0;
}

/* "variant_sizes": {"preview": {"width": 640, "height": 400}}: filled in
 * once the variants are known. */
static void parse_sizes(const cJSON *cam, cc_hello *out, cc_hello_camera *c)
{
    c->variant_width[0] = c->width;
    c->variant_height[0] = c->height;
    const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(cam, "variant_sizes");
    for (size_t v = 1; v < out->n_variants; v++) {
        const cJSON *one = cJSON_GetObjectItemCaseSensitive(sizes, out->variants[v].name);
        double w = number(one, "width"), h = number(one, "height");
        if (w > 0 && h > 0) {
            c->variant_width[v] = (uint32_t)w;
            c->variant_height[v] = (uint32_t)h;
        }
    }
}

/* "full" always, then what the hello lists besides (unknown keys and
 * entries without a name are ignored, as unknown keys must be). */
static void parse_variants(const cJSON *root, cc_hello *out)
{
    snprintf(out->variants[0].name, sizeof out->variants[0].name, "full");
    out->variants[0].max_width = out->variants[0].scale = out->variants[0].quality = -1;
    out->n_variants = 1;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "variants");
    out->listed_variants = cJSON_IsArray(list);
    const cJSON *v;
    cJSON_ArrayForEach(v, list)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
        if (!cJSON_IsString(name) || strcmp(name->valuestring, "full") == 0 ||
            out->n_variants == CC_BENCH_MAX_VARIANTS)
            continue;
        cc_hello_variant *o = &out->variants[out->n_variants++];
        snprintf(o->name, sizeof o->name, "%s", name->valuestring);
        o->max_width = number(v, "max_width");
        o->scale = number(v, "scale");
        o->quality = number(v, "quality");
    }
}

static int parse_root(const cJSON *root, cc_hello *out)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    const cJSON *cams = cJSON_GetObjectItemCaseSensitive(root, "cameras");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "hello") != 0 ||
        !cJSON_IsArray(cams))
        return -EINVAL;
    memset(out, 0, sizeof *out);
    copy_string(root, "server", out->server, sizeof out->server);
    out->stream_fps = number(root, "stream_fps");
    parse_variants(root, out);
    const cJSON *cam;
    cJSON_ArrayForEach(cam, cams)
    {
        if (out->n_cameras == CC_BENCH_MAX_CAMERAS ||
            parse_camera(cam, &out->cameras[out->n_cameras]) < 0)
            return -EINVAL;
        parse_sizes(cam, out, &out->cameras[out->n_cameras]);
        out->n_cameras++;
    }
    return out->stream_fps > 0 && out->n_cameras > 0 ? 0 : -EINVAL;
}

int cc_hello_parse(const char *text, size_t len, cc_hello *out)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root)
        return -EINVAL;
    int rc = parse_root(root, out);
    cJSON_Delete(root);
    return rc;
}

int cc_hello_variant_find(const cc_hello *h, const char *name)
{
    for (size_t v = 0; v < h->n_variants; v++)
        if (strcmp(h->variants[v].name, name) == 0)
            return (int)v;
    return -1;
}
