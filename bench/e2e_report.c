#include "e2e_report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v (n values) and gives its min, median and max. */
static void spread(double *v, unsigned n, double *min, double *median, double *max)
{
    if (n == 0)
        return;
    qsort(v, n, sizeof *v, cmp_double);
    *min = v[0];
    *median = v[n / 2];
    *max = v[n - 1];
}

static void add_sizes(cc_e2e_group_sum *g, const cc_bench_client *c)
{
    g->more_sizes |= c->more_sizes;
    for (unsigned i = 0; i < c->n_sizes; i++) {
        unsigned k = 0;
        while (k < g->n_sizes && (g->sizes[k].width != c->sizes[i].width ||
                                  g->sizes[k].height != c->sizes[i].height))
            k++;
        if (k == g->n_sizes && k == CC_BENCH_MAX_SIZES)
            g->more_sizes = true;
        else if (k == g->n_sizes)
            g->sizes[g->n_sizes++] = c->sizes[i];
    }
}

static void summarize_group(const cc_e2e_input *in, const cc_e2e_group_in *gi,
                            cc_e2e_group_sum *g)
{
    double *bps = malloc((gi->n + 1) * sizeof *bps);
    double *mbps = malloc((gi->n + 1) * sizeof *mbps);
    uint64_t bytes = 0, bundles = 0;
    unsigned throttled = 0;
    double rates = 0;
    g->count = gi->n;
    g->open_at_end = gi->open_at_end;
    for (unsigned i = 0; i < gi->n; i++) {
        const cc_bench_client *c = &gi->clients[i];
        if (bps && mbps) {
            bps[i] = (double)c->bundles / in->window_s;
            mbps[i] = (double)c->bytes / in->window_s / 1e6;
        }
        g->gaps += c->gaps;
        g->skips += c->skips;
        if (c->step_min && (!g->step_min || c->step_min < g->step_min))
            g->step_min = c->step_min;
        g->malformed += c->malformed;
        g->clients_with_skips += c->skips > 0;
        g->sub_errors += c->sub_errors;
        if (c->sub_errors && !g->sub_error)
            g->sub_error = c->sub_error;
        bytes += c->bytes;
        bundles += c->bundles;
        if (c->rate > 0) {
            rates += c->rate;
            throttled++;
        }
        add_sizes(g, c);
    }
    if (bps && mbps) {
        spread(bps, gi->n, &g->bps_min, &g->bps_median, &g->bps_max);
        double lo, hi;
        spread(mbps, gi->n, &lo, &g->client_mb_per_s, &hi);
    }
    free(bps);
    free(mbps);
    const cc_bench_sub *sub = &gi->group->sub;
    double fps = in->shared->hello.stream_fps, max_fps = sub->max_fps;
    g->expected_bps = fps / cc_bench_step(max_fps, fps);
    /* A slow consumer takes at most one bundle per hold (or CPU time). */
    double hold = sub->hold_ms > 0 ? sub->hold_ms : sub->cpu_ms;
    if (hold > 0 && 1e3 / hold < g->expected_bps)
        g->expected_bps = 1e3 / hold;
    g->mb_per_s = (double)bytes / in->window_s / 1e6;
    g->bundle_kb = bundles ? (double)bytes / (double)bundles / 1e3 : 0;
    g->read_rate_mb_per_s = throttled ? rates / throttled / 1e6 : 0;
}

/* The top-level figures are the primary group's (the plain clients as
 * before groups existed); the camera figures its fullest client's. */
static void summarize_clients(const cc_e2e_input *in, cc_e2e_summary *s)
{
    for (unsigned i = 0; i < in->n_clients; i++)
        s->stalled += in->clients[i].stalled;
    for (unsigned k = 0; k < in->n_groups; k++)
        summarize_group(in, &in->groups[k], &s->groups[k]);
    if (in->n_groups == 0)
        return;
    const cc_e2e_group_in *gi = &in->groups[0];
    const cc_e2e_group_sum *g = &s->groups[0];
    s->normal = g->count;
    s->normal_open_at_end = g->open_at_end;
    s->bps_min = g->bps_min;
    s->bps_median = g->bps_median;
    s->bps_max = g->bps_max;
    s->gaps = g->gaps;
    s->malformed = g->malformed;
    for (unsigned i = 0; i < gi->n; i++) {
        const cc_bench_client *c = &gi->clients[i];
        s->clients_with_gaps += c->gaps > 0;
        if (!s->ref_client || c->entries > s->ref_client->entries)
            s->ref_client = c;
    }
}

