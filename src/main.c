/* camcastd: command line, configuration, then the daemon. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "version.h"

#define EXIT_USAGE 2 /* bad command line or configuration */

typedef struct options {
    const char *config;
    const char *listen;
    bool check_only;
} options;

static void usage(FILE *out)
{
    fputs("usage: camcastd --config FILE [options]\n"
          "\n"
          "Streams cameras as JPEG FrameBundles over WebSocket.\n"
          "\n"
          "  -c, --config FILE       configuration file (cams.ini)\n"
          "      --check-config      validate the configuration, print the resolved\n"
          "                          settings and exit (FILE may follow it)\n"
          "  -l, --listen ADDR[:PORT]  listen address, overrides [server] listen/port\n"
          "      --log-level LEVEL   error, warn, info (default) or debug\n"
          "  -h, --help              show this help and exit\n"
          "  -V, --version           show the version and exit\n"
          "\n"
          "Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 1 if the daemon\n"
          "could not start, 2 for a bad command line or configuration.\n",
          out);
}

enum { OPT_CHECK = 256, OPT_LOG_LEVEL };

/* Returns -1 to continue, or an exit status. */
static int parse_args(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", no_argument, NULL, OPT_CHECK},
        {"listen", required_argument, NULL, 'l'},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0, 0, 0, 0},
    };
    int opt;
    cc_log_level level;
    opterr = 0; /* one line of our own instead of getopt's message + usage */
    while ((opt = getopt_long(argc, argv, ":c:l:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': o->config = optarg; break;
        case 'l': o->listen = optarg; break;
        case OPT_CHECK: o->check_only = true; break;
        case OPT_LOG_LEVEL:
            if (cc_log_level_parse(optarg, &level) < 0) {
                fprintf(stderr, "camcastd: --log-level: unknown level '%s' "
                                "(error, warn, info, debug)\n", optarg);
                return EXIT_USAGE;
            }
            cc_log_set_level(level);
            break;
        case 'h': usage(stdout); return EXIT_SUCCESS;
        case 'V': puts("camcastd " CC_VERSION); return EXIT_SUCCESS;
        default:
            /* The leading ':' in the short options makes getopt return ':'
             * for a missing value, '?' for an unknown option. */
            fprintf(stderr, "camcastd: %s '%s' (see --help)\n",
                    opt == ':' ? "option needs a value:" : "unknown option",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    /* A lone FILE argument is the config, as in "--check-config FILE". */
    if (optind < argc && !o->config && optind + 1 == argc)
        o->config = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "camcastd: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (!o->config) {
        fprintf(stderr, "camcastd: no configuration: use --config FILE (see --help)\n");
        return EXIT_USAGE;
    }
    return -1;
}

int main(int argc, char **argv)
{
    options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;

    cc_config cfg;
    char err[512];
    if (cc_config_load(&cfg, o.config, err, sizeof err) < 0 ||
        (o.listen && cc_config_set_listen(&cfg, o.listen, err, sizeof err) < 0)) {
        fprintf(stderr, "camcastd: %s\n", err);
        cc_config_destroy(&cfg);
        return EXIT_USAGE;
    }
    if (o.check_only) {
        cc_config_write(&cfg, stdout);
        cc_config_destroy(&cfg);
        return EXIT_SUCCESS;
    }
    rc = cc_daemon_run(&cfg);
    cc_config_destroy(&cfg);
    return rc;
}
