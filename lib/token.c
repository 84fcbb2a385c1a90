#include "camcast/token.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "token_file.h"

#define FILE_MAX 4096 /* a token file is one short line */

/* A memset the compiler may not drop: the token does not linger. */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

static bool b64token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

bool cc_token_valid(const char *s, size_t len)
{
    if (len < CC_TOKEN_MIN || len > CC_TOKEN_MAX)
        return false;
    size_t i = 0;
    while (i < len && b64token_char(s[i]))
        i++;
    if (i == 0)
        return false;
    while (i < len && s[i] == '=')
        i++;
    return i == len;
}

int cc_token_file_fail(char *err, size_t errlen, int rc, const char *path, const char *what)
{
    snprintf(err, errlen, "%s: %s", path, what);
    return rc;
}

/* The first line of buf, surrounding spaces, tabs and CR removed. */
static const char *first_line(char *buf, size_t *len)
{
    buf[strcspn(buf, "\n")] = '\0';
    char *s = buf + strspn(buf, " \t\r");
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    *len = n;
    return s;
}

int cc_token_read_file(const char *path, char token[CC_TOKEN_MAX + 1], char *err,
                       size_t errlen)
{
    char buf[FILE_MAX + 1];
    size_t n = 0;
    /* The file itself: token_file_posix.c or token_file_win32.c. */
    int rc = cc_token_file_load(path, buf, sizeof buf - 1, &n, err, errlen);
    if (rc == 0 && n == sizeof buf - 1)
        rc = cc_token_file_fail(err, errlen, -EINVAL, path, "too large for a token file");
    if (rc < 0) {
        wipe(buf, sizeof buf);
        return rc;
    }
    buf[n] = '\0';
    size_t len;
    const char *s = first_line(buf, &len);
    if (!cc_token_valid(s, len)) {
        char what[160];
        snprintf(what, sizeof what,
                 "no valid token: want %d..%d characters of A-Z a-z 0-9 - . _ ~ + / "
                 "(and trailing =) on the first line",
                 CC_TOKEN_MIN, CC_TOKEN_MAX);
        wipe(buf, sizeof buf);
        return cc_token_file_fail(err, errlen, -EINVAL, path, what);
    }
    memcpy(token, s, len);
    token[len] = '\0';
    wipe(buf, sizeof buf);
    return 0;
}

bool cc_token_equal(const char *expected, const char *given, size_t given_len)
{
    /* Every call reads CC_TOKEN_MAX bytes of both, whatever they hold; the
     * lengths are compared the same way. */
    size_t want_len = strnlen(expected, CC_TOKEN_MAX + 1);
    unsigned diff = (unsigned)(want_len ^ given_len) | (given_len > CC_TOKEN_MAX);
    for (size_t i = 0; i < CC_TOKEN_MAX; i++) {
        unsigned char a = i < want_len ? (unsigned char)expected[i] : 0;
        unsigned char b = i < given_len ? (unsigned char)given[i] : 0;
        diff |= (unsigned)(a ^ b);
    }
    return diff == 0;
}
