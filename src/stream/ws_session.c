/* A WebSocket client: the upgrade, what it sends, what it is told.
 *
 * wslay parses what the client sends (it unmasks frames, answers pings,
 * runs the close handshake) and frames the small text replies (hello,
 * pong, errors, close); those are written whole, so a bundle frame
 * (fanout.c) never lands inside one. Control messages: docs/protocol.md.
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
#include "version.h"

#define MAX_CONTROL_MSG 4096      /* a control message is small JSON */
#define MAX_CONTROL_BACKLOG 65536 /* replies written but not yet sent */
#define ACK_ERROR_BACKLOG 16384   /* beyond this, refused acks go unanswered */

/* ---- what goes out ---- */

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
                          int flags, void *user)
{
    (void)flags;
    cc_client *c = user;
    return cc_ws_sendbuf_wslay(&c->out, ctx, data, len);
}

/* Frames everything wslay has queued and writes it in one go. Whole frames
 * only, so bundle frames never land inside a control frame. */
static void ws_flush(cc_client *c)
{
    if (c->closing || !wslay_event_want_write(c->ws))
        return;
    c->out.len = 0;
    int rc = wslay_event_send(c->ws);
    if (c->out.len > 0)
        cc_client_write(c, c->out.data, c->out.len);
    if (rc < 0)
        cc_client_close(c, "websocket send failed");
    else if (c->ctl_backlog > MAX_CONTROL_BACKLOG)
        cc_client_close(c, "not reading its replies");
}

static void queue_text(cc_client *c, const char *text)
{
    struct wslay_event_msg msg = {WSLAY_TEXT_FRAME, (const uint8_t *)text, strlen(text)};
    int rc = wslay_event_queue_msg(c->ws, &msg);
    /* NO_MORE_MSG: a close is queued, nothing more goes out. */
    if (rc != 0 && rc != WSLAY_ERR_NO_MORE_MSG)
        cc_client_close(c, "out of memory for a reply");
}

/* Queues a {"type":"error"} reply; with no memory for it, none. */
static void queue_error(cc_client *c, const char *message)
{
    char *reply = cc_control_error_new(message);
    if (reply)
        queue_text(c, reply);
    free(reply);
}

void cc_session_send_text(cc_client *c, const char *text)
{
    if (c->state != CONN_WS || c->closing)
        return;
    queue_text(c, text);
    ws_flush(c);
}

void cc_session_broadcast(cc_server *s, const char *text)
{
    for (cc_client *c = s->clients; c; c = c->next)
        cc_session_send_text(c, text);
}

/* Queued only: inside wslay's receive callbacks, which cc_session_receive
 * follows with a flush. */
static void queue_error_about(cc_client *c, const char *message, const char *camera,
                              const char *feature)
{
    char *reply = cc_control_error_about_new(message, camera, feature);
    if (reply)
        queue_text(c, reply);
    free(reply);
}

void cc_session_error_about(cc_client *c, const char *message, const char *camera,
                            const char *feature)
{
    if (c->state != CONN_WS || c->closing)
        return;
    queue_error_about(c, message, camera, feature);
    ws_flush(c);
}

void cc_session_levels_changed(cc_server *s)
{
    uint64_t mask = 0;
    for (const cc_client *c = s->clients; c; c = c->next)
        if (c->state == CONN_WS && !c->closing && c->levels && c->group)
            mask |= c->group->mask;
    s->levels_mask = mask;
}

void cc_session_fail(cc_client *c, uint16_t code, const char *why)
{
    if (c->closing)
        return;
    wslay_event_queue_close(c->ws, code, (const uint8_t *)why, strlen(why));
    ws_flush(c);
    char reason[96];
    snprintf(reason, sizeof reason, "%s (%u)", why, (unsigned)code);
    cc_client_close(c, reason);
}

void cc_session_going_away(cc_client *c, const char *why)
{
    if (c->closing)
        return;
    if (c->state == CONN_WS) {
        wslay_event_queue_close(c->ws, WSLAY_CODE_GOING_AWAY, (const uint8_t *)why,
                                strlen(why));
        ws_flush(c);
    }
    cc_client_close(c, why);
}

/* ---- what comes in ---- */

/* Moves c to the group of its new settings; the keys the message left out
 * keep theirs. A subscribe that cannot be honoured changes nothing. */
