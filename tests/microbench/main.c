/* camcast-microbench: the daemon's own modules measured in-process, with
 * nothing else running (docs/performance.md).
 *
 *   camcast-microbench encode [--seconds S | --frames N] [--threads N] [--quality Q]
 *   camcast-microbench levels [--seconds S | --frames N] [--quality Q]
 *   camcast-microbench ring   [--seconds S | --items N] [--pace-ns NS]
 *   camcast-microbench reference --config FILE [--seconds S]
 *   camcast-microbench paced --config FILE [--seconds S | --ticks N] [tuning...]
 *   camcast-microbench frames --config FILE --out DIR [--count N] [--fps F]
 *
 * Like the unit tests it links the daemon's core library; camcast-bench,
 * the stream's client, links the client library alone and reads the
 * reference this writes (--reference). Human tables on stdout by default,
 * --json for machines; errors on stderr.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "encode_bench.h"
#include "encode_reference.h"
#include "export_frames.h"
#include "paced_bench.h"
#include "ring_bench.h"

#define PROG "camcast-microbench"

static void usage(FILE *out)
{
    fputs("usage: camcast-microbench COMMAND [options]\n"
          "\n"
          "  encode     JPEG encode throughput on the test-pattern frames\n"
          "             --seconds S (2 per case) | --frames N, --threads N (cores),\n"
          "             --quality Q (80)\n"
          "  levels     what counting levels (docs/control.md) adds to a frame's\n"
          "             encode, one worker: --seconds S (2 per case) | --frames N,\n"
          "             --quality Q (80)\n"
          "  ring       camera ring throughput and hand-off latency\n"
          "             --seconds S (2 per run) | --items N, --pace-ns NS (10000)\n"
          "  reference  encode cost per camera of a config, one thread, for\n"
          "             camcast-bench e2e --reference: --config FILE, --seconds S (1.5)\n"
          "  paced      the encoder's idle tax: a config's tick (its test-pattern\n"
          "             cameras, split as the mux splits) back to back, then paced at\n"
          "             stream_fps: worker CPU, wake-up, switches per frame\n"
          "             --config FILE, --seconds S (5 per phase) | --ticks N,\n"
          "             --phase busy|paced|both, --fps F, --threads N, --strips K,\n"
          "             --spin-us US, --prewake-us US, --pin, --unbatched\n"
          "             (default: CAMCAST_ENCODER_* as camcastd reads them),\n"
          "             --keep-awake (SCHED_IDLE spinners: no CPU idles),\n"
          "             --evict-kb KB (swept between ticks)\n"
          "  frames     a config's test-pattern frames as camcastd encodes them:\n"
          "             DIR/CAMERA-NNN.jpg and that JPEG decoded, .raw (8-bit gray\n"
          "             or RGB): --config FILE --out DIR, --count N (30), --fps F\n"
          "\n"
          "  --json     machine-readable output (all commands)\n",
          out);
}

/* ---- encode ---- */

typedef struct encode_opts {
    double seconds;
    unsigned long frames, threads, quality;
    bool json;
} encode_opts;

static void print_encode_row(const cc_enc_spec *spec, const cc_enc_result *r, bool json,
                             cJSON *arr)
{
    char name[32];
    cc_enc_spec_name(spec, name, sizeof name);
    double ms = r->threads * 1e3 / r->fps;
    if (!json) {
        printf("  %-22s %7u %10.1f %9.2f %12.2f %9.1f %8.1f\n", name, r->threads, r->fps,
               ms, r->cpu_ms_per_frame, r->mpix_per_s, r->jpeg_bytes / 1e3);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, o);
    cJSON_AddStringToObject(o, "format", name);
    cJSON_AddNumberToObject(o, "width", spec->width);
    cJSON_AddNumberToObject(o, "height", spec->height);
    cJSON_AddNumberToObject(o, "scale", spec->scale > 1 ? spec->scale : 1);
    cJSON_AddNumberToObject(o, "threads", r->threads);
    cJSON_AddNumberToObject(o, "frames", (double)r->frames);
    cJSON_AddNumberToObject(o, "fps", r->fps);
    cJSON_AddNumberToObject(o, "ms_per_frame", ms);
    cJSON_AddNumberToObject(o, "cpu_ms_per_frame", r->cpu_ms_per_frame);
    cJSON_AddNumberToObject(o, "mpixel_per_s", r->mpix_per_s);
    cJSON_AddNumberToObject(o, "jpeg_kb", r->jpeg_bytes / 1e3);
}

