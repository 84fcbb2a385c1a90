#include "source.h"

size_t cc_source_frame_bytes(const cc_source *src)
{
    return (size_t)src->width * src->height * cc_pixfmt_bpp(src->fmt);
}
