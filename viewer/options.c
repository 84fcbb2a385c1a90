#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cc_viewer_usage(void)
{
    return "usage: camcast-viewer [options] [ws://HOST[:PORT]/stream ...]\n"
           "\n"
           "Shows every camera of a camcastd stream live, in a grid; with several\n"
           "URLs (up to 8), the cameras of every server in one grid.\n"
           "Default URL: " CC_VIEWER_DEFAULT_URL "\n"
           "\n"
           "  --token-file PATH     present the access token in PATH (its first\n"
           "                        line; the file must not be readable by all)\n"
           "                        to every server\n"
           "  --same-clock          show capture-to-display latency even for a\n"
           "                        remote server (clocks synchronised, e.g. PTP);\n"
           "                        automatic for 127.0.0.1, ::1 and localhost\n"
           "  --save-dir DIR        where S saves frames (default: current dir)\n"
           "  --size WxH            initial window size (default 1280x720)\n"
           "  --fullscreen          start in full screen\n"
           "  --headless N          no visible window (SDL offscreen driver unless\n"
           "                        SDL_VIDEODRIVER says otherwise): display N\n"
           "                        bundles, print the counts and exit\n"
           "  --screenshot FILE.bmp save the window after --after bundles and exit\n"
           "  --after N             bundles before the screenshot (default 30)\n"
           "  --timeout SEC         exit with status 1 if not done by then\n"
           "  --window N            bundles a server may send ahead of the decoder\n"
           "                        (flow control, where the server offers it):\n"
           "                        1..8, 0 off (default 2)\n"
           "  -v, --verbose         debug log lines\n"
           "  -h, --help            show this help and exit\n"
           "  -V, --version         show the version and exit\n"
           "\n"
           "Keys: F full screen, 1-9 one camera, 0 grid, S save frames as JPEG,\n"
           "Space pause, Q or Esc quit.\n"
           "\n"
           "Exit status: 0 when closed or done, 1 on an error or timeout, 2 for a\n"
           "bad command line.\n";
}

static int bad(char *err, size_t errlen, const char *opt, const char *why)
{
    snprintf(err, errlen, "%s: %s", opt, why);
    return -EINVAL;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return false;
    *out = v;
    return true;
}

static bool parse_size(const char *s, int *w, int *h)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || (*end != 'x' && *end != 'X'))
        return false;
    const char *rest = end + 1;
    long b = strtol(rest, &end, 10);
    if (end == rest || *end || a < 64 || b < 64 || a > 16384 || b > 16384)
        return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

static bool parse_seconds(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > 0) || v > 1e6)
        return false;
    *out = v;
    return true;
}

/* Options with a value; returns 1 if opt was one of them, or -EINVAL. */
static int value_option(cc_viewer_options *o, const char *opt, const char *val,
                        char *err, size_t errlen)
{
    if (!strcmp(opt, "--headless")) {
        if (!parse_u64(val, &o->headless) || o->headless == 0)
            return bad(err, errlen, opt, "expects a number of bundles > 0");
    } else if (!strcmp(opt, "--screenshot")) {
        o->screenshot = val;
    } else if (!strcmp(opt, "--after")) {
        if (!parse_u64(val, &o->after) || o->after == 0)
            return bad(err, errlen, opt, "expects a number of bundles > 0");
    } else if (!strcmp(opt, "--save-dir")) {
        o->save_dir = val;
    } else if (!strcmp(opt, "--token-file")) {
        o->token_file = val;
    } else if (!strcmp(opt, "--size")) {
        if (!parse_size(val, &o->width, &o->height))
            return bad(err, errlen, opt, "expects WxH, 64..16384 each");
    } else if (!strcmp(opt, "--timeout")) {
        if (!parse_seconds(val, &o->timeout_s))
            return bad(err, errlen, opt, "expects seconds > 0");
    } else if (!strcmp(opt, "--window")) {
        uint64_t n;
        if (!parse_u64(val, &n) || n > 8)
            return bad(err, errlen, opt, "expects 0..8 (0: no flow control)");
        o->window = (unsigned)n;
    } else {
        return 0;
    }
    return 1;
}

