/* camcastd: command line, configuration, then the daemon. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/aravis.h"
#include "config/config.h"
#include "daemon.h"
#include "log.h"
#include "version.h"

#define EXIT_USAGE 2 /* bad command line or configuration */

typedef struct options {
    const char *config;
    const char *listen;
    bool check_only;
    bool list_cameras;
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
          "      --list-cameras      list the cameras Aravis sees and exit (with\n"
          "                          --config, its aravis_fake setting applies)\n"
          "      --log-level LEVEL   error, warn, info (default) or debug\n"
          "  -h, --help              show this help and exit\n"
          "  -V, --version           show the version and exit\n"
          "\n"
          "Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 1 if the daemon\n"
          "could not start, 2 for a bad command line or configuration.\n",
          out);
}

enum { OPT_CHECK = 256, OPT_LOG_LEVEL, OPT_LIST_CAMERAS };

/* Returns -1 to continue, or an exit status. */
static int parse_args(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", no_argument, NULL, OPT_CHECK},
        {"listen", required_argument, NULL, 'l'},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"list-cameras", no_argument, NULL, OPT_LIST_CAMERAS},
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
        case OPT_LIST_CAMERAS: o->list_cameras = true; break;
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
    if (!o->config && !o->list_cameras) {
        fprintf(stderr, "camcastd: no configuration: use --config FILE (see --help)\n");
        return EXIT_USAGE;
    }
    return -1;
}

/* Max over rows of a column's width, header included. */
#define COLUMN_WIDTH(devs, n, field, header)                                 \
    column_width(header, (devs), (n), offsetof(cc_aravis_device, field))

static int column_width(const char *header, const cc_aravis_device *devs,
                        size_t n, size_t offset)
{
    size_t w = strlen(header);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen((const char *)&devs[i] + offset);
        w = len > w ? len : w;
    }
    return (int)w;
}

#define MAX_LISTED 64

static int list_cameras(void)
{
    static cc_aravis_device devs[MAX_LISTED];
    size_t seen = cc_aravis_list(devs, MAX_LISTED);
    size_t n = seen < MAX_LISTED ? seen : MAX_LISTED;
    if (n == 0) {
        puts("Aravis sees no cameras");
        return EXIT_SUCCESS;
    }
    int wi = COLUMN_WIDTH(devs, n, id, "ID");
    int wv = COLUMN_WIDTH(devs, n, vendor, "VENDOR");
    int wm = COLUMN_WIDTH(devs, n, model, "MODEL");
    int ws = COLUMN_WIDTH(devs, n, serial, "SERIAL");
    int wa = COLUMN_WIDTH(devs, n, address, "ADDRESS");
    printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wi, "ID", wv, "VENDOR", wm,
           "MODEL", ws, "SERIAL", wa, "ADDRESS", "PROTOCOL");
    for (size_t i = 0; i < n; i++)
        printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wi, devs[i].id, wv,
               devs[i].vendor, wm, devs[i].model, ws, devs[i].serial, wa,
               devs[i].address, devs[i].protocol);
    if (seen > n)
        printf("(%zu more not shown)\n", seen - n);
    return EXIT_SUCCESS;
}

static int run(const options *o)
{
    if (o->list_cameras && !o->config)
        return list_cameras();
    cc_config cfg;
    char err[1024];
    if (cc_config_load(&cfg, o->config, err, sizeof err) < 0 ||
        (o->listen && cc_config_set_listen(&cfg, o->listen, err, sizeof err) < 0)) {
        fprintf(stderr, "camcastd: %s\n", err);
        cc_config_destroy(&cfg);
        return EXIT_USAGE;
    }
    int rc = EXIT_SUCCESS;
    if (cfg.server.aravis_fake)
        cc_aravis_enable_fake();
    if (o->check_only)
        cc_config_write(&cfg, stdout);
    else if (o->list_cameras)
        rc = list_cameras();
    else
        rc = cc_daemon_run(&cfg, o->listen);
    cc_config_destroy(&cfg);
    return rc;
}

int main(int argc, char **argv)
{
    options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    /* A client gone while a reply or a bundle is written must cost its
     * connection (EPIPE), not the daemon: libuv leaves SIGPIPE to us. */
    signal(SIGPIPE, SIG_IGN);
    rc = run(&o);
    /* After every camera is released: frees Aravis' global state. */
    cc_aravis_shutdown();
    return rc;
}
