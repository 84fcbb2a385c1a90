/* camcast-viewer: command line, then the viewer. */
#include <SDL.h> /* before main: SDL's main wrapper on Windows */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <camcast/ws_client.h>

#include "log.h"
#include "options.h"
#include "viewer.h"

#define EXIT_USAGE 2

static int check_url(const char *url)
{
    char host[256], path[1024];
    uint16_t port;
    return cc_ws_url_parse(url, host, sizeof host, &port, path, sizeof path);
}

int main(int argc, char *argv[])
{
    cc_viewer_options o;
    char err[256];
    int rc = cc_viewer_options_parse(&o, argc, argv, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "camcast-viewer: %s\n\n%s", err, cc_viewer_usage());
        return EXIT_USAGE;
    }
    if (rc == CC_OPTIONS_HELP) {
        fputs(cc_viewer_usage(), stdout);
        return EXIT_SUCCESS;
    }
    if (rc == CC_OPTIONS_VERSION) {
        puts("camcast-viewer " CC_VIEWER_VERSION);
        return EXIT_SUCCESS;
    }
    for (size_t i = 0; i < o.n_urls; i++) {
        if (check_url(o.urls[i]) < 0) {
            fprintf(stderr, "camcast-viewer: %s: not a ws://HOST[:PORT][/PATH] URL\n",
                    o.urls[i]);
            return EXIT_USAGE;
        }
    }
    cc_vlog_init(o.verbose);
#ifdef SIGPIPE /* not on Windows */
    /* A server gone while a control message is written costs the
     * connection (EPIPE, then a reconnect), not the viewer. */
    signal(SIGPIPE, SIG_IGN);
#endif
    return cc_viewer_run(&o);
}
