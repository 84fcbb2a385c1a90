/* Saving frames: file names from untrusted camera names, real files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tests/check.h"
#include "save.h"

static void names(void)
{
    char path[256];
    CHECK_EQ_INT(cc_save_path(path, sizeof path, ".", "left", 42), 0);
    CHECK_STR_CONTAINS(path, "./camcast-left-42.jpg");
    CHECK_EQ_INT(cc_save_path(path, sizeof path, "/data/x", "cam_1.A-b", UINT64_MAX), 0);
    CHECK_STR_CONTAINS(path, "/data/x/camcast-cam_1.A-b-18446744073709551615.jpg");
    /* Separators and the like from the network become '_'. */
    CHECK_EQ_INT(cc_save_path(path, sizeof path, "d", "../../etc/passwd", 1), 0);
    CHECK_STR_CONTAINS(path, "d/camcast-.._.._etc_passwd-1.jpg");
    CHECK_EQ_INT(cc_save_path(path, sizeof path, "d", "a\\b:c*d", 1), 0);
    CHECK_STR_CONTAINS(path, "d/camcast-a_b_c_d-1.jpg");
    CHECK_EQ_INT(cc_save_path(path, 16, "d", "left", 1), -ENAMETOOLONG);
}

static void writes_bytes(void)
{
    char dir[] = "/tmp/camcast-save-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    CHECK_EQ_INT(cc_save_path(path, sizeof path, dir, "cam", 7), 0);
    const uint8_t data[] = {0xFF, 0xD8, 0xFF, 0x00, 0x42, 0xFF, 0xD9};
    CHECK_EQ_INT(cc_save_file(path, data, sizeof data), 0);
    uint8_t back[32];
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    size_t n = f ? fread(back, 1, sizeof back, f) : 0;
    if (f)
        fclose(f);
    CHECK_EQ_INT(n, sizeof data);
    CHECK(memcmp(back, data, sizeof data) == 0);
    remove(path);
    remove(dir);
    /* A directory that does not exist: an error, not a crash. */
    CHECK_EQ_INT(cc_save_file("/nonexistent-dir/x.jpg", data, sizeof data), -ENOENT);
}

int main(void)
{
    RUN(names);
    RUN(writes_bytes);
    return CHECK_DONE();
}
