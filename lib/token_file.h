/* Reading a token file, the part that differs between POSIX and Windows
 * (token_file_posix.c, token_file_win32.c): cc_token_read_file (token.c)
 * does the rest. Internal to libcamcast.
 */
#ifndef CAMCAST_TOKEN_FILE_H
#define CAMCAST_TOKEN_FILE_H

#include <stddef.h>

/* Reads up to cap bytes of the file at path into buf (*got bytes): a
 * regular file that not every user may read, since the token is a
 * password. Returns 0, or a negative errno with one line in err naming the
 * file. */
int cc_token_file_load(const char *path, char *buf, size_t cap, size_t *got, char *err,
                       size_t errlen);

/* "PATH: WHAT" into err; returns rc. */
int cc_token_file_fail(char *err, size_t errlen, int rc, const char *path, const char *what);

#endif
