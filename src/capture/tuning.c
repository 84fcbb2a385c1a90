#include "tuning.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

enum {
    WORK_SETS = 1u << 0,
    WORK_REFRESH = 1u << 1,
};

typedef struct pending_set {
    char name[CC_FEATURE_NAME_MAX];
    cc_feature_value value;
    uint64_t client, request;
    unsigned times; /* a command: how often */
} pending_set;

struct cc_tuning {
    char name[CC_NAME_MAX];
    /* The loop sets bits under lock; the grab thread reads the word with a
     * relaxed load per grab and takes the lock before anything else. */
    atomic_uint pending;
    pthread_mutex_t lock;
    /* Under lock. */
    cc_tuning_notify_fn notify;
    void *notify_arg;
    pending_set sets[CC_FEATURES_MAX];
    size_t n_sets;
    cc_tuning_result results[CC_TUNING_RESULTS]; /* a ring */
    size_t r_head, r_count;
    cc_feature_state posted[CC_FEATURES_MAX]; /* the table for the loop */
    size_t n_posted;
    bool table_new;
    cc_tuning_value live[CC_FEATURES_MAX];
    size_t n_live;
    /* The grab thread's own. */
    cc_feature_state table[CC_FEATURES_MAX]; /* as last read */
    size_t n;
    bool refreshing;
    size_t refresh_next;
    pending_set work[CC_FEATURES_MAX];
};

int cc_tuning_new(cc_tuning **out, const char *name)
{
    cc_tuning *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    int rc = pthread_mutex_init(&t->lock, NULL);
    if (rc) {
        free(t);
        return -rc;
    }
    atomic_init(&t->pending, 0);
    snprintf(t->name, sizeof t->name, "%s", name);
    *out = t;
    return 0;
}

void cc_tuning_free(cc_tuning *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t);
}

void cc_tuning_set_notify(cc_tuning *t, cc_tuning_notify_fn fn, void *arg)
{
    pthread_mutex_lock(&t->lock);
    t->notify = fn;
    t->notify_arg = arg;
    pthread_mutex_unlock(&t->lock);
}

/* ---- the loop's side ---- */

static pending_set *find_set(cc_tuning *t, const char *name)
{
    for (size_t i = 0; i < t->n_sets; i++)
        if (strcmp(t->sets[i].name, name) == 0)
            return &t->sets[i];
    return NULL;
}

int cc_tuning_post(cc_tuning *t, const char *name, const cc_feature_value *v,
                   uint64_t client, uint64_t request, uint64_t replaced[2])
{
    replaced[0] = replaced[1] = 0;
    if (strlen(name) >= CC_FEATURE_NAME_MAX)
        return -EINVAL;
    pthread_mutex_lock(&t->lock);
    pending_set *p = find_set(t, name);
    if (!p && t->n_sets == CC_FEATURES_MAX) {
        pthread_mutex_unlock(&t->lock);
        return -ENOSPC;
    }
    if (p) {
        replaced[0] = p->client;
        replaced[1] = p->request;
        unsigned times = p->times;
        p->times = v->kind == CC_FEATURE_COMMAND && times < CC_TUNING_REPEAT_MAX
                       ? times + 1 : times;
    } else {
        p = &t->sets[t->n_sets++];
        snprintf(p->name, sizeof p->name, "%s", name);
        p->times = 1;
    }
    p->value = *v;
    p->client = client;
    p->request = request;
    atomic_fetch_or_explicit(&t->pending, WORK_SETS, memory_order_relaxed);
    pthread_mutex_unlock(&t->lock);
    return 0;
}

void cc_tuning_refresh(cc_tuning *t)
{
    pthread_mutex_lock(&t->lock);
    atomic_fetch_or_explicit(&t->pending, WORK_REFRESH, memory_order_relaxed);
    pthread_mutex_unlock(&t->lock);
}

