/* A camera's live settings (docs/control.md): sets asked for on the event
 * loop, carried out by the camera's grab thread (the one thread that talks
 * to its source, so a camera that takes long to answer never blocks the
 * loop), and their results handed back.
 *
 * The grab thread checks one atomic word per grab (cc_tuning_pending); the
 * mutex is taken only when something is pending, on either side. Sets of
 * one feature coalesce: the newest pending value wins. After a set, the
 * grab thread reads the other features again, one per grab, so what a set
 * changes elsewhere (an auto mode that unlocks exposure, a frame rate that
 * bounds it) is announced too, without holding a frame up by more than one
 * feature's read.
 *
 * Values set with success are kept, in the order of their latest set, and
 * set again when a lost camera reconnects: it comes back as it was tuned,
 * not as the file says.
 */
#ifndef CC_TUNING_H
#define CC_TUNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feature.h"
#include "source.h"

typedef struct cc_tuning cc_tuning;

#define CC_TUNING_RESULTS 32      /* results waiting for the loop, at most */
#define CC_TUNING_REPEAT_MAX 16   /* executions of one command pending */

typedef struct cc_tuning_result {
    uint64_t client;   /* who asked; 0: nobody (a change a refresh found) */
    uint64_t request;  /* the asker's tag, handed back */
    int status;        /* 0 applied; else write_feature's error, -ENOTCONN
                          (offline) or -ENOENT (not offered) */
    char message[256]; /* status < 0: why */
    bool has_state;
    cc_feature_state state; /* the feature after it, read back */
} cc_tuning_result;

/* A value set live, for saving (cc_tuning_live). */
typedef struct cc_tuning_value {
    char name[CC_FEATURE_NAME_MAX];
    cc_feature_value value;
} cc_tuning_value;

typedef void (*cc_tuning_notify_fn)(void *arg);

/* name: the camera's, for log lines. Returns 0 or -ENOMEM. */
int cc_tuning_new(cc_tuning **out, const char *name);
void cc_tuning_free(cc_tuning *t);
/* Who is told that results or a table wait: fn(arg), on the grab thread,
 * under the tuning's lock, so once this returns the old one is never called
 * again. fn must not block (uv_async_send). */
void cc_tuning_set_notify(cc_tuning *t, cc_tuning_notify_fn fn, void *arg);

/* ---- the loop's side ---- */

/* Queues a set (v already checked against the loop's last state: the grab
 * thread checks again). A pending set of the same feature is replaced: its
 * client and request go into *replaced (0 when none); a command pending
 * again runs once more (up to CC_TUNING_REPEAT_MAX). Returns 0 or -ENOSPC. */
int cc_tuning_post(cc_tuning *t, const char *name, const cc_feature_value *v,
                   uint64_t client, uint64_t request, uint64_t replaced[2]);
/* Asks for every feature to be read again; changes come as results. */
void cc_tuning_refresh(cc_tuning *t);
/* Takes up to max results, oldest first; returns how many. */
size_t cc_tuning_take(cc_tuning *t, cc_tuning_result *out, size_t max);
/* The feature table posted at the latest connection, when it is new since
 * the last call: copies up to max states and returns how many; -1 when
 * there is nothing new. */
int cc_tuning_take_table(cc_tuning *t, cc_feature_state *out, size_t max);
/* The feature table as last posted, new or not: copies up to max states
 * and returns how many (0 before the source was ever connected). */
size_t cc_tuning_copy_table(cc_tuning *t, cc_feature_state *out, size_t max);
/* The values set live, in order: up to max, returns how many. */
size_t cc_tuning_live(cc_tuning *t, cc_tuning_value *out, size_t max);

/* ---- the grab thread's side ---- */

/* Whether cc_tuning_run has work: one relaxed load, checked per grab. */
bool cc_tuning_pending(const cc_tuning *t);
/* Applies the pending sets, or reads the next feature of a refresh. */
void cc_tuning_run(cc_tuning *t, cc_source *src);
/* The source is connected (at start, or again): with reapply, sets the
 * live values again (a refusal is logged); then reads the table and posts
 * it. */
void cc_tuning_connected(cc_tuning *t, cc_source *src, bool reapply);
/* The source is lost: pending sets are answered -ENOTCONN. */
void cc_tuning_disconnected(cc_tuning *t);

#endif