static void summarize_camera(const cc_cam_stats *cs, double window_s, cc_e2e_camera *out)
{
    out->entries = cs->entries;
    out->stream_fps = (double)cs->entries / window_s;
    out->dropped_per_s = (double)cs->dropped / window_s;
    out->jpeg_kb = cs->entries ? (double)cs->bytes / (double)cs->entries / 1e3 : 0;
    if (cs->entries < 2 || cs->last_ns <= cs->first_ns)
        return;
    uint64_t ids = cs->last_id - cs->first_id;
    out->grab_fps = (double)ids / ((double)(cs->last_ns - cs->first_ns) / 1e9);
    /* Between the first and the last entry every frame id is either
     * streamed or counted in a later entry's dropped. */
    out->lost = (int64_t)ids - (int64_t)(cs->entries - 1) -
                (int64_t)(cs->dropped - cs->first_dropped);
}

static void quantiles(const cc_hist *h, double out[4])
{
    out[0] = cc_hist_quantile(h, 0.50) / 1e3;
    out[1] = cc_hist_quantile(h, 0.90) / 1e3;
    out[2] = cc_hist_quantile(h, 0.99) / 1e3;
    out[3] = (double)h->max / 1e3;
}

static void summarize_daemon(const cc_e2e_input *in, cc_e2e_summary *s)
{
    const cc_proc_sample *a = &in->d0, *b = &in->d1;
    s->have_daemon = a->ok && b->ok;
    if (!s->have_daemon)
        return;
    double wall = b->wall_s - a->wall_s;
    s->cpu_pct = (b->cpu_s - a->cpu_s) / wall * 100;
    s->encode_pct = (b->encode_s - a->encode_s) / wall * 100;
    s->grab_pct = (b->grab_s - a->grab_s) / wall * 100;
    s->other_pct = s->cpu_pct - s->encode_pct - s->grab_pct;
    s->sys_pct = (b->sys_s - a->sys_s) / wall * 100;
    s->other_sys_pct = (b->other_sys_s - a->other_sys_s) / wall * 100;
    s->rss_start_kb = a->rss_kb;
    s->rss_end_kb = b->rss_kb;
    s->hwm_kb = b->hwm_kb;
}

/* A variant's encodes between the two /stats. */
static void summarize_variant(const cc_daemon_stats_variant *a,
                              const cc_daemon_stats_variant *b, cc_e2e_variant_sum *v)
{
    v->name = b->name;
    v->clients = b->clients;
    v->run_encode_ms_mean = b->encode_ms_mean;
    v->convert_ms_mean = -1;
    if (!a)
        return;
    v->ticks = b->ticks - a->ticks;
    v->encoded = b->encoded - a->encoded;
    if (v->encoded <= 0)
        return;
    /* The means are over the whole run: their totals differ by the window's. */
    v->encode_ms_mean = (b->encode_ms_mean * b->encoded - a->encode_ms_mean * a->encoded) /
                        v->encoded;
    if (a->convert_ms_mean >= 0 && b->convert_ms_mean >= 0)
        v->convert_ms_mean = (b->convert_ms_mean * b->encoded -
                              a->convert_ms_mean * a->encoded) / v->encoded;
    v->jpeg_kb = (b->jpeg_bytes - a->jpeg_bytes) / v->encoded / 1e3;
}

static void summarize_variants(const cc_e2e_input *in, cc_e2e_summary *s)
{
    if (!in->stats0 || !in->stats1)
        return;
    const cc_daemon_stats *b = in->stats1;
    for (size_t v = 0; v < b->n_variants; v++)
        summarize_variant(cc_daemon_stats_variant_find(in->stats0, b->variants[v].name),
                          &b->variants[v], &s->variants[v]);
    s->n_variants = b->n_variants;
    const cc_e2e_variant_sum *full = &s->variants[0];
    for (size_t v = 0; v < s->n_variants; v++)
        if (full->encode_ms_mean > 0)
            s->variants[v].cost_vs_full = s->variants[v].encode_ms_mean / full->encode_ms_mean;
}

/* The reference CPU time of what the daemon encoded in the window. From
 * the client with the most entries without variants; with variants, from
 * /stats, since no client sees every variant (and the full frames are
 * encoded on every tick whoever watches): each camera's full frames at
 * its reference cost, a variant's entries at the full frames' mean
 * reference cost scaled by what the daemon spent on the variant per entry
 * against a full frame (camcast-microbench's reference is of full frames
 * only). Returns the frames, 0 when there is no fair figure. */
