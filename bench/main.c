/* camcast-bench: the FPS/latency harness (docs/performance.md).
 *
 *   camcast-bench encode [--seconds S | --frames N] [--threads N] [--quality Q]
 *   camcast-bench ring   [--seconds S | --items N] [--pace-ns NS]
 *   camcast-bench e2e    (--daemon PATH --config FILE | --url URL [--pid PID])
 *                        [--clients N] [--stalled N] [--seconds S] ...
 *
 * Human tables on stdout by default, --json for machines; progress and
 * errors on stderr.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "encode_bench.h"
#include "ring_bench.h"

#define EXIT_USAGE 2

static void usage(FILE *out)
{
    fputs("usage: camcast-bench COMMAND [options]\n"
          "\n"
          "  encode   JPEG encode throughput on the test-pattern frames\n"
          "           --seconds S (2 per case) | --frames N, --threads N (cores),\n"
          "           --quality Q (80)\n"
          "  ring     camera ring throughput and hand-off latency\n"
          "           --seconds S (2 per run) | --items N, --pace-ns NS (10000)\n"
          "  e2e      WebSocket clients against camcastd\n"
          "           --daemon PATH --config FILE   start camcastd on 127.0.0.1:0\n"
          "           --url ws://HOST:PORT/stream   or attach (--pid PID for /proc)\n"
          "           --clients N (1), --stalled N (0): clients that never read\n"
          "           --seconds S (10), --warmup S (1), --label NAME (e2e)\n"
          "           --ref-seconds S (1.5): encode reference per camera format\n"
          "           --quality Q (80): reference quality when attached\n"
          "           --verbose: echo the daemon's log\n"
          "\n"
          "  --json   machine-readable output (all commands)\n",
          out);
}

static bool parse_double(const char *s, double lo, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo) || v > 1e9)
        return false;
    *out = v;
    return true;
}

static bool parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end || s[0] == '-' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int bad_value(const char *opt, const char *value)
{
    fprintf(stderr, "camcast-bench: invalid value for --%s: '%s'\n", opt, value);
    return EXIT_USAGE;
}

static unsigned cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
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
        printf("  %-18s %7u %10.1f %9.2f %12.2f %9.1f %8.1f\n", name, r->threads, r->fps,
               ms, r->cpu_ms_per_frame, r->mpix_per_s, r->jpeg_bytes / 1e3);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, o);
    cJSON_AddStringToObject(o, "format", name);
    cJSON_AddNumberToObject(o, "width", spec->width);
    cJSON_AddNumberToObject(o, "height", spec->height);
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
        {1920, 1200, CC_PIX_MONO8, 0, (int)o->quality},
        {1920, 1200, CC_PIX_RGB8, 0, (int)o->quality},
        {640, 480, CC_PIX_RGB8, 0, (int)o->quality},
    };
    unsigned counts[2] = {1, (unsigned)o->threads};
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "results");
    if (!o->json)
        printf("encode: camcastd's encoder pool (TurboJPEG), quality %lu, test-pattern "
               "frames (scroll, bars, checker)\n"
               "  %-18s %7s %10s %9s %12s %9s %8s\n",
               o->quality, "format", "threads", "frames/s", "ms/frame", "CPU ms/frame",
               "MPixel/s", "JPEG kB");
    int status = 0;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0] && !status; i++) {
        for (unsigned t = 0; t < (counts[1] > 1 ? 2u : 1u) && !status; t++) {
            cc_enc_result r;
            int rc = cc_enc_run(&specs[i], counts[t], o->seconds, o->frames, &r);
            if (rc < 0) {
                fprintf(stderr, "camcast-bench: encode: %s\n", strerror(-rc));
                status = 1;
                break;
            }
            print_encode_row(&specs[i], &r, o->json, arr);
            fflush(stdout);
        }
    }
    if (o->json && !status) {
        cJSON_AddNumberToObject(root, "quality", (double)o->quality);
        cJSON_AddNumberToObject(root, "cores", cores());
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
    encode_opts o = {.seconds = 2, .threads = cores(), .quality = 80};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's': if (!parse_double(optarg, 0.01, &o.seconds)) return bad_value("seconds", optarg); break;
        case 'f': if (!parse_uint(optarg, 1, 1000000000, &o.frames)) return bad_value("frames", optarg); break;
        case 't': if (!parse_uint(optarg, 1, 64, &o.threads)) return bad_value("threads", optarg); break;
        case 'q': if (!parse_uint(optarg, 1, 100, &o.quality)) return bad_value("quality", optarg); break;
        case 'j': o.json = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    return run_encode(&o);
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
        case 's': if (!parse_double(optarg, 0.01, &seconds)) return bad_value("seconds", optarg); break;
        case 'i': if (!parse_uint(optarg, 1, 1000000000000, &items)) return bad_value("items", optarg); break;
        case 'p': if (!parse_uint(optarg, 1, 1000000000, &pace)) return bad_value("pace-ns", optarg); break;
        case 'j': json = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    static cc_ring_result flood, paced; /* histograms: not on the stack */
    int rc = cc_ring_bench_run(seconds, items, 0, &flood);
    if (rc == 0)
        rc = cc_ring_bench_run(seconds, items, pace, &paced);
    if (rc < 0) {
        fprintf(stderr, "camcast-bench: ring: %s\n", strerror(-rc));
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

/* ---- e2e ---- */

static int cmd_e2e(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"daemon", required_argument, NULL, 'd'},  {"config", required_argument, NULL, 'c'},
        {"url", required_argument, NULL, 'u'},     {"pid", required_argument, NULL, 'p'},
        {"clients", required_argument, NULL, 'n'}, {"stalled", required_argument, NULL, 'S'},
        {"seconds", required_argument, NULL, 's'}, {"warmup", required_argument, NULL, 'w'},
        {"label", required_argument, NULL, 'l'},   {"ref-seconds", required_argument, NULL, 'r'},
        {"quality", required_argument, NULL, 'q'}, {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    cc_e2e_options o = {.label = "e2e", .clients = 1, .seconds = 10, .warmup = 1,
                        .ref_seconds = 1.5, .quality = 80};
    unsigned long v;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': o.daemon_path = optarg; break;
        case 'c': o.config_path = optarg; break;
        case 'u': o.url = optarg; break;
        case 'p': if (!parse_uint(optarg, 1, 4194304, &v)) return bad_value("pid", optarg); o.pid = (int)v; break;
        case 'n': if (!parse_uint(optarg, 0, 10000, &v)) return bad_value("clients", optarg); o.clients = (unsigned)v; break;
        case 'S': if (!parse_uint(optarg, 0, 10000, &v)) return bad_value("stalled", optarg); o.stalled = (unsigned)v; break;
        case 's': if (!parse_double(optarg, 0.1, &o.seconds)) return bad_value("seconds", optarg); break;
        case 'w': if (!parse_double(optarg, 0, &o.warmup)) return bad_value("warmup", optarg); break;
        case 'l': o.label = optarg; break;
        case 'r': if (!parse_double(optarg, 0.05, &o.ref_seconds)) return bad_value("ref-seconds", optarg); break;
        case 'q': if (!parse_uint(optarg, 1, 100, &v)) return bad_value("quality", optarg); o.quality = (int)v; break;
        case 'j': o.json = true; break;
        case 'v': o.verbose = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    bool spawn = o.daemon_path && o.config_path && !o.url;
    bool attach = o.url && !o.daemon_path;
    if (!spawn && !attach) {
        fputs("camcast-bench e2e: give --daemon PATH --config FILE, or --url URL\n", stderr);
        return EXIT_USAGE;
    }
    if (o.clients == 0) {
        fputs("camcast-bench e2e: --clients must be at least 1\n", stderr);
        return EXIT_USAGE;
    }
    return cc_e2e_run(&o);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    /* getopt sees the command's own arguments. */
    argc--;
    argv++;
    if (strcmp(cmd, "encode") == 0)
        return cmd_encode(argc, argv);
    if (strcmp(cmd, "ring") == 0)
        return cmd_ring(argc, argv);
    if (strcmp(cmd, "e2e") == 0)
        return cmd_e2e(argc, argv);
    fprintf(stderr, "camcast-bench: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
