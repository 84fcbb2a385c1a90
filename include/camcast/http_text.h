/* Small pieces of HTTP text that the daemon and the client library both
 * read: comma-separated header values and percent-encoded query values.
 */
#ifndef CAMCAST_HTTP_TEXT_H
#define CAMCAST_HTTP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whether a comma-separated header value ("keep-alive, Upgrade") lists
 * token, compared case-insensitively (RFC 9110 5.6.1). */
bool cc_http_list_has(const char *list, const char *token);

/* The value of key in a query string ("a=1&token=x"), percent-decoded
 * ('+' is a space, a bad escape stays as it is) into out, of which at most
 * cap bytes are written (no NUL). Returns the decoded length, more than
 * cap when the value did not fit, or -1 when the key is absent or its
 * value empty. */
long cc_query_value(const char *query, const char *key, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