static uint64_t reference_cost(const cc_e2e_input *in, const cc_e2e_summary *s,
                               double *expected)
{
    const cc_reference *ref = in->ref;
    uint64_t frames = 0;
    *expected = 0;
    for (size_t i = 0; i < ref->n_cameras; i++)
        if (ref->cpu_s[i] <= 0)
            return 0; /* a camera without reference */
    if (s->n_variants == 0) {
        for (size_t i = 0; i < ref->n_cameras; i++) {
            *expected += (double)s->cams[i].entries * ref->cpu_s[i];
            frames += s->cams[i].entries;
        }
        return frames;
    }
    const cc_daemon_stats *a = in->stats0, *b = in->stats1;
    if (a->n_cameras != ref->n_cameras || b->n_cameras != ref->n_cameras)
        return 0;
    for (size_t i = 0; i < ref->n_cameras; i++) {
        double n = b->frames_encoded[i] - a->frames_encoded[i];
        *expected += n * ref->cpu_s[i];
        frames += (uint64_t)n;
    }
    if (frames == 0)
        return 0;
    double per_full = *expected / (double)frames;
    for (size_t v = 1; v < s->n_variants; v++) {
        const cc_e2e_variant_sum *k = &s->variants[v];
        *expected += k->encoded * per_full * k->cost_vs_full;
        frames += (uint64_t)k->encoded;
    }
    return frames;
}

/* Frames per CPU-second of the daemon against the reference's, weighted by
 * what each camera streamed. */
static void summarize_encode(const cc_e2e_input *in, cc_e2e_summary *s)
{
    const cc_reference *ref = in->ref;
    if (!ref || !s->have_daemon || !s->ref_client)
        return;
    double expected, per_bundle = 0;
    uint64_t frames = reference_cost(in, s, &expected);
    for (size_t i = 0; i < ref->n_cameras; i++)
        per_bundle += ref->cpu_s[i];
    double cpu = in->d1.cpu_s - in->d0.cpu_s;
    double enc_cpu = in->d1.encode_s - in->d0.encode_s;
    if (frames == 0 || expected <= 0 || cpu <= 0 || enc_cpu <= 0)
        return;
    s->frames = frames;
    s->encode_from_stats = s->n_variants > 0;
    s->have_efficiency = true;
    s->frames_per_cpu_s = (double)s->frames / cpu;
    s->ref_frames_per_cpu_s = (double)s->frames / expected;
    s->efficiency = expected / cpu;
    s->encoder_efficiency = expected / enc_cpu;
    s->beyond_pct = (cpu - expected) / in->window_s * 100;
    s->ceiling_bps = in->cores / per_bundle;
    s->ceiling_ratio = (double)s->ref_client->bundles / in->window_s / s->ceiling_bps;
}

void cc_e2e_summarize(const cc_e2e_input *in, cc_e2e_summary *s)
{
    memset(s, 0, sizeof *s);
    summarize_clients(in, s);
    size_t n = in->shared->have_hello ? in->shared->hello.n_cameras : 0;
    for (size_t i = 0; i < n && s->ref_client; i++)
        summarize_camera(&s->ref_client->cams[i], in->window_s, &s->cams[i]);
    for (size_t i = 0; i < n; i++)
        quantiles(&in->shared->cam_capture_us[i], s->cams[i].capture_ms);
    for (unsigned k = 0; k < in->n_groups; k++) {
        quantiles(&in->groups[k].group->capture_us, s->groups[k].capture_ms);
        quantiles(&in->groups[k].group->mux_us, s->groups[k].mux_ms);
    }
    if (in->n_groups) {
        memcpy(s->capture_ms, s->groups[0].capture_ms, sizeof s->capture_ms);
        memcpy(s->mux_ms, s->groups[0].mux_ms, sizeof s->mux_ms);
    }
    quantiles(&in->shared->capture_mux_us, s->capture_mux_ms);
    quantiles(&in->shared->sync_spread_us, s->sync_spread_ms);
    quantiles(&in->shared->device_mux_us, s->device_mux_ms);
    uint64_t bytes = 0, bundles = 0;
    for (unsigned i = 0; i < in->n_clients; i++) {
        bytes += in->clients[i].bytes;
        bundles += in->clients[i].bundles;
    }
    s->mb_per_s = (double)bytes / in->window_s / 1e6;
    s->bundle_kb = bundles ? (double)bytes / (double)bundles / 1e3 : 0;
    summarize_daemon(in, s);
    summarize_variants(in, s);
    summarize_encode(in, s);
    s->self_pct = in->self_cpu_s / in->window_s * 100;
    double busy = in->m1.busy_s - in->m0.busy_s;
    double daemon = s->have_daemon ? in->d1.cpu_s - in->d0.cpu_s : 0;
    /* The kernel may charge loopback softirq work to the process it ran in
     * as well: a small negative rest means nothing else ran. */
    s->other_load_pct = (busy - daemon - in->self_cpu_s) / in->window_s * 100;
    if (s->other_load_pct < 0)
        s->other_load_pct = 0;
    s->idle_pct = (in->m1.idle_s - in->m0.idle_s) / in->window_s * 100;
    s->irq_pct = (in->m1.irq_s - in->m0.irq_s) / in->window_s * 100;
    s->steal_pct = (in->m1.steal_s - in->m0.steal_s) / in->window_s * 100;
    if (in->bytes_window)
        s->self_ms_per_mb = in->self_cpu_s * 1e3 / ((double)in->bytes_window / 1e6);
}