static int run_encode(const encode_opts *o)
{
    const cc_enc_spec specs[] = {
        {1920, 1200, CC_PIX_MONO8, 0, (int)o->quality, 1, false},
        {1920, 1200, CC_PIX_RGB8, 0, (int)o->quality, 1, false},
        {640, 480, CC_PIX_RGB8, 0, (int)o->quality, 1, false},
        /* The sample's preview variant (640 wide): box filter + encode. */
        {1920, 1200, CC_PIX_MONO8, 0, (int)o->quality, 3, false},
        {1920, 1200, CC_PIX_RGB8, 0, (int)o->quality, 3, false},
    };
    unsigned counts[2] = {1, (unsigned)o->threads};
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "results");
    if (!o->json)
        printf("encode: camcastd's encoder pool (TurboJPEG), quality %lu, test-pattern "
               "frames (scroll, bars, checker)\n"
               "  %-22s %7s %10s %9s %12s %9s %8s\n",
               o->quality, "format", "threads", "frames/s", "ms/frame", "CPU ms/frame",
               "MPixel/s", "JPEG kB");
    int status = 0;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0] && !status; i++) {
        for (unsigned t = 0; t < (counts[1] > 1 ? 2u : 1u) && !status; t++) {
            cc_enc_result r;
            int rc = cc_enc_run(&specs[i], counts[t], o->seconds, o->frames, &r);
            if (rc < 0) {
                fprintf(stderr, "camcast-microbench: encode: %s\n", strerror(-rc));
                status = 1;
                break;
            }
            print_encode_row(&specs[i], &r, o->json, arr);
            fflush(stdout);
        }
    }
    if (o->json && !status) {
        cJSON_AddNumberToObject(root, "quality", (double)o->quality);
        cJSON_AddNumberToObject(root, "cores", cc_cores());
        char *text = cJSON_Print(root);
        printf("%s\n", text);
        free(text);
    }
    cJSON_Delete(root);
    return status;
}

/* ---- levels ---- */

/* Each frame shape encoded without, then with levels, one worker: the
 * worker time levels add, and their share of the encode. */
static int run_levels(const encode_opts *o)
{
    const cc_enc_spec specs[] = {
        {1920, 1200, CC_PIX_MONO8, 0, (int)o->quality, 1, false},
        {1920, 1200, CC_PIX_RGB8, 0, (int)o->quality, 1, false},
        {1920, 1200, CC_PIX_MONO8, 0, (int)o->quality, 3, false},
        {1920, 1200, CC_PIX_RGB8, 0, (int)o->quality, 3, false},
    };
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "results");
    if (!o->json)
        printf("levels: worker time per frame without and with levels, one worker, "
               "quality %lu\n  %-22s %12s %12s %10s %8s\n", o->quality, "format",
               "encode ms", "+levels ms", "levels ms", "share");
    int status = 0;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0] && !status; i++) {
        cc_enc_spec with = specs[i];
        with.levels = true;
        cc_enc_result plain, counted;
        int rc = cc_enc_run(&specs[i], 1, o->seconds, o->frames, &plain);
        if (rc == 0)
            rc = cc_enc_run(&with, 1, o->seconds, o->frames, &counted);
        if (rc < 0) {
            fprintf(stderr, "camcast-microbench: levels: %s\n", strerror(-rc));
            status = 1;
            break;
        }
        char name[32];
        cc_enc_spec_name(&specs[i], name, sizeof name);
        double share = counted.levels_ms / (counted.job_ms - counted.levels_ms);
        if (!o->json) {
            printf("  %-22s %12.3f %12.3f %10.3f %7.1f%%\n", name, plain.job_ms,
                   counted.job_ms, counted.levels_ms, 100 * share);
            fflush(stdout);
            continue;
        }
        cJSON *row = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, row);
        cJSON_AddStringToObject(row, "format", name);
        cJSON_AddNumberToObject(row, "encode_ms", plain.job_ms);
        cJSON_AddNumberToObject(row, "encode_with_levels_ms", counted.job_ms);
        cJSON_AddNumberToObject(row, "levels_ms", counted.levels_ms);
        cJSON_AddNumberToObject(row, "levels_share", share);
    }
    if (o->json && !status) {
        char *text = cJSON_Print(root);
        printf("%s\n", text);
        free(text);
    }
    cJSON_Delete(root);
    return status;
}

