/* camcast-microbench: the daemon's own modules measured in-process, with
 * nothing else running (docs/performance.md).
 *
 *   camcast-microbench encode [--seconds S | --frames N] [--threads N] [--quality Q]
 *   camcast-microbench ring   [--seconds S | --items N] [--pace-ns NS]
 *   camcast-microbench reference --config FILE [--seconds S]
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
#include "ring_bench.h"

#define PROG "camcast-microbench"

static void usage(FILE *out)
{
    fputs("usage: camcast-microbench COMMAND [options]\n"
          "\n"
          "  encode     JPEG encode throughput on the test-pattern frames\n"
          "             --seconds S (2 per case) | --frames N, --threads N (cores),\n"
          "             --quality Q (80)\n"
          "  ring       camera ring throughput and hand-off latency\n"
          "             --seconds S (2 per run) | --items N, --pace-ns NS (10000)\n"
          "  reference  encode cost per camera of a config, one thread, for\n"
          "             camcast-bench e2e --reference: --config FILE, --seconds S (1.5)\n"
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
        {1920, 1200, CC_PIX_MONO8, 0, (int)o->quality, 1},
        {1920, 1200, CC_PIX_RGB8, 0, (int)o->quality, 1},
        {640, 480, CC_PIX_RGB8, 0, (int)o->quality, 1},
        /* The sample's preview variant (640 wide): box filter + encode. */
        {1920, 1200, CC_PIX_MONO8, 0, (int)o->quality, 3},
        {1920, 1200, CC_PIX_RGB8, 0, (int)o->quality, 3},
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
    if (strcmp(cmd, "encode") == 0)
        return cmd_encode(argc, argv);
    if (strcmp(cmd, "ring") == 0)
        return cmd_ring(argc, argv);
    if (strcmp(cmd, "reference") == 0)
        return cmd_reference(argc, argv);
    fprintf(stderr, "camcast-microbench: unknown command '%s'\n", cmd);
    usage(stderr);
    return CC_EXIT_USAGE;
}
