/* A camera feature as camcastd offers it for live control (docs/control.md):
 * its kind, value, range, unit and whether it may be set now.
 *
 * Sources fill these from what the camera says (GenICam's node map for
 * Aravis cameras, the test pattern's own two); the loop keeps the last
 * state of each to answer clients and to check a value before the camera
 * sees it, and the grab thread checks again against a fresh state. Plain
 * data: no pointers, so states are copied between threads as they are.
 */
#ifndef CC_FEATURE_H
#define CC_FEATURE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

typedef enum cc_feature_kind {
    CC_FEATURE_FLOAT = 1,
    CC_FEATURE_INT,
    CC_FEATURE_BOOL,
    CC_FEATURE_ENUM,
    CC_FEATURE_COMMAND,
} cc_feature_kind;

#define CC_FEATURE_NAME_MAX CC_NAME_MAX
#define CC_FEATURE_TEXT_MAX 64     /* an enumeration entry */
#define CC_FEATURE_ENTRIES_BYTES 512 /* all entries of one enumeration */
#define CC_FEATURE_UNIT_MAX 16
#define CC_FEATURE_WHY_MAX 112
/* Features offered per camera: the usual ones and every feature.NAME. */
#define CC_FEATURES_MAX (CC_MAX_FEATURES + 24)

/* A value to set, or a value read. INT values travel as doubles: exact up
 * to 2^53, beyond any camera setting. */
typedef struct cc_feature_value {
    cc_feature_kind kind;
    double number;                  /* FLOAT, INT */
    bool flag;                      /* BOOL */
    char text[CC_FEATURE_TEXT_MAX]; /* ENUM: the entry; COMMAND: "execute" */
} cc_feature_value;

typedef struct cc_feature_state {
    char name[CC_FEATURE_NAME_MAX];
    cc_feature_kind kind;
    cc_feature_value value;  /* not for a COMMAND */
    bool has_range;          /* FLOAT, INT */
    double min, max;
    double inc;              /* INT (and FLOAT when the camera says): 0 none */
    char unit[CC_FEATURE_UNIT_MAX];
    /* ENUM: the entries available now, each NUL-terminated, in order. */
    char entries[CC_FEATURE_ENTRIES_BYTES];
    unsigned n_entries;
    bool writable;           /* may be set (a command: executed) now */
    char why[CC_FEATURE_WHY_MAX]; /* when not writable: why, in words */
} cc_feature_state;

const char *cc_feature_kind_name(cc_feature_kind kind);

/* Appends an entry to an ENUM state. Returns 0 or -ENOSPC. */
int cc_feature_add_entry(cc_feature_state *f, const char *entry);
/* The i-th entry (i < n_entries). */
const char *cc_feature_entry(const cc_feature_state *f, unsigned i);
bool cc_feature_has_entry(const cc_feature_state *f, const char *entry);

/* Checks v against f as it is now: v's kind fits f's (a FLOAT feature
 * takes a number, an INT one an integer, a BOOL true or false, an ENUM one
 * of its entries, a COMMAND "execute"), numbers are finite and in range
 * (and on the increment), and f is writable. v's kind becomes f's (a
 * number for an INT feature is INT). Returns 0, or -EPERM (not writable),
 * -ERANGE (out of range or off the increment) or -EINVAL (wrong kind,
 * unknown entry) with the reason in err, naming the feature and what it
 * takes. */
int cc_feature_check(const cc_feature_state *f, cc_feature_value *v, char *err,
                     size_t errlen);

/* The value as a config line writes it: "%.15g", "true"/"false", the
 * entry, or "execute". */
void cc_feature_value_format(const cc_feature_value *v, char *buf, size_t len);
/* Parses text (as the config writes it) into a value of f's kind. Returns
 * 0 or -EINVAL. */
int cc_feature_value_parse(const cc_feature_state *f, const char *text,
                           cc_feature_value *out);

/* Whether two states differ in anything a client is told (value, range,
 * unit, entries, writable and why). */
bool cc_feature_state_same(const cc_feature_state *a, const cc_feature_state *b);

/* "10..1000000 us", "0..10 in steps of 2", "Off, Once, Continuous",
 * "true or false": what f takes, for messages. */
void cc_feature_describe_range(const cc_feature_state *f, char *buf, size_t len);

#endif
