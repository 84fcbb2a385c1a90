#include "assets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLACEHOLDER "{{query}}"

const cc_asset *cc_asset_find(const char *path)
{
    for (size_t i = 0; i < cc_n_assets; i++)
        if (strcmp(cc_assets[i].path, path) == 0)
            return &cc_assets[i];
    return NULL;
}

static size_t count_placeholders(const unsigned char *data, size_t len)
{
    size_t n = 0, k = strlen(PLACEHOLDER);
    for (const unsigned char *p = data; (p = memmem(p, len - (size_t)(p - data),
                                                     PLACEHOLDER, k)); p += k)
        n++;
    return n;
}

char *cc_asset_expand(const cc_asset *a, const char *query, size_t *len)
{
    size_t k = strlen(PLACEHOLDER), q = strlen(query);
    size_t n = count_placeholders(a->data, a->len);
    size_t cap = a->len - n * k + n * q;
    char *out = malloc(cap + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    const unsigned char *p = a->data, *end = a->data + a->len;
    while (p < end) {
        const unsigned char *hit = memmem(p, (size_t)(end - p), PLACEHOLDER, k);
        size_t chunk = hit ? (size_t)(hit - p) : (size_t)(end - p);
        memcpy(out + o, p, chunk);
        o += chunk;
        p += chunk;
        if (hit) {
            memcpy(out + o, query, q);
            o += q;
            p += k;
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

void cc_asset_query(const char *token, size_t token_len, char *out, size_t cap)
{
    if (token_len == 0 || cap < 8) {
        if (cap > 0)
            out[0] = '\0';
        return;
    }
    size_t o = (size_t)snprintf(out, cap, "?token=");
    for (size_t i = 0; i < token_len && o + 4 < cap; i++) {
        unsigned char ch = (unsigned char)token[i];
        bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
                     ch == '~';
        if (plain)
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, cap - o, "%%%02X", ch);
    }
    out[o] = '\0';
}
