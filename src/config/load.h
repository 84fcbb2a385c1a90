/* Not for callers of config.h: what the loader (config.c), the key tables
 * (keys.c) and the sections (camera.c, variant.c, rtsp.c, sync.c) share.
 *
 * Each section is a table of keys, cc_key: name, kind, range, default and
 * the field it fills (offsetof). The table drives parsing, the defaults and
 * the writer (cc_config_write, what --check-config prints); a key that is
 * more than one field of a known kind has hooks. Adding a plain number or
 * boolean is one row.
 */
#ifndef CC_CONFIG_LOAD_H
#define CC_CONFIG_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

#define CC_N_OF(a) (sizeof(a) / sizeof((a)[0]))
/* What libinih (INI_MAX_LINE 200) lets a line hold, as read_line says. */
#define CC_LINE_CHARS_MAX 198
#define CC_SECTION_KEYS_MAX 64 /* keys per section */

typedef struct cc_load cc_load;

typedef enum cc_key_kind {
    CC_KIND_UINT = 1, /* digits in min..max, into any unsigned (or int) field */
    CC_KIND_AUTO,     /* "auto" (stored as 0) or as CC_KIND_UINT */
    CC_KIND_NUMBER,   /* a double in min..max */
    CC_KIND_BOOL,
    CC_KIND_TEXT,     /* into a char array */
    CC_KIND_ENUM,     /* one of names[] (case-sensitive), into an enum */
    CC_KIND_CUSTOM,   /* the parse and format hooks say */
} cc_key_kind;

/* Not written back when it would be "" (or 0, but for text): the default
 * it stands for. */
#define CC_KEY_OMIT_EMPTY 1u

typedef struct cc_key cc_key;
struct cc_key {
    const char *name;
    cc_key_kind kind;
    double min, max;          /* UINT, AUTO, NUMBER */
    const char *def;          /* the default as a file says it; NULL: zero */
    size_t offset, size;      /* the field in the section's struct */
    const char *const *names; /* ENUM: by value, NULL where none */
    size_t n_names;
    /* ENUM's message: "unknown NOUN 'x' (supported: a, b)"; without a noun
     * "expected a or b, got 'x'". */
    const char *noun;
    unsigned flags;           /* CC_KEY_OMIT_EMPTY */
    /* Optional, before the value is stored: reports a bad value with
     * cc_key_error and returns -1, or notes what follows from it (the token
     * of token_file, the line of a key) and returns 0. */
    int (*check)(cc_load *st, void *obj, const char *value);
    /* CUSTOM: parses value into obj; the value as the file would say it. */
    void (*parse)(cc_load *st, void *obj, const char *value);
    const char *(*format)(const void *obj, char *buf, size_t len);
};

/* Rows of a table. T is the section's struct, m its field: a field of a
 * type the kind does not store is a compile error. Optional members
 * (.check, .flags) follow. */
#define CC_FIELD_(T, m, off) .offset = (off), .size = sizeof(((T *)0)->m)
#define CC_UINT(n, lo, hi, d, T, m, ...)                                       \
    {.name = (n), .kind = CC_KIND_UINT, .min = (lo), .max = (hi), .def = (d),   \
     CC_FIELD_(T, m, _Generic(((T *)0)->m, unsigned char: offsetof(T, m),      \
                              unsigned short: offsetof(T, m),                  \
                              unsigned: offsetof(T, m),                        \
                              unsigned long: offsetof(T, m),                   \
                              int: offsetof(T, m))),                           \
     __VA_ARGS__}
#define CC_AUTO(n, lo, hi, d, T, m, ...)                                       \
    {.name = (n), .kind = CC_KIND_AUTO, .min = (lo), .max = (hi), .def = (d),   \
     CC_FIELD_(T, m, _Generic(((T *)0)->m, unsigned: offsetof(T, m))),         \
     __VA_ARGS__}
#define CC_NUMBER(n, lo, hi, d, T, m, ...)                                     \
    {.name = (n), .kind = CC_KIND_NUMBER, .min = (lo), .max = (hi), .def = (d), \
     CC_FIELD_(T, m, _Generic(((T *)0)->m, double: offsetof(T, m))),           \
     __VA_ARGS__}
#define CC_BOOL(n, d, T, m, ...)                                               \
    {.name = (n), .kind = CC_KIND_BOOL, .def = (d),                             \
     CC_FIELD_(T, m, _Generic(((T *)0)->m, bool: offsetof(T, m))), __VA_ARGS__}
#define CC_TEXT(n, d, T, m, ...)                                               \
    {.name = (n), .kind = CC_KIND_TEXT, .def = (d),                             \
     CC_FIELD_(T, m, _Generic(&((T *)0)->m, char(*)[sizeof(((T *)0)->m)]:     \
                              offsetof(T, m))),                                \
     __VA_ARGS__}
#define CC_ENUM(n, d, names_, noun_, T, m, ...)                                \
    {.name = (n), .kind = CC_KIND_ENUM, .def = (d), .names = (names_),          \
     .n_names = CC_N_OF(names_), .noun = (noun_),                               \
     CC_FIELD_(T, m, offsetof(T, m)), __VA_ARGS__}
