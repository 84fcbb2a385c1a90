/* The tick's bundles to every WebSocket client: the server's reader of the
 * tick (tick/reader.h).
 *
 * A bundle is never copied per client: the server writes the 2-10 byte
 * frame header itself and hands uv_write the header and the shared bundle,
 * holding a reference until the write callback. Clients that get the same
 * bytes form a group (tick/group.h). Newest wins down to the socket: a
 * client still holding earlier bytes unsent is skipped. Newest wins end to
 * end: a client with a flow-control window (window.h) that has not taken
 * what it was sent is skipped too; when its ack opens the window, it gets
 * at once its group's newest bundle if that one was withheld from it, or
 * else the bundle of its group's next tick. A bundle it was not sent
 * counts in its entries' `dropped` (tick/owed.h) once a newer one of its
 * group replaces it: not before, since it may still go out on an ack.
 */
#include <inttypes.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "control.h"
#include "log.h"
#include "server_internal.h"

static void on_bundle_written(uv_write_t *req, int status)
{
    cc_bundle_write *w = req->data;
    cc_client *c = w->c;
    cc_bundle_unref(w->bundle);
    w->bundle = NULL;
    c->in_flight--;
    c->stalled_since_ns = 0;
    if (status < 0)
        cc_client_close(c, uv_strerror(status));
}

/* Server-to-client frames are unmasked: FIN + binary opcode, then the
 * length in 1, 2 or 8 bytes (RFC 6455 section 5.2). */
static size_t ws_binary_header(uint8_t hdr[10], uint64_t len)
{
    hdr[0] = 0x82;
    if (len < 126) {
        hdr[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xffff) {
        hdr[1] = 126;
        hdr[2] = (uint8_t)(len >> 8);
        hdr[3] = (uint8_t)len;
        return 4;
    }
    hdr[1] = 127;
    for (int i = 0; i < 8; i++)
        hdr[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    return 10;
}

/* b's bytes as they are, but for the `dropped` fields p writes anew: the
 * shared bytes between them, and the patch's 4 bytes at each. */
static unsigned patched_bufs(const cc_bundle *b, const cc_dropped_patch *p, uv_buf_t *bufs)
{
    unsigned n = 0;
    uint32_t from = 0;
    for (unsigned k = 0; k < p->n; k++) {
        bufs[n++] = uv_buf_init((char *)b->data + from, p->at[k] - from);
        bufs[n++] = uv_buf_init((char *)p->value[k], 4);
        from = p->at[k] + 4;
    }
    bufs[n++] = uv_buf_init((char *)b->data + from, (unsigned)(b->len - from));
    return n;
}

/* The frame header and the shared bundle; for a client that owes frames
 * (its window held bundles back), the same bytes with its entries'
 * `dropped` raised by what it owes (tick/owed.h): a few more buffers, no
 * copy. */
static void send_bundle(cc_client *c, cc_bundle *b)
{
    cc_bundle_write *w = NULL;
    for (unsigned i = 0; i < BUNDLES_IN_FLIGHT && !w; i++)
        if (!c->writes[i].bundle)
            w = &c->writes[i];
    uv_buf_t bufs[2 + 2 * CC_MAX_CAMERAS];
    size_t hlen = ws_binary_header(w->hdr, b->len);
    bufs[0] = uv_buf_init((char *)w->hdr, (unsigned)hlen);
    unsigned n = 1;
    if (cc_owed_any(&c->owed, b->cameras) && cc_owed_patch(&c->owed, b, &w->patch) > 0)
        n += patched_bufs(b, &w->patch, bufs + 1);
    else
        bufs[n++] = uv_buf_init((char *)b->data, (unsigned)b->len);
    w->req.data = w;
    w->c = c;
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, bufs, n, on_bundle_written);
    if (rc < 0) {
        cc_client_close(c, uv_strerror(rc));
        return;
    }
    cc_bundle_ref(b);
    w->bundle = b;
    c->in_flight++;
    c->bundles_sent++;
    cc_window_sent(&c->window, b->seq);
}

/* Bytes written to c that have not left this host: libuv's queue and the
 * kernel's unsent part of the socket (SIOCOUTQNSD; data sent and not yet
 * acknowledged is on its way and does not count). */
static size_t unsent_bytes(cc_client *c)
{
    size_t queued = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
    uv_os_fd_t fd;
    int kernel = 0;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 && ioctl(fd, SIOCOUTQNSD, &kernel) < 0)
        kernel = 0;
    return queued + (size_t)(kernel > 0 ? kernel : 0);
}

