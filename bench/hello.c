#include "hello.h"

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
    if (index < 0 || index >= CC_BENCH_MAX_CAMERAS || w <= 0 || h <= 0)
        return -EINVAL;
    cam->index = (unsigned)index;
    cam->width = (uint32_t)w;
    cam->height = (uint32_t)h;
    cam->grab_fps = number(o, "grab_fps");
    copy_string(o, "name", cam->name, sizeof cam->name);
    copy_string(o, "pixel_format", cam->pixel_format, sizeof cam->pixel_format);
    return 0;
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
    const cJSON *cam;
    cJSON_ArrayForEach(cam, cams)
    {
        if (out->n_cameras == CC_BENCH_MAX_CAMERAS ||
            parse_camera(cam, &out->cameras[out->n_cameras]) < 0)
            return -EINVAL;
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
