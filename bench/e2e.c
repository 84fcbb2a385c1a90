#include "e2e.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_client.h"
#include "daemon_proc.h"
#include "daemon_stats.h"
#include "e2e_report.h"
#include "proc_stats.h"
#include "reference.h"

#define MAX_CONNECTING 16  /* well below the daemon's max_pending (256 by default) */
#define START_S 20.0       /* daemon: until it listens */
#define STOP_S 15.0        /* daemon: SIGTERM to exit */
#define CLOSE_S 10.0       /* clients: close handshakes */
#define READY_S 30.0       /* read-rate clients: measuring their rate */
#define STATS_MS 5000      /* GET /stats */

typedef struct e2e {
    const cc_e2e_options *o;
    uv_loop_t loop;
    cc_daemon_proc daemon;
    bool own_daemon;
    const char *url;
    int pid;
    cc_bench_shared shared;
    cc_bench_client *clients;
    unsigned n, next_connect;
    /* The reading clients' groups: --clients (when not 0), then each
     * --group; group k has clients [first[k], first[k] + gin[k].n). */
    cc_bench_group groups[1 + CC_E2E_MAX_GROUPS];
    cc_e2e_group_in gin[1 + CC_E2E_MAX_GROUPS];
    unsigned n_groups;
    unsigned first[1 + CC_E2E_MAX_GROUPS];
    /* /stats around the window, when the hello lists variants */
    cc_stats_get get;
    cc_daemon_stats stats0, stats1;
    bool have_stats;
    cc_reference ref;
    bool have_ref;
    /* the window */
    double t0, t1, self0, self1;
    uint64_t bytes0, bytes1;
    cc_proc_sample d0, d1;
    cc_machine_sample m0, m1;
    unsigned stalled_open;
    /* progress */
    uv_timer_t progress;
    bool tty;
    uint64_t *prev_bundles;
    cc_proc_sample prev;
    double prev_s;
} e2e;

static void on_tick(uv_timer_t *t)
{
    (void)t;
}

/* Runs the loop until done(r) or timeout_s; the ticking timer keeps each
 * iteration short. */
static bool run_until(e2e *r, bool (*done)(e2e *), double timeout_s)
{
    uv_timer_t tick;
    uv_timer_init(&r->loop, &tick);
    uv_timer_start(&tick, on_tick, 50, 50);
    double deadline = cc_mono_s() + timeout_s;
    bool ok;
    while (!(ok = done(r)) && cc_mono_s() < deadline)
        uv_run(&r->loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&r->loop, UV_RUN_NOWAIT);
    return ok;
}

/* ---- the daemon ---- */

static bool daemon_listening(e2e *r)
{
    return r->daemon.url[0] || r->daemon.exited;
}

static bool daemon_done(e2e *r)
{
    return cc_daemon_proc_done(&r->daemon);
}

static int start_daemon(e2e *r)
{
    const cc_e2e_options *o = r->o;
    int rc = cc_daemon_proc_start(&r->daemon, &r->loop, o->daemon_path, o->config_path,
                                  o->verbose);
    if (rc < 0) {
        fprintf(stderr, "camcast-bench: cannot start %s: %s\n", o->daemon_path,
                uv_strerror(rc));
        return -1;
    }
    r->own_daemon = true;
    if (!run_until(r, daemon_listening, START_S) || !r->daemon.url[0]) {
        fprintf(stderr, "camcast-bench: %s did not start listening:\n%s", o->daemon_path,
                r->daemon.log);
        return -1;
    }
    r->url = r->daemon.url;
    r->pid = cc_daemon_proc_pid(&r->daemon);
    return 0;
}

static void stop_daemon(e2e *r)
{
    cc_daemon_proc_terminate(&r->daemon);
    if (!run_until(r, daemon_done, STOP_S)) {
        fprintf(stderr, "camcast-bench: camcastd still running %.0f s after SIGTERM: "
                        "killed\n", STOP_S);
        cc_daemon_proc_kill(&r->daemon);
        run_until(r, daemon_done, 5);
    }
}

/* ---- clients ---- */

