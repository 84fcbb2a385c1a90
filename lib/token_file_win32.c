/* Windows: the path is UTF-8 (SDL's main gives UTF-8 arguments).
 * "Readable by every user" is a DACL that lets Everyone, Authenticated
 * Users or Users read the file (or no DACL at all): Windows has no mode
 * bits, and the C runtime's stat() reports every readable file as
 * readable by all. No owner check: the DACL decides who may change it. */
#include "token_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <aclapi.h>

static int from_win32(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
        return -ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
        return -EACCES;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

static int fail_win32(char *err, size_t errlen, const char *path, const char *doing, DWORD e)
{
    char what[96];
    int rc = from_win32(e);
    snprintf(what, sizeof what, "%s: %s (Windows error %lu)", doing, strerror(-rc),
             (unsigned long)e);
    return cc_token_file_fail(err, errlen, rc, path, what);
}

static bool sid_is_everybody(PSID sid)
{
    return IsWellKnownSid(sid, WinWorldSid) || IsWellKnownSid(sid, WinAuthenticatedUserSid) ||
           IsWellKnownSid(sid, WinBuiltinUsersSid) || IsWellKnownSid(sid, WinAnonymousSid);
}

/* Whether the DACL lets a group of every user read the file. Allow
 * entries only: a deny entry placed before one is rare enough to be
 * refused too (the message says what to change). */
static DWORD readable_by_all(HANDLE h, bool *all)
{
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD e = GetSecurityInfo(h, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl,
                              NULL, &sd);
    if (e != ERROR_SUCCESS)
        return e;
    *all = dacl == NULL; /* no DACL: anyone may do anything */
    for (DWORD i = 0; dacl && i < dacl->AceCount && !*all; i++) {
        ACE_HEADER *ace;
        if (!GetAce(dacl, i, (void **)&ace) || ace->AceType != ACCESS_ALLOWED_ACE_TYPE ||
            (ace->AceFlags & INHERIT_ONLY_ACE))
            continue;
        ACCESS_ALLOWED_ACE *allow = (ACCESS_ALLOWED_ACE *)ace;
        bool reads = allow->Mask & (FILE_READ_DATA | GENERIC_READ | GENERIC_ALL);
        *all = reads && sid_is_everybody((PSID)&allow->SidStart);
    }
    LocalFree(sd);
    return ERROR_SUCCESS;
}

static DWORD read_all(HANDLE h, char *buf, size_t cap, size_t *got)
{
    size_t n = 0;
    for (;;) {
        DWORD want = cap - n > 65536 ? 65536 : (DWORD)(cap - n), r = 0;
        if (!ReadFile(h, buf + n, want, &r, NULL))
            return GetLastError();
        if (r == 0 || (n += r) == cap)
            break;
    }
    *got = n;
    return ERROR_SUCCESS;
}

static wchar_t *wide(const char *path)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

int cc_token_file_load(const char *path, char *buf, size_t cap, size_t *got, char *err,
                       size_t errlen)
{
    wchar_t *wpath = wide(path);
    if (!wpath)
        return cc_token_file_fail(err, errlen, -EINVAL, path, "not a valid UTF-8 file name");
    /* BACKUP_SEMANTICS opens a directory too, so that it gets the same
     * "not a regular file" as on POSIX; OPEN_REPARSE_POINT opens a
     * symbolic link itself, refused as on POSIX (whoever may change the
     * link chooses the token). */
    HANDLE h = CreateFileW(wpath, GENERIC_READ | READ_CONTROL, FILE_SHARE_READ, NULL,
                           OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    free(wpath);
    if (h == INVALID_HANDLE_VALUE)
        return fail_win32(err, errlen, path, "cannot open", GetLastError());
    BY_HANDLE_FILE_INFORMATION info;
    bool all = false;
    int rc = 0;
    DWORD e;
    if (GetFileType(h) != FILE_TYPE_DISK || !GetFileInformationByHandle(h, &info) ||
        (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
        rc = cc_token_file_fail(err, errlen, -EINVAL, path, "not a regular file");
    else if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
        rc = cc_token_file_fail(err, errlen, -ELOOP, path,
                                "a symbolic link: give the file itself");
    else if ((e = readable_by_all(h, &all)) != ERROR_SUCCESS)
        rc = fail_win32(err, errlen, path, "cannot read its permissions", e);
    else if (all)
        rc = cc_token_file_fail(err, errlen, -EPERM, path,
                                "readable by every user: the token is a password (give "
                                "Everyone, Users and Authenticated Users no access to it)");
    else if ((e = read_all(h, buf, cap, got)) != ERROR_SUCCESS)
        rc = fail_win32(err, errlen, path, "cannot read", e);
    CloseHandle(h);
    return rc;
}