/* ---- table ---- */

static void print_latency(FILE *out, const char *what, const double q[4])
{
    fprintf(out, "  %-18s p50 %7.2f  p90 %7.2f  p99 %7.2f  max %7.2f ms\n", what,
            q[0], q[1], q[2], q[3]);
}

static void print_cameras(const cc_e2e_input *in, const cc_e2e_summary *s, FILE *out)
{
    const cc_hello *h = &in->shared->hello;
    fprintf(out, "  %-12s %-16s %9s %9s %10s %9s %5s %17s\n", "camera", "format",
            "grab fps", "streamed", "dropped/s", "JPEG kB", "lost",
            "capture->rx p50/p99");
    for (size_t i = 0; i < h->n_cameras; i++) {
        const cc_hello_camera *c = &h->cameras[i];
        const cc_e2e_camera *e = &s->cams[i];
        char fmt[48];
        snprintf(fmt, sizeof fmt, "%ux%u %s", c->width, c->height, c->pixel_format);
        fprintf(out, "  %-12s %-16s %9.1f %9.2f %10.1f %9.1f %5lld %8.2f/%.2f ms\n",
                c->name, fmt, e->grab_fps, e->stream_fps, e->dropped_per_s, e->jpeg_kb,
                (long long)e->lost, e->capture_ms[0], e->capture_ms[2]);
    }
}

static void print_daemon(const cc_e2e_input *in, const cc_e2e_summary *s, FILE *out)
{
    if (!s->have_daemon) {
        fprintf(out, "  daemon             not observed (no --pid)\n");
        return;
    }
    fprintf(out, "  daemon CPU         %.1f%% of a core: encoders %.1f%%, grab %.1f%%, "
                 "loop and rest %.1f%% (%.1f%% of it in the kernel); in the "
                 "kernel %.1f%%\n",
            s->cpu_pct, s->encode_pct, s->grab_pct, s->other_pct,
            s->other_sys_pct, s->sys_pct);
    fprintf(out, "  daemon RSS         %.1f MB -> %.1f MB (peak %.1f MB)\n",
            (double)s->rss_start_kb / 1e3, (double)s->rss_end_kb / 1e3,
            (double)s->hwm_kb / 1e3);
    if (in->own_daemon)
        fprintf(out, "  daemon exit        %s %lld\n",
                in->term_signal ? "signal" : "status",
                (long long)(in->term_signal ? in->term_signal : in->exit_status));
}

/* Why there is no efficiency figure: what is missing, first. */
static const char *no_efficiency_why(const cc_e2e_input *in, const cc_e2e_summary *s)
{
    if (!in->ref)
        return "no reference (--reference FILE: camcast-microbench reference "
               "--config CAMS.INI --json > FILE)";
    if (!s->have_daemon)
        return "daemon not observed (no --pid)";
    if (!s->ref_client)
        return "no client measured the cameras' entries";
    return "no reference cost for these cameras (not all test patterns?), or nothing "
           "encoded or no daemon CPU time in the window";
}

static void print_encode(const cc_e2e_input *in, const cc_e2e_summary *s, FILE *out)
{
    if (!s->have_efficiency) {
        fprintf(out, "  encode             %s\n", no_efficiency_why(in, s));
        return;
    }
    fprintf(out, "  encode             %llu frames, %.1f frames per daemon CPU-s; "
                 "reference %.1f (1 thread)\n",
            (unsigned long long)s->frames, s->frames_per_cpu_s, s->ref_frames_per_cpu_s);
    fprintf(out, "  efficiency         %.3f (encoder threads alone %.3f); "
                 "beyond encoding %.1f%% of a core%s\n",
            s->efficiency, s->encoder_efficiency, s->beyond_pct,
            s->encode_from_stats ? " (frames of every variant, from /stats)" : "");
    fprintf(out, "  encode ceiling     %.1f bundles/s on %u cores; achieved %.1f%%\n",
            s->ceiling_bps, in->cores, s->ceiling_ratio * 100);
    for (size_t i = 0; i < in->ref->n_cameras; i++)
        fprintf(out, "    reference cam %zu %s: %.2f ms/frame%s\n", i, in->ref->spec[i],
                in->ref->cpu_s[i] * 1e3, in->ref->exact ? "" : " (pattern guessed)");
}

