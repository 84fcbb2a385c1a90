/* The HTTP API on the stream's port (docs/protocol.md 1.2, "Camera
 * control"; docs/control.md has curl examples):
 *
 *   GET /api/cameras                          every camera, its features
 *   GET /api/cameras/NAME                     one camera
 *   PUT /api/cameras/NAME/features/FEATURE    {"value":V}: set it (operator)
 *   GET /api/cameras/NAME/snapshot.jpg        its newest frame (?variant=)
 *
 * Answers are JSON (errors {"error":"..."}), or the JPEG, never cached. A
 * PUT's body is read within handshake_timeout and at most API_BODY_MAX
 * bytes; a set is answered when the camera has applied it and read it back,
 * a snapshot when the tick has encoded it, each within a deadline. Then the
 * connection closes, as every HTTP answer here does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "route.h"
#include "server_internal.h"

#define SET_WAIT_MS 5000      /* for a camera to apply a set */
#define SNAPSHOT_WAIT_MS 2000 /* for a camera's next frame */
#define API_WAITING_MAX 64    /* requests waiting for an answer at once */
#define JSON_TYPE "application/json"

/* ---- answers ---- */

static void finish(cc_client *c, int status, const char *what)
{
    if (c->api_waiting) {
        c->api_waiting = false;
        c->srv->api_waiting--;
        cc_snapshots_cancel(&c->srv->snaps, c->id);
    }
    char reason[96];
    snprintf(reason, sizeof reason, "HTTP %d for %.60s", status, what);
    cc_client_close(c, reason);
}

static void send_body(cc_client *c, int status, const char *type, const char *extra,
                      const void *body, size_t len)
{
    int n = cc_http_head(c->response, sizeof c->response, status, type, len, extra);
    if (n > 0) {
        cc_client_write(c, c->response, (size_t)n);
        if (len)
            cc_client_write(c, body, len);
    }
    finish(c, status, c->http.path);
}

static void reply_json(cc_client *c, int status, const char *extra, char *json)
{
    if (!json) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        send_body(c, 500, JSON_TYPE, "", oom, sizeof oom - 1);
        return;
    }
    send_body(c, status, JSON_TYPE, extra, json, strlen(json));
    free(json);
}

static char *error_json(const char *message)
{
    cJSON *o = cJSON_CreateObject();
    char *text = o && cJSON_AddStringToObject(o, "error", message)
                     ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return text;
}

static void reply_error(cc_client *c, int status, const char *extra, const char *message)
{
    reply_json(c, status, extra, error_json(message));
}

int cc_api_status_of(int status)
{
    switch (status) {
    case 0: return 200;
    case -ENOENT: return 404;
    case -ENOTCONN: return 503;
    case -EALREADY: return 409;
    default: return 422; /* out of range, wrong kind, locked, the camera's refusal */
    }
}

/* ---- waiting ---- */

static void on_deadline(uv_timer_t *t)
{
    cc_api_timeout(t->data);
}

static void wait_for(cc_client *c, unsigned ms)
{
    c->api_waiting = true;
    c->srv->api_waiting++;
    uv_timer_start(&c->timer, on_deadline, ms, 0);
}

void cc_api_timeout(cc_client *c)
{
    reply_error(c, 504, "", "the camera did not answer in time");
}

void cc_api_end(cc_client *c)
{
    if (!c->api_waiting)
        return;
    c->api_waiting = false;
    c->srv->api_waiting--;
    cc_snapshots_cancel(&c->srv->snaps, c->id);
}

void cc_api_set_done(cc_client *c, const char *camera, unsigned index,
                     const cc_tuning_result *r)
{
    if (!c->api_waiting || c->closing)
        return;
    if (r->status == 0 && r->has_state)
        reply_json(c, 200, "", cc_control_feature_new(camera, index, &r->state));
    else if (r->status == 0)
        reply_error(c, 500, "", "the camera applied it but did not read it back");
    else
        reply_error(c, cc_api_status_of(r->status), "", r->message);
}

/* ---- GET /api/cameras ---- */

