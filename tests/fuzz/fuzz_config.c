/* The config loader (cams.ini) on any text.
 *
 * The input is the file, in a memfd loaded through its /proc path. A bad
 * file gets one NUL-terminated message naming the file; a good one is
 * written back with cc_config_write, and that text must load again and
 * write back the very same (config.h: "loads back the same").
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config.h"
#include "fuzz_check.h"

#define ERR_MAX 512 /* daemon.c's reload buffer, the smaller of the two */

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fd = memfd_create("cams.ini", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return 0;
}

static void put_file(const void *data, size_t len)
{
    FUZZ_CHECK(ftruncate(fd, 0) == 0);
    FUZZ_CHECK(pwrite(fd, data, len, 0) == (ssize_t)len);
}

/* cfg as cc_config_write writes it, malloc'd. */
static char *written(const cc_config *cfg, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    FUZZ_CHECK(f != NULL);
    cc_config_write(cfg, f);
    FUZZ_CHECK(fclose(f) == 0);
    return text;
}

static void check_error(int rc, const char *err)
{
    FUZZ_CHECK(rc < 0);
    FUZZ_CHECK(memchr(err, '\0', ERR_MAX) != NULL);
    FUZZ_CHECK(err[0] != '\0');
    FUZZ_CHECK(strstr(err, path) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cc_config cfg, again;
    char err[ERR_MAX];
    put_file(data, size);
    memset(err, 0x55, sizeof err); /* unterminated unless written */
    int rc = cc_config_load(&cfg, path, err, sizeof err);
    if (rc != 0) {
        check_error(rc, err);
        return 0;
    }
    size_t len, len2;
    char *text = written(&cfg, &len);
    put_file(text, len);
    rc = cc_config_load(&again, path, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "written back:\n%s\nfails to load: %s\n", text, err);
        FUZZ_CHECK(rc == 0);
    }
    FUZZ_CHECK(again.n_cameras == cfg.n_cameras);
    for (size_t i = 0; i < cfg.n_cameras; i++)
        FUZZ_CHECK(cc_camera_config_same(&cfg.cameras[i], &again.cameras[i]));
    char *text2 = written(&again, &len2);
    if (len != len2 || memcmp(text, text2, len) != 0) {
        fprintf(stderr, "written back:\n%s\nloads and writes as:\n%s\n", text, text2);
        FUZZ_CHECK(!"the written config loads back the same");
    }
    free(text);
    free(text2);
    cc_config_destroy(&cfg);
    cc_config_destroy(&again);
    return 0;
}