static void sizes_text(const cc_e2e_group_sum *g, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < g->n_sizes && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%ux%u", i ? " " : "",
                              g->sizes[i].width, g->sizes[i].height);
    if (g->more_sizes && n < cap)
        snprintf(buf + n, cap - n, " ...");
}

static void print_group(const cc_e2e_group_in *gi, const cc_e2e_group_sum *g, FILE *out)
{
    char sizes[128];
    sizes_text(g, sizes, sizeof sizes);
    fprintf(out, "  group %s: %u clients, open at end %u\n", gi->spec, g->count,
            g->open_at_end);
    fprintf(out, "    bundles/s/client min %.2f  median %.2f  max %.2f (its rate %g)\n",
            g->bps_min, g->bps_median, g->bps_max, g->expected_bps);
    fprintf(out, "    skips            %llu (%u clients), seq gaps %llu; malformed %llu; "
                 "subscribe errors %u%s%s\n",
            (unsigned long long)g->skips, g->clients_with_skips,
            (unsigned long long)g->gaps, (unsigned long long)g->malformed, g->sub_errors,
            g->sub_error ? ": " : "", g->sub_error ? g->sub_error : "");
    fprintf(out, "    capture->receive p50 %7.2f  p99 %7.2f  max %7.2f ms\n", g->capture_ms[0],
            g->capture_ms[2], g->capture_ms[3]);
    fprintf(out, "    mux->receive     p50 %7.2f  p99 %7.2f  max %7.2f ms\n", g->mux_ms[0],
            g->mux_ms[2], g->mux_ms[3]);
    fprintf(out, "    received         %.1f MB/s (%.2f per client), %.1f kB per bundle; "
                 "entries %s\n",
            g->mb_per_s, g->client_mb_per_s, g->bundle_kb, sizes);
    const cc_bench_sub *sub = &gi->group->sub;
    if (sub->read_rate > 0)
        fprintf(out, "    read rate        %.2f MB/s per client (%g of its stream)\n",
                g->read_rate_mb_per_s, sub->read_rate);
    if (sub->hold_ms > 0 || sub->cpu_ms > 0)
        fprintf(out, "    slow consumer    %g ms %s per bundle\n",
                sub->hold_ms > 0 ? sub->hold_ms : sub->cpu_ms,
                sub->hold_ms > 0 ? "held" : "of CPU time");
    if (sub->window)
        fprintf(out, "    flow control     window %u, acknowledged when %s\n", sub->window,
                sub->ack_when_done ? "done" : "parsed");
}

static void print_variants(const cc_e2e_summary *s, FILE *out)
{
    for (size_t v = 0; v < s->n_variants; v++) {
        const cc_e2e_variant_sum *k = &s->variants[v];
        char cost[48] = "", convert[32] = "";
        if (v > 0 && k->cost_vs_full > 0)
            snprintf(cost, sizeof cost, " = %.0f%% of full's", k->cost_vs_full * 100);
        if (k->convert_ms_mean >= 0)
            snprintf(convert, sizeof convert, ", convert %.2f", k->convert_ms_mean);
        fprintf(out, "  variant %-10s %.0f entries, %.2f ms each%s%s, %.1f kB; "
                     "%.0f clients (/stats)\n",
                k->name, k->encoded, k->encode_ms_mean, cost, convert, k->jpeg_kb,
                k->clients);
    }
}

void cc_e2e_print_table(const cc_e2e_input *in, const cc_e2e_summary *s, FILE *out)
{
    const cc_hello *h = &in->shared->hello;
    bool grouped = in->n_groups && !in->groups[0].plain;
    fprintf(out, "e2e [%s] %s, %.1f s, %s at %g fps, %u clients%s%s%s + %u stalled\n",
            in->label, in->url, in->window_s, h->server, h->stream_fps, s->normal,
            grouped ? " (group " : "", grouped ? in->groups[0].spec : "", grouped ? ")" : "",
            s->stalled);
    fprintf(out, "  bundles/s/client   min %.2f  median %.2f  max %.2f\n", s->bps_min,
            s->bps_median, s->bps_max);
    fprintf(out, "  seq gaps           %llu (%u clients); malformed %llu; "
                 "open at end %u/%u, stalled %u/%u\n",
            (unsigned long long)s->gaps, s->clients_with_gaps,
            (unsigned long long)s->malformed, s->normal_open_at_end, s->normal,
            in->stalled_open_at_end, s->stalled);
    print_latency(out, "capture->receive", s->capture_ms);
    print_latency(out, "  capture->mux", s->capture_mux_ms);
    print_latency(out, "  mux->receive", s->mux_ms);
    if (in->shared->sync_bundles) {
        print_latency(out, "device time spread", s->sync_spread_ms);
        print_latency(out, "device time->mux", s->device_mux_ms);
        fprintf(out, "  aligned bundles    %llu of %llu\n",
                (unsigned long long)in->shared->sync_aligned,
                (unsigned long long)in->shared->sync_bundles);
    }
    fprintf(out, "  received           %.1f MB/s, %.1f kB per bundle%s\n", s->mb_per_s,
            s->bundle_kb, in->n_groups > 1 ? " (all groups)" : "");
    print_cameras(in, s, out);
    for (unsigned k = 0; k < in->n_groups; k++)
        if (in->n_groups > 1 || !in->groups[k].plain)
            print_group(&in->groups[k], &s->groups[k], out);
    print_variants(s, out);
    print_daemon(in, s, out);
    print_encode(in, s, out);
    fprintf(out, "  bench process      %.1f%% of a core, %.2f ms CPU per MB received\n",
            s->self_pct, s->self_ms_per_mb);
    fprintf(out, "  machine            idle %.1f%% of %u00%%; other processes %.1f%%, "
                 "interrupts %.1f%%, stolen %.1f%%\n",
            s->idle_pct, in->cores, s->other_load_pct, s->irq_pct, s->steal_pct);
}

