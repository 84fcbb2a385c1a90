/* camcast-bench: the FPS/latency harness (docs/performance.md).
 *
 *   camcast-bench e2e    (--daemon PATH --config FILE | --url URL [--pid PID])
 *                        [--clients N] [--group COUNT[:KEY=VALUE]...]...
 *                        [--stalled N] [--seconds S]
 *                        [--reference FILE] [--token-file PATH] ...
 *
 * A client of the stream: it links the client library (lib/) alone. The
 * daemon's modules measured in-process (encode, ring, and the encode
 * reference that --reference reads) are camcast-microbench's
 * (tests/microbench/). Human tables on stdout by default, --json for
 * machines; progress and errors on stderr.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "camcast/token.h"
#include "e2e.h"

#define PROG "camcast-bench"

static void usage(FILE *out)
{
    fputs("usage: camcast-bench COMMAND [options]\n"
          "\n"
          "  e2e      WebSocket clients against camcastd\n"
          "           --daemon PATH --config FILE   start camcastd on 127.0.0.1:0\n"
          "           --url ws://HOST:PORT/stream   or attach (--pid PID for /proc)\n"
          "           --clients N: clients that read everything they are sent (1;\n"
          "             0 when --group is given)\n"
          "           --group COUNT[:variant=NAME][:max_fps=F][:read_rate=R]\n"
          "                   [:window=N][:hold=MS|:cpu=MS][:ack=parsed|done]\n"
          "             (repeatable, up to 8): COUNT clients that subscribe after\n"
          "             the hello to variant NAME and/or at most F bundles/s;\n"
          "             read_rate=R: each reads at most R times its own stream's\n"
          "             bytes/s (0.5: half; its first bundles' mean size at its\n"
          "             rate), with a 32 KiB receive buffer, pausing between\n"
          "             bundles to hold the rate. window=N (1..8): flow control,\n"
          "             each bundle acknowledged once parsed (ack=done: once held\n"
          "             or worked on). A slow consumer: hold=MS reads nothing for\n"
          "             MS ms after each bundle (a timer: the other clients read\n"
          "             on); cpu=MS spends MS ms of CPU time on each bundle in\n"
          "             libuv's thread pool before reading the next. Each group\n"
          "             is reported apart; the top-level figures are the\n"
          "             --clients ones, or the first group's with --clients 0\n"
          "           --stalled N (0): clients that never read\n"
          "           --seconds S (10), --warmup S (1), --label NAME (e2e)\n"
          "           --reference FILE: encode reference per camera, as written\n"
          "             by camcast-microbench reference --json (efficiency figures)\n"
          "           --token-file PATH: the access token every client presents\n"
          "             (the file's first line; not readable by all)\n"
          "           --verbose: echo the daemon's log\n"
          "\n"
          "  --json   machine-readable output\n",
          out);
}

/* ---- e2e ---- */

/* As the daemon's variant names (src/config.c): safe in JSON as they are. */
static bool variant_name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= CC_BENCH_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
            return false;
    return true;
}

/* One KEY=VALUE of --group; false for anything else. */
static bool group_key(cc_e2e_group_opt *g, const char *kv, size_t n)
{
    char buf[128];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, kv, n);
    buf[n] = '\0';
    char *value = strchr(buf, '=');
    if (!value)
        return false;
    *value++ = '\0';
    if (strcmp(buf, "variant") == 0 && variant_name_ok(value, strlen(value))) {
        snprintf(g->variant, sizeof g->variant, "%s", value);
        return true;
    }
    if (strcmp(buf, "max_fps") == 0)
        return cc_arg_double(value, 0, &g->max_fps);
    if (strcmp(buf, "read_rate") == 0)
        return cc_arg_double(value, 0, &g->read_rate) && g->read_rate > 0;
    unsigned long w;
    if (strcmp(buf, "window") == 0 && cc_arg_uint(value, 1, 8, &w)) {
        g->window = (unsigned)w;
        return true;
    }
    if (strcmp(buf, "hold") == 0)
        return cc_arg_double(value, 0, &g->hold_ms) && g->hold_ms >= 1;
    if (strcmp(buf, "cpu") == 0)
        return cc_arg_double(value, 0, &g->cpu_ms) && g->cpu_ms > 0;
    if (strcmp(buf, "ack") == 0 && (!strcmp(value, "parsed") || !strcmp(value, "done"))) {
        g->ack_when_done = strcmp(value, "done") == 0;
        return true;
    }
    return false;
}

