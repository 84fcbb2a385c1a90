#include "save.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

static bool name_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

int cc_save_path(char *buf, size_t cap, const char *dir, const char *name,
                 uint64_t frame_id)
{
    char safe[64];
    size_t n = 0;
    for (; name[n] && n < sizeof safe - 1; n++)
        safe[n] = name_char_ok(name[n]) ? name[n] : '_';
    safe[n] = '\0';
    int len = snprintf(buf, cap, "%s/camcast-%s-%" PRIu64 ".jpg", dir, safe,
                       frame_id);
    return len < 0 || (size_t)len >= cap ? -ENAMETOOLONG : 0;
}

int cc_save_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -errno;
    size_t put = fwrite(data, 1, len, f);
    int err = put == len ? 0 : (errno ? -errno : -EIO);
    if (fclose(f) && !err)
        err = errno ? -errno : -EIO;
    return err;
}
