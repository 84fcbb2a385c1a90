/* The command line: defaults, every option, several URLs, bad values. */
#include <errno.h>
#include <string.h>

#include "../../tests/check.h"
#include "options.h"

/* argv: NULL-terminated, without the program name. */
static int parse_argv(cc_viewer_options *o, char *err, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return cc_viewer_options_parse(o, argc, argv, err, 128);
}

#define PARSE(o, err, ...) \
    parse_argv(o, err, (char *[]){"camcast-viewer", __VA_ARGS__, NULL})

static void defaults(void)
{
    cc_viewer_options o;
    char err[128];
    CHECK_EQ_INT(parse_argv(&o, err, (char *[]){"camcast-viewer", NULL}),
                 CC_OPTIONS_RUN);
    CHECK_STR_CONTAINS(o.url, "ws://127.0.0.1:8765/stream");
    CHECK_EQ_INT(o.n_urls, 1);
    CHECK_STR_CONTAINS(o.urls[0], "ws://127.0.0.1:8765/stream");
    CHECK_STR_CONTAINS(o.save_dir, ".");
    CHECK_EQ_INT(o.width, 1280);
    CHECK_EQ_INT(o.height, 720);
    CHECK_EQ_INT(o.headless, 0);
    CHECK(o.screenshot == NULL);
    CHECK_EQ_INT(o.after, 30);
    CHECK(!o.same_clock && !o.fullscreen && !o.verbose);
    CHECK(o.token_file == NULL);
    CHECK_EQ_INT(o.window, 2);
}

static void all_options(void)
{
    cc_viewer_options o;
    char err[128];
    CHECK_EQ_INT(PARSE(&o, err, "--headless", "120", "--screenshot=x.bmp", "--after",
                       "7", "--same-clock", "--save-dir", "/tmp", "--size", "800x600",
                       "--timeout", "2.5", "-v", "--fullscreen", "--token-file",
                       "/etc/camcast/token", "--window=1", "ws://cams:9000/stream"),
                 CC_OPTIONS_RUN);
    CHECK_EQ_INT(o.window, 1);
    CHECK_STR_CONTAINS(o.token_file, "/etc/camcast/token");
    CHECK_EQ_INT(o.headless, 120);
    CHECK_STR_CONTAINS(o.screenshot, "x.bmp");
    CHECK_EQ_INT(o.after, 7);
    CHECK(o.same_clock && o.verbose && o.fullscreen);
    CHECK_STR_CONTAINS(o.save_dir, "/tmp");
    CHECK_EQ_INT(o.width, 800);
    CHECK_EQ_INT(o.height, 600);
    CHECK(o.timeout_s == 2.5);
    CHECK_STR_CONTAINS(o.url, "ws://cams:9000/stream");
    CHECK_EQ_INT(o.n_urls, 1);
    CHECK_EQ_INT(PARSE(&o, err, "--window", "0"), CC_OPTIONS_RUN);
    CHECK_EQ_INT(o.window, 0);
}

static void several_urls(void)
{
    cc_viewer_options o;
    char err[128];
    CHECK_EQ_INT(PARSE(&o, err, "ws://a:1/stream", "--size", "800x600", "ws://b/stream"),
                 CC_OPTIONS_RUN);
    CHECK_EQ_INT(o.n_urls, 2);
    CHECK_STR_CONTAINS(o.url, "ws://a:1/stream");
    CHECK_STR_CONTAINS(o.urls[1], "ws://b/stream");
    CHECK_EQ_INT(PARSE(&o, err, "ws://a/", "ws://b/", "ws://c/", "ws://d/", "ws://e/",
                       "ws://f/", "ws://g/", "ws://h/"),
                 CC_OPTIONS_RUN);
    CHECK_EQ_INT(o.n_urls, CC_VIEWER_MAX_URLS);

    char label[64];
    cc_url_label(label, sizeof label, "ws://10.0.0.7:8765/stream");
    CHECK_STR_CONTAINS(label, "10.0.0.7:8765");
    CHECK(strchr(label, '/') == NULL);
    cc_url_label(label, sizeof label, "ws://cams.example/stream?x=1");
    CHECK(strcmp(label, "cams.example") == 0);
    cc_url_label(label, sizeof label, "ws://[::1]:9000");
    CHECK(strcmp(label, "[::1]:9000") == 0);
}

#define EXPECT_BAD(reason, ...)                                  \
    do {                                                         \
        cc_viewer_options o;                                     \
        char err[128] = "";                                      \
        CHECK_EQ_INT(PARSE(&o, err, __VA_ARGS__), -EINVAL);      \
        CHECK_STR_CONTAINS(err, reason);                         \
    } while (0)

static void bad_values(void)
{
    EXPECT_BAD("--headless", "--headless", "0");
    EXPECT_BAD("--headless", "--headless", "-3");
    EXPECT_BAD("--headless", "--headless", "12x");
    EXPECT_BAD("needs a value", "--headless");
    EXPECT_BAD("needs a value", "--token-file");
    EXPECT_BAD("WxH", "--size", "800");
    EXPECT_BAD("WxH", "--size", "10x10");
    EXPECT_BAD("seconds", "--timeout", "0");
    EXPECT_BAD("0..8", "--window", "9");
    EXPECT_BAD("0..8", "--window", "-1");
    EXPECT_BAD("0..8", "--window", "1.5");
    EXPECT_BAD("--after", "--after", "x");
    EXPECT_BAD("unknown option", "--frobnicate");
    EXPECT_BAD("unknown option", "--same-clock=1");
    EXPECT_BAD("ws://", "http://x/");
    EXPECT_BAD("the same URL twice", "ws://a/", "ws://b/", "ws://a/");
    EXPECT_BAD("at most 8", "ws://a/", "ws://b/", "ws://c/", "ws://d/", "ws://e/",
               "ws://f/", "ws://g/", "ws://h/", "ws://i/");
    EXPECT_BAD("ws://", "ws://a/", "http://b/");
}

static void help_and_version(void)
{
    cc_viewer_options o;
    char err[128];
    CHECK_EQ_INT(PARSE(&o, err, "--help"), CC_OPTIONS_HELP);
    CHECK_EQ_INT(PARSE(&o, err, "-V"), CC_OPTIONS_VERSION);
    CHECK_STR_CONTAINS(cc_viewer_usage(), "--headless N");
    CHECK_STR_CONTAINS(cc_viewer_usage(), "--token-file PATH");
    CHECK_STR_CONTAINS(cc_viewer_usage(), "Space pause");
}

static void local_hosts(void)
{
    CHECK(cc_host_is_local("127.0.0.1"));
    CHECK(cc_host_is_local("127.1.2.3"));
    CHECK(cc_host_is_local("localhost"));
    CHECK(cc_host_is_local("::1"));
    CHECK(!cc_host_is_local("10.0.0.7"));
    CHECK(!cc_host_is_local("cams.example"));
    CHECK(!cc_host_is_local("localhost.example"));
    CHECK(!cc_host_is_local("::"));
}

int main(void)
{
    RUN(defaults);
    RUN(all_options);
    RUN(several_urls);
    RUN(bad_values);
    RUN(help_and_version);
    RUN(local_hosts);
    return CHECK_DONE();
}