static unsigned connecting(const e2e *r)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->next_connect; i++)
        n += !r->clients[i].opened && !r->clients[i].closed;
    return n;
}

/* A few at a time: the daemon caps connections that are not yet upgraded. */
static void pump_connects(void *arg)
{
    e2e *r = arg;
    while (r->next_connect < r->n && connecting(r) < MAX_CONNECTING) {
        cc_bench_client *c = &r->clients[r->next_connect++];
        int rc = cc_bench_client_connect(c, r->url);
        if (rc < 0) {
            fprintf(stderr, "camcast-bench: %s: %s\n", r->url, uv_strerror(rc));
            c->closed = true;
        }
    }
}

/* Group k's spec and subscription: the plain clients, or a --group. */
static void add_group(e2e *r, const char *spec, bool plain, const cc_bench_sub *sub,
                      unsigned count, unsigned first)
{
    unsigned k = r->n_groups++;
    r->groups[k].sub = *sub;
    r->groups[k].step = 1;
    r->first[k] = first;
    r->gin[k] = (cc_e2e_group_in){.spec = spec, .plain = plain, .group = &r->groups[k],
                                  .n = count};
}

static void make_groups(e2e *r)
{
    const cc_e2e_options *o = r->o;
    unsigned next = 0;
    if (o->clients) {
        add_group(r, "plain", true, &(cc_bench_sub){0}, o->clients, next);
        next += o->clients;
    }
    for (unsigned i = 0; i < o->n_groups; i++) {
        const cc_e2e_group_opt *g = &o->groups[i];
        cc_bench_sub sub = {.variant = g->variant[0] ? g->variant : NULL,
                            .max_fps = g->max_fps, .read_rate = g->read_rate,
                            .window = g->window, .ack_when_done = g->ack_when_done,
                            .hold_ms = g->hold_ms, .cpu_ms = g->cpu_ms};
        add_group(r, g->spec, false, &sub, g->count, next);
        next += g->count;
    }
}

static int make_clients(e2e *r)
{
    make_groups(r);
    unsigned reading = 0;
    for (unsigned k = 0; k < r->n_groups; k++)
        reading += r->gin[k].n;
    r->n = reading + r->o->stalled;
    r->clients = calloc(r->n, sizeof *r->clients);
    r->prev_bundles = calloc(r->n, sizeof *r->prev_bundles);
    if (!r->clients || !r->prev_bundles)
        return -ENOMEM;
    r->shared.changed = pump_connects;
    r->shared.arg = r;
    unsigned k = 0;
    for (unsigned i = 0; i < r->n; i++) {
        while (k < r->n_groups && i >= r->first[k] + r->gin[k].n)
            k++;
        cc_bench_group *g = i < reading ? &r->groups[k] : NULL;
        int rc = cc_bench_client_init(&r->clients[i], &r->loop, &r->shared, i, g,
                                      r->o->token);
        if (rc < 0)
            return rc;
        /* The primary group (the first) gives the per-camera figures. */
        r->clients[i].primary = g && k == 0;
        r->clients[i].probe = i == 0 && g;
    }
    for (k = 0; k < r->n_groups; k++)
        r->gin[k].clients = &r->clients[r->first[k]];
    return 0;
}

static bool all_connected(e2e *r)
{
    if (r->next_connect < r->n)
        return false;
    for (unsigned i = 0; i < r->n; i++) {
        const cc_bench_client *c = &r->clients[i];
        if (!c->closed && !(c->stalled ? c->opened : c->got_hello))
            return false;
    }
    return true;
}

static bool all_ready(e2e *r)
{
    for (unsigned i = 0; i < r->next_connect; i++)
        if (!cc_bench_client_ready(&r->clients[i]))
            return false;
    return true;
}

static bool all_closed(e2e *r)
{
    for (unsigned i = 0; i < r->next_connect; i++)
        if (!r->clients[i].closed)
            return false;
    return true;
}

static bool none_busy(e2e *r)
{
    for (unsigned i = 0; i < r->n; i++)
        if (cc_bench_client_busy(&r->clients[i]))
            return false;
    return true;
}

