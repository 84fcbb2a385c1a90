/* Hello parsing: the documented example, missing and invalid fields,
 * unknown keys, the offline flag, and camera index to tile mapping. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../tests/check.h"
#include "hello.h"

static const char example[] =
    "{\"type\":\"hello\",\"protocol\":1,\"server\":\"camcastd 0.1.0\","
    "\"stream_fps\":30,\"cameras\":["
    "{\"index\":0,\"name\":\"left\",\"width\":1920,\"height\":1200,"
    "\"pixel_format\":\"Mono8\",\"grab_fps\":400,\"source\":\"testpattern\"},"
    "{\"index\":1,\"name\":\"center\",\"width\":640,\"height\":480,"
    "\"pixel_format\":\"RGB8\",\"grab_fps\":60,\"source\":\"aravis\"}]}";

static int parse(cc_hello *h, const char *text, char *err, size_t errlen)
{
    return cc_hello_parse(h, text, strlen(text), err, errlen);
}

static void good_hello(void)
{
    cc_hello h;
    char err[128] = "";
    CHECK_EQ_INT(parse(&h, example, err, sizeof err), 0);
    CHECK_EQ_INT(h.protocol, 1);
    CHECK(h.stream_fps == 30);
    CHECK_STR_CONTAINS(h.server, "camcastd 0.1.0");
    CHECK_EQ_INT(h.n_cameras, 2);
    CHECK_EQ_INT(h.cameras[0].index, 0);
    CHECK_STR_CONTAINS(h.cameras[0].name, "left");
    CHECK_EQ_INT(h.cameras[0].width, 1920);
    CHECK_EQ_INT(h.cameras[0].height, 1200);
    CHECK_STR_CONTAINS(h.cameras[0].pixel_format, "Mono8");
    CHECK(h.cameras[0].grab_fps == 400);
    CHECK(h.cameras[0].online);
    CHECK_STR_CONTAINS(h.cameras[1].name, "center");
    CHECK_STR_CONTAINS(h.cameras[1].pixel_format, "RGB8");
    CHECK(!h.control); /* no "extensions": a 1.1 server */
    cc_hello_destroy(&h);
    CHECK(h.cameras == NULL && h.n_cameras == 0);
}

/* 1.2: "extensions" lists "control" (camera control and levels). */
static void extensions_control(void)
{
    static const char *const texts[] = {
        "{\"type\":\"hello\",\"protocol\":1,\"extensions\":[\"window\",\"control\"],"
        "\"cameras\":[]}",
        "{\"type\":\"hello\",\"protocol\":1,\"extensions\":[\"controls\",1,null],"
        "\"cameras\":[]}",
        "{\"type\":\"hello\",\"protocol\":1,\"extensions\":{\"x\":\"control\"},"
        "\"cameras\":[]}",
    };
    for (size_t i = 0; i < 3; i++) {
        cc_hello h;
        char err[128];
        CHECK_EQ_INT(parse(&h, texts[i], err, sizeof err), 0);
        CHECK(h.control == (i == 0));
        cc_hello_destroy(&h);
    }
}

static void extra_fields_ignored(void)
{
    const char *text =
        "{\"type\":\"hello\",\"protocol\":1,\"future\":{\"x\":[1,2]},\"cameras\":["
        "{\"index\":7,\"name\":\"a\",\"width\":16,\"height\":16,\"lens\":\"8mm\","
        "\"nested\":{\"k\":true}}],\"more\":null}";
    cc_hello h;
    char err[128];
    CHECK_EQ_INT(parse(&h, text, err, sizeof err), 0);
    CHECK_EQ_INT(h.n_cameras, 1);
    CHECK_EQ_INT(h.cameras[0].index, 7);
    /* Optional fields absent: defaults. */
    CHECK_EQ_INT(h.cameras[0].pixel_format[0], '\0');
    CHECK(h.stream_fps == 0);
    CHECK_EQ_INT(h.server[0], '\0');
    CHECK(h.cameras[0].online);
    CHECK(!h.offers_window);
    cc_hello_destroy(&h);
}