static int cmd_encode(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"seconds", required_argument, NULL, 's'}, {"frames", required_argument, NULL, 'f'},
        {"threads", required_argument, NULL, 't'}, {"quality", required_argument, NULL, 'q'},
        {"json", no_argument, NULL, 'j'},          {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    encode_opts o = {.seconds = 2, .threads = cc_cores(), .quality = 80};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's': if (!cc_arg_double(optarg, 0.01, &o.seconds)) return cc_arg_bad(PROG, "seconds", optarg); break;
        case 'f': if (!cc_arg_uint(optarg, 1, 1000000000, &o.frames)) return cc_arg_bad(PROG, "frames", optarg); break;
        case 't': if (!cc_arg_uint(optarg, 1, 64, &o.threads)) return cc_arg_bad(PROG, "threads", optarg); break;
        case 'q': if (!cc_arg_uint(optarg, 1, 100, &o.quality)) return cc_arg_bad(PROG, "quality", optarg); break;
        case 'j': o.json = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return CC_EXIT_USAGE;
        }
    }
    return strcmp(argv[0], "levels") == 0 ? run_levels(&o) : run_encode(&o);
}

/* ---- ring ---- */

static void ring_json(cJSON *root, const char *key, const cc_ring_result *r)
{
    cJSON *o = cJSON_AddObjectToObject(root, key);
    cJSON_AddNumberToObject(o, "seconds", r->seconds);
    cJSON_AddNumberToObject(o, "published_per_s", (double)r->published / r->seconds);
    cJSON_AddNumberToObject(o, "taken_per_s", (double)r->taken / r->seconds);
    cJSON_AddNumberToObject(o, "published", (double)r->published);
    cJSON_AddNumberToObject(o, "overwritten", (double)r->overwritten);
    cJSON_AddNumberToObject(o, "taken", (double)r->taken);
    cJSON_AddNumberToObject(o, "skipped", (double)r->skipped);
    cJSON *l = cJSON_AddObjectToObject(o, "latency_ns");
    cJSON_AddNumberToObject(l, "p50", cc_hist_quantile(&r->latency_ns, 0.5));
    cJSON_AddNumberToObject(l, "p99", cc_hist_quantile(&r->latency_ns, 0.99));
    cJSON_AddNumberToObject(l, "max", (double)r->latency_ns.max);
}

static void ring_row(const char *what, const cc_ring_result *r)
{
    printf("  %-22s %12.0f %12.0f %12.0f %9.0f %9.0f %10.0f\n", what,
           (double)r->published / r->seconds, (double)r->taken / r->seconds,
           (double)r->overwritten / r->seconds, cc_hist_quantile(&r->latency_ns, 0.5),
           cc_hist_quantile(&r->latency_ns, 0.99), (double)r->latency_ns.max);
}

static int cmd_ring(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"seconds", required_argument, NULL, 's'}, {"items", required_argument, NULL, 'i'},
        {"pace-ns", required_argument, NULL, 'p'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},          {0, 0, 0, 0},
    };
    double seconds = 2;
    unsigned long items = 0, pace = 10000;
    bool json = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's': if (!cc_arg_double(optarg, 0.01, &seconds)) return cc_arg_bad(PROG, "seconds", optarg); break;
        case 'i': if (!cc_arg_uint(optarg, 1, 1000000000000, &items)) return cc_arg_bad(PROG, "items", optarg); break;
        case 'p': if (!cc_arg_uint(optarg, 1, 1000000000, &pace)) return cc_arg_bad(PROG, "pace-ns", optarg); break;
        case 'j': json = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return CC_EXIT_USAGE;
        }
    }
    static cc_ring_result flood, paced; /* histograms: not on the stack */
    int rc = cc_ring_bench_run(seconds, items, 0, &flood);
    if (rc == 0)
        rc = cc_ring_bench_run(seconds, items, pace, &paced);
    if (rc < 0) {
        fprintf(stderr, "camcast-microbench: ring: %s\n", strerror(-rc));
        return 1;
    }
    if (json) {
        cJSON *root = cJSON_CreateObject();
        ring_json(root, "flood", &flood);
        ring_json(root, "paced", &paced);
        cJSON_AddNumberToObject(root, "pace_ns", (double)pace);
        char *text = cJSON_Print(root);
        printf("%s\n", text);
        free(text);
        cJSON_Delete(root);
        return 0;
    }
    printf("ring: 16 slots, producer and consumer threads; latency publish -> take\n"
           "  %-22s %12s %12s %12s %9s %9s %10s\n", "run", "published/s", "taken/s",
           "overwrite/s", "p50 ns", "p99 ns", "max ns");
    ring_row("flood", &flood);
    char what[32];
    snprintf(what, sizeof what, "paced (1 per %lu ns)", pace);
    ring_row(what, &paced);
    return 0;
}

