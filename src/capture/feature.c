#include "feature.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Integers beyond this are not exact as doubles. */
#define INT_EXACT 9007199254740992.0

const char *cc_feature_kind_name(cc_feature_kind kind)
{
    switch (kind) {
    case CC_FEATURE_FLOAT: return "float";
    case CC_FEATURE_INT: return "int";
    case CC_FEATURE_BOOL: return "bool";
    case CC_FEATURE_ENUM: return "enum";
    case CC_FEATURE_COMMAND: return "command";
    }
    return "?";
}

static size_t entries_used(const cc_feature_state *f)
{
    size_t used = 0;
    for (unsigned i = 0; i < f->n_entries; i++)
        used += strlen(f->entries + used) + 1;
    return used;
}

int cc_feature_add_entry(cc_feature_state *f, const char *entry)
{
    size_t used = entries_used(f), n = strlen(entry);
    if (n >= CC_FEATURE_TEXT_MAX || used + n + 1 > sizeof f->entries)
        return -ENOSPC;
    memcpy(f->entries + used, entry, n + 1);
    f->n_entries++;
    return 0;
}

const char *cc_feature_entry(const cc_feature_state *f, unsigned i)
{
    const char *p = f->entries;
    for (unsigned k = 0; k < i && k < f->n_entries; k++)
        p += strlen(p) + 1;
    return p;
}

bool cc_feature_has_entry(const cc_feature_state *f, const char *entry)
{
    const char *p = f->entries;
    for (unsigned i = 0; i < f->n_entries; i++, p += strlen(p) + 1)
        if (strcmp(p, entry) == 0)
            return true;
    return false;
}

void cc_feature_describe_range(const cc_feature_state *f, char *buf, size_t len)
{
    buf[0] = '\0';
    int n = 0;
    switch (f->kind) {
    case CC_FEATURE_FLOAT:
    case CC_FEATURE_INT:
        if (!f->has_range)
            n = snprintf(buf, len, "%s", f->kind == CC_FEATURE_INT ? "an integer" : "a number");
        else
            n = snprintf(buf, len, "%.10g..%.10g", f->min, f->max);
        if (n > 0 && (size_t)n < len && f->unit[0])
            n += snprintf(buf + n, len - (size_t)n, " %s", f->unit);
        if (n > 0 && (size_t)n < len && f->inc > 0 &&
            (f->kind == CC_FEATURE_FLOAT || f->inc > 1))
            snprintf(buf + n, len - (size_t)n, " in steps of %.10g", f->inc);
        return;
    case CC_FEATURE_BOOL:
        snprintf(buf, len, "true or false");
        return;
    case CC_FEATURE_ENUM: {
        size_t used = 0;
        for (unsigned i = 0; i < f->n_entries && used < len; i++)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                                     cc_feature_entry(f, i));
        if (!f->n_entries)
            snprintf(buf, len, "no entry now");
        return;
    }
    case CC_FEATURE_COMMAND:
        snprintf(buf, len, "\"execute\"");
        return;
    }
}

__attribute__((format(printf, 4, 5)))
static int refuse(int rc, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static const char *value_kind_words(cc_feature_kind kind)
{
    switch (kind) {
    case CC_FEATURE_FLOAT:
    case CC_FEATURE_INT: return "a number";
    case CC_FEATURE_BOOL: return "true or false";
    case CC_FEATURE_ENUM: return "a string";
    case CC_FEATURE_COMMAND: return "\"execute\"";
    }
    return "?";
}

/* Off the increment by more than rounding. */
static bool off_step(double v, double min, double inc)
{
    if (!(inc > 0))
        return false;
    double steps = (v - min) / inc;
    return fabs(steps - round(steps)) > 1e-6;
}

static int check_number(const cc_feature_state *f, cc_feature_value *v, char *err,
                        size_t errlen)
{
    char range[160];
    cc_feature_describe_range(f, range, sizeof range);
    if (!isfinite(v->number))
        return refuse(-EINVAL, err, errlen, "%s takes a finite number (%s)", f->name, range);
    if (f->kind == CC_FEATURE_INT &&
        (v->number != floor(v->number) || fabs(v->number) > INT_EXACT))
        return refuse(-EINVAL, err, errlen, "%s takes an integer (%s), not %.10g", f->name,
                      range, v->number);
    if (f->has_range && (v->number < f->min || v->number > f->max))
        return refuse(-ERANGE, err, errlen, "%s = %.10g is out of range (%s)", f->name,
                      v->number, range);
    if (f->has_range && off_step(v->number, f->min, f->inc))
        return refuse(-ERANGE, err, errlen, "%s = %.10g is not on the camera's steps (%s)",
                      f->name, v->number, range);
    v->kind = f->kind;
    return 0;
}

/* A client's text as a message shows it: short, printable ASCII only. */
static void plain(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++) {
        unsigned char ch = (unsigned char)*in;
        out[n++] = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' ? (char)ch : '?';
    }
    out[n] = '\0';
}

