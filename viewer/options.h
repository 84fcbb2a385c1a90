/* camcast-viewer's command line. */
#ifndef CC_VIEWER_OPTIONS_H
#define CC_VIEWER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CC_VIEWER_DEFAULT_URL "ws://127.0.0.1:8765/stream"
/* Servers one viewer shows in one grid (net.h: CC_NET_MAX_CONNS). */
#define CC_VIEWER_MAX_URLS 8
/* Bundles a server may send ahead of the decoder (protocol 1.2): with 2,
 * the next travels while one decodes, so a machine that keeps up gets
 * every bundle; one that does not gets fresh ones. */
#define CC_VIEWER_DEFAULT_WINDOW 2

typedef struct cc_viewer_options {
    const char *url;         /* the first of urls */
    const char *urls[CC_VIEWER_MAX_URLS];
    size_t n_urls;           /* 1 or more */
    const char *token_file;  /* the access token's file, or NULL */
    uint64_t headless;       /* > 0: no visible window, quit after N bundles */
    const char *screenshot;  /* BMP file written after `after` bundles */
    uint64_t after;
    bool same_clock;         /* force latency (capture to display) */
    const char *save_dir;    /* where S writes JPEG files */
    int width, height;       /* initial window size */
    bool fullscreen;
    double timeout_s;        /* > 0: give up (status 1) after this long */
    unsigned window;         /* flow control (protocol 1.2): 0 off, 1..8 */
    bool verbose;
} cc_viewer_options;

enum { CC_OPTIONS_RUN = 0, CC_OPTIONS_HELP = 1, CC_OPTIONS_VERSION = 2 };

/* Parses argv (argv[0] is the program). Returns CC_OPTIONS_RUN, _HELP or
 * _VERSION, or -EINVAL with the reason in err. */
int cc_viewer_options_parse(cc_viewer_options *o, int argc, char **argv,
                            char *err, size_t errlen);

/* True when host (as in a URL, without brackets) is this machine: the
 * viewer and the server then share one clock, so latency is measurable. */
bool cc_host_is_local(const char *host);

/* The server part of a ws:// URL as written, "HOST:PORT" or "HOST" (what
 * tiles and log lines are labelled with when there are several). */
void cc_url_label(char *buf, size_t cap, const char *url);

/* The usage text. */
const char *cc_viewer_usage(void);

#endif