static void subscribe(cc_client *c, const cc_control *ctl)
{
    unsigned variant = c->group->variant;
    if (ctl->has_variant) {
        int v = cc_variant_index(c->srv->cfg, ctl->variant);
        if (v < 0) {
            char shown[CC_CONTROL_TYPE_SHOWN + 1], err[96];
            cc_control_quote(ctl->variant, shown, sizeof shown);
            snprintf(err, sizeof err, "subscribe: no variant \"%s\" (see the hello)", shown);
            queue_error(c, err);
            return;
        }
        variant = (unsigned)v;
    }
    uint64_t mask = ctl->has_cameras ? ctl->cameras : c->group->mask;
    double fps = ctl->has_max_fps ? cc_group_rate(ctl->max_fps, c->srv->cfg->stream_fps)
                                  : c->group->max_fps;
    cc_group *g = cc_group_join(&c->srv->groups, mask, fps, variant);
    if (!g) {
        queue_error(c, "subscribe: out of memory");
        return;
    }
    if (g != c->group)
        cc_fanout_regroup(c, g); /* dropped stays exact across the move */
    cc_group_leave(&c->srv->groups, c->group);
    c->group = g;
    if (ctl->has_window)
        cc_window_set(&c->window, ctl->window);
    if (ctl->has_levels)
        c->levels = ctl->levels;
    cc_session_levels_changed(c->srv);
}

/* Flow control: an ack opens the window again, and the newest bundle of
 * the client's stream may go out at once (fanout.c): one at most per
 * opening, so a flood of acks is no flood of writes. A bad one gets an
 * error reply and changes nothing; the work is bounded whatever the
 * client sends (window.h). A flood of bad acks is answered as far as the
 * client reads the answers, the rest only counted: it keeps its stream. */
static void ack(cc_client *c, uint64_t seq)
{
    bool was_open = cc_window_open(&c->window);
    int rc = cc_window_ack(&c->window, seq);
    if (rc == 0) {
        if (!was_open && cc_window_open(&c->window))
            cc_fanout_window_opened(c);
        return;
    }
    char err[160];
    if (rc == -EPERM)
        snprintf(err, sizeof err, "ack: no window on this connection (subscribe with "
                                  "\"window\" first)");
    else
        snprintf(err, sizeof err, "ack: bundle %" PRIu64 " was not sent to this client "
                 "(the newest sent is %" PRIu64 ")", seq, c->window.last_sent);
    c->acks_refused++;
    cc_debug("client #%" PRIu64 ": %s", c->id, err);
    if (c->ctl_backlog + wslay_event_get_queued_msg_length(c->ws) < ACK_ERROR_BACKLOG)
        queue_error(c, err);
}

/* ---- camera control (1.2, docs/control.md) ---- */

/* The camera a features or set message names, or -1 with the error sent. */
static int named_camera(cc_client *c, const cc_control *ctl, const char *type)
{
    if (ctl->camera_index >= 0)
        return ctl->camera_index; /* checked against the hello's count */
    int i = cc_camctl_find(c->srv, ctl->camera);
    if (i < 0) {
        char shown[CC_CONTROL_TYPE_SHOWN + 1], err[96];
        cc_control_quote(ctl->camera, shown, sizeof shown);
        snprintf(err, sizeof err, "%s: no camera \"%s\" (see the hello)", type, shown);
        queue_error(c, err);
    }
    return i;
}

static void features(cc_client *c, const cc_control *ctl)
{
    cc_server *s = c->srv;
    int i = named_camera(c, ctl, "features");
    if (i < 0 || (size_t)i >= s->n_ctl)
        return;
    const cc_ctl_camera *k = &s->ctl[i];
    char *reply = cc_control_features_new(k->cam->cfg->name, (unsigned)i,
                                          cc_camctl_online(s, (unsigned)i),
                                          cc_route_may_control(&c->http, s->cfg), k->table,
                                          k->n);
    if (!reply) {
        queue_error(c, "features: out of memory");
        return;
    }
    queue_text(c, reply);
    free(reply);
    /* What moved since (an automatic exposure, say) comes as feature
     * messages. */
    if (cc_camctl_online(s, (unsigned)i))
        cc_tuning_refresh(k->cam->tuning);
}

