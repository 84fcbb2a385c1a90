/* Camera control on the loop's side (docs/control.md): each camera's
 * features as last known, sets checked against them and handed to the
 * camera's grab thread (capture/tuning.h), and what comes back sent on: a
 * feature's new state to every WebSocket client, a refusal to whoever
 * asked, an HTTP answer to a waiting /api request.
 *
 * The grab threads wake the loop with uv_async_send and a bit per camera
 * (wakeups coalesce; the bits say who posted).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "server_internal.h"

/* Sets per second a client (or all HTTP clients together) may send: a
 * slider sends many, and each keeps a grab thread busy for a moment. */
#define SETS_PER_S 20.0
#define SETS_BURST 20.0

bool cc_bucket_take(cc_bucket *b)
{
    uint64_t now = uv_hrtime();
    if (b->since_ns == 0)
        b->credit = SETS_BURST;
    else
        b->credit += (double)(now - b->since_ns) / 1e9 * SETS_PER_S;
    if (b->credit > SETS_BURST)
        b->credit = SETS_BURST;
    b->since_ns = now;
    if (b->credit < 1)
        return false;
    b->credit -= 1;
    return true;
}

cc_client *cc_client_by_id(cc_server *s, uint64_t id)
{
    for (cc_client *c = s->clients; c; c = c->next)
        if (c->id == id && !c->closing)
            return c;
    return NULL;
}

/* On a grab thread, under its tuning's lock. */
static void on_news(void *arg)
{
    cc_ctl_camera *k = arg;
    atomic_fetch_or_explicit(&k->srv->ctl_news, UINT64_C(1) << k->index,
                             memory_order_relaxed);
    uv_async_send(&k->srv->ctl_wake);
}

static cc_feature_state *find_state(cc_ctl_camera *k, const char *name)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->table[i].name, name) == 0)
            return &k->table[i];
    return NULL;
}

/* A feature's new state, to every WebSocket client. */
static void announce(cc_server *s, cc_ctl_camera *k, const cc_feature_state *f)
{
    char *text = cc_control_feature_new(k->cam->cfg->name, k->index, f);
    if (text)
        cc_session_broadcast(s, text);
    free(text);
}

/* A table from a (re)connection: what differs from the one known is
 * announced. */
static void new_table(cc_server *s, cc_ctl_camera *k, cc_feature_state *fresh, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const cc_feature_state *old = find_state(k, fresh[i].name);
        if (old && !cc_feature_state_same(old, &fresh[i]))
            announce(s, k, &fresh[i]);
    }
    memcpy(k->table, fresh, n * sizeof *fresh);
    k->n = n;
}

static void to_asker(cc_server *s, cc_ctl_camera *k, const cc_tuning_result *r)
{
    cc_client *c = r->client ? cc_client_by_id(s, r->client) : NULL;
    if (!c)
        return;
    if (r->request == CC_ASKED_HTTP) {
        cc_api_set_done(c, k->cam->cfg->name, k->index, r);
    } else if (r->status < 0 && c->state == CONN_WS) {
        cc_session_error_about(c, r->message, k->cam->cfg->name,
                               r->has_state ? r->state.name : NULL);
    }
}

static void result(cc_server *s, cc_ctl_camera *k, const cc_tuning_result *r)
{
    if (r->status < 0)
        cc_debug("camera %s: set refused: %s", k->cam->cfg->name, r->message);
    if (r->has_state) {
        cc_feature_state *known = find_state(k, r->state.name);
        bool changed = !known || !cc_feature_state_same(known, &r->state);
        if (known)
            *known = r->state;
        /* A set is confirmed to all, changed or not; a refresh's change too. */
        if (r->status == 0 || changed)
            announce(s, k, &r->state);
    }
    to_asker(s, k, r);
}

static void drain(cc_server *s, cc_ctl_camera *k)
{
    static cc_feature_state fresh[CC_FEATURES_MAX];
    int n = cc_tuning_take_table(k->cam->tuning, fresh, CC_FEATURES_MAX);
    if (n >= 0)
        new_table(s, k, fresh, (size_t)n);
    cc_tuning_result r[8];
    size_t got;
    while ((got = cc_tuning_take(k->cam->tuning, r, sizeof r / sizeof r[0])) > 0)
        for (size_t i = 0; i < got; i++)
            result(s, k, &r[i]);
}

static void on_wake(uv_async_t *h)
{
    cc_server *s = h->data;
    uint64_t news = atomic_exchange_explicit(&s->ctl_news, 0, memory_order_relaxed);
    for (size_t i = 0; i < s->n_ctl; i++)
        if ((news >> i & 1) && s->ctl[i].cam)
            drain(s, &s->ctl[i]);
}

int cc_camctl_init(cc_server *s)
{
    atomic_init(&s->ctl_news, 0);
    int rc = uv_async_init(s->loop, &s->ctl_wake, on_wake);
    if (rc < 0)
        return rc;
    s->ctl_wake.data = s;
    s->ctl_open = true;
    return 0;
}