/* Protocol 1.2: "window" among the extensions (flow control); a list
 * that is not one of strings offers nothing. */
static void extensions_window(void)
{
    static const char *const texts[] = {
        "{\"type\":\"hello\",\"protocol\":1,\"extensions\":[\"sync\",\"window\"],"
        "\"cameras\":[]}",
        "{\"type\":\"hello\",\"protocol\":1,\"extensions\":[\"windows\",1,null],"
        "\"cameras\":[]}",
        "{\"type\":\"hello\",\"protocol\":1,\"extensions\":\"window\",\"cameras\":[]}",
    };
    for (int i = 0; i < 3; i++) {
        cc_hello h;
        char err[128];
        CHECK_EQ_INT(parse(&h, texts[i], err, sizeof err), 0);
        CHECK_EQ_INT(h.offers_window, i == 0);
        cc_hello_destroy(&h);
    }
}

static void offline_flag(void)
{
    const char *text =
        "{\"type\":\"hello\",\"protocol\":1,\"cameras\":["
        "{\"index\":0,\"name\":\"a\",\"width\":16,\"height\":16,\"online\":false},"
        "{\"index\":1,\"name\":\"b\",\"width\":16,\"height\":16,\"online\":true},"
        "{\"index\":2,\"name\":\"c\",\"width\":16,\"height\":16,\"online\":0}]}";
    cc_hello h;
    char err[128];
    CHECK_EQ_INT(parse(&h, text, err, sizeof err), 0);
    CHECK_EQ_INT(h.n_cameras, 3);
    CHECK(!h.cameras[0].online);
    CHECK(h.cameras[1].online);
    CHECK(h.cameras[2].online); /* only an explicit false means offline */
    cc_hello_destroy(&h);
}

/* Each broken hello fails with -EINVAL and a reason naming the problem. */
static void expect_bad(const char *text, int want, const char *reason)
{
    cc_hello h;
    char err[160] = "";
    int rc = parse(&h, text, err, sizeof err);
    CHECK_EQ_INT(rc, want);
    CHECK_STR_CONTAINS(err, reason);
    CHECK(h.cameras == NULL && h.n_cameras == 0);
}

static void missing_fields(void)
{
    expect_bad("{\"type\":\"hello\",\"protocol\":1}", -EINVAL, "cameras");
    expect_bad("{\"type\":\"hello\",\"cameras\":[]}", -EINVAL, "protocol");
    expect_bad("{\"type\":\"hello\",\"protocol\":2,\"cameras\":[]}", -EINVAL,
               "unsupported protocol");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"name\":\"a\","
               "\"width\":16,\"height\":16}]}", -EINVAL, "camera 0: \"index\"");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
               "\"width\":16,\"height\":16}]}", -EINVAL, "\"name\"");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
               "\"name\":\"a\",\"height\":16}]}", -EINVAL, "\"width\"");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
               "\"name\":\"a\",\"width\":16}]}", -EINVAL, "\"height\"");
}

static void invalid_values(void)
{
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
               "\"name\":\"a\",\"width\":0,\"height\":16}]}", -EINVAL, "\"width\"");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":1.5,"
               "\"name\":\"a\",\"width\":16,\"height\":16}]}", -EINVAL, "\"index\"");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":65536,"
               "\"name\":\"a\",\"width\":16,\"height\":16}]}", -EINVAL, "\"index\"");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
               "\"name\":7,\"width\":16,\"height\":16}]}", -EINVAL, "\"name\"");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":["
               "{\"index\":3,\"name\":\"a\",\"width\":16,\"height\":16},"
               "{\"index\":3,\"name\":\"b\",\"width\":16,\"height\":16}]}",
               -EINVAL, "camera 1: duplicate index");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[42]}", -EINVAL,
               "not an object");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":{}}", -EINVAL,
               "cameras");
    expect_bad("[1,2,3]", -EINVAL, "not a JSON object");
    expect_bad("{\"type\":\"hello\",", -EINVAL, "malformed JSON");
}

