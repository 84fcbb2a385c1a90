#include "encode_reference.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "encode_bench.h"

_Static_assert(CC_MAX_CAMERAS <= CC_REFERENCE_MAX_CAMERAS, "a config's cameras fit the report");

static const char *pattern_name(cc_pattern p)
{
    return p == CC_PATTERN_SCROLL ? "scroll" : p == CC_PATTERN_BARS ? "bars" : "checker";
}

/* Measures spec for camera i unless an earlier camera had the same. */
static int measure(cc_reference *r, size_t i, const cc_enc_spec *specs, double seconds)
{
    const cc_enc_spec *s = &specs[i];
    char name[32];
    snprintf(r->spec[i], sizeof r->spec[i], "%s %s",
             cc_enc_spec_name(s, name, sizeof name), pattern_name(s->pattern));
    for (size_t j = 0; j < i; j++) {
        if (memcmp(&specs[j], s, sizeof *s) == 0 && r->cpu_s[j] > 0) {
            r->cpu_s[i] = r->cpu_s[j];
            return 0;
        }
    }
    cc_enc_result res;
    int rc = cc_enc_run(s, 1, seconds, 0, &res);
    if (rc == 0)
        r->cpu_s[i] = res.cpu_ms_per_frame / 1e3;
    return rc;
}

static int measure_all(cc_reference *r, const cc_enc_spec *specs, const bool *known,
                       double seconds)
{
    for (size_t i = 0; i < r->n_cameras; i++) {
        int rc = known[i] ? measure(r, i, specs, seconds) : 0;
        if (rc < 0)
            return rc;
    }
    return 0;
}

int cc_reference_from_config(cc_reference *r, const char *path, double seconds,
                             char *err, size_t errlen)
{
    cc_config cfg;
    int rc = cc_config_load(&cfg, path, err, errlen);
    if (rc < 0)
        return rc;
    memset(r, 0, sizeof *r);
    r->n_cameras = cfg.n_cameras;
    r->exact = true;
    r->quality = cfg.server.jpeg_quality;
    cc_enc_spec specs[CC_MAX_CAMERAS] = {0};
    bool known[CC_MAX_CAMERAS] = {0};
    for (size_t i = 0; i < cfg.n_cameras; i++) {
        const cc_camera_config *c = &cfg.cameras[i];
        known[i] = c->source == CC_SOURCE_TESTPATTERN;
        specs[i] = (cc_enc_spec){.width = c->width, .height = c->height,
                                 .fmt = c->pixfmt, .pattern = c->pattern,
                                 .quality = r->quality};
    }
    cc_config_destroy(&cfg);
    return measure_all(r, specs, known, seconds);
}
