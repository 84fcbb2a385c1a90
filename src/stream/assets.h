/* The browser page's files (web/), embedded in the binary at build time by
 * web/embed.py: served from memory, so a page request never touches the
 * disk, the grab or the encode path. They are the same for everyone and
 * never carry the access token: the page passes its token only to the
 * stream and /stats (docs/browser.md).
 */
#ifndef CC_ASSETS_H
#define CC_ASSETS_H

#include <stddef.h>

typedef struct cc_asset {
    const char *path;          /* URL path: "/" for index.html, "/NAME" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
    const unsigned char *gzip; /* NULL when gzip does not pay */
    size_t gzip_len;
    const char *etag;          /* quoted, from the content */
} cc_asset;

extern const cc_asset cc_assets[];
extern const size_t cc_n_assets;

/* The asset at path, or NULL. */
const cc_asset *cc_asset_find(const char *path);

#endif
