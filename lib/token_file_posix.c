#include "token_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int cc_token_file_load(const char *path, char *buf, size_t cap, size_t *got, char *err,
                       size_t errlen)
{
    /* Not through a symbolic link (whoever may change the link chooses the
     * token), and never blocking: a FIFO put there would hang the loop
     * that reloads the file. Its type is checked once it is open. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        return cc_token_file_fail(err, errlen, -e, path,
                                  e == ELOOP ? "a symbolic link: give the file itself"
                                             : strerror(e));
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0)
        rc = cc_token_file_fail(err, errlen, -errno, path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = cc_token_file_fail(err, errlen, -EINVAL, path, "not a regular file");
    else if (st.st_uid != geteuid() && st.st_uid != 0)
        rc = cc_token_file_fail(err, errlen, -EPERM, path,
                                "owned by another user: whoever owns it chooses the token "
                                "(chown it to this user or root)");
    else if (st.st_mode & S_IROTH)
        rc = cc_token_file_fail(err, errlen, -EPERM, path,
                                "readable by every user: the token is a password "
                                "(chmod o-r, or 600)");
    else if ((rc = read_all(fd, buf, cap, got)) < 0)
        cc_token_file_fail(err, errlen, rc, path, strerror(-rc));
    close(fd);
    return rc;
}