/* ---- reference ---- */

static void print_reference(const cc_reference *r, bool json)
{
    if (!json) {
        printf("reference: one encoder thread per camera, quality %d\n", r->quality);
        for (size_t i = 0; i < r->n_cameras; i++)
            printf("  cam %zu %-28s %8.2f ms/frame\n", i, r->spec[i], r->cpu_s[i] * 1e3);
        return;
    }
    if (cc_reference_write(r, stdout) < 0)
        fputs("camcast-microbench: reference: out of memory\n", stderr);
}

static int cmd_reference(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"seconds", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *config = NULL;
    double seconds = 1.5;
    bool json = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 's': if (!cc_arg_double(optarg, 0.05, &seconds)) return cc_arg_bad(PROG, "seconds", optarg); break;
        case 'j': json = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return CC_EXIT_USAGE;
        }
    }
    if (!config) {
        fputs("camcast-microbench reference: give --config FILE\n", stderr);
        return CC_EXIT_USAGE;
    }
    static cc_reference r;
    char err[512];
    int rc = cc_reference_from_config(&r, config, seconds, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "camcast-microbench: reference: %s\n",
                rc == -EINVAL || rc == -ENOENT ? err : strerror(-rc));
        return 1;
    }
    print_reference(&r, json);
    return 0;
}

/* ---- paced ---- */

static double per(double v, uint64_t frames)
{
    return frames ? v / (double)frames : 0;
}

static void hist_json(cJSON *o, const char *key, const cc_hist *h, double unit)
{
    cJSON *q = cJSON_AddObjectToObject(o, key);
    cJSON_AddNumberToObject(q, "p50", cc_hist_quantile(h, 0.5) / unit);
    cJSON_AddNumberToObject(q, "p90", cc_hist_quantile(h, 0.9) / unit);
    cJSON_AddNumberToObject(q, "p99", cc_hist_quantile(h, 0.99) / unit);
    cJSON_AddNumberToObject(q, "max", (double)h->max / unit);
}