static void close_clients(e2e *r)
{
    for (unsigned i = 0; i < r->n; i++)
        if (r->clients[i].ws)
            cc_ws_client_close(r->clients[i].ws, 1000);
    if (!run_until(r, all_closed, CLOSE_S))
        fprintf(stderr, "camcast-bench: clients not closed within %.0f s\n", CLOSE_S);
    if (!run_until(r, none_busy, CLOSE_S)) /* slow consumers' work in the pool */
        fprintf(stderr, "camcast-bench: consumers' work not done within %.0f s\n", CLOSE_S);
    for (unsigned i = 0; i < r->n; i++)
        cc_bench_client_close_handles(&r->clients[i]);
    uv_run(&r->loop, UV_RUN_NOWAIT); /* their close callbacks */
}

static void free_clients(e2e *r)
{
    for (unsigned i = 0; i < r->n && r->clients; i++) {
        cc_bench_client *c = &r->clients[i];
        /* One still open has live handles: leave it rather than crash. */
        if (c->ws && (c->closed || i >= r->next_connect))
            cc_bench_client_destroy(c);
    }
    free(r->clients);
    free(r->prev_bundles);
}

/* ---- progress ---- */

static void print_progress(e2e *r, double elapsed, double dt)
{
    uint64_t min = UINT64_MAX, total = 0;
    unsigned normal = 0, open = 0;
    for (unsigned i = 0; i < r->n; i++) {
        cc_bench_client *c = &r->clients[i];
        open += !c->closed;
        if (!c->primary)
            continue;
        uint64_t d = c->bundles - r->prev_bundles[i];
        r->prev_bundles[i] = c->bundles;
        min = d < min ? d : min;
        total += d;
        normal++;
    }
    char cpu[48] = "";
    cc_proc_sample now;
    if (r->pid && cc_proc_sample_take(r->pid, &now) == 0 && r->prev.ok) {
        snprintf(cpu, sizeof cpu, "  daemon CPU %.0f%%",
                 (now.cpu_s - r->prev.cpu_s) / (now.wall_s - r->prev.wall_s) * 100);
        r->prev = now;
    }
    fprintf(stderr, "%s[%s] %4.0f/%.0f s  clients %u/%u  bundles/s %.1f (min %.1f)"
                    "  mux->rx p99 %.2f ms%s%s",
            r->tty ? "\r" : "", r->o->label, elapsed, r->o->seconds, open, r->n,
            normal ? (double)total / normal / dt : 0, normal ? (double)min / dt : 0,
            cc_hist_quantile(&r->groups[0].mux_us, 0.99) / 1e3, cpu,
            r->tty ? "\033[K" : "\n");
}

static void on_progress(uv_timer_t *t)
{
    e2e *r = t->data;
    double now = cc_mono_s();
    print_progress(r, now - r->t0, now - r->prev_s);
    r->prev_s = now;
}

/* ---- the window ---- */

static bool window_over(e2e *r)
{
    return cc_mono_s() >= r->t0 + r->o->seconds || all_closed(r);
}

static bool warmed_up(e2e *r)
{
    return cc_mono_s() >= r->t0 || all_closed(r);
}

static void count_open(e2e *r)
{
    for (unsigned i = 0; i < r->n; i++)
        r->stalled_open += !r->clients[i].closed && r->clients[i].stalled;
    for (unsigned k = 0; k < r->n_groups; k++)
        for (unsigned i = 0; i < r->gin[k].n; i++)
            r->gin[k].open_at_end += !r->gin[k].clients[i].closed;
}

static void reset_counts(e2e *r)
{
    for (unsigned i = 0; i < r->n; i++) {
        cc_bench_client_reset(&r->clients[i]);
        r->prev_bundles[i] = 0;
    }
    for (unsigned k = 0; k < r->n_groups; k++) {
        cc_hist_reset(&r->groups[k].capture_us);
        cc_hist_reset(&r->groups[k].mux_us);
    }
    cc_hist_reset(&r->shared.capture_mux_us);
    cc_hist_reset(&r->shared.sync_spread_us);
    cc_hist_reset(&r->shared.device_mux_us);
    r->shared.sync_bundles = r->shared.sync_aligned = 0;
    for (unsigned i = 0; i < CC_BENCH_MAX_CAMERAS; i++)
        cc_hist_reset(&r->shared.cam_capture_us[i]);
}