/* Newest wins down to the socket: a client still holding more than the
 * bound of earlier bundles unsent is skipped, so what it gets next is
 * fresh instead of queued behind them. The bound: send_queue_bound, or by
 * default half of this bundle (a client at half the stream's bytes/s then
 * gets every other bundle, each as fresh as its link allows). */
static bool behind(cc_client *c, size_t bundle_len)
{
    if (c->in_flight >= BUNDLES_IN_FLIGHT)
        return true;
    size_t bound = c->srv->cfg->send_queue_bound;
    if (bound == 0)
        bound = bundle_len / 2;
    return unsent_bytes(c) > bound;
}

/* A client that has taken no bundle for stall_timeout is not reading: its
 * slot goes back to the pool (1008). */
static void check_stall(cc_client *c)
{
    cc_server *s = c->srv;
    uint64_t now = cc_realtime_ns();
    if (c->stalled_since_ns == 0) {
        c->stalled_since_ns = now;
        return;
    }
    double limit = s->cfg->stall_timeout_s;
    if (limit <= 0 || (double)(now - c->stalled_since_ns) < limit * 1e9)
        return;
    s->counters.closed_stalled++;
    if (cc_episode_starts(&s->ep_stall))
        cc_warn("client #%" PRIu64 " read nothing for %.0f s: closing it (1008); "
                "further ones counted in /stats",
                c->id, limit);
    cc_session_fail(c, CLOSE_POLICY, "not reading");
}

static cc_server *of(cc_tick_reader *r)
{
    return (cc_server *)((char *)r - offsetof(cc_server, reader));
}

/* b will never go out to c: if c was due it and not sent it, its frames
 * are owed. */
static void owe_pending(cc_client *c, const cc_bundle *b)
{
    if (c->pending_seq && b && b->seq == c->pending_seq)
        cc_owed_add(&c->owed, b, b->cameras);
    c->pending_seq = 0;
}

/* A tick starts: which cameras of each variant the groups take on it. */
static void plan(cc_tick_reader *r, cc_tick_plan *p)
{
    cc_server *s = of(r);
    cc_group_plan(&s->groups, p);
    p->levels |= s->levels_mask;
}

/* A camera's levels: one text message to each client that wants them and
 * watches that camera. */
static void levels(cc_tick_reader *r, unsigned cam, uint64_t frame_id, const cc_levels *lv)
{
    cc_server *s = of(r);
    char *text = NULL;
    for (cc_client *c = s->clients; c; c = c->next) {
        if (c->state != CONN_WS || c->closing || !c->levels || !(c->group->mask >> cam & 1))
            continue;
        if (!text)
            text = cc_control_levels_new(cam, frame_id, lv);
        if (!text)
            return;
        cc_session_send_text(c, text);
    }
    free(text);
}

/* The tick's bundles: each client that can take its group's now gets it. */
static void take(cc_tick_reader *r, cc_bundle *const *b, size_t n_variants)
{
    cc_server *s = of(r);
    cc_group_tick(&s->groups, b, n_variants);
    for (cc_client *c = s->clients; c; c = c->next) {
        if (c->state != CONN_WS || c->closing || wslay_event_get_close_sent(c->ws))
            continue;
        cc_bundle *mine = c->group->now;
        if (!mine && !c->group->failed)
            continue; /* not a tick of its rate */
        if (mine) /* the group's previous bundle is not its newest any more */
            owe_pending(c, c->group->replaced);
        if (mine && !cc_window_open(&c->window)) {
            c->bundles_withheld++; /* it has not taken what it was sent */
            c->pending_seq = mine->seq; /* its ack may bring it (cc_fanout_window_opened) */
            check_stall(c);
            continue;
        }
        if (!mine || behind(c, mine->len)) {
            c->bundles_skipped++;
            if (mine && c->window.size) /* a windowed client is told what it missed */
                c->pending_seq = mine->seq;
            check_stall(c);
            continue;
        }
        send_bundle(c, mine);
    }
    cc_group_tick_end(&s->groups);
}

void cc_fanout_window_opened(cc_client *c)
{
    cc_bundle *b = c->group->last;
    if (!b || c->pending_seq != b->seq || c->closing || wslay_event_get_close_sent(c->ws) ||
        behind(c, b->len))
        return; /* it had the newest (or cannot take it now): the next tick's */
    c->pending_seq = 0;
    send_bundle(c, b);
}

void cc_fanout_regroup(cc_client *c, const cc_group *to)
{
    owe_pending(c, c->group->last);
    cc_owed_move(&c->owed, &c->group->owed, &to->owed);
}

void cc_fanout_init(cc_server *s)
{
    s->reader = (cc_tick_reader){.plan = plan, .take = take, .levels = levels};
}
