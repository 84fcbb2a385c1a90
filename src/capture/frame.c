#include "frame.h"

#include <errno.h>
#include <string.h>

int cc_frame_read_rows(const cc_frame *f, uint32_t y0, uint32_t rows,
                       uint8_t *dst, size_t dst_stride)
{
    size_t row = cc_pixfmt_row_bytes(f->fmt, f->width);
    if (row == 0 || dst_stride < row || y0 > f->height ||
        rows > f->height - y0)
        return -EINVAL;
    if (f->painter) {
        f->painter->paint(f->painter, f, y0, rows, dst, dst_stride);
        return 0;
    }
    if (!f->data || f->stride < row || f->height == 0 ||
        (uint64_t)f->stride * (f->height - 1) + row > f->size)
        return -EINVAL;
    for (uint32_t y = 0; y < rows; y++)
        memcpy(dst + y * dst_stride, f->data + (size_t)(y0 + y) * f->stride,
               row);
    return 0;
}

int cc_frame_fill(cc_frame *f)
{
    if (!f->painter)
        return 0;
    size_t row = cc_pixfmt_row_bytes(f->fmt, f->width);
    if (row == 0 || f->height > SIZE_MAX / row)
        return -EINVAL;
    if (!f->data || f->capacity < row * f->height)
        return -ENOSPC;
    int rc = cc_frame_read_rows(f, 0, f->height, f->data, row);
    if (rc < 0)
        return rc;
    f->painter = NULL;
    f->size = row * f->height;
    f->stride = (uint32_t)row;
    return 0;
}