/* ---- JSON ---- */

static void add_quantiles(cJSON *o, const char *key, const double q[4])
{
    cJSON *l = cJSON_AddObjectToObject(o, key);
    cJSON_AddNumberToObject(l, "p50", q[0]);
    cJSON_AddNumberToObject(l, "p90", q[1]);
    cJSON_AddNumberToObject(l, "p99", q[2]);
    cJSON_AddNumberToObject(l, "max", q[3]);
}

static void add_clients(cJSON *root, const cc_e2e_input *in, const cc_e2e_summary *s)
{
    cJSON *c = cJSON_AddObjectToObject(root, "clients");
    cJSON_AddNumberToObject(c, "count", s->normal);
    cJSON_AddNumberToObject(c, "stalled", s->stalled);
    cJSON_AddNumberToObject(c, "open_at_end", s->normal_open_at_end);
    cJSON_AddNumberToObject(c, "stalled_open_at_end", in->stalled_open_at_end);
    cJSON *b = cJSON_AddObjectToObject(c, "bundles_per_s");
    cJSON_AddNumberToObject(b, "min", s->bps_min);
    cJSON_AddNumberToObject(b, "median", s->bps_median);
    cJSON_AddNumberToObject(b, "max", s->bps_max);
    cJSON_AddNumberToObject(c, "seq_gaps", (double)s->gaps);
    cJSON_AddNumberToObject(c, "clients_with_gaps", s->clients_with_gaps);
    cJSON_AddNumberToObject(c, "malformed", (double)s->malformed);
    cJSON_AddNumberToObject(c, "bundles_received",
                            s->ref_client ? (double)s->ref_client->bundles : 0);
}

static void add_cameras(cJSON *root, const cc_e2e_input *in, const cc_e2e_summary *s)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "cameras");
    const cc_hello *h = &in->shared->hello;
    for (size_t i = 0; i < h->n_cameras; i++) {
        const cc_hello_camera *c = &h->cameras[i];
        const cc_e2e_camera *e = &s->cams[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        cJSON_AddNumberToObject(o, "index", c->index);
        cJSON_AddStringToObject(o, "name", c->name);
        cJSON_AddNumberToObject(o, "width", c->width);
        cJSON_AddNumberToObject(o, "height", c->height);
        cJSON_AddStringToObject(o, "pixel_format", c->pixel_format);
        cJSON_AddNumberToObject(o, "grab_fps_configured", c->grab_fps);
        cJSON_AddNumberToObject(o, "grab_fps", e->grab_fps);
        cJSON_AddNumberToObject(o, "stream_fps", e->stream_fps);
        cJSON_AddNumberToObject(o, "dropped_per_s", e->dropped_per_s);
        cJSON_AddNumberToObject(o, "lost", (double)e->lost);
        cJSON_AddNumberToObject(o, "jpeg_kb", e->jpeg_kb);
        add_quantiles(o, "capture_to_receive_ms", e->capture_ms);
    }
}