static cJSON *live_json(cc_camera *cam)
{
    static cc_tuning_value live[CC_FEATURES_MAX];
    size_t n = cc_tuning_live(cam->tuning, live, CC_FEATURES_MAX);
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < n; i++) {
        cJSON *one = cJSON_CreateObject();
        if (!one)
            break;
        cJSON_AddItemToArray(list, one);
        if (!cJSON_AddStringToObject(one, "name", live[i].name) ||
            !cc_feature_value_add(one, &live[i].value))
            break;
    }
    return list;
}

static cJSON *camera_json(cc_server *s, unsigned i)
{
    const cc_ctl_camera *k = &s->ctl[i];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "index", i);
    cJSON_AddStringToObject(o, "name", k->cam->cfg->name);
    cJSON_AddStringToObject(o, "source", k->cam->source->ops->kind);
    cJSON_AddBoolToObject(o, "online", cc_camctl_online(s, i));
    cJSON *list = cJSON_AddArrayToObject(o, "features");
    for (size_t j = 0; list && j < k->n; j++) {
        cJSON *f = cc_feature_json(&k->table[j]);
        if (f)
            cJSON_AddItemToArray(list, f);
    }
    cJSON *live = live_json(k->cam);
    if (live)
        cJSON_AddItemToObject(o, "live", live);
    return o;
}

static void get_cameras(cc_client *c, int only)
{
    cc_server *s = c->srv;
    cJSON *root = cJSON_CreateObject();
    cJSON *list = root ? cJSON_AddArrayToObject(root, "cameras") : NULL;
    if (list)
        cJSON_AddBoolToObject(root, "operator", cc_route_may_control(&c->http, s->cfg));
    for (size_t i = 0; list && i < s->n_ctl; i++) {
        if (only >= 0 && (size_t)only != i)
            continue;
        cJSON *cam = camera_json(s, (unsigned)i);
        if (cam)
            cJSON_AddItemToArray(list, cam);
    }
    cJSON *body = root;
    if (only >= 0 && list) /* one camera: its object alone */
        body = cJSON_DetachItemFromArray(list, 0);
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    if (body != root)
        cJSON_Delete(body);
    cJSON_Delete(root);
    reply_json(c, 200, "", text);
}

/* ---- PUT /api/cameras/NAME/features/FEATURE ---- */

static void put_feature(cc_client *c, int cam, const char *feature)
{
    cc_server *s = c->srv;
    char err[256];
    cc_feature_value v;
    if (!cc_route_may_control(&c->http, s->cfg)) {
        reply_error(c, 403, "", s->cfg->control_token[0]
                                    ? "changing camera settings needs the operator right "
                                      "(the control token)"
                                    : "this server has no operator right configured "
                                      "(control_token_file): nobody may change settings");
        return;
    }
    if (cc_control_parse_value(c->body, c->body_len, &v, err, sizeof err) < 0) {
        reply_error(c, 400, "", err);
        return;
    }
    if (!cc_bucket_take(&s->http_sets)) {
        reply_error(c, 429, RETRY_AFTER_1, "too many sets: at most 20 a second");
        return;
    }
    if (s->api_waiting >= API_WAITING_MAX) {
        reply_error(c, 503, RETRY_AFTER, "too many requests waiting for cameras");
        return;
    }
    int status = cc_camctl_set(s, (unsigned)cam, feature, &v, c->id, CC_ASKED_HTTP, err,
                               sizeof err);
    if (status != 0) {
        reply_error(c, status, "", err);
        return;
    }
    wait_for(c, SET_WAIT_MS);
}

/* ---- GET /api/cameras/NAME/snapshot.jpg ---- */

static void on_snapshot(void *arg, uint64_t who, const cc_fb_entry *e)
{
    cc_client *c = cc_client_by_id(arg, who);
    if (!c || !c->api_waiting)
        return;
    if (!e) {
        reply_error(c, 503, RETRY_AFTER, "no new frame from the camera in time");
        return;
    }
    send_body(c, 200, "image/jpeg", "X-Content-Type-Options: nosniff\r\n", e->payload,
              e->payload_size);
}

