#include "assets.h"

#include <string.h>

const cc_asset *cc_asset_find(const char *path)
{
    for (size_t i = 0; i < cc_n_assets; i++)
        if (strcmp(cc_assets[i].path, path) == 0)
            return &cc_assets[i];
    return NULL;
}