size_t cc_tuning_take(cc_tuning *t, cc_tuning_result *out, size_t max)
{
    pthread_mutex_lock(&t->lock);
    size_t n = 0;
    while (n < max && t->r_count > 0) {
        out[n++] = t->results[t->r_head];
        t->r_head = (t->r_head + 1) % CC_TUNING_RESULTS;
        t->r_count--;
    }
    pthread_mutex_unlock(&t->lock);
    return n;
}

int cc_tuning_take_table(cc_tuning *t, cc_feature_state *out, size_t max)
{
    pthread_mutex_lock(&t->lock);
    int n = -1;
    if (t->table_new) {
        size_t k = t->n_posted < max ? t->n_posted : max;
        memcpy(out, t->posted, k * sizeof *out);
        n = (int)k;
        t->table_new = false;
    }
    pthread_mutex_unlock(&t->lock);
    return n;
}

size_t cc_tuning_copy_table(cc_tuning *t, cc_feature_state *out, size_t max)
{
    pthread_mutex_lock(&t->lock);
    size_t n = t->n_posted < max ? t->n_posted : max;
    memcpy(out, t->posted, n * sizeof *out);
    pthread_mutex_unlock(&t->lock);
    return n;
}

size_t cc_tuning_live(cc_tuning *t, cc_tuning_value *out, size_t max)
{
    pthread_mutex_lock(&t->lock);
    size_t n = t->n_live < max ? t->n_live : max;
    memcpy(out, t->live, n * sizeof *out);
    pthread_mutex_unlock(&t->lock);
    return n;
}

/* ---- the grab thread's side ---- */

bool cc_tuning_pending(const cc_tuning *t)
{
    /* Relaxed: the lock taken by cc_tuning_run orders the data. */
    return atomic_load_explicit(&t->pending, memory_order_relaxed) != 0 || t->refreshing;
}

/* Under lock: a result for the loop; the oldest goes when the ring is full
 * (the loop takes them at once, so only a stalled loop loses any). */
static void push_result(cc_tuning *t, const cc_tuning_result *r)
{
    size_t at = (t->r_head + t->r_count) % CC_TUNING_RESULTS;
    if (t->r_count == CC_TUNING_RESULTS) {
        t->r_head = (t->r_head + 1) % CC_TUNING_RESULTS;
        t->r_count--;
    }
    t->results[at] = *r;
    t->r_count++;
}

static void tell(cc_tuning *t)
{
    if (t->notify)
        t->notify(t->notify_arg);
}

static void post(cc_tuning *t, const cc_tuning_result *r)
{
    pthread_mutex_lock(&t->lock);
    push_result(t, r);
    tell(t);
    pthread_mutex_unlock(&t->lock);
}

static cc_feature_state *own_state(cc_tuning *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->table[i].name, name) == 0)
            return &t->table[i];
    return NULL;
}

/* Under lock: name's live value is v, now the latest set. */
static void keep_live(cc_tuning *t, const char *name, const cc_feature_value *v)
{
    size_t i = 0;
    while (i < t->n_live && strcmp(t->live[i].name, name) != 0)
        i++;
    if (i == CC_FEATURES_MAX)
        return; /* cannot happen: one per feature offered */
    if (i < t->n_live) {
        memmove(&t->live[i], &t->live[i + 1], (t->n_live - i - 1) * sizeof t->live[0]);
        t->n_live--;
    }
    cc_tuning_value *slot = &t->live[t->n_live++];
    snprintf(slot->name, sizeof slot->name, "%s", name);
    slot->value = *v;
}

/* One set, then its feature read back. */
static void apply(cc_tuning *t, cc_source *src, const pending_set *p)
{
    cc_tuning_result r = {.client = p->client, .request = p->request};
    cc_feature_state *own = own_state(t, p->name);
    cc_feature_value v = p->value;
    if (!own || !src->ops->write_feature) {
        r.status = -ENOENT;
        snprintf(r.message, sizeof r.message, "camera %s has no feature %s", t->name,
                 p->name);
        post(t, &r);
        return;
    }
    for (unsigned i = 0; i < p->times && r.status == 0; i++)
        r.status = src->ops->write_feature(src, p->name, &v, r.message, sizeof r.message);
    if (src->ops->read_feature(src, own) == 0) {
        r.has_state = true;
        r.state = *own;
    }
    pthread_mutex_lock(&t->lock);
    if (r.status == 0 && v.kind != CC_FEATURE_COMMAND)
        keep_live(t, p->name, r.has_state ? &r.state.value : &v);
    push_result(t, &r);
    tell(t);
    pthread_mutex_unlock(&t->lock);
}