static cJSON *phase_json(const cc_paced_phase *ph)
{
    cJSON *o = cJSON_CreateObject();
    uint64_t f = ph->frames;
    cJSON_AddNumberToObject(o, "ticks", (double)ph->ticks);
    cJSON_AddNumberToObject(o, "frames", (double)f);
    cJSON_AddNumberToObject(o, "wall_s", ph->wall_s);
    cJSON_AddNumberToObject(o, "ticks_per_s", ph->wall_s > 0 ? ph->ticks / ph->wall_s : 0);
    cJSON_AddNumberToObject(o, "late_ticks", (double)ph->late_ticks);
    cJSON_AddNumberToObject(o, "cpu_ms_per_frame", per(ph->threads.run_ns / 1e6, f));
    cJSON_AddNumberToObject(o, "runqueue_ms_per_frame", per(ph->threads.wait_ns / 1e6, f));
    cJSON_AddNumberToObject(o, "strip_ms_per_frame", per(ph->strip_ns / 1e6, f));
    cJSON_AddNumberToObject(o, "paint_ms_per_frame", per(ph->paint_ns / 1e6, f));
    hist_json(o, "tick_ms", &ph->tick_ns, 1e6);
    hist_json(o, "wake_us", &ph->wake_ns, 1e3);
    hist_json(o, "first_strip_us", &ph->first_ns, 1e3);
    if (ph->late_ns.count)
        hist_json(o, "submit_late_us", &ph->late_ns, 1e3);
    cJSON *s = cJSON_AddObjectToObject(o, "strips");
    cJSON_AddNumberToObject(s, "busy", (double)ph->strips[CC_STRIP_BUSY]);
    cJSON_AddNumberToObject(s, "polled", (double)ph->strips[CC_STRIP_POLLED]);
    cJSON_AddNumberToObject(s, "woken", (double)ph->strips[CC_STRIP_WOKEN]);
    cJSON_AddNumberToObject(s, "moved_cpu", (double)ph->strip_moves);
    cJSON_AddNumberToObject(s, "first_woken", (double)ph->woken_first);
    cJSON_AddNumberToObject(s, "first_woken_on_submit_cpu", (double)ph->woken_here);
    cJSON *pf = cJSON_AddObjectToObject(o, "per_frame");
    cJSON_AddNumberToObject(pf, "voluntary_switches", per((double)ph->threads.voluntary, f));
    cJSON_AddNumberToObject(pf, "involuntary_switches", per((double)ph->threads.involuntary, f));
    cJSON_AddNumberToObject(pf, "migrations", per((double)ph->threads.migrations, f));
    cJSON_AddNumberToObject(pf, "sleeps", per((double)ph->pool.sleeps, f));
    cJSON_AddNumberToObject(pf, "empty_wakes", per((double)ph->pool.empty_wakes, f));
    cJSON_AddNumberToObject(pf, "polls", per((double)ph->pool.polls, f));
    cJSON_AddNumberToObject(pf, "poll_hits", per((double)ph->pool.poll_hits, f));
    cJSON_AddNumberToObject(pf, "poll_ms", per(ph->pool.poll_ns / 1e6, f));
    if (ph->hw.ok) {
        cJSON_AddNumberToObject(pf, "cycles", per((double)ph->hw.cycles, f));
        cJSON_AddNumberToObject(pf, "instructions", per((double)ph->hw.instructions, f));
        cJSON_AddNumberToObject(pf, "cache_misses", per((double)ph->hw.cache_misses, f));
    } else {
        cJSON_AddNullToObject(pf, "cycles");
        cJSON_AddNullToObject(pf, "instructions");
        cJSON_AddNullToObject(pf, "cache_misses");
    }
    return o;
}

static void tuning_json(cJSON *root, const cc_paced_opts *o)
{
    cJSON *t = cJSON_AddObjectToObject(root, "tuning");
    cJSON_AddNumberToObject(t, "spin_us", o->tuning.spin_us);
    cJSON_AddNumberToObject(t, "prewake_us", o->tuning.prewake_us);
    cJSON_AddBoolToObject(t, "pin", o->tuning.pin);
    cJSON_AddBoolToObject(t, "batched", !o->tuning.unbatched);
    cJSON_AddBoolToObject(t, "keep_awake", o->keep_awake);
    cJSON_AddNumberToObject(t, "evict_kb", o->evict_kb);
}

static void paced_row(const char *name, const cc_paced_phase *ph)
{
    uint64_t f = ph->frames;
    printf("  %-6s %6.1f %9.2f %9.2f %8.2f %8.2f %9.0f %9.0f %6.2f %6.2f %6.2f\n", name,
           ph->wall_s > 0 ? ph->ticks / ph->wall_s : 0, per(ph->threads.run_ns / 1e6, f),
           per(ph->paint_ns / 1e6, f), cc_hist_quantile(&ph->tick_ns, 0.5) / 1e6,
           cc_hist_quantile(&ph->tick_ns, 0.99) / 1e6,
           cc_hist_quantile(&ph->wake_ns, 0.5) / 1e3,
           cc_hist_quantile(&ph->wake_ns, 0.99) / 1e3,
           per((double)ph->threads.voluntary, f), per((double)ph->threads.involuntary, f),
           per((double)ph->threads.migrations, f));
}

