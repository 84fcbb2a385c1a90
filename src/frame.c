#include "frame.h"

#include <errno.h>
#include <strings.h>

static const struct {
    cc_pixfmt fmt;
    const char *name;
    unsigned bpp;
} formats[] = {
    {CC_PIX_MONO8, "Mono8", 1},
    {CC_PIX_RGB8, "RGB8", 3},
};

#define N_FORMATS (sizeof formats / sizeof formats[0])

const char *cc_pixfmt_name(cc_pixfmt fmt)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (formats[i].fmt == fmt)
            return formats[i].name;
    return NULL;
}

int cc_pixfmt_parse(const char *name, cc_pixfmt *out)
{
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (strcasecmp(formats[i].name, name) == 0) {
            *out = formats[i].fmt;
            return 0;
        }
    }
    return -EINVAL;
}

unsigned cc_pixfmt_bpp(cc_pixfmt fmt)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (formats[i].fmt == fmt)
            return formats[i].bpp;
    return 0;
}