#define CC_CUSTOM(n, d, T, m, parse_, format_, ...)                            \
    {.name = (n), .kind = CC_KIND_CUSTOM, .def = (d), .parse = (parse_),        \
     .format = (format_), CC_FIELD_(T, m, offsetof(T, m)), __VA_ARGS__}

/* A kind of section: [NAME], or [NAME LABEL] when named. */
typedef struct cc_section_type {
    const char *name;
    bool named;
    const cc_key *keys;
    size_t n_keys;
    /* Starts a section at st->line (name: what follows "NAME "): checks
     * it, makes the struct, sets st->sec.label, applies the defaults. */
    void (*begin)(cc_load *st, const char *name, size_t len);
    void *(*object)(cc_load *st); /* the struct its keys are fields of */
    void (*end)(cc_load *st);     /* optional: checks the whole section */
    void (*seen)(cc_load *st, int key); /* optional: key k was given */
    /* Optional: a key not in keys (feature.NAME). Returns false when the
     * name is not its own either. */
    bool (*other_key)(cc_load *st, const char *name, const char *value);
} cc_section_type;

struct cc_load {
    cc_config *cfg;
    const char *path;
    FILE *file;
    char *buf; /* getline's */
    size_t cap;
    int line;  /* 0 while defaults are applied: nothing is "given" */
    struct {
        const cc_section_type *type; /* NULL before the first section */
        int line;
        int key_lines[CC_SECTION_KEYS_MAX]; /* where each key was set, 0: not yet */
        char label[CC_NAME_MAX + 16];
    } sec;
    int server_line;
    const char *key; /* the key being set, for messages */
    char *err;
    size_t errlen;
    int err_line;
    int rc;
};

extern const cc_section_type cc_camera_section;
extern const cc_section_type cc_variant_section;
extern const cc_section_type cc_rtsp_section;
extern const cc_section_type cc_sync_section;

/* Errors (config.c). The first one is kept. "FILE:LINE: message" (line 0:
 * "FILE: message"). */
void cc_load_fail(cc_load *st, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "FILE:LINE: [section] key: detail" for the key being set. */
void cc_key_error(cc_load *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cc_load_nomem(cc_load *st);
/* Enters the section begun at st->line (its keys are looked up from now),
 * with its keys' defaults in obj (NULL: none). */
void cc_load_enter(cc_load *st, const cc_section_type *type, void *obj);

/* The tables (keys.c). */
int cc_key_find(const cc_key *keys, size_t n, const char *name);
void cc_key_parse(cc_load *st, const cc_key *k, void *obj, const char *value);
/* Every key's default into obj, as if the file said it (with st->line 0). */
void cc_keys_defaults(cc_load *st, const cc_key *keys, size_t n, void *obj);
/* "key = value" of obj's field (nothing for an empty CC_KEY_OMIT_EMPTY). */
void cc_key_write(FILE *out, const cc_key *k, const void *obj);
/* Every key's, in table order. */
void cc_keys_write(FILE *out, const cc_key *keys, size_t n, const void *obj);
/* Key check: the value may not be empty ("expected a value"). */
int cc_need_value(cc_load *st, void *obj, const char *value);

/* Values (keys.c). Strict: digits only (no sign, blanks or junk), in
 * min..max. Returns 0 or -EINVAL. */
int cc_parse_long(const char *s, long min, long max, long *out);
/* Strict like cc_parse_long; the leading digit or '.' (after a '-' where
 * min < 0) also rules out inf/nan. */
int cc_parse_double(const char *s, double min, double max, double *out);
bool cc_valid_address(const char *s);
/* Splits "ADDR", "ADDR:PORT", "[V6]:PORT" or a bare IPv6 address; port
 * NULL when there is none. Returns 0 or -EINVAL. */
int cc_split_listen(const char *arg, char *addr, size_t size, const char **port);
/* Camera and variant names: 1..CC_NAME_MAX-1 of A-Z a-z 0-9 _ . - */
bool cc_valid_name(const char *name, size_t len);
/* GenICam names: a letter or '_', then letters, digits and '_'. */
bool cc_valid_feature_name(const char *s);
/* "a, b, c" of the non-NULL names, into buf. Returns buf. */
const char *cc_list_names(char *buf, size_t len, const char *const *names, size_t n);
/* "key = value", or "key=value" where the spaces would not fit a line or
 * the value starts with ';': a value that loaded always loads again. */
void cc_write_text_key(FILE *out, const char *prefix, const char *key,
                       const char *value);

/* [server] tcp_congestion (config.c): 0 when the list of congestion
 * controls at list_path has name, or cannot be read; else -ENOENT with the
 * list, ", "-separated, in offered. */
#define CC_CONGESTION_AVAILABLE "/proc/sys/net/ipv4/tcp_available_congestion_control"
int cc_congestion_offered(const char *list_path, const char *name, char *offered,
                          size_t len);

/* Sections (variant.c, rtsp.c, sync.c): what the loader calls at the end of the
 * file, and their part of cc_config_write. */
void cc_rtsp_resolve(cc_load *st);
void cc_sync_resolve(cc_load *st);
void cc_sync_config_write(const cc_sync_config *g, const cc_config *cfg, FILE *out);
void cc_variant_config_write(const cc_variant_config *v, FILE *out);
void cc_rtsp_config_write(const cc_rtsp_config *r, FILE *out);

#endif
