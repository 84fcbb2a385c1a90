/* Variants (protocol 1.1): the size of a variant's entries, which variant
 * to ask for given the tiles on screen, and which entry sizes can be true.
 * Pure functions of the hello and sizes passed in, so they are tested as
 * they are. */
#ifndef CC_VIEWER_VARIANT_H
#define CC_VIEWER_VARIANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hello.h"
#include "layout.h"

/* The variant every server has: the camera's own frames. */
#define CC_VARIANT_FULL "full"

/* The size of cam's entries in h->variants[v]. The hello's variant_sizes
 * when it gives them; else as camcastd makes them: a k x k box filter,
 * ceil(width / k) x ceil(height / k), k = 1 / the variant's scale, or
 * ceil(width / max_width), 1..16. "full", or a variant with neither, is
 * the camera's size. *exact (may be NULL): the hello gave the size. */
cc_size cc_variant_size(const cc_hello *h, size_t v, const cc_hello_camera *cam,
                        bool *exact);

/* The variant to subscribe to when the hello's n cameras are drawn at
 * want[i] (framebuffer pixels; 0 x 0: not on screen). The smallest one
 * (fewest pixels over all cameras) whose entries are at least every shown
 * image's size, give or take one pixel of rounding; "full" when solo (one
 * camera enlarged), when none is large enough, or when the hello lists
 * none. Returns a name inside h, or CC_VARIANT_FULL. */
const char *cc_variant_pick(const cc_hello *h, const cc_size *want, size_t n,
                            bool solo);

/* Whether a w x h entry can be a frame of cam: its full size; the exact
 * size of one of the hello's variants (any of them, since entries of the
 * previous variant may still be under way after a switch); or, for a
 * variant whose exact size the hello does not give (or no variants
 * listed), any size within the camera's with its aspect ratio, to the
 * rounding of a downscale. Anything else is a lie, rejected before it is
 * decoded. */
bool cc_variant_entry_fits(const cc_hello *h, const cc_hello_camera *cam,
                           uint32_t w, uint32_t hh);

/* The name of the variant whose entries of cam are w x hh: one of the
 * hello's, "full" for the camera's own size; NULL for none listed (a size
 * accepted by the loose rule above). */
const char *cc_variant_of_size(const cc_hello *h, const cc_hello_camera *cam,
                               uint32_t w, uint32_t hh);

#endif