static void set(cc_client *c, const cc_control *ctl)
{
    cc_server *s = c->srv;
    char err[256], feature[CC_CONTROL_TYPE_SHOWN + 1];
    cc_control_quote(ctl->feature, feature, sizeof feature);
    if (!cc_route_may_control(&c->http, s->cfg)) {
        queue_error_about(c, s->cfg->control_token[0]
                                 ? "set: changing camera settings needs the operator "
                                   "right (connect with the control token)"
                                 : "set: this server has no operator right configured "
                                   "(control_token_file): nobody may change settings",
                          NULL, feature);
        return;
    }
    int i = named_camera(c, ctl, "set");
    if (i < 0 || (size_t)i >= s->n_ctl)
        return;
    const char *name = s->ctl[i].cam->cfg->name;
    if (!cc_bucket_take(&c->sets)) {
        queue_error_about(c, "set: too many sets: at most 20 a second", name, feature);
        return;
    }
    cc_feature_value v = ctl->value;
    if (cc_camctl_set(s, (unsigned)i, ctl->feature, &v, c->id, CC_ASKED_WS, err,
                      sizeof err) != 0)
        queue_error_about(c, err, name, feature);
}

static void handle_control(cc_client *c, const uint8_t *msg, size_t len)
{
    char err[160], pong[64];
    cc_control ctl;
    if (cc_control_parse((const char *)msg, len, c->srv->n_cameras, &ctl, err,
                         sizeof err) < 0) {
        cc_debug("client #%" PRIu64 ": %s", c->id, err);
        queue_error(c, err);
    } else if (ctl.type == CC_CONTROL_PING) {
        if (cc_control_pong(pong, sizeof pong, cc_realtime_ns()) > 0)
            queue_text(c, pong);
    } else if (ctl.type == CC_CONTROL_ACK) {
        ack(c, ctl.seq);
    } else if (ctl.type == CC_CONTROL_FEATURES) {
        features(c, &ctl);
    } else if (ctl.type == CC_CONTROL_SET) {
        set(c, &ctl);
    } else {
        subscribe(c, &ctl);
    }
}

static void ws_msg_cb(wslay_event_context_ptr ctx,
                      const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    (void)ctx;
    cc_client *c = user;
    switch (arg->opcode) {
    case WSLAY_TEXT_FRAME:
        handle_control(c, arg->msg, arg->msg_length);
        break;
    case WSLAY_BINARY_FRAME:
        queue_error(c, "binary messages are not accepted");
        break;
    case WSLAY_CONNECTION_CLOSE:
        snprintf(c->reason, sizeof c->reason, "closed by client (%u)",
                 (unsigned)arg->status_code);
        break;
    default:
        break; /* ping: wslay queues the pong itself */
    }
}

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
                          int flags, void *user)
{
    (void)flags;
    cc_client *c = user;
    return cc_ws_feed_read(&c->in, ctx, buf, len);
}

void cc_session_receive(cc_client *c, const uint8_t *data, size_t len)
{
    size_t ok = cc_ws_guard_scan(&c->guard, data, len);
    c->in = (cc_ws_feed){data, ok};
    int rc = ok > 0 ? wslay_event_recv(c->ws) : 0;
    ws_flush(c);
    if (c->guard.code && rc == 0 && !c->closing) {
        c->srv->counters.protocol_errors++;
        cc_session_fail(c, (uint16_t)c->guard.code, c->guard.why);
    } else if (rc < 0) {
        c->srv->counters.protocol_errors++;
        cc_client_close(c, "websocket protocol error");
    } else if (!wslay_event_want_read(c->ws) && !wslay_event_want_write(c->ws)) {
        /* Close handshake done (either side started it). */
        cc_client_close(c, c->reason[0] ? c->reason : "protocol error");
    }
}

/* ---- the upgrade ---- */

static unsigned clients_from(const cc_server *s, const char *addr)
{
    unsigned n = 0;
    for (const cc_client *o = s->clients; o; o = o->next)
        n += o->state == CONN_WS && !o->closing && strcmp(o->addr, addr) == 0;
    return n;
}

static int ws_start(cc_client *c)
{
    static const struct wslay_event_callbacks callbacks = {
        .recv_callback = ws_recv_cb,
        .send_callback = ws_send_cb,
        .on_msg_recv_callback = ws_msg_cb,
    };
    if (wslay_event_context_server_init(&c->ws, &callbacks, c) != 0)
        return -ENOMEM;
    wslay_event_config_set_max_recv_msg_length(c->ws, MAX_CONTROL_MSG);
    return 0;
}

