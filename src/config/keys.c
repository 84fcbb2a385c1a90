/* The key tables at work: parsing a value by its kind, the defaults, the
 * writer; and the value parsers the sections share. */
#include "config/load.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cc_parse_long(const char *s, long min, long max, long *out)
{
    if (!isdigit((unsigned char)s[0]))
        return -EINVAL;
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (*end || errno || n < min || n > max)
        return -EINVAL;
    *out = n;
    return 0;
}

int cc_parse_double(const char *s, double min, double max, double *out)
{
    const char *digits = min < 0 && s[0] == '-' ? s + 1 : s;
    if (!isdigit((unsigned char)digits[0]) && digits[0] != '.')
        return -EINVAL;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end || errno || !isfinite(d) || d < min || d > max)
        return -EINVAL;
    *out = d;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < CC_N_OF(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
            *out = strcasecmp(s, yes[i]) == 0;
            return 0;
        }
    }
    return -EINVAL;
}

bool cc_valid_address(const char *s)
{
    unsigned char bin[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, bin) == 1 || inet_pton(AF_INET6, s, bin) == 1;
}

/* A bare IPv6 address has several colons, where IPv4 with a port has one. */
int cc_split_listen(const char *arg, char *addr, size_t size, const char **port)
{
    size_t len = strlen(arg);
    const char *colon = strchr(arg, ':');
    *port = NULL;
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (!close || (close[1] && close[1] != ':'))
            return -EINVAL;
        if (close[1])
            *port = close + 2;
        arg++;
        len = (size_t)(close - arg);
        if (!memchr(arg, ':', len))
            return -EINVAL; /* brackets are for IPv6 only */
    } else if (colon && colon == strrchr(arg, ':')) {
        len = (size_t)(colon - arg);
        *port = colon + 1;
    }
    if (len >= size)
        return -EINVAL;
    memcpy(addr, arg, len);
    addr[len] = '\0';
    return 0;
}

bool cc_valid_name(const char *name, size_t len)
{
    if (len < 1 || len >= CC_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
            return false;
    return true;
}

bool cc_valid_feature_name(const char *s)
{
    if (!isalpha((unsigned char)s[0]) && s[0] != '_')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

const char *cc_list_names(char *buf, size_t len, const char *const *names, size_t n)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(buf);
        if (names[i])
            snprintf(buf + used, len - used, "%s%s", used ? ", " : "", names[i]);
    }
    return buf;
}

/* "a, b or c": what an enum without a noun expects. */
static const char *list_choices(char *buf, size_t len, const char *const *names,
                                size_t n)
{
    size_t last = n;
    while (last > 0 && !names[last - 1])
        last--;
    buf[0] = '\0';
    for (size_t i = 0; i < last; i++) {
        size_t used = strlen(buf);
        if (names[i])
            snprintf(buf + used, len - used, "%s%s",
                     !used ? "" : i == last - 1 ? " or " : ", ", names[i]);
    }
    return buf;
}

int cc_key_find(const cc_key *keys, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (keys[i].name && strcmp(keys[i].name, name) == 0)
            return (int)i;
    return -1;
}

int cc_need_value(cc_load *st, void *obj, const char *value)
{
    (void)obj;
    if (value[0])
        return 0;
    cc_key_error(st, "expected a value");
    return -1;
}

/* The integer fields: unsigned of any width, or int holding 0 and up. */
static void store_uint(void *field, size_t size, unsigned long long v)
{
    unsigned char u8 = (unsigned char)v;
    unsigned short u16 = (unsigned short)v;
    unsigned u32 = (unsigned)v;
    switch (size) {
    case sizeof u8: memcpy(field, &u8, size); break;
    case sizeof u16: memcpy(field, &u16, size); break;
    case sizeof u32: memcpy(field, &u32, size); break;
    default: assert(size == sizeof v); memcpy(field, &v, size); break;
    }
}

static unsigned long long load_uint(const void *field, size_t size)
{
    unsigned char u8;
    unsigned short u16;
    unsigned u32;
    unsigned long long v;
    switch (size) {
    case sizeof u8: memcpy(&u8, field, size); return u8;
    case sizeof u16: memcpy(&u16, field, size); return u16;
    case sizeof u32: memcpy(&u32, field, size); return u32;
    default: memcpy(&v, field, sizeof v); return v;
    }
}

static void parse_enum(cc_load *st, const cc_key *k, void *field, const char *value)
{
    char list[256];
    for (size_t i = 0; i < k->n_names; i++) {
        if (k->names[i] && strcmp(k->names[i], value) == 0) {
            store_uint(field, k->size, i);
            return;
        }
    }
    if (k->noun)
        cc_key_error(st, "unknown %s '%s' (supported: %s)", k->noun, value,
                     cc_list_names(list, sizeof list, k->names, k->n_names));
    else
        cc_key_error(st, "expected %s, got '%s'",
                     list_choices(list, sizeof list, k->names, k->n_names), value);
}

