#include "source.h"

size_t cc_source_frame_bytes(const cc_source *src)
{
    if (src->painted)
        return 0;
    return cc_pixfmt_row_bytes(src->fmt, src->width) * src->height;
}
