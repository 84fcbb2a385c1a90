#include "camcast/token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAX 4096 /* a token file is one short line */

/* The viewer also builds on Windows (MSYS2): no O_CLOEXEC, O_NOCTTY,
 * O_NOFOLLOW, O_NONBLOCK, file owners or per-user permission bits there. */
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif
#ifndef O_NOCTTY
#define O_NOCTTY 0
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 0
#endif
#ifdef S_IROTH
#define READABLE_BY_ALL(mode) ((mode) & S_IROTH)
#else
#define READABLE_BY_ALL(mode) 0
#endif
#ifdef _WIN32 /* no POSIX owners */
#define OWNED_BY_US_OR_ROOT(st) 1
#else
#define OWNED_BY_US_OR_ROOT(st) ((st).st_uid == geteuid() || (st).st_uid == 0)
#endif

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

static int fail(char *err, size_t errlen, int rc, const char *path, const char *what)
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

static int read_all(int fd, char *buf, size_t cap, size_t *got)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0 || (n += (size_t)r) == cap)
            break;
    }
    *got = n;
    return 0;
}

int cc_token_read_file(const char *path, char token[CC_TOKEN_MAX + 1], char *err,
                       size_t errlen)
{
    /* Not through a symbolic link (whoever may change the link chooses the
     * token), and never blocking: a FIFO put there would hang the loop
     * that reloads the file. Its type is checked once it is open. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        return fail(err, errlen, -e, path,
                    e == ELOOP ? "a symbolic link: give the file itself" : strerror(e));
    }
    struct stat st;
    char buf[FILE_MAX + 1];
    size_t n = 0;
    int rc = 0;
    if (fstat(fd, &st) < 0)
        rc = fail(err, errlen, -errno, path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = fail(err, errlen, -EINVAL, path, "not a regular file");
    else if (!OWNED_BY_US_OR_ROOT(st))
        rc = fail(err, errlen, -EPERM, path,
                  "owned by another user: whoever owns it chooses the token "
                  "(chown it to this user or root)");
    else if (READABLE_BY_ALL(st.st_mode))
        rc = fail(err, errlen, -EPERM, path,
                  "readable by every user: the token is a password (chmod o-r, or 600)");
    else if ((rc = read_all(fd, buf, sizeof buf - 1, &n)) < 0)
        fail(err, errlen, rc, path, strerror(-rc));
    else if (n == sizeof buf - 1)
        rc = fail(err, errlen, -EINVAL, path, "too large for a token file");
    close(fd);
    if (rc < 0)
        return rc;
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
        return fail(err, errlen, -EINVAL, path, what);
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
