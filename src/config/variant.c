/* [variant NAME]: a reduced encoding of every camera. */
#include "config/variant.h"

#include "config/load.h"

#include <math.h>
#include <string.h>

static const char *const color_names[] = {
    [CC_COLOR_AUTO] = "auto",
    [CC_COLOR_GRAY] = "gray",
    [CC_COLOR_YUV] = "yuv",
};

/* "1/N" or a decimal that is 1/N (0.5, 0.25): variants are made with a
 * box filter of N x N pixels. */
static void parse_scale(cc_load *st, void *obj, const char *value)
{
    cc_variant_config *v = obj;
    long n = 0;
    double d = 0;
    if (strncmp(value, "1/", 2) == 0) {
        if (cc_parse_long(value + 2, 1, CC_MAX_SCALE, &n))
            n = 0;
    } else if (!cc_parse_double(value, 1.0 / (CC_MAX_SCALE + 0.5), 1, &d)) {
        n = lround(1 / d);
        if (fabs(n * d - 1) > 0.01)
            n = 0;
    }
    if (n < 1)
        cc_key_error(st, "expected 1/N or its decimal (N = 1..%d: 1/2, 0.25), "
                     "got '%s'", CC_MAX_SCALE, value);
    else
        v->scale = (unsigned)n;
}

static const char *format_scale(const void *obj, char *buf, size_t len)
{
    unsigned scale = ((const cc_variant_config *)obj)->scale;
    if (!scale)
        return ""; /* max_width says the size */
    snprintf(buf, len, "1/%u", scale);
    return buf;
}

enum { V_MAX_WIDTH, V_SCALE, V_QUALITY, V_COLOR };
static const cc_key variant_keys[] = {
    [V_MAX_WIDTH] = CC_UINT("max_width", 16, 16384, NULL, cc_variant_config, max_width,
                            .flags = CC_KEY_OMIT_EMPTY),
    [V_SCALE] = CC_CUSTOM("scale", NULL, cc_variant_config, scale, parse_scale,
                          format_scale, .flags = CC_KEY_OMIT_EMPTY),
    /* 0: the server's jpeg_quality, resolved at load */
    [V_QUALITY] = CC_UINT("quality", 1, 100, NULL, cc_variant_config, quality),
    [V_COLOR] = CC_ENUM("color", "auto", color_names, NULL, cc_variant_config, color),
};

static void *current_variant(cc_load *st)
{
    cc_server_config *s = &st->cfg->server;
    return &s->variants[s->n_variants - 1];
}

/* Exactly one of max_width and scale says the size. */
static void end_variant(cc_load *st)
{
    const int *at = st->sec.key_lines;
    if (!at[V_MAX_WIDTH] && !at[V_SCALE])
        cc_load_fail(st, st->sec.line, "%s missing key 'max_width' (or 'scale')",
                     st->sec.label);
    else if (at[V_MAX_WIDTH] && at[V_SCALE])
        cc_load_fail(st, at[V_MAX_WIDTH] > at[V_SCALE] ? at[V_MAX_WIDTH] : at[V_SCALE],
                     "%s keys 'max_width' and 'scale' both set (line %d and %d): "
                     "give one", st->sec.label, at[V_MAX_WIDTH], at[V_SCALE]);
}

static void begin_variant(cc_load *st, const char *name, size_t len)
{
    cc_server_config *s = &st->cfg->server;
    snprintf(st->sec.label, sizeof st->sec.label, "[variant %.*s]", (int)len, name);
    char vname[CC_NAME_MAX];
    if (!cc_valid_name(name, len)) {
        cc_load_fail(st, st->line, "%s invalid variant name '%.*s' (1..%d characters "
                     "of A-Z a-z 0-9 _ . -)", st->sec.label, (int)len, name,
                     CC_NAME_MAX - 1);
        return;
    }
    snprintf(vname, sizeof vname, "%.*s", (int)len, name);
    int first = cc_variant_find(s, vname);
    if (strcmp(vname, "full") == 0)
        cc_load_fail(st, st->line, "%s the name 'full' is the cameras' own stream",
                     st->sec.label);
    else if (first >= 0)
        cc_load_fail(st, st->line, "%s duplicate variant name (first defined at line "
                     "%d)", st->sec.label, s->variants[first].line);
    else if (s->n_variants == CC_MAX_VARIANTS)
        cc_load_fail(st, st->line, "%s too many variants (at most %d)", st->sec.label,
                     CC_MAX_VARIANTS);
    if (st->rc)
        return;
    cc_variant_config *v = &s->variants[s->n_variants++];
    *v = (cc_variant_config){.line = st->line};
    memcpy(v->name, vname, sizeof vname);
    cc_load_enter(st, &cc_variant_section, v);
}

const cc_section_type cc_variant_section = {
    .name = "variant",
    .named = true,
    .keys = variant_keys,
    .n_keys = CC_N_OF(variant_keys),
    .begin = begin_variant,
    .object = current_variant,
    .end = end_variant,
};

void cc_variant_config_write(const cc_variant_config *v, FILE *out)
{
    fprintf(out, "\n[variant %s]\n", v->name);
    cc_keys_write(out, variant_keys, CC_N_OF(variant_keys), v);
}

unsigned cc_variant_scale(const cc_variant_config *v, uint32_t width)
{
    unsigned k = v->scale;
    if (!k)
        k = v->max_width ? (width + v->max_width - 1) / v->max_width : 1;
    return k < 1 ? 1 : k > CC_MAX_SCALE ? CC_MAX_SCALE : k;
}

size_t cc_variant_count(const cc_server_config *s)
{
    return s->n_variants + (s->rtsp.enabled && s->rtsp.has_own);
}

const cc_variant_config *cc_variant_at(const cc_server_config *s, size_t v)
{
    return v >= 1 && v <= s->n_variants ? &s->variants[v - 1] : &s->rtsp.own;
}

int cc_variant_find(const cc_server_config *s, const char *name)
{
    for (size_t i = 0; i < s->n_variants; i++)
        if (strcmp(s->variants[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *cc_variant_color_name(cc_variant_color color)
{
    return (size_t)color < CC_N_OF(color_names) ? color_names[color] : NULL;
}

int cc_variant_index(const cc_server_config *s, const char *name)
{
    if (strcmp(name, "full") == 0)
        return CC_VARIANT_FULL;
    int v = cc_variant_find(s, name);
    return v < 0 ? -1 : v + 1;
}

const char *cc_variant_name(const cc_server_config *s, size_t v)
{
    return v == CC_VARIANT_FULL || v > cc_variant_count(s) ? "full"
                                                            : cc_variant_at(s, v)->name;
}