static void get_snapshot(cc_client *c, int cam)
{
    cc_server *s = c->srv;
    char name[CC_VARIANT_NAME_MAX];
    int variant = 0;
    if (cc_http_query_value(&c->http, "variant", name, sizeof name) >= 0) {
        variant = cc_variant_index(s->cfg, name);
        if (variant < 0) {
            reply_error(c, 404, "", "no such variant (see the hello's variants)");
            return;
        }
    }
    if (!cc_camctl_online(s, (unsigned)cam)) {
        reply_error(c, 503, RETRY_AFTER, "the camera is offline");
        return;
    }
    if (s->api_waiting >= API_WAITING_MAX ||
        cc_snapshots_request(&s->snaps, c->id, (unsigned)cam, (unsigned)variant,
                             uv_hrtime() + SNAPSHOT_WAIT_MS * UINT64_C(1000000)) < 0) {
        reply_error(c, 503, RETRY_AFTER, "too many requests waiting for cameras");
        return;
    }
    wait_for(c, SNAPSHOT_WAIT_MS + 1000); /* the tick answers first */
}

void cc_api_init(cc_server *s)
{
    cc_snapshots_init(&s->snaps, on_snapshot, s);
}

/* ---- routing ---- */

/* "/api/cameras/NAME[/REST]": the camera's index (or -1: none), REST. */
static int camera_of(cc_server *s, const char *path, const char **rest)
{
    const char *name = path + strlen("/api/cameras/");
    size_t n = strcspn(name, "/");
    char buf[CC_NAME_MAX];
    *rest = name + n;
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, name, n);
    buf[n] = '\0';
    return cc_camctl_find(s, buf);
}

static void method_not_allowed(cc_client *c, const char *allow)
{
    char extra[32];
    snprintf(extra, sizeof extra, "Allow: %s\r\n", allow);
    reply_error(c, 405, extra, "method not allowed here");
}

static void dispatch(cc_client *c)
{
    const char *path = c->http.path, *rest = "";
    unsigned m = c->http.method;
    if (strcmp(path, "/api/cameras") == 0) {
        if (m != HTTP_GET)
            method_not_allowed(c, "GET");
        else
            get_cameras(c, -1);
        return;
    }
    int cam = strncmp(path, "/api/cameras/", 13) == 0 ? camera_of(c->srv, path, &rest) : -1;
    if (cam < 0) {
        reply_error(c, 404, "", strncmp(path, "/api/cameras/", 13) == 0
                                    ? "no such camera" : "no such API path");
        return;
    }
    bool get = m == HTTP_GET;
    if (rest[0] == '\0') {
        if (get)
            get_cameras(c, cam);
        else
            method_not_allowed(c, "GET");
    } else if (strcmp(rest, "/snapshot.jpg") == 0) {
        if (get)
            get_snapshot(c, cam);
        else
            method_not_allowed(c, "GET");
    } else if (strncmp(rest, "/features/", 10) == 0 && rest[10] &&
               !strchr(rest + 10, '/')) {
        if (m == HTTP_PUT)
            put_feature(c, cam, rest + 10);
        else
            method_not_allowed(c, "PUT");
    } else {
        reply_error(c, 404, "", "no such API path");
    }
}

void cc_api_receive(cc_client *c, const char *data, size_t len)
{
    size_t want = (size_t)c->http.content_length - c->body_len;
    size_t n = len < want ? len : want;
    memcpy(c->body + c->body_len, data, n);
    c->body_len += n;
    if (c->body_len < c->http.content_length)
        return;
    c->body[c->body_len] = '\0';
    c->body_wanted = false;
    dispatch(c);
}

void cc_api_start(cc_client *c, const char *rest, size_t len)
{
    if (c->http.method != HTTP_PUT) {
        dispatch(c);
        return;
    }
    if (!c->http.has_length) {
        reply_error(c, 411, "", "a body with Content-Length is needed");
        return;
    }
    if (c->http.content_length > API_BODY_MAX) {
        reply_error(c, 413, "", "body too large (at most 4096 bytes)");
        return;
    }
    c->body_wanted = true;
    c->body_len = 0;
    cc_api_receive(c, rest, len);
}
