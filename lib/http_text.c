#include "camcast/http_text.h"

#include <string.h>
#include <strings.h>

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

bool cc_http_list_has(const char *list, const char *token)
{
    size_t token_len = strlen(token);
    for (const char *p = list;; p++) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m > 0 && is_ows(p[m - 1]))
            m--;
        if (m > 0 && m == token_len && strncasecmp(p, token, m) == 0)
            return true;
        p += n;
        if (*p == '\0')
            return false;
    }
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decodes the n bytes at v into out (at most cap written); the length. */
static long decode(const char *v, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++, o++) {
        int hi = i + 2 < n && v[i] == '%' ? hex_value(v[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(v[i + 2]) : -1;
        char c = lo >= 0 ? (char)(hi << 4 | lo) : v[i] == '+' ? ' ' : v[i];
        if (lo >= 0)
            i += 2;
        if (o < cap)
            out[o] = c;
    }
    return (long)o;
}

long cc_query_value(const char *query, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    for (const char *p = query; p && *p;) {
        size_t n = strcspn(p, "&");
        if (n > klen + 1 && strncmp(p, key, klen) == 0 && p[klen] == '=')
            return decode(p + klen + 1, n - klen - 1, out, cap);
        p += n + (p[n] == '&');
    }
    return -1;
}