/* The next feature of a refresh: announced when it changed. */
static void refresh_step(cc_tuning *t, cc_source *src)
{
    if (t->refresh_next >= t->n) {
        t->refreshing = false;
        return;
    }
    cc_feature_state *own = &t->table[t->refresh_next++];
    cc_feature_state now = *own;
    if (src->ops->read_feature(src, &now) == 0 && !cc_feature_state_same(&now, own)) {
        *own = now;
        cc_tuning_result r = {.has_state = true, .state = now};
        post(t, &r);
    }
    t->refreshing = t->refresh_next < t->n;
}

void cc_tuning_run(cc_tuning *t, cc_source *src)
{
    pthread_mutex_lock(&t->lock);
    unsigned work = atomic_exchange_explicit(&t->pending, 0, memory_order_relaxed);
    size_t n = t->n_sets;
    memcpy(t->work, t->sets, n * sizeof t->sets[0]);
    t->n_sets = 0;
    pthread_mutex_unlock(&t->lock);
    if (!src->connected) {
        cc_tuning_disconnected(t);
        return;
    }
    for (size_t i = 0; i < n; i++)
        apply(t, src, &t->work[i]);
    if (n > 0 || (work & WORK_REFRESH)) {
        t->refreshing = t->n > 0;
        t->refresh_next = 0;
    } else if (t->refreshing) {
        refresh_step(t, src);
    }
}

static void reapply(cc_tuning *t, cc_source *src)
{
    cc_tuning_value live[CC_FEATURES_MAX];
    size_t n = cc_tuning_live(t, live, CC_FEATURES_MAX);
    for (size_t i = 0; i < n; i++) {
        char err[256];
        if (src->ops->write_feature(src, live[i].name, &live[i].value, err, sizeof err) == 0)
            continue;
        char text[CC_FEATURE_TEXT_MAX + 32];
        cc_feature_value_format(&live[i].value, text, sizeof text);
        cc_warn("camera %s: %s = %s, set live before, refused after reconnecting: %s",
                t->name, live[i].name, text, err);
    }
    if (n)
        cc_info("camera %s: %zu value%s set live applied again", t->name, n,
                n == 1 ? "" : "s");
}

void cc_tuning_connected(cc_tuning *t, cc_source *src, bool reapply_live)
{
    if (!src->ops->list_features)
        return;
    if (reapply_live && src->ops->write_feature)
        reapply(t, src);
    int n = src->ops->list_features(src, t->table, CC_FEATURES_MAX);
    t->n = n > 0 ? (size_t)n : 0;
    t->refreshing = false;
    pthread_mutex_lock(&t->lock);
    memcpy(t->posted, t->table, t->n * sizeof t->table[0]);
    t->n_posted = t->n;
    t->table_new = true;
    tell(t);
    pthread_mutex_unlock(&t->lock);
}

void cc_tuning_disconnected(cc_tuning *t)
{
    t->refreshing = false;
    pthread_mutex_lock(&t->lock);
    atomic_store_explicit(&t->pending, 0, memory_order_relaxed);
    for (size_t i = 0; i < t->n_sets; i++) {
        cc_tuning_result r = {.client = t->sets[i].client, .request = t->sets[i].request,
                              .status = -ENOTCONN};
        snprintf(r.message, sizeof r.message, "camera %s is offline", t->name);
        push_result(t, &r);
    }
    if (t->n_sets)
        tell(t);
    t->n_sets = 0;
    pthread_mutex_unlock(&t->lock);
}