static void print_paced(const cc_paced_opts *o, const cc_paced_result *r, bool json)
{
    const cc_paced_phase *b = &r->busy, *p = &r->paced;
    double tax = b->ran && p->ran && b->threads.run_ns && b->frames
                     ? per(p->threads.run_ns, p->frames) / per(b->threads.run_ns, b->frames)
                     : 0;
    if (!json) {
        char tuned[160];
        printf("paced: %u cameras, %u workers, %u strips per frame, %g fps%s%s%s\n",
               r->cameras, r->workers, r->strips, r->fps,
               *cc_encoder_tuning_str(&o->tuning, tuned, sizeof tuned) ? "; " : "", tuned,
               o->keep_awake ? "; CPUs kept awake" : "");
        printf("  %-6s %6s %9s %9s %8s %8s %9s %9s %6s %6s %6s\n", "phase", "tick/s",
               "CPU ms/f", "paint ms", "tick p50", "tick p99", "wake p50", "wake p99",
               "vol/f", "inv/f", "mig/f");
        if (b->ran)
            paced_row("busy", b);
        if (p->ran)
            paced_row("paced", p);
        if (tax > 0)
            printf("  paced / busy CPU per frame: %.3f\n", tax);
        if (r->hw_why[0])
            printf("  no hardware counters (%s)\n", r->hw_why);
        return;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "config", o->config);
    cJSON_AddNumberToObject(root, "fps", r->fps);
    cJSON_AddNumberToObject(root, "cameras", r->cameras);
    cJSON_AddNumberToObject(root, "workers", r->workers);
    cJSON_AddNumberToObject(root, "strips", r->strips);
    cJSON_AddNumberToObject(root, "grab_fps", r->grab_fps);
    cJSON_AddNumberToObject(root, "cores", cc_cores());
    tuning_json(root, o);
    if (r->hw_why[0])
        cJSON_AddStringToObject(root, "hw_counters", r->hw_why);
    else
        cJSON_AddStringToObject(root, "hw_counters", "ok");
    cJSON *ph = cJSON_AddObjectToObject(root, "phases");
    if (b->ran)
        cJSON_AddItemToObject(ph, "busy", phase_json(b));
    if (p->ran)
        cJSON_AddItemToObject(ph, "paced", phase_json(p));
    if (tax > 0)
        cJSON_AddNumberToObject(root, "paced_vs_busy_cpu", tax);
    else
        cJSON_AddNullToObject(root, "paced_vs_busy_cpu");
    char *text = cJSON_Print(root);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(root);
}

static int paced_tuning(cc_paced_opts *o)
{
    char err[160];
    if (cc_encoder_tuning_from_env(&o->tuning, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return CC_EXIT_USAGE;
    }
    return 0;
}

static int cmd_paced(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},   {"seconds", required_argument, NULL, 's'},
        {"ticks", required_argument, NULL, 'n'},    {"phase", required_argument, NULL, 'P'},
        {"fps", required_argument, NULL, 'f'},      {"threads", required_argument, NULL, 't'},
        {"strips", required_argument, NULL, 'S'},   {"spin-us", required_argument, NULL, 'w'},
        {"prewake-us", required_argument, NULL, 'W'}, {"pin", no_argument, NULL, 'p'},
        {"unbatched", no_argument, NULL, 'u'},      {"keep-awake", no_argument, NULL, 'k'},
        {"evict-kb", required_argument, NULL, 'e'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},           {0, 0, 0, 0},
    };
    cc_paced_opts o = {.seconds = 5, .busy = true, .paced = true};
    int rc = paced_tuning(&o);
    if (rc)
        return rc;
    bool json = false;
    unsigned long v;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': o.config = optarg; break;
        case 's': if (!cc_arg_double(optarg, 0.01, &o.seconds)) return cc_arg_bad(PROG, "seconds", optarg); break;
        case 'n': if (!cc_arg_uint(optarg, 1, 100000000, &v)) return cc_arg_bad(PROG, "ticks", optarg); o.ticks = v; break;
        case 'P':
            if (strcmp(optarg, "both") && strcmp(optarg, "busy") && strcmp(optarg, "paced"))
                return cc_arg_bad(PROG, "phase", optarg);
            o.busy = strcmp(optarg, "paced") != 0;
            o.paced = strcmp(optarg, "busy") != 0;
            break;
        case 'f': if (!cc_arg_double(optarg, 0.1, &o.fps)) return cc_arg_bad(PROG, "fps", optarg); break;
        case 't': if (!cc_arg_uint(optarg, 1, 64, &v)) return cc_arg_bad(PROG, "threads", optarg); o.threads = (unsigned)v; break;
        case 'S': if (!cc_arg_uint(optarg, 1, 16, &v)) return cc_arg_bad(PROG, "strips", optarg); o.strips = (unsigned)v; break;
        case 'w': if (!cc_arg_uint(optarg, 0, 10000, &v)) return cc_arg_bad(PROG, "spin-us", optarg); o.tuning.spin_us = (unsigned)v; break;
        case 'W': if (!cc_arg_uint(optarg, 0, 10000, &v)) return cc_arg_bad(PROG, "prewake-us", optarg); o.tuning.prewake_us = (unsigned)v; break;
        case 'p': o.tuning.pin = true; break;
        case 'u': o.tuning.unbatched = true; break;
        case 'k': o.keep_awake = true; break;
        case 'e': if (!cc_arg_uint(optarg, 1, 1 << 20, &v)) return cc_arg_bad(PROG, "evict-kb", optarg); o.evict_kb = (unsigned)v; break;
        case 'j': json = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return CC_EXIT_USAGE;
        }
    }
    if (!o.config) {
        fputs(PROG " paced: give --config FILE\n", stderr);
        return CC_EXIT_USAGE;
    }
    static cc_paced_result r; /* histograms: not on the stack */
    char err[512];
    rc = cc_paced_run(&o, &r, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, PROG ": paced: %s\n",
                rc == -EINVAL || rc == -ENOENT ? err : strerror(-rc));
        return 1;
    }
    print_paced(&o, &r, json);
    return 0;
}