/* max_clients and max_clients_per_address: 503 when reached. */
static bool refuse_full(cc_client *c)
{
    cc_server *s = c->srv;
    if (s->n_ws >= s->cfg->max_clients) {
        s->counters.refused_full++;
        if (cc_episode_starts(&s->ep_full))
            cc_warn("max_clients (%u) reached: new viewers get 503 (counted in /stats)",
                    s->cfg->max_clients);
        cc_http_serve_reply(c, 503, RETRY_AFTER, "too many clients\n");
        return true;
    }
    if (s->cfg->max_clients_per_address &&
        clients_from(s, c->addr) >= s->cfg->max_clients_per_address) {
        s->counters.refused_per_address++;
        if (cc_episode_starts(&s->ep_per_address))
            cc_warn("max_clients_per_address (%u) reached by %s: its new connections "
                    "get 503 (counted in /stats)",
                    s->cfg->max_clients_per_address,
                    s->cfg->expose_client_addresses ? c->addr : "an address");
        cc_http_serve_reply(c, 503, RETRY_AFTER, "too many clients from this address\n");
        return true;
    }
    return false;
}

void cc_session_upgrade(cc_client *c)
{
    cc_server *s = c->srv;
    char accept[CC_WS_ACCEPT_LEN + 1];
    if (cc_ws_accept(c->http.ws_key, accept) < 0) {
        cc_http_serve_reply(c, 400, "", "missing or invalid Sec-WebSocket-Key\n");
        return;
    }
    if (refuse_full(c))
        return;
    /* Built now, so it tells which cameras are online now. */
    char *hello = s->hello(s->hello_arg);
    cc_group *g = hello ? cc_group_join(&s->groups, s->all_cameras, 0, 0) : NULL;
    if (!g || ws_start(c) < 0) {
        free(hello);
        cc_group_leave(&s->groups, g);
        cc_http_serve_reply(c, 500, "", "out of memory\n");
        return;
    }
    int n = snprintf(c->response, sizeof c->response,
                     "HTTP/1.1 101 Switching Protocols\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n"
                     "Server: camcastd/" CC_VERSION "\r\n\r\n",
                     accept);
    uv_timer_stop(&c->timer);
    s->n_http--;
    s->n_ws++;
    c->state = CONN_WS;
    cc_ws_guard_init(&c->guard);
    c->group = g;
    c->since_ns = cc_realtime_ns();
    cc_info("client #%" PRIu64 " %s connected to %s (%zu clients)", c->id, c->peer,
            c->http.path, s->n_ws);
    cc_client_write(c, c->response, (size_t)n);
    queue_text(c, hello);
    free(hello);
    ws_flush(c);
}

void cc_session_end(cc_client *c)
{
    cc_group_leave(&c->srv->groups, c->group);
    c->group = NULL;
    if (c->levels) {
        c->levels = false;
        cc_session_levels_changed(c->srv);
    }
    wslay_event_context_free(c->ws);
    c->ws = NULL;
}

/* ---- reloads ---- */

/* A subscription in the old camera indexes, in the new ones. */
static uint64_t remap(uint64_t mask, const int *old_to_new, size_t n_old)
{
    uint64_t out = 0;
    for (size_t i = 0; i < n_old; i++)
        if ((mask & (UINT64_C(1) << i)) && old_to_new[i] >= 0)
            out |= UINT64_C(1) << old_to_new[i];
    return out;
}

typedef struct remapping {
    uint64_t old_all, new_all;
    const int *old_to_new;
    size_t n_old;
} remapping;

/* Every camera stays every camera; a subset follows its cameras. */
static uint64_t remapped(uint64_t old, void *arg)
{
    const remapping *r = arg;
    return old == r->old_all ? r->new_all : remap(old, r->old_to_new, r->n_old);
}

void cc_server_cameras_changed(cc_server *s, size_t n_cameras, const int *old_to_new,
                               size_t n_old)
{
    remapping r = {s->all_cameras, cc_all_cameras(n_cameras), old_to_new, n_old};
    s->n_cameras = n_cameras;
    s->all_cameras = r.new_all;
    char *hello = s->hello(s->hello_arg);
    for (cc_client *c = s->clients; c; c = c->next) {
        if (c->state != CONN_WS || c->closing)
            continue;
        if (c->group->mask != 0 && remapped(c->group->mask, &r) == 0) {
            cc_session_going_away(c, "its cameras were removed by a reload");
            continue;
        }
        cc_owed_clear(&c->owed); /* by camera index: the indexes changed */
        c->pending_seq = 0;      /* its group's newest is dropped (group.h) */
        if (hello) {
            queue_text(c, hello);
            ws_flush(c);
        }
    }
    cc_group_remap(&s->groups, remapped, &r);
    cc_session_levels_changed(s);
    free(hello);
}

void cc_server_variants_changed(cc_server *s, const int *old_to_new, size_t n_old)
{
    cc_group_remap_variants(&s->groups, old_to_new, n_old);
}