static void other_messages(void)
{
    /* Replies to control messages are not hellos, and say so apart. */
    expect_bad("{\"type\":\"pong\",\"time_ns\":5}", -ENOMSG, "not \"hello\"");
    expect_bad("{\"type\":\"error\",\"message\":\"hello\"}", -ENOMSG, "type");
    expect_bad("{\"protocol\":1,\"cameras\":[]}", -ENOMSG, "type");
}

static void long_name_truncated(void)
{
    char text[512], name[200];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(text, sizeof text,
             "{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
             "\"name\":\"%s\",\"width\":16,\"height\":16}]}", name);
    cc_hello h;
    char err[128];
    CHECK_EQ_INT(parse(&h, text, err, sizeof err), 0);
    CHECK_EQ_INT(strlen(h.cameras[0].name), CC_HELLO_NAME_CAP - 1);
    cc_hello_destroy(&h);
}

static void tiles_by_index(void)
{
    const char *text =
        "{\"type\":\"hello\",\"protocol\":1,\"cameras\":["
        "{\"index\":5,\"name\":\"a\",\"width\":16,\"height\":16},"
        "{\"index\":2,\"name\":\"b\",\"width\":16,\"height\":16},"
        "{\"index\":9,\"name\":\"c\",\"width\":16,\"height\":16}]}";
    cc_hello h, copy;
    char err[128];
    CHECK_EQ_INT(parse(&h, text, err, sizeof err), 0);
    /* Tiles follow the hello's order, entries find them by index. */
    CHECK_EQ_INT(cc_hello_tile_of(&h, 5), 0);
    CHECK_EQ_INT(cc_hello_tile_of(&h, 2), 1);
    CHECK_EQ_INT(cc_hello_tile_of(&h, 9), 2);
    CHECK_EQ_INT(cc_hello_tile_of(&h, 0), -1);
    CHECK_EQ_INT(cc_hello_tile_of(&h, 65535), -1);
    CHECK_EQ_INT(cc_hello_copy(&copy, &h), 0);
    cc_hello_destroy(&h);
    CHECK_EQ_INT(copy.n_cameras, 3);
    CHECK_EQ_INT(cc_hello_tile_of(&copy, 9), 2);
    CHECK_STR_CONTAINS(copy.cameras[2].name, "c");
    cc_hello_destroy(&copy);
}

static void too_many_cameras(void)
{
    size_t n = CC_HELLO_MAX_CAMERAS + 1, cap = 64 + n * 64, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text, cap, "{\"type\":\"hello\",\"protocol\":1,\"cameras\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "%s{\"index\":%zu,\"name\":\"c\",\"width\":8,\"height\":8}",
                                i ? "," : "", i);
    snprintf(text + len, cap - len, "]}");
    cc_hello h;
    char err[128] = "";
    CHECK_EQ_INT(parse(&h, text, err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "too many cameras");
    free(text);
}

/* What a hostile server could send is bounded: sides, names, count. */
static void bounds(void)
{
    char text[1024], name[CC_HELLO_NAME_MAX + 2];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(text, sizeof text,
             "{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
             "\"name\":\"%s\",\"width\":16,\"height\":16}]}", name);
    expect_bad(text, -EINVAL, "\"name\"");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
               "\"name\":\"a\",\"width\":65536,\"height\":16}]}", -EINVAL, "\"width\"");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
               "\"name\":\"a\",\"width\":16,\"height\":4294967295}]}", -EINVAL,
               "\"height\"");
    /* 16384 x 16384 would cost 1 GiB a frame decoded: over the area cap. */
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
               "\"name\":\"a\",\"width\":16384,\"height\":16384}]}", -EINVAL,
               "width x height over the pixels");
    expect_bad("{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
               "\"name\":\"a\",\"width\":65535,\"height\":2049}]}", -EINVAL,
               "width x height over the pixels");
    cc_hello h;
    char err[128];
    /* The longest side with the largest area that fits (65535 x 2048). */
    CHECK_EQ_INT(parse(&h, "{\"type\":\"hello\",\"protocol\":1,\"cameras\":[{\"index\":0,"
                       "\"name\":\"a\\u001b[31mb\",\"width\":65535,\"height\":2048,"
                       "\"pixel_format\":\"\\n\"}]}", err, sizeof err), 0);
    CHECK_EQ_INT(h.cameras[0].width, 65535);
    CHECK_EQ_INT(h.cameras[0].height, 2048);
    CHECK(strcmp(h.cameras[0].name, "a?[31mb") == 0); /* no escape reaches a log */
    CHECK(strcmp(h.cameras[0].pixel_format, "?") == 0);
    cc_hello_destroy(&h);
}

