/* TurboJPEG decoding of one bundle entry into a frame, scaled down in the
 * decoder (DCT scaling) when the tile shows the image smaller: a 1920x1200
 * camera in a 600x375 tile decodes at 3/8, several times less work. */
#ifndef CC_VIEWER_JPEG_DECODER_H
#define CC_VIEWER_JPEG_DECODER_H

#include <stddef.h>
#include <stdint.h>
#include <turbojpeg.h>

#include <camcast/framebundle.h>

#include "frames.h"

typedef struct cc_jpeg_decoder {
    tjhandle tj;      /* one handle, reused for every frame of its thread */
    uint8_t *gray;    /* grayscale scratch, expanded to XRGB8888 */
    size_t gray_cap;
    char err[128];    /* TurboJPEG's reason for the last failure */
} cc_jpeg_decoder;

int cc_jpeg_decoder_init(cc_jpeg_decoder *d);
void cc_jpeg_decoder_destroy(cc_jpeg_decoder *d);

/* The smallest of TurboJPEG's downscaling factors (at most 1/1) that keeps
 * a w x h image at least want_w x want_h; 1/1 when want is 0 x 0. */
tjscalingfactor cc_jpeg_pick_scale(int w, int h, int want_w, int want_h);

/* Decodes e's payload into f->pixels (XRGB8888) at the scale picked for
 * want_w x want_h; a grayscale entry (CC_FB_ENTRY_FLAG_GRAY) is decoded as
 * TJPF_GRAY and expanded. Also copies the JPEG bytes and the entry into f.
 * The JPEG must be e's width x height (checked before anything is
 * allocated) and have at most 500 progressive scans (TJFLAG_LIMITSCANS).
 * Returns 0, -ENOMEM, -EPROTO for a JPEG of another size than e's, or
 * -EINVAL for data TurboJPEG rejects (reason in d->err). */
int cc_jpeg_decode(cc_jpeg_decoder *d, const cc_fb_entry *e, int want_w,
                   int want_h, cc_frame *f);

#endif
