/* The access token (docs/operations.md, "Security"): read from a file, so
 * it never appears on a command line or in a config that is shared, and
 * compared in constant time. Shared by the daemon, the viewer and the
 * bench.
 */
#ifndef CAMCAST_TOKEN_H
#define CAMCAST_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CC_TOKEN_MIN 16
#define CC_TOKEN_MAX 256

/* Whether s (len bytes) is a usable token: CC_TOKEN_MIN..CC_TOKEN_MAX
 * characters of RFC 6750's b64token (A-Z a-z 0-9 - . _ ~ + / and trailing
 * '='), which travel unchanged in a header and, percent-encoded or not, in
 * a query string. */
bool cc_token_valid(const char *s, size_t len);

/* Reads the token from path: its first line, surrounding white space
 * removed. Refuses anything but a regular file (a symbolic link, a FIFO:
 * never waits for a writer), a file owned by another user than the
 * caller's (effective) one or root, one that every user may read (the
 * token is a password), an empty or invalid one. Returns 0, or a negative
 * errno with one line in err naming the file. */
int cc_token_read_file(const char *path, char token[CC_TOKEN_MAX + 1], char *err,
                       size_t errlen);

/* Whether given (given_len bytes, any content) equals the token expected,
 * in time that depends only on given_len and CC_TOKEN_MAX. */
bool cc_token_equal(const char *expected, const char *given, size_t given_len);

#ifdef __cplusplus
}
#endif

#endif