static void window_start(e2e *r)
{
    reset_counts(r);
    cc_machine_sample_take(&r->m0);
    if (r->pid)
        cc_proc_sample_take(r->pid, &r->d0);
    r->prev = r->d0;
    r->self0 = cc_self_cpu_s();
    r->bytes0 = r->shared.bytes_all;
    r->t0 = r->prev_s = cc_mono_s();
    r->shared.measuring = true;
    uv_timer_init(&r->loop, &r->progress);
    r->progress.data = r;
    uv_timer_start(&r->progress, on_progress, 1000, 1000);
}

static void window_end(e2e *r)
{
    r->shared.measuring = false;
    r->t1 = cc_mono_s();
    r->self1 = cc_self_cpu_s();
    r->bytes1 = r->shared.bytes_all;
    if (r->pid)
        cc_proc_sample_take(r->pid, &r->d1);
    cc_machine_sample_take(&r->m1);
    count_open(r);
    uv_close((uv_handle_t *)&r->progress, NULL);
    if (r->tty)
        fputc('\n', stderr);
}

static bool stats_got(e2e *r)
{
    return cc_stats_get_done(&r->get);
}

/* The daemon's /stats on the loop (the clients keep reading): 0, or -1
 * with the reason printed. */
static int fetch_stats(e2e *r, cc_daemon_stats *out)
{
    char err[256];
    int rc = cc_stats_get_start(&r->get, &r->loop, r->url, r->o->token, STATS_MS);
    if (rc < 0) {
        fprintf(stderr, "camcast-bench: GET /stats: %s\n", uv_strerror(rc));
        return -1;
    }
    /* Its own timer ends it first; its handles are open until then. */
    if (!run_until(r, stats_got, STATS_MS / 1e3 + 5)) {
        fprintf(stderr, "camcast-bench: GET /stats did not end\n");
        return -1;
    }
    rc = cc_stats_get_result(&r->get, out, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "camcast-bench: %s\n", err);
    cc_stats_get_free(&r->get);
    return rc < 0 ? -1 : 0;
}

static void measure(e2e *r)
{
    /* Variants' encodes are seen by the daemon alone. */
    bool stats = r->shared.hello.listed_variants;
    r->t0 = cc_mono_s() + r->o->warmup;
    run_until(r, warmed_up, r->o->warmup + 1);
    if (stats)
        stats = fetch_stats(r, &r->stats0) == 0;
    window_start(r);
    run_until(r, window_over, r->o->seconds + 1);
    window_end(r);
    if (stats)
        r->have_stats = fetch_stats(r, &r->stats1) == 0;
}

/* ---- report ---- */