static void unhook(cc_server *s)
{
    for (size_t i = 0; i < s->n_ctl; i++) {
        if (s->ctl[i].cam && s->ctl[i].cam->tuning)
            cc_tuning_set_notify(s->ctl[i].cam->tuning, NULL, NULL);
        s->ctl[i].cam = NULL;
    }
}

int cc_camctl_set_cameras(cc_server *s, cc_camera *cams, size_t n)
{
    unhook(s);
    for (size_t i = n; i < s->n_ctl; i++) {
        free(s->ctl[i].table);
        s->ctl[i].table = NULL;
    }
    s->cams = cams;
    s->n_ctl = n;
    for (size_t i = 0; i < n; i++) {
        cc_ctl_camera *k = &s->ctl[i];
        if (!k->table)
            k->table = malloc(CC_FEATURES_MAX * sizeof *k->table);
        if (!k->table)
            return -ENOMEM;
        *k = (cc_ctl_camera){.srv = s, .index = (unsigned)i, .cam = &cams[i],
                             .table = k->table};
        /* Known now; the grab thread posts it again when it (re)starts. */
        k->n = cc_tuning_copy_table(cams[i].tuning, k->table, CC_FEATURES_MAX);
        cc_tuning_set_notify(cams[i].tuning, on_news, k);
    }
    /* What was posted before the hook is taken at once. */
    atomic_fetch_or_explicit(&s->ctl_news, cc_all_cameras(n), memory_order_relaxed);
    if (n && s->ctl_open)
        uv_async_send(&s->ctl_wake);
    return 0;
}

void cc_camctl_close(cc_server *s)
{
    unhook(s);
    if (s->ctl_open && !uv_is_closing((uv_handle_t *)&s->ctl_wake))
        uv_close((uv_handle_t *)&s->ctl_wake, NULL);
}

void cc_camctl_free(cc_server *s)
{
    for (size_t i = 0; i < CC_MAX_CAMERAS; i++) {
        free(s->ctl[i].table);
        s->ctl[i].table = NULL;
    }
    s->n_ctl = 0;
}

int cc_camctl_find(const cc_server *s, const char *name)
{
    for (size_t i = 0; i < s->n_ctl; i++)
        if (s->ctl[i].cam && strcmp(s->ctl[i].cam->cfg->name, name) == 0)
            return (int)i;
    return -1;
}

const cc_feature_state *cc_camctl_feature(const cc_server *s, unsigned cam,
                                          const char *name)
{
    if (cam >= s->n_ctl || !s->ctl[cam].cam)
        return NULL;
    return find_state((cc_ctl_camera *)&s->ctl[cam], name);
}

bool cc_camctl_online(const cc_server *s, unsigned cam)
{
    return cam < s->n_ctl && s->ctl[cam].cam &&
           atomic_load_explicit(&s->ctl[cam].cam->online, memory_order_relaxed);
}

int cc_camctl_set(cc_server *s, unsigned cam, const char *feature, cc_feature_value *v,
                  uint64_t client, uint64_t request, char *err, size_t errlen)
{
    if (cam >= s->n_ctl || !s->ctl[cam].cam) {
        snprintf(err, errlen, "no such camera");
        return 404;
    }
    cc_ctl_camera *k = &s->ctl[cam];
    const char *name = k->cam->cfg->name;
    const cc_feature_state *f = find_state(k, feature);
    if (!f) {
        char shown[CC_CONTROL_TYPE_SHOWN + 1];
        cc_control_quote(feature, shown, sizeof shown);
        snprintf(err, errlen, "camera %s has no feature %s (see its features)", name, shown);
        return 404;
    }
    if (!cc_camctl_online(s, cam)) {
        snprintf(err, errlen, "camera %s is offline", name);
        return 503;
    }
    int rc = cc_feature_check(f, v, err, errlen);
    if (rc < 0)
        return 422;
    uint64_t replaced[2];
    rc = cc_tuning_post(k->cam->tuning, f->name, v, client, request, replaced);
    if (rc < 0) {
        snprintf(err, errlen, "camera %s: too many settings pending", name);
        return 503;
    }
    /* The older set of this feature will not be applied: an HTTP client
     * that waits for it hears so (a WebSocket client sees the newer value
     * announced). */
    cc_client *old = replaced[0] && replaced[1] == CC_ASKED_HTTP
                         ? cc_client_by_id(s, replaced[0]) : NULL;
    if (old && old->id != client) {
        cc_tuning_result r = {.status = -EALREADY};
        snprintf(r.message, sizeof r.message, "replaced by a newer value of %s before "
                 "camera %s applied it", f->name, name);
        cc_api_set_done(old, name, k->index, &r);
    }
    return 0;
}
