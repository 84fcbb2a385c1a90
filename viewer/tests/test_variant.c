/* Variants (protocol 1.1): the size of a variant's entries (given by the
 * hello, or computed from max_width or scale as camcastd does), which
 * variant the tiles on screen call for, and which entry sizes can be true. */
#include <string.h>

#include "../../tests/check.h"
#include "variant.h"

/* Two 1920x1200 cameras and a 640x480 one; preview gives its exact sizes
 * for the first camera only, thumb none. */
static const char hello_text[] =
    "{\"type\":\"hello\",\"protocol\":1,\"variants\":["
    "{\"name\":\"full\"},"
    "{\"name\":\"preview\",\"max_width\":640,\"quality\":70},"
    "{\"name\":\"thumb\",\"max_width\":320},"
    "{\"name\":\"half\",\"scale\":0.5}],"
    "\"cameras\":["
    "{\"index\":0,\"name\":\"a\",\"width\":1920,\"height\":1200,"
    "\"variant_sizes\":{\"preview\":{\"width\":640,\"height\":400}}},"
    "{\"index\":1,\"name\":\"b\",\"width\":1920,\"height\":1200},"
    "{\"index\":2,\"name\":\"c\",\"width\":640,\"height\":480}]}";

static cc_hello parse(const char *text)
{
    cc_hello h;
    char err[128] = "";
    CHECK_EQ_INT(cc_hello_parse(&h, text, strlen(text), err, sizeof err), 0);
    return h;
}

static void sizes(void)
{
    cc_hello h = parse(hello_text);
    bool exact;
    cc_size s = cc_variant_size(&h, 1, &h.cameras[0], &exact);
    CHECK(exact);
    CHECK_EQ_INT(s.w, 640);
    CHECK_EQ_INT(s.h, 400);
    /* Camera b: from max_width, k = ceil(1920 / 640) = 3. */
    s = cc_variant_size(&h, 1, &h.cameras[1], &exact);
    CHECK(!exact);
    CHECK_EQ_INT(s.w, 640);
    CHECK_EQ_INT(s.h, 400);
    /* Camera c is no wider than 640: preview is its own size. */
    s = cc_variant_size(&h, 1, &h.cameras[2], NULL);
    CHECK_EQ_INT(s.w, 640);
    CHECK_EQ_INT(s.h, 480);
    /* thumb: k = 6 -> 320x200; for c, k = 2 -> 320x240. */
    s = cc_variant_size(&h, 2, &h.cameras[0], NULL);
    CHECK_EQ_INT(s.w, 320);
    CHECK_EQ_INT(s.h, 200);
    s = cc_variant_size(&h, 2, &h.cameras[2], NULL);
    CHECK_EQ_INT(s.w, 320);
    CHECK_EQ_INT(s.h, 240);
    /* half: scale 0.5; "full": the camera's, exact. */
    s = cc_variant_size(&h, 3, &h.cameras[1], NULL);
    CHECK_EQ_INT(s.w, 960);
    CHECK_EQ_INT(s.h, 600);
    s = cc_variant_size(&h, 0, &h.cameras[1], &exact);
    CHECK(exact);
    CHECK_EQ_INT(s.w, 1920);
    cc_hello_destroy(&h);

    /* Rounding up, and the box never beyond 16. */
    cc_hello odd = parse("{\"type\":\"hello\",\"protocol\":1,\"variants\":["
                         "{\"name\":\"p\",\"max_width\":100},{\"name\":\"t\",\"max_width\":1}],"
                         "\"cameras\":[{\"index\":0,\"name\":\"a\",\"width\":1001,"
                         "\"height\":333}]}");
    s = cc_variant_size(&odd, 0, &odd.cameras[0], NULL); /* k = 11 */
    CHECK_EQ_INT(s.w, 91);
    CHECK_EQ_INT(s.h, 31);
    s = cc_variant_size(&odd, 1, &odd.cameras[0], NULL); /* k = 16 */
    CHECK_EQ_INT(s.w, 63);
    CHECK_EQ_INT(s.h, 21);
    cc_hello_destroy(&odd);
}

static const char *pick(const cc_hello *h, int w0, int h0, int w1, int h1, int w2,
                        int h2, bool solo)
{
    cc_size want[3] = {{w0, h0}, {w1, h1}, {w2, h2}};
    return cc_variant_pick(h, want, 3, solo);
}

