/* The command line: defaults, every option, bad values. */
#include <errno.h>

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
    CHECK_STR_CONTAINS(o.save_dir, ".");
    CHECK_EQ_INT(o.width, 1280);
    CHECK_EQ_INT(o.height, 720);
    CHECK_EQ_INT(o.headless, 0);
    CHECK(o.screenshot == NULL);
    CHECK_EQ_INT(o.after, 30);
    CHECK(!o.same_clock && !o.fullscreen && !o.verbose);
    CHECK(o.token_file == NULL);
}

static void all_options(void)
{
    cc_viewer_options o;
    char err[128];
    CHECK_EQ_INT(PARSE(&o, err, "--headless", "120", "--screenshot=x.bmp", "--after",
                       "7", "--same-clock", "--save-dir", "/tmp", "--size", "800x600",
                       "--timeout", "2.5", "-v", "--fullscreen", "--token-file",
                       "/etc/camcast/token", "ws://cams:9000/stream"),
                 CC_OPTIONS_RUN);
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
    EXPECT_BAD("--after", "--after", "x");
    EXPECT_BAD("unknown option", "--frobnicate");
    EXPECT_BAD("unknown option", "--same-clock=1");
    EXPECT_BAD("ws://", "http://x/");
    EXPECT_BAD("one URL", "ws://a/", "ws://b/");
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
    RUN(bad_values);
    RUN(help_and_version);
    RUN(local_hosts);
    return CHECK_DONE();
}