/* COUNT[:KEY=VALUE]... (usage) */
static bool parse_group(const char *spec, cc_e2e_group_opt *g)
{
    memset(g, 0, sizeof *g);
    g->spec = spec;
    const char *colon = strchr(spec, ':');
    size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
    char count[16];
    unsigned long v;
    if (n == 0 || n >= sizeof count)
        return false;
    memcpy(count, spec, n);
    count[n] = '\0';
    if (!cc_arg_uint(count, 1, 10000, &v))
        return false;
    g->count = (unsigned)v;
    while (colon) {
        const char *kv = colon + 1;
        colon = strchr(kv, ':');
        if (!group_key(g, kv, colon ? (size_t)(colon - kv) : strlen(kv)))
            return false;
    }
    /* One way of reading: a read rate, a hold or CPU work; ack=done only
     * with a window and a consumer whose end it waits for. */
    int ways = (g->read_rate > 0) + (g->hold_ms > 0) + (g->cpu_ms > 0);
    return ways <= 1 && (!g->ack_when_done || (g->window && (g->hold_ms || g->cpu_ms)));
}

/* Reads the token file (if any), then runs; the token is never printed. */
static int run_e2e(cc_e2e_options *o, const char *token_file)
{
    static char token[CC_TOKEN_MAX + 1];
    if (token_file) {
        char err[512];
        if (cc_token_read_file(token_file, token, err, sizeof err) < 0) {
            fprintf(stderr, "camcast-bench e2e: --token-file %s\n", err);
            return 1;
        }
        o->token = token;
    }
    int rc = cc_e2e_run(o);
    memset(token, 0, sizeof token); /* static: the store is not dead */
    return rc;
}

static int cmd_e2e(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"daemon", required_argument, NULL, 'd'},  {"config", required_argument, NULL, 'c'},
        {"url", required_argument, NULL, 'u'},     {"pid", required_argument, NULL, 'p'},
        {"clients", required_argument, NULL, 'n'}, {"stalled", required_argument, NULL, 'S'},
        {"seconds", required_argument, NULL, 's'}, {"warmup", required_argument, NULL, 'w'},
        {"label", required_argument, NULL, 'l'},   {"reference", required_argument, NULL, 'r'},
        {"token-file", required_argument, NULL, 't'},
        {"group", required_argument, NULL, 'g'},
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    cc_e2e_options o = {.label = "e2e", .clients = 1, .seconds = 10, .warmup = 1,
};
    const char *token_file = NULL;
    bool clients_given = false;
    unsigned long v;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': o.daemon_path = optarg; break;
        case 'c': o.config_path = optarg; break;
        case 'u': o.url = optarg; break;
        case 'p': if (!cc_arg_uint(optarg, 1, 4194304, &v)) return cc_arg_bad(PROG, "pid", optarg); o.pid = (int)v; break;
        case 'n':
            if (!cc_arg_uint(optarg, 0, 10000, &v))
                return cc_arg_bad(PROG, "clients", optarg);
            o.clients = (unsigned)v;
            clients_given = true;
            break;
        case 'S': if (!cc_arg_uint(optarg, 0, 10000, &v)) return cc_arg_bad(PROG, "stalled", optarg); o.stalled = (unsigned)v; break;
        case 's': if (!cc_arg_double(optarg, 0.1, &o.seconds)) return cc_arg_bad(PROG, "seconds", optarg); break;
        case 'w': if (!cc_arg_double(optarg, 0, &o.warmup)) return cc_arg_bad(PROG, "warmup", optarg); break;
        case 'l': o.label = optarg; break;
        case 'r': o.reference_path = optarg; break;
        case 't': token_file = optarg; break;
        case 'g':
            if (o.n_groups == CC_E2E_MAX_GROUPS) {
                fprintf(stderr, "camcast-bench e2e: at most %d --group\n", CC_E2E_MAX_GROUPS);
                return CC_EXIT_USAGE;
            }
            if (!parse_group(optarg, &o.groups[o.n_groups++]))
                return cc_arg_bad(PROG, "group", optarg);
            break;
        case 'j': o.json = true; break;
        case 'v': o.verbose = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return CC_EXIT_USAGE;
        }
    }
    bool spawn = o.daemon_path && o.config_path && !o.url;
    bool attach = o.url && !o.daemon_path;
    if (!spawn && !attach) {
        fputs("camcast-bench e2e: give --daemon PATH --config FILE, or --url URL\n", stderr);
        return CC_EXIT_USAGE;
    }
    if (o.n_groups && !clients_given)
        o.clients = 0;
    if (o.clients == 0 && o.n_groups == 0) {
        fputs("camcast-bench e2e: --clients must be at least 1 without --group\n", stderr);
        return CC_EXIT_USAGE;
    }
    return run_e2e(&o, token_file);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
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
    if (strcmp(cmd, "e2e") == 0)
        return cmd_e2e(argc, argv);
    fprintf(stderr, "camcast-bench: unknown command '%s'\n", cmd);
    usage(stderr);
    return CC_EXIT_USAGE;
}
