/* camcast-bench: the FPS/latency harness (docs/performance.md).
 *
 *   camcast-bench e2e    (--daemon PATH --config FILE | --url URL [--pid PID])
 *                        [--clients N] [--stalled N] [--seconds S]
 *                        [--reference FILE] [--token-file PATH] ...
 *
 * A client of the stream: it links the client library (lib/) alone. The
 * daemon's modules measured in-process (encode, ring, and the encode
 * reference that --reference reads) are camcast-microbench's
 * (tests/microbench/). Human tables on stdout by default, --json for
 * machines; progress and errors on stderr.
 */
#include <cjson/cJSON.h>
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
          "           --clients N (1), --stalled N (0): clients that never read\n"
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
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    cc_e2e_options o = {.label = "e2e", .clients = 1, .seconds = 10, .warmup = 1,
};
    const char *token_file = NULL;
    unsigned long v;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': o.daemon_path = optarg; break;
        case 'c': o.config_path = optarg; break;
        case 'u': o.url = optarg; break;
        case 'p': if (!cc_arg_uint(optarg, 1, 4194304, &v)) return cc_arg_bad(PROG, "pid", optarg); o.pid = (int)v; break;
        case 'n': if (!cc_arg_uint(optarg, 0, 10000, &v)) return cc_arg_bad(PROG, "clients", optarg); o.clients = (unsigned)v; break;
        case 'S': if (!cc_arg_uint(optarg, 0, 10000, &v)) return cc_arg_bad(PROG, "stalled", optarg); o.stalled = (unsigned)v; break;
        case 's': if (!cc_arg_double(optarg, 0.1, &o.seconds)) return cc_arg_bad(PROG, "seconds", optarg); break;
        case 'w': if (!cc_arg_double(optarg, 0, &o.warmup)) return cc_arg_bad(PROG, "warmup", optarg); break;
        case 'l': o.label = optarg; break;
        case 'r': o.reference_path = optarg; break;
        case 't': token_file = optarg; break;
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
    if (o.clients == 0) {
        fputs("camcast-bench e2e: --clients must be at least 1\n", stderr);
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
