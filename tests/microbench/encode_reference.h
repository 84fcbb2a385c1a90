/* Measures what encoding costs per camera when nothing else runs: one
 * thread of the encoder pool on that camera's own test-pattern frames
 * (encode_bench.h). The e2e benchmark divides it by what the daemon spends
 * per frame. */
#ifndef CC_MICROBENCH_ENCODE_REFERENCE_H
#define CC_MICROBENCH_ENCODE_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "reference.h" /* the report's format: bench/reference.h */

/* From the daemon's config: exact sizes, formats, patterns and quality.
 * Cameras that are not test patterns are left unmeasured. Returns 0 or a
 * negative errno (err gets the config loader's message). */
int cc_reference_from_config(cc_reference *r, const char *path, double seconds,
                             char *err, size_t errlen);
#endif