/* Exactly CC_HELLO_MAX_CAMERAS is fine. */
static void max_cameras(void)
{
    size_t n = CC_HELLO_MAX_CAMERAS, cap = 64 + n * 64, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text, cap, "{\"type\":\"hello\",\"protocol\":1,\"cameras\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "%s{\"index\":%zu,\"name\":\"c\",\"width\":8,\"height\":8}",
                                i ? "," : "", i);
    snprintf(text + len, cap - len, "]}");
    cc_hello h;
    char err[128] = "";
    CHECK_EQ_INT(parse(&h, text, err, sizeof err), 0);
    CHECK_EQ_INT(h.n_cameras, CC_HELLO_MAX_CAMERAS);
    cc_hello_destroy(&h);
    free(text);
}

/* Protocol 1.1: variants and each camera's variant_sizes. What the viewer
 * cannot use is skipped, never fatal. */
static void variants(void)
{
    const char *text =
        "{\"type\":\"hello\",\"protocol\":1,\"variants\":["
        "{\"name\":\"full\"},"
        "{\"name\":\"preview\",\"max_width\":640,\"quality\":70},"
        "{\"name\":\"thumb\",\"scale\":0.125},"
        "{\"name\":\"bad name\"},{\"name\":\"a\\\"b\"},{\"max_width\":5},7,"
        "{\"name\":\"preview\",\"max_width\":9},"
        "{\"name\":\"x\",\"max_width\":-1,\"scale\":2,\"quality\":101}],"
        "\"cameras\":["
        "{\"index\":0,\"name\":\"a\",\"width\":1920,\"height\":1200,"
        "\"variant_sizes\":{\"preview\":{\"width\":640,\"height\":400},"
        "\"thumb\":{\"width\":4000,\"height\":150},\"nope\":{\"width\":1,\"height\":1},"
        "\"x\":\"big\"}},"
        "{\"index\":1,\"name\":\"b\",\"width\":64,\"height\":48}]}";
    cc_hello h;
    char err[128] = "";
    CHECK_EQ_INT(parse(&h, text, err, sizeof err), 0);
    CHECK_EQ_INT(h.n_variants, 4);
    CHECK_STR_CONTAINS(h.variants[0].name, "full");
    CHECK_STR_CONTAINS(h.variants[1].name, "preview");
    CHECK_EQ_INT(h.variants[1].max_width, 640); /* the first "preview" */
    CHECK_EQ_INT(h.variants[1].quality, 70);
    CHECK(h.variants[2].scale == 0.125);
    CHECK_STR_CONTAINS(h.variants[3].name, "x");
    CHECK_EQ_INT(h.variants[3].max_width, 0);
    CHECK(h.variants[3].scale == 0);
    CHECK_EQ_INT(h.variants[3].quality, 0);
    CHECK_EQ_INT(cc_hello_variant_of(&h, "thumb"), 2);
    CHECK_EQ_INT(cc_hello_variant_of(&h, "bad name"), -1);
    CHECK_EQ_INT(h.cameras[0].variant_w[1], 640);
    CHECK_EQ_INT(h.cameras[0].variant_h[1], 400);
    CHECK_EQ_INT(h.cameras[0].variant_w[2], 0); /* wider than the camera */
    CHECK_EQ_INT(h.cameras[0].variant_w[3], 0);
    CHECK_EQ_INT(h.cameras[1].variant_w[1], 0);
    cc_hello copy;
    CHECK_EQ_INT(cc_hello_copy(&copy, &h), 0);
    CHECK_EQ_INT(copy.n_variants, 4);
    CHECK_EQ_INT(copy.cameras[0].variant_h[1], 400);
    cc_hello_destroy(&copy);
    cc_hello_destroy(&h);

    /* No "variants", or not an array: only full frames. */
    CHECK_EQ_INT(parse(&h, example, err, sizeof err), 0);
    CHECK_EQ_INT(h.n_variants, 0);
    cc_hello_destroy(&h);
    const char *odd = "{\"type\":\"hello\",\"protocol\":1,\"variants\":{\"a\":1},"
                      "\"cameras\":[]}";
    CHECK_EQ_INT(parse(&h, odd, err, sizeof err), 0);
    CHECK_EQ_INT(h.n_variants, 0);
    cc_hello_destroy(&h);
}

