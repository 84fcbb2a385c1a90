#include "reference.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPORT (1 << 20)

static char *read_small_file(const char *path, int *rc)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *rc = -errno;
        return NULL;
    }
    char *buf = malloc(MAX_REPORT + 1);
    size_t n = buf ? fread(buf, 1, MAX_REPORT + 1, f) : 0;
    *rc = !buf ? -ENOMEM : ferror(f) ? -EIO : n > MAX_REPORT ? -EFBIG : 0;
    fclose(f);
    if (*rc < 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int camera(cc_reference *r, size_t i, const cJSON *c)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(c, "spec");
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(c, "cpu_ms_per_frame");
    if (!cJSON_IsString(spec) || !cJSON_IsNumber(ms) || !(ms->valuedouble >= 0))
        return -EINVAL;
    snprintf(r->spec[i], sizeof r->spec[i], "%s", spec->valuestring);
    r->cpu_s[i] = ms->valuedouble / 1e3;
    return 0;
}

static int parse(cc_reference *r, const cJSON *root)
{
    const cJSON *cams = cJSON_GetObjectItemCaseSensitive(root, "cameras");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(root, "quality");
    if (!cJSON_IsArray(cams) || !cJSON_IsNumber(q))
        return -EINVAL;
    int n = cJSON_GetArraySize(cams);
    if (n < 1 || n > CC_REFERENCE_MAX_CAMERAS)
        return -EINVAL;
    memset(r, 0, sizeof *r);
    r->n_cameras = (size_t)n;
    r->quality = q->valueint;
    r->exact = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "exact"));
    for (int i = 0; i < n; i++)
        if (camera(r, (size_t)i, cJSON_GetArrayItem(cams, i)) < 0)
            return -EINVAL;
    return 0;
}

int cc_reference_load(cc_reference *r, const char *path, char *err, size_t errlen)
{
    int rc;
    char *text = read_small_file(path, &rc);
    if (!text) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    rc = root ? parse(r, root) : -EINVAL;
    cJSON_Delete(root);
    if (rc < 0)
        snprintf(err, errlen, "%s: not a camcast-microbench reference report", path);
    return rc;
}

int cc_reference_write(const cc_reference *r, FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *cams = root ? cJSON_AddArrayToObject(root, "cameras") : NULL;
    bool ok = cams && cJSON_AddNumberToObject(root, "quality", r->quality) &&
              cJSON_AddBoolToObject(root, "exact", r->exact);
    for (size_t i = 0; ok && i < r->n_cameras; i++) {
        cJSON *c = cJSON_CreateObject();
        ok = c && cJSON_AddItemToArray(cams, c) &&
             cJSON_AddStringToObject(c, "spec", r->spec[i]) &&
             cJSON_AddNumberToObject(c, "cpu_ms_per_frame", r->cpu_s[i] * 1e3);
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    if (text)
        fprintf(out, "%s\n", text);
    free(text);
    cJSON_Delete(root);
    return text ? 0 : -ENOMEM;
}
