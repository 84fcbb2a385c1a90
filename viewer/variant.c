#include "variant.h"

#include <math.h>
#include <string.h>

/* camcastd's largest box filter (src/config/config.h, CC_MAX_SCALE). */
#define MAX_BOX 16

cc_size cc_variant_size(const cc_hello *h, size_t v, const cc_hello_camera *cam,
                        bool *exact)
{
    bool given = cam->variant_w[v] > 0 && cam->variant_h[v] > 0;
    if (exact)
        *exact = given || strcmp(h->variants[v].name, CC_VARIANT_FULL) == 0;
    if (given)
        return (cc_size){cam->variant_w[v], cam->variant_h[v]};
    const cc_hello_variant *var = &h->variants[v];
    uint32_t k = 1;
    if (strcmp(var->name, CC_VARIANT_FULL) == 0)
        k = 1;
    else if (var->scale > 0)
        k = (uint32_t)lround(1.0 / var->scale);
    else if (var->max_width)
        k = (cam->width + var->max_width - 1) / var->max_width;
    k = k < 1 ? 1 : k > MAX_BOX ? MAX_BOX : k;
    return (cc_size){(int)((cam->width + k - 1) / k), (int)((cam->height + k - 1) / k)};
}

/* Whether variant v's entries are at least want for every shown camera.
 * One pixel of slack: the layout and the downscale round separately, and
 * a 640x400 variant in a 641x400 tile is still the right pick. */
static bool covers(const cc_hello *h, size_t v, const cc_size *want, size_t n,
                   uint64_t *pixels)
{
    *pixels = 0;
    for (size_t i = 0; i < n && i < h->n_cameras; i++) {
        cc_size s = cc_variant_size(h, v, &h->cameras[i], NULL);
        *pixels += (uint64_t)s.w * (uint64_t)s.h;
        if (want[i].w > 0 && want[i].h > 0 &&
            (s.w + 1 < want[i].w || s.h + 1 < want[i].h))
            return false;
    }
    return true;
}

const char *cc_variant_pick(const cc_hello *h, const cc_size *want, size_t n,
                            bool solo)
{
    if (solo)
        return CC_VARIANT_FULL;
    const char *best = CC_VARIANT_FULL;
    uint64_t best_pixels = UINT64_MAX;
    for (size_t v = 0; v < h->n_variants; v++) {
        uint64_t pixels;
        if (strcmp(h->variants[v].name, CC_VARIANT_FULL) == 0 ||
            !covers(h, v, want, n, &pixels))
            continue;
        /* First listed wins a tie: the server's order. */
        if (pixels < best_pixels) {
            best = h->variants[v].name;
            best_pixels = pixels;
        }
    }
    /* A "variant" as large as the camera saves nothing over full frames. */
    uint64_t full = 0;
    for (size_t i = 0; i < h->n_cameras; i++)
        full += (uint64_t)h->cameras[i].width * h->cameras[i].height;
    return best_pixels < full ? best : CC_VARIANT_FULL;
}

/* w x h has the aspect ratio of cam_w x cam_h to rounding: each side of a
 * downscale is off by less than a pixel, so the cross products differ by
 * less than the sum of the camera's sides. */
static bool same_aspect(uint32_t w, uint32_t h, uint32_t cam_w, uint32_t cam_h)
{
    int64_t a = (int64_t)w * cam_h, b = (int64_t)h * cam_w;
    int64_t d = a > b ? a - b : b - a;
    return d <= (int64_t)cam_w + cam_h;
}

bool cc_variant_entry_fits(const cc_hello *h, const cc_hello_camera *cam,
                           uint32_t w, uint32_t hh)
{
    if (w == 0 || hh == 0 || w > cam->width || hh > cam->height)
        return false;
    if (w == cam->width && hh == cam->height)
        return true;
    bool loose = h->n_variants == 0;
    for (size_t v = 0; v < h->n_variants; v++) {
        bool exact;
        cc_size s = cc_variant_size(h, v, cam, &exact);
        if (exact && (uint32_t)s.w == w && (uint32_t)s.h == hh)
            return true;
        loose |= !exact;
    }
    return loose && same_aspect(w, hh, cam->width, cam->height);
}

const char *cc_variant_of_size(const cc_hello *h, const cc_hello_camera *cam,
                               uint32_t w, uint32_t hh)
{
    if (w == cam->width && hh == cam->height)
        return CC_VARIANT_FULL;
    for (size_t v = 0; v < h->n_variants; v++) {
        cc_size s = cc_variant_size(h, v, cam, NULL);
        if ((uint32_t)s.w == w && (uint32_t)s.h == hh)
            return h->variants[v].name;
    }
    return NULL;
}