/* "sync" (1.2): groups by camera index; ones without a name or cameras,
 * and indexes that are not, are skipped. */
static void sync_groups(void)
{
    cc_hello h;
    char err[128];
    const char *text = "{\"type\":\"hello\",\"protocol\":1,\"sync\":["
                       "{\"name\":\"line\",\"cameras\":[0,2,2.5,-1,99],\"trigger\":\"software\"},"
                       "{\"name\":\"empty\",\"cameras\":[]},{\"cameras\":[1]},"
                       "{\"name\":\"pair\",\"cameras\":[1,3]}],"
                       "\"cameras\":[{\"index\":0,\"name\":\"a\",\"width\":8,\"height\":8}]}";
    CHECK_EQ_INT(parse(&h, text, err, sizeof err), 0);
    CHECK_EQ_INT(h.n_syncs, 2);
    CHECK_STR_CONTAINS(h.syncs[0].name, "line");
    CHECK(h.syncs[0].cameras == 5);
    CHECK(h.syncs[1].cameras == 10);
    CHECK_EQ_INT(cc_hello_sync_of(&h, 2), 0);
    CHECK_EQ_INT(cc_hello_sync_of(&h, 3), 1);
    CHECK_EQ_INT(cc_hello_sync_of(&h, 4), -1);
    CHECK_EQ_INT(cc_hello_sync_of(&h, 4000), -1);
    cc_hello copy;
    CHECK_EQ_INT(cc_hello_copy(&copy, &h), 0);
    CHECK_EQ_INT(copy.n_syncs, 2);
    cc_hello_destroy(&copy);
    cc_hello_destroy(&h);
}

static void empty_camera_list(void)
{
    cc_hello h;
    char err[128];
    CHECK_EQ_INT(parse(&h, "{\"type\":\"hello\",\"protocol\":1,\"cameras\":[]}",
                       err, sizeof err), 0);
    CHECK_EQ_INT(h.n_cameras, 0);
    CHECK_EQ_INT(cc_hello_tile_of(&h, 0), -1);
    cc_hello_destroy(&h);
}

int main(void)
{
    RUN(good_hello);
    RUN(extensions_control);
    RUN(extra_fields_ignored);
    RUN(extensions_window);
    RUN(offline_flag);
    RUN(missing_fields);
    RUN(invalid_values);
    RUN(other_messages);
    RUN(long_name_truncated);
    RUN(tiles_by_index);
    RUN(too_many_cameras);
    RUN(max_cameras);
    RUN(bounds);
    RUN(empty_camera_list);
    RUN(variants);
    RUN(sync_groups);
    return CHECK_DONE();
}