static void add_daemon(cJSON *root, const cc_e2e_input *in, const cc_e2e_summary *s)
{
    cJSON *d = cJSON_AddObjectToObject(root, "daemon");
    cJSON_AddNumberToObject(d, "pid", in->pid);
    cJSON_AddBoolToObject(d, "observed", s->have_daemon);
    cJSON_AddNumberToObject(d, "cpu_percent", s->cpu_pct);
    cJSON_AddNumberToObject(d, "encoder_cpu_percent", s->encode_pct);
    cJSON_AddNumberToObject(d, "grab_cpu_percent", s->grab_pct);
    cJSON_AddNumberToObject(d, "other_cpu_percent", s->other_pct);
    cJSON_AddNumberToObject(d, "system_cpu_percent", s->sys_pct);
    cJSON_AddNumberToObject(d, "other_system_cpu_percent", s->other_sys_pct);
    cJSON_AddNumberToObject(d, "rss_kb_start", (double)s->rss_start_kb);
    cJSON_AddNumberToObject(d, "rss_kb_end", (double)s->rss_end_kb);
    cJSON_AddNumberToObject(d, "rss_kb_peak", (double)s->hwm_kb);
    if (in->own_daemon) {
        cJSON_AddBoolToObject(d, "exited", in->exited);
        cJSON_AddNumberToObject(d, "exit_status", (double)in->exit_status);
        cJSON_AddNumberToObject(d, "term_signal", in->term_signal);
    }
}

static void add_encode(cJSON *root, const cc_e2e_input *in, const cc_e2e_summary *s)
{
    cJSON *e = cJSON_AddObjectToObject(root, "encode");
    cJSON_AddBoolToObject(e, "available", s->have_efficiency);
    cJSON_AddNumberToObject(e, "frames", (double)s->frames);
    cJSON_AddNumberToObject(e, "frames_per_cpu_s", s->frames_per_cpu_s);
    cJSON_AddNumberToObject(e, "reference_frames_per_cpu_s", s->ref_frames_per_cpu_s);
    cJSON_AddNumberToObject(e, "efficiency", s->efficiency);
    cJSON_AddNumberToObject(e, "encoder_thread_efficiency", s->encoder_efficiency);
    cJSON_AddNumberToObject(e, "beyond_encoding_percent", s->beyond_pct);
    cJSON_AddBoolToObject(e, "frames_from_stats", s->encode_from_stats);
    cJSON_AddNumberToObject(e, "ceiling_bundles_per_s", s->ceiling_bps);
    cJSON_AddNumberToObject(e, "ceiling_ratio", s->ceiling_ratio);
    cJSON_AddNumberToObject(e, "cores", in->cores);
    cJSON *refs = cJSON_AddArrayToObject(e, "reference_ms_per_frame");
    for (size_t i = 0; in->ref && i < in->ref->n_cameras; i++)
        cJSON_AddItemToArray(refs, cJSON_CreateNumber(in->ref->cpu_s[i] * 1e3));
    cJSON_AddBoolToObject(e, "reference_exact", in->ref && in->ref->exact);
}

static void add_group(cJSON *arr, const cc_e2e_group_in *gi, const cc_e2e_group_sum *g)
{
    const cc_bench_sub *sub = &gi->group->sub;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    cJSON_AddItemToArray(arr, o);
    cJSON_AddStringToObject(o, "spec", gi->spec);
    cJSON_AddBoolToObject(o, "plain", gi->plain);
    cJSON_AddStringToObject(o, "variant", sub->variant ? sub->variant : "full");
    cJSON_AddNumberToObject(o, "max_fps", sub->max_fps);
    cJSON_AddNumberToObject(o, "read_rate", sub->read_rate);
    cJSON_AddNumberToObject(o, "window", sub->window);
    cJSON_AddStringToObject(o, "ack", sub->ack_when_done ? "done" : "parsed");
    cJSON_AddNumberToObject(o, "hold_ms", sub->hold_ms);
    cJSON_AddNumberToObject(o, "cpu_ms", sub->cpu_ms);
    cJSON_AddNumberToObject(o, "count", g->count);
    cJSON_AddNumberToObject(o, "open_at_end", g->open_at_end);
    cJSON *b = cJSON_AddObjectToObject(o, "bundles_per_s");
    cJSON_AddNumberToObject(b, "min", g->bps_min);
    cJSON_AddNumberToObject(b, "median", g->bps_median);
    cJSON_AddNumberToObject(b, "max", g->bps_max);
    cJSON_AddNumberToObject(b, "expected", g->expected_bps);
    cJSON_AddNumberToObject(o, "skips", (double)g->skips);
    cJSON_AddNumberToObject(o, "clients_with_skips", g->clients_with_skips);
    cJSON_AddNumberToObject(o, "seq_gaps", (double)g->gaps);
    cJSON_AddNumberToObject(o, "seq_step_min", (double)g->step_min);
    cJSON_AddNumberToObject(o, "malformed", (double)g->malformed);
    cJSON_AddNumberToObject(o, "subscribe_errors", g->sub_errors);
    if (g->sub_error)
        cJSON_AddStringToObject(o, "subscribe_error", g->sub_error);
    cJSON *lat = cJSON_AddObjectToObject(o, "latency_ms");
    add_quantiles(lat, "capture_to_receive", g->capture_ms);
    add_quantiles(lat, "mux_to_receive", g->mux_ms);
    cJSON_AddNumberToObject(o, "mb_per_s", g->mb_per_s);
    cJSON_AddNumberToObject(o, "mb_per_s_per_client", g->client_mb_per_s);
    cJSON_AddNumberToObject(o, "bundle_kb", g->bundle_kb);
    if (sub->read_rate > 0)
        cJSON_AddNumberToObject(o, "read_rate_mb_per_s", g->read_rate_mb_per_s);
    cJSON *sizes = cJSON_AddArrayToObject(o, "entry_sizes");
    for (unsigned i = 0; i < g->n_sizes; i++) {
        cJSON *z = cJSON_CreateObject();
        cJSON_AddItemToArray(sizes, z);
        cJSON_AddNumberToObject(z, "width", g->sizes[i].width);
        cJSON_AddNumberToObject(z, "height", g->sizes[i].height);
    }
    cJSON_AddBoolToObject(o, "more_entry_sizes", g->more_sizes);
}