/* ---- frames ---- */

static void print_export(const cc_export *x, const char *dir)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "dir", dir);
    cJSON_AddNumberToObject(root, "fps", x->fps);
    cJSON_AddNumberToObject(root, "quality", x->quality);
    cJSON_AddNumberToObject(root, "count", x->count);
    cJSON *arr = cJSON_AddArrayToObject(root, "cameras");
    for (size_t i = 0; i < x->n_cameras; i++) {
        const cc_export_camera *c = &x->cameras[i];
        char path[4200];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "name", c->name);
        cJSON_AddNumberToObject(o, "width", c->width);
        cJSON_AddNumberToObject(o, "height", c->height);
        cJSON_AddStringToObject(o, "format", c->gray ? "GRAY8" : "RGB");
        cJSON_AddNumberToObject(o, "jpeg_bytes", c->jpeg_bytes);
        snprintf(path, sizeof path, "%s/%s-%%03d.jpg", dir, c->name);
        cJSON_AddStringToObject(o, "jpeg", path);
        snprintf(path, sizeof path, "%s/%s-%%03d.raw", dir, c->name);
        cJSON_AddStringToObject(o, "raw", path);
    }
    char *text = cJSON_Print(root);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(root);
}

static int cmd_frames(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"out", required_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'n'},  {"fps", required_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *config = NULL, *dir = NULL;
    unsigned long count = 30;
    double fps = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'o': dir = optarg; break;
        case 'n': if (!cc_arg_uint(optarg, 1, 1000, &count)) return cc_arg_bad(PROG, "count", optarg); break;
        case 'f': if (!cc_arg_double(optarg, 0.1, &fps)) return cc_arg_bad(PROG, "fps", optarg); break;
        case 'j': break; /* always JSON */
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return CC_EXIT_USAGE;
        }
    }
    if (!config || !dir) {
        fputs(PROG " frames: give --config FILE and --out DIR\n", stderr);
        return CC_EXIT_USAGE;
    }
    static cc_export x;
    char err[512] = "";
    int rc = cc_export_frames(&x, config, dir, (unsigned)count, fps, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, PROG ": frames: %s\n", *err ? err : strerror(-rc));
        return 1;
    }
    print_export(&x, dir);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CC_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    /* getopt sees the command's own arguments. */
    argc--;
    argv++;
    if (strcmp(cmd, "encode") == 0 || strcmp(cmd, "levels") == 0)
        return cmd_encode(argc, argv); /* the same options; levels ignores --threads */
    if (strcmp(cmd, "ring") == 0)
        return cmd_ring(argc, argv);
    if (strcmp(cmd, "reference") == 0)
        return cmd_reference(argc, argv);
    if (strcmp(cmd, "paced") == 0)
        return cmd_paced(argc, argv);
    if (strcmp(cmd, "frames") == 0)
        return cmd_frames(argc, argv);
    fprintf(stderr, "camcast-microbench: unknown command '%s'\n", cmd);
    usage(stderr);
    return CC_EXIT_USAGE;
}