static int flag_option(cc_viewer_options *o, const char *opt)
{
    if (!strcmp(opt, "--same-clock"))
        o->same_clock = true;
    else if (!strcmp(opt, "--fullscreen"))
        o->fullscreen = true;
    else if (!strcmp(opt, "-v") || !strcmp(opt, "--verbose"))
        o->verbose = true;
    else if (!strcmp(opt, "-h") || !strcmp(opt, "--help"))
        return CC_OPTIONS_HELP;
    else if (!strcmp(opt, "-V") || !strcmp(opt, "--version"))
        return CC_OPTIONS_VERSION;
    else
        return -1;
    return CC_OPTIONS_RUN;
}

static bool takes_value(const char *opt)
{
    static const char *const with_value[] = {"--headless", "--screenshot", "--after",
                                             "--save-dir", "--size", "--timeout",
                                             "--token-file", "--window"};
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (!strcmp(opt, with_value[i]))
            return true;
    return false;
}

/* One argument (and its value, *i advanced past it). */
static int parse_arg(cc_viewer_options *o, int argc, char **argv, int *i,
                     bool *have_url, char *err, size_t errlen)
{
    const char *arg = argv[*i];
    if (arg[0] != '-') {
        if (!*have_url)
            o->n_urls = 0; /* the first URL given replaces the default */
        if (o->n_urls == CC_VIEWER_MAX_URLS)
            return bad(err, errlen, arg, "at most 8 URLs, please");
        for (size_t k = 0; k < o->n_urls; k++)
            if (!strcmp(o->urls[k], arg))
                return bad(err, errlen, arg, "the same URL twice");
        o->urls[o->n_urls++] = arg;
        o->url = o->urls[0];
        *have_url = true;
        return CC_OPTIONS_RUN;
    }
    /* "--opt=value" and "--opt value" both work. */
    char name[32];
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    if (len >= sizeof name)
        return bad(err, errlen, arg, "unknown option");
    memcpy(name, arg, len);
    name[len] = '\0';
    if (takes_value(name)) {
        const char *val = eq ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
        if (!val)
            return bad(err, errlen, name, "needs a value");
        int rc = value_option(o, name, val, err, errlen);
        return rc < 0 ? rc : CC_OPTIONS_RUN;
    }
    int rc = eq ? -1 : flag_option(o, name);
    return rc < 0 ? bad(err, errlen, arg, "unknown option") : rc;
}

int cc_viewer_options_parse(cc_viewer_options *o, int argc, char **argv,
                            char *err, size_t errlen)
{
    *o = (cc_viewer_options){
        .url = CC_VIEWER_DEFAULT_URL,
        .urls = {CC_VIEWER_DEFAULT_URL},
        .n_urls = 1,
        .save_dir = ".",
        .width = 1280,
        .height = 720,
        .after = 30,
        .window = CC_VIEWER_DEFAULT_WINDOW,
    };
    bool have_url = false;
    for (int i = 1; i < argc; i++) {
        int rc = parse_arg(o, argc, argv, &i, &have_url, err, errlen);
        if (rc != CC_OPTIONS_RUN)
            return rc;
    }
    for (size_t k = 0; k < o->n_urls; k++)
        if (strncmp(o->urls[k], "ws://", 5) != 0)
            return bad(err, errlen, o->urls[k], "expected a ws:// URL");
    return CC_OPTIONS_RUN;
}

bool cc_host_is_local(const char *host)
{
    return !strcmp(host, "localhost") || !strcmp(host, "::1") ||
           !strncmp(host, "127.", 4);
}

void cc_url_label(char *buf, size_t cap, const char *url)
{
    const char *host = strncmp(url, "ws://", 5) == 0 ? url + 5 : url;
    size_t len = strcspn(host, "/?#");
    snprintf(buf, cap, "%.*s", (int)len, host);
}