static int report(e2e *r)
{
    cc_e2e_input in = {
        .label = r->o->label, .url = r->url, .window_s = r->t1 - r->t0,
        .shared = &r->shared, .clients = r->clients, .n_clients = r->n,
        .groups = r->gin, .n_groups = r->n_groups, .stalled_open_at_end = r->stalled_open,
        .stats0 = r->have_stats ? &r->stats0 : NULL,
        .stats1 = r->have_stats ? &r->stats1 : NULL,
        .bytes_window = r->bytes1 - r->bytes0, .self_cpu_s = r->self1 - r->self0,
        .pid = r->pid, .d0 = r->d0, .d1 = r->d1, .m0 = r->m0, .m1 = r->m1,
        .ref = r->have_ref ? &r->ref : NULL,
        .own_daemon = r->own_daemon, .exited = r->daemon.exited,
        .exit_status = r->daemon.exit_status, .term_signal = r->daemon.term_signal,
        .cores = (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
    };
    cc_e2e_summary s;
    cc_e2e_summarize(&in, &s);
    if (r->o->json)
        return cc_e2e_print_json(&in, &s, stdout) < 0 ? -1 : 0;
    cc_e2e_print_table(&in, &s, stdout);
    return 0;
}

static void load_reference(e2e *r)
{
    char err[512];
    int rc = cc_reference_load(&r->ref, r->o->reference_path, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "camcast-bench: no encode reference: %s\n", err);
    r->have_ref = rc == 0;
}

/* What the groups ask for exists, and was set up: 0, or -1 with the
 * reason printed. */
static int check_groups(e2e *r)
{
    const cc_hello *h = &r->shared.hello;
    for (unsigned k = 0; k < r->n_groups; k++) {
        const char *v = r->groups[k].sub.variant;
        if (v && cc_hello_variant_find(h, v) < 0) {
            fprintf(stderr, "camcast-bench: group %s: the server offers no variant '%s' "
                            "(it offers:", r->gin[k].spec, v);
            for (size_t i = 0; i < h->n_variants; i++)
                fprintf(stderr, " %s", h->variants[i].name);
            fputs(")\n", stderr);
            return -1;
        }
    }
    for (unsigned i = 0; i < r->next_connect; i++) {
        const cc_bench_client *c = &r->clients[i];
        if (c->sub_errors) {
            fprintf(stderr, "camcast-bench: the server refused a subscription: %s\n",
                    c->sub_error);
            return -1;
        }
    }
    return 0;
}

/* Connect, measure, close: 0, or -1 with the reason printed. */
static int stream(e2e *r)
{
    if (make_clients(r) < 0) {
        fprintf(stderr, "camcast-bench: out of memory\n");
        return -1;
    }
    pump_connects(r);
    if (!run_until(r, all_connected, 20 + 0.1 * r->n))
        fprintf(stderr, "camcast-bench: not every client connected in time\n");
    if (!r->shared.have_hello) {
        /* Why the first client ended says most (a 401: the token). */
        const cc_bench_client *c = &r->clients[0];
        fprintf(stderr, "camcast-bench: no client got a hello from %s%s%s%s\n", r->url,
                c->closed ? " (" : "", c->closed ? c->reason : "", c->closed ? ")" : "");
        close_clients(r);
        return -1;
    }
    if (!run_until(r, all_ready, READY_S))
        fprintf(stderr, "camcast-bench: not every read-rate client measured its stream "
                        "in time\n");
    if (check_groups(r) < 0) {
        close_clients(r);
        return -1;
    }
    if (!r->tty && !r->o->json)
        fprintf(stderr, "[%s] %u clients connected, measuring %.0f s\n", r->o->label,
                r->shared.opened, r->o->seconds);
    measure(r);
    close_clients(r);
    return 0;
}

static bool daemon_exit_ok(const e2e *r)
{
    if (!r->own_daemon)
        return true;
    if (r->daemon.exited && r->daemon.term_signal == 0 && r->daemon.exit_status == 0)
        return true;
    fprintf(stderr, "camcast-bench: camcastd did not exit cleanly (status %lld, "
                    "signal %d)\n",
            (long long)r->daemon.exit_status, r->daemon.term_signal);
    return false;
}

int cc_e2e_run(const cc_e2e_options *o)
{
    static e2e r; /* large (per-camera stats per client): not on the stack */
    memset(&r, 0, sizeof r);
    r.o = o;
    r.url = o->url;
    r.pid = o->pid;
    r.tty = isatty(STDERR_FILENO);
    uv_loop_init(&r.loop);
    if (o->reference_path)
        load_reference(&r);
    int rc = o->daemon_path ? start_daemon(&r) : 0;
    if (rc == 0)
        rc = stream(&r);
    if (r.own_daemon)
        stop_daemon(&r);
    if (rc == 0)
        rc = report(&r);
    bool clean = daemon_exit_ok(&r);
    free_clients(&r);
    cc_daemon_proc_destroy(&r.daemon);
    uv_run(&r.loop, UV_RUN_NOWAIT);
    if (uv_loop_close(&r.loop) != 0)
        fprintf(stderr, "camcast-bench: event loop closed with handles open\n");
    return rc == 0 && clean ? 0 : 1;
}