static void add_variants(cJSON *root, const cc_e2e_summary *s)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "variants");
    for (size_t v = 0; v < s->n_variants; v++) {
        const cc_e2e_variant_sum *k = &s->variants[v];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return;
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "name", k->name);
        cJSON_AddNumberToObject(o, "clients", k->clients);
        cJSON_AddNumberToObject(o, "ticks", k->ticks);
        cJSON_AddNumberToObject(o, "encoded", k->encoded);
        cJSON_AddNumberToObject(o, "encode_ms_mean", k->encode_ms_mean);
        if (k->convert_ms_mean >= 0)
            cJSON_AddNumberToObject(o, "convert_ms_mean", k->convert_ms_mean);
        cJSON_AddNumberToObject(o, "jpeg_kb", k->jpeg_kb);
        cJSON_AddNumberToObject(o, "cost_vs_full", k->cost_vs_full);
        cJSON_AddNumberToObject(o, "run_encode_ms_mean", k->run_encode_ms_mean);
    }
}

int cc_e2e_print_json(const cc_e2e_input *in, const cc_e2e_summary *s, FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return -ENOMEM;
    cJSON_AddStringToObject(root, "scenario", in->label);
    cJSON_AddStringToObject(root, "url", in->url);
    cJSON_AddStringToObject(root, "server", in->shared->hello.server);
    cJSON_AddNumberToObject(root, "seconds", in->window_s);
    cJSON_AddNumberToObject(root, "stream_fps", in->shared->hello.stream_fps);
    add_clients(root, in, s);
    cJSON *lat = cJSON_AddObjectToObject(root, "latency_ms");
    add_quantiles(lat, "capture_to_receive", s->capture_ms);
    add_quantiles(lat, "mux_to_receive", s->mux_ms);
    add_quantiles(lat, "capture_to_mux", s->capture_mux_ms);
    cJSON_AddNumberToObject(lat, "negative", (double)in->shared->negative);
    cJSON *sy = cJSON_AddObjectToObject(root, "sync");
    cJSON_AddNumberToObject(sy, "bundles", (double)in->shared->sync_bundles);
    cJSON_AddNumberToObject(sy, "aligned", (double)in->shared->sync_aligned);
    add_quantiles(sy, "spread_ms", s->sync_spread_ms);
    add_quantiles(sy, "device_to_mux_ms", s->device_mux_ms);
    cJSON_AddNumberToObject(root, "mb_per_s", s->mb_per_s);
    cJSON_AddNumberToObject(root, "bundle_kb", s->bundle_kb);
    add_cameras(root, in, s);
    cJSON *groups = cJSON_AddArrayToObject(root, "groups");
    for (unsigned k = 0; k < in->n_groups; k++)
        add_group(groups, &in->groups[k], &s->groups[k]);
    add_variants(root, s);
    add_daemon(root, in, s);
    add_encode(root, in, s);
    cJSON *b = cJSON_AddObjectToObject(root, "bench_process");
    cJSON_AddNumberToObject(b, "cpu_percent", s->self_pct);
    cJSON_AddNumberToObject(b, "cpu_ms_per_mb", s->self_ms_per_mb);
    cJSON *m = cJSON_AddObjectToObject(root, "machine");
    cJSON_AddNumberToObject(m, "other_load_percent", s->other_load_pct);
    cJSON_AddNumberToObject(m, "irq_percent", s->irq_pct);
    cJSON_AddNumberToObject(m, "idle_percent", s->idle_pct);
    cJSON_AddNumberToObject(m, "steal_percent", s->steal_pct);
    cJSON_AddNumberToObject(m, "cores", in->cores);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return -ENOMEM;
    fprintf(out, "%s\n", text);
    free(text);
    return 0;
}
