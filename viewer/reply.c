#include "reply.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

void cc_reply_parse(cc_reply *out, const char *msg, size_t len)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(msg, len);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (cJSON_IsString(type) && strcmp(type->valuestring, "pong") == 0) {
        out->type = CC_REPLY_PONG;
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "time_ns");
        /* A double: ns since 1970 to within 256 ns, plenty for a clock
         * offset good to half a round trip. */
        if (cJSON_IsNumber(t) && t->valuedouble > 0 && t->valuedouble < 1.8e19)
            out->time_ns = (uint64_t)t->valuedouble;
    } else if (cJSON_IsString(type) && strcmp(type->valuestring, "error") == 0) {
        out->type = CC_REPLY_ERROR;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "message");
        snprintf(out->message, sizeof out->message, "%s",
                 cJSON_IsString(m) ? m->valuestring : "(no message)");
        for (char *p = out->message; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        out->about_control = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "feature")) ||
                             strncmp(out->message, "set:", 4) == 0 ||
                             strncmp(out->message, "features:", 9) == 0;
    }
    cJSON_Delete(root);
}