int cc_feature_check(const cc_feature_state *f, cc_feature_value *v, char *err,
                     size_t errlen)
{
    bool numeric = f->kind == CC_FEATURE_FLOAT || f->kind == CC_FEATURE_INT;
    bool given_number = v->kind == CC_FEATURE_FLOAT || v->kind == CC_FEATURE_INT;
    bool given_text = v->kind == CC_FEATURE_ENUM || v->kind == CC_FEATURE_COMMAND;
    bool fits = numeric ? given_number
                : f->kind == CC_FEATURE_BOOL ? v->kind == CC_FEATURE_BOOL
                                             : given_text;
    if (!fits)
        return refuse(-EINVAL, err, errlen, "%s takes %s, not %s", f->name,
                      value_kind_words(f->kind), value_kind_words(v->kind));
    if (!f->writable)
        return refuse(-EPERM, err, errlen, "%s cannot be %s now: %s", f->name,
                      f->kind == CC_FEATURE_COMMAND ? "executed" : "set",
                      f->why[0] ? f->why : "not writable");
    if (numeric)
        return check_number(f, v, err, errlen);
    if (f->kind == CC_FEATURE_COMMAND) {
        if (strcmp(v->text, "execute") != 0)
            return refuse(-EINVAL, err, errlen, "%s is a command: its value is \"execute\"",
                          f->name);
    } else if (f->kind == CC_FEATURE_ENUM && !cc_feature_has_entry(f, v->text)) {
        char range[256], shown[33];
        cc_feature_describe_range(f, range, sizeof range);
        plain(v->text, shown, sizeof shown);
        return refuse(-EINVAL, err, errlen, "%s has no entry \"%s\" (it has: %s)", f->name,
                      shown, range);
    }
    v->kind = f->kind;
    return 0;
}

void cc_feature_value_format(const cc_feature_value *v, char *buf, size_t len)
{
    switch (v->kind) {
    case CC_FEATURE_FLOAT:
    case CC_FEATURE_INT:
        snprintf(buf, len, "%.15g", v->number);
        return;
    case CC_FEATURE_BOOL:
        snprintf(buf, len, "%s", v->flag ? "true" : "false");
        return;
    case CC_FEATURE_ENUM:
        snprintf(buf, len, "%s", v->text);
        return;
    case CC_FEATURE_COMMAND:
        snprintf(buf, len, "execute");
        return;
    }
    snprintf(buf, len, "?");
}

int cc_feature_value_parse(const cc_feature_state *f, const char *text,
                           cc_feature_value *out)
{
    memset(out, 0, sizeof *out);
    out->kind = f->kind;
    char *end;
    switch (f->kind) {
    case CC_FEATURE_FLOAT:
    case CC_FEATURE_INT:
        out->number = strtod(text, &end);
        return end != text && !*end && isfinite(out->number) ? 0 : -EINVAL;
    case CC_FEATURE_BOOL:
        if (strcasecmp(text, "true") == 0 || strcmp(text, "1") == 0)
            out->flag = true;
        else if (strcasecmp(text, "false") != 0 && strcmp(text, "0") != 0)
            return -EINVAL;
        return 0;
    case CC_FEATURE_ENUM:
    case CC_FEATURE_COMMAND:
        if (strlen(text) >= sizeof out->text)
            return -EINVAL;
        snprintf(out->text, sizeof out->text, "%s", text);
        return 0;
    }
    return -EINVAL;
}

static bool value_same(const cc_feature_value *a, const cc_feature_value *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case CC_FEATURE_FLOAT:
    case CC_FEATURE_INT:
        return a->number == b->number;
    case CC_FEATURE_BOOL:
        return a->flag == b->flag;
    case CC_FEATURE_ENUM:
        return strcmp(a->text, b->text) == 0;
    case CC_FEATURE_COMMAND:
        return true;
    }
    return true; /* no value (a command's state) */
}

bool cc_feature_state_same(const cc_feature_state *a, const cc_feature_state *b)
{
    return strcmp(a->name, b->name) == 0 && a->kind == b->kind &&
           value_same(&a->value, &b->value) && a->has_range == b->has_range &&
           (!a->has_range || (a->min == b->min && a->max == b->max)) && a->inc == b->inc &&
           strcmp(a->unit, b->unit) == 0 && a->n_entries == b->n_entries &&
           memcmp(a->entries, b->entries, entries_used(a)) == 0 &&
           a->writable == b->writable && strcmp(a->why, b->why) == 0;
}
