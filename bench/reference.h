/* The encode reference report: what encoding costs per camera when nothing
 * else runs, as measured by `camcast-microbench reference --json` (one thread of the daemon's encoder
 * pool on that camera's own test-pattern frames, before the run, on an idle
 * machine). The e2e benchmark divides it by what the daemon spends per
 * frame. */
#ifndef CC_BENCH_REFERENCE_H
#define CC_BENCH_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CC_REFERENCE_MAX_CAMERAS 64

typedef struct cc_reference {
    size_t n_cameras;
    bool exact;                                /* patterns from the config */
    int quality;
    double cpu_s[CC_REFERENCE_MAX_CAMERAS];    /* per frame; 0: not measured */
    char spec[CC_REFERENCE_MAX_CAMERAS][48];   /* "1920x1200 Mono8 scroll" */
} cc_reference;

/* Reads the file. Returns 0, or a negative errno (-EINVAL: not such a
 * report; err says what). */
int cc_reference_load(cc_reference *r, const char *path, char *err, size_t errlen);
/* Writes the report (JSON) that cc_reference_load reads. Returns 0 or
 * -ENOMEM. */
int cc_reference_write(const cc_reference *r, FILE *out);

#endif
