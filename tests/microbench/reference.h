/* What encoding costs per camera when nothing else runs: one thread of the
 * encoder pool on that camera's own test-pattern frames (encode_bench.h).
 * The e2e benchmark divides it by what the daemon spends per frame. */
#ifndef CC_MICROBENCH_REFERENCE_H
#define CC_MICROBENCH_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

typedef struct cc_reference {
    size_t n_cameras;
    bool exact;                            /* patterns from the config */
    int quality;
    double cpu_s[CC_MAX_CAMERAS];          /* per frame; 0: not measured */
    char spec[CC_MAX_CAMERAS][48];         /* "1920x1200 Mono8 scroll" */
} cc_reference;

/* From the daemon's config: exact sizes, formats, patterns and quality.
 * Cameras that are not test patterns are left unmeasured. Returns 0 or a
 * negative errno (err gets the config loader's message). */
int cc_reference_from_config(cc_reference *r, const char *path, double seconds,
                             char *err, size_t errlen);
#endif