void cc_key_parse(cc_load *st, const cc_key *k, void *obj, const char *value)
{
    void *field = (char *)obj + k->offset;
    long n;
    double d;
    bool b;
    if (k->check && k->check(st, obj, value))
        return;
    switch (k->kind) {
    case CC_KIND_UINT:
        if (cc_parse_long(value, (long)k->min, (long)k->max, &n) == 0)
            store_uint(field, k->size, (unsigned long long)n);
        else
            cc_key_error(st, "expected an integer %ld..%ld, got '%s'", (long)k->min,
                         (long)k->max, value);
        break;
    case CC_KIND_AUTO:
        if (strcasecmp(value, "auto") == 0)
            store_uint(field, k->size, 0);
        else if (cc_parse_long(value, (long)k->min, (long)k->max, &n) == 0)
            store_uint(field, k->size, (unsigned long long)n);
        else
            cc_key_error(st, "expected auto or an integer %ld..%ld, got '%s'",
                         (long)k->min, (long)k->max, value);
        break;
    case CC_KIND_NUMBER:
        if (cc_parse_double(value, k->min, k->max, &d) == 0)
            memcpy(field, &d, sizeof d);
        else
            cc_key_error(st, "expected a number %g..%g, got '%s'", k->min, k->max,
                         value);
        break;
    case CC_KIND_BOOL:
        if (parse_bool(value, &b) == 0)
            memcpy(field, &b, sizeof b);
        else
            cc_key_error(st, "expected true or false, got '%s'", value);
        break;
    case CC_KIND_TEXT:
        snprintf(field, k->size, "%s", value);
        break;
    case CC_KIND_ENUM:
        parse_enum(st, k, field, value);
        break;
    case CC_KIND_CUSTOM:
        k->parse(st, obj, value);
        break;
    }
}

void cc_keys_defaults(cc_load *st, const cc_key *keys, size_t n, void *obj)
{
    int line = st->line;
    st->line = 0;
    for (size_t i = 0; i < n; i++) {
        if (keys[i].def) {
            st->key = keys[i].name;
            cc_key_parse(st, &keys[i], obj, keys[i].def);
            assert(st->rc == 0 && "every default parses");
        }
    }
    st->line = line;
}

/* The shortest %g form that reads back as the same double, so 0.1 stays
 * "0.1" rather than "0.10000000000000001". */
static const char *format_double(char *buf, size_t len, double d)
{
    for (int prec = 15;; prec++) {
        snprintf(buf, len, "%.*g", prec, d);
        if (prec == 17 || strtod(buf, NULL) == d)
            return buf;
    }
}

static const char *format_value(const cc_key *k, const void *obj, char *buf, size_t len)
{
    const void *field = (const char *)obj + k->offset;
    unsigned long long n;
    double d;
    bool b;
    switch (k->kind) {
    case CC_KIND_UINT:
    case CC_KIND_AUTO:
        n = load_uint(field, k->size);
        if (n == 0 && k->kind == CC_KIND_AUTO)
            return "auto";
        snprintf(buf, len, "%llu", n);
        return buf;
    case CC_KIND_NUMBER:
        memcpy(&d, field, sizeof d);
        return format_double(buf, len, d);
    case CC_KIND_BOOL:
        memcpy(&b, field, sizeof b);
        return b ? "true" : "false";
    case CC_KIND_TEXT:
        return field;
    case CC_KIND_ENUM:
        n = load_uint(field, k->size);
        return n < k->n_names && k->names[n] ? k->names[n] : "";
    case CC_KIND_CUSTOM:
        return k->format(obj, buf, len);
    }
    return "";
}

void cc_write_text_key(FILE *out, const char *prefix, const char *key,
                       const char *value)
{
    size_t n = strlen(prefix) + strlen(key) + strlen(value) + 3;
    bool spaced = n <= CC_LINE_CHARS_MAX && value[0] != ';';
    fprintf(out, spaced ? "%s%s = %s\n" : "%s%s=%s\n", prefix, key, value);
}

void cc_key_write(FILE *out, const cc_key *k, const void *obj)
{
    char buf[64];
    const char *value = format_value(k, obj, buf, sizeof buf);
    bool empty = !value[0] || (k->kind != CC_KIND_TEXT && strcmp(value, "0") == 0);
    if (!(empty && k->flags & CC_KEY_OMIT_EMPTY))
        cc_write_text_key(out, "", k->name, value);
}

void cc_keys_write(FILE *out, const cc_key *keys, size_t n, const void *obj)
{
    for (size_t i = 0; i < n; i++)
        cc_key_write(out, &keys[i], obj);
}