static void picks(void)
{
    cc_hello h = parse(hello_text);
    /* Small tiles everywhere: the smallest variant that covers them. */
    CHECK_STR_CONTAINS(pick(&h, 300, 187, 300, 187, 250, 187, false), "thumb");
    /* Camera c at 300x225 in thumb is 320x240: still thumb. */
    CHECK_STR_CONTAINS(pick(&h, 320, 200, 320, 200, 266, 200, false), "thumb");
    /* One pixel of rounding is forgiven, two are not. */
    CHECK_STR_CONTAINS(pick(&h, 321, 200, 100, 62, 100, 75, false), "thumb");
    CHECK_STR_CONTAINS(pick(&h, 322, 201, 100, 62, 100, 75, false), "preview");
    /* A 542-pixel tile (three 16:10 cameras in 1280x720): preview. */
    CHECK_STR_CONTAINS(pick(&h, 542, 339, 542, 339, 452, 339, false), "preview");
    /* One large tile decides for all: half covers 960x600. */
    CHECK_STR_CONTAINS(pick(&h, 900, 562, 100, 62, 100, 75, false), "half");
    /* Larger than every variant: full frames. */
    CHECK_STR_CONTAINS(pick(&h, 1200, 750, 100, 62, 100, 75, false), "full");
    /* One camera enlarged: full, however small the window. */
    CHECK_STR_CONTAINS(pick(&h, 300, 187, 0, 0, 0, 0, true), "full");
    /* Nothing of this server on screen (another's camera alone): the
     * smallest. */
    CHECK_STR_CONTAINS(pick(&h, 0, 0, 0, 0, 0, 0, false), "thumb");
    cc_hello_destroy(&h);

    /* No variants listed, or only full: full. */
    cc_hello none = parse("{\"type\":\"hello\",\"protocol\":1,\"cameras\":["
                          "{\"index\":0,\"name\":\"a\",\"width\":1920,\"height\":1200}]}");
    cc_size want = {100, 62};
    CHECK_STR_CONTAINS(cc_variant_pick(&none, &want, 1, false), "full");
    cc_hello_destroy(&none);
    cc_hello only = parse("{\"type\":\"hello\",\"protocol\":1,\"variants\":[{\"name\":\"full\"}],"
                          "\"cameras\":[{\"index\":0,\"name\":\"a\",\"width\":1920,"
                          "\"height\":1200}]}");
    CHECK_STR_CONTAINS(cc_variant_pick(&only, &want, 1, false), "full");
    cc_hello_destroy(&only);
    /* A "variant" as large as the camera is no saving: full. */
    cc_hello same = parse("{\"type\":\"hello\",\"protocol\":1,\"variants\":["
                          "{\"name\":\"big\",\"max_width\":4000}],"
                          "\"cameras\":[{\"index\":0,\"name\":\"a\",\"width\":1920,"
                          "\"height\":1200}]}");
    CHECK_STR_CONTAINS(cc_variant_pick(&same, &want, 1, false), "full");
    cc_hello_destroy(&same);
}

static void entry_sizes(void)
{
    cc_hello h = parse(hello_text);
    const cc_hello_camera *a = &h.cameras[0], *b = &h.cameras[1];
    CHECK(cc_variant_entry_fits(&h, a, 1920, 1200)); /* full */
    CHECK(cc_variant_entry_fits(&h, a, 640, 400));   /* preview, exact */
    /* thumb and half give no exact size: any size of the aspect ratio. */
    CHECK(cc_variant_entry_fits(&h, a, 320, 200));
    CHECK(cc_variant_entry_fits(&h, a, 960, 600));
    CHECK(cc_variant_entry_fits(&h, a, 641, 401)); /* rounding */
    CHECK(cc_variant_entry_fits(&h, b, 640, 400));
    /* Bogus sizes: never. */
    CHECK(!cc_variant_entry_fits(&h, a, 1921, 1200));
    CHECK(!cc_variant_entry_fits(&h, a, 1920, 1201));
    CHECK(!cc_variant_entry_fits(&h, a, 0, 400));
    CHECK(!cc_variant_entry_fits(&h, a, 640, 0));
    CHECK(!cc_variant_entry_fits(&h, a, 100, 1000)); /* another shape */
    CHECK(!cc_variant_entry_fits(&h, a, 1920, 100));
    CHECK(!cc_variant_entry_fits(&h, a, 640, 404));
    CHECK_STR_CONTAINS(cc_variant_of_size(&h, a, 640, 400), "preview");
    CHECK_STR_CONTAINS(cc_variant_of_size(&h, a, 1920, 1200), "full");
    CHECK_STR_CONTAINS(cc_variant_of_size(&h, b, 320, 200), "thumb");
    CHECK(cc_variant_of_size(&h, a, 641, 401) == NULL);
    cc_hello_destroy(&h);

    /* Every variant with its exact size: only those sizes (and full). */
    cc_hello exact = parse(
        "{\"type\":\"hello\",\"protocol\":1,\"variants\":["
        "{\"name\":\"full\"},{\"name\":\"preview\",\"max_width\":640}],"
        "\"cameras\":[{\"index\":0,\"name\":\"a\",\"width\":1920,\"height\":1200,"
        "\"variant_sizes\":{\"preview\":{\"width\":640,\"height\":400}}}]}");
    const cc_hello_camera *c = &exact.cameras[0];
    CHECK(cc_variant_entry_fits(&exact, c, 640, 400));
    CHECK(cc_variant_entry_fits(&exact, c, 1920, 1200));
    CHECK(!cc_variant_entry_fits(&exact, c, 320, 200));
    CHECK(!cc_variant_entry_fits(&exact, c, 641, 401));
    cc_hello_destroy(&exact);

    /* Only "full" listed: nothing smaller is true. */
    cc_hello full = parse("{\"type\":\"hello\",\"protocol\":1,\"variants\":[{\"name\":\"full\"}],"
                          "\"cameras\":[{\"index\":0,\"name\":\"a\",\"width\":64,\"height\":48}]}");
    CHECK(cc_variant_entry_fits(&full, &full.cameras[0], 64, 48));
    CHECK(!cc_variant_entry_fits(&full, &full.cameras[0], 32, 24));
    cc_hello_destroy(&full);

    /* No variants listed (a 1.0 server): smaller of the same shape is
     * accepted, as before; another shape is not. */
    cc_hello old = parse("{\"type\":\"hello\",\"protocol\":1,\"cameras\":["
                         "{\"index\":0,\"name\":\"a\",\"width\":64,\"height\":48}]}");
    CHECK(cc_variant_entry_fits(&old, &old.cameras[0], 32, 24));
    CHECK(!cc_variant_entry_fits(&old, &old.cameras[0], 64, 8));
    cc_hello_destroy(&old);
}

int main(void)
{
    RUN(sizes);
    RUN(picks);
    RUN(entry_sizes);
    return CHECK_DONE();
}
