/* The browser page's files (web/), embedded in the binary at build time by
 * web/embed.py: served from memory, so a page request never touches the
 * disk, the grab or the encode path.
 */
#ifndef CC_ASSETS_H
#define CC_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cc_asset {
    const char *path;          /* URL path: "/" for index.html, "/NAME" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
    const unsigned char *gzip; /* NULL when gzip does not pay */
    size_t gzip_len;
    const char *etag;          /* quoted, from the content */
    bool templated;            /* holds "{{query}}": expanded per request */
} cc_asset;

extern const cc_asset cc_assets[];
extern const size_t cc_n_assets;

/* The asset at path, or NULL. */
const cc_asset *cc_asset_find(const char *path);

/* A templated asset with every "{{query}}" replaced by query (already
 * safe for HTML and URLs). Returns a malloc'd buffer and its length, or
 * NULL when out of memory. */
char *cc_asset_expand(const cc_asset *a, const char *query, size_t *len);

/* "?token=T" with T percent-encoded (a b64token's '+', '/', '='), or ""
 * without a token: what the page's own URLs carry. */
void cc_asset_query(const char *token, size_t token_len, char *out, size_t cap);

#endif
