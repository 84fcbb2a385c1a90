/* The RTSP request path: GStreamer's parser (GstRTSPConnection, as the
 * server's client watch reads a connection) on any bytes, then our
 * token check on every request it gives (rtsp_access.c).
 *
 * Input: byte 0 picks the body limit (before or after authentication,
 * as rtsp_access.c sets it) and byte 1 the size of the writes; the rest is
 * what a client sends, written into a loopback TCP connection whose other
 * end GStreamer reads, the way the server does.
 *
 * Checked beyond the sanitizers: every message within the body limit (a
 * larger Content-Length is refused: the server's 413); the token check
 * against an oracle written apart (GLib's base64 and URI unescaping): it
 * accepts a request only when a Basic credential's password is the token
 * or the query has token=TOKEN, always accepts the latter, and never
 * accepts an empty token or no request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/rtsp/gstrtspconnection.h>

#include "fuzz_check.h"
#include "stream/rtsp_access.h"
#include "stream/rtsp_server.h"

#define TOKEN "fuzz-token-0123456789+/="

/* A connected loopback pair: c the client's end, s the server's. One
 * listener for the whole run. */
static int tcp_pair(int *c, int *s)
{
    static int l = -1;
    static struct sockaddr_in a = {.sin_family = AF_INET};
    *c = *s = -1;
    if (l < 0) {
        socklen_t al = sizeof a;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 4) != 0 ||
            getsockname(l, (struct sockaddr *)&a, &al) != 0)
            return -1;
    }
    *c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*c < 0 || connect(*c, (struct sockaddr *)&a, sizeof a) != 0)
        goto fail;
    *s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (*s < 0)
        goto fail;
    return 0;
fail:
    if (*c >= 0)
        close(*c);
    *c = -1;
    return -1;
}

/* Closes the client's end with a reset: no TIME_WAIT, so a long run does
 * not use up the ephemeral ports. */
static void reset_close(int fd)
{
    struct linger now = {.l_onoff = 1, .l_linger = 0};
    int rc = setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    (void)rc;
    close(fd);
}

/* The oracle: the same question, answered with GLib's own decoders. A
 * Basic credential is whatever follows a word starting with "basic"
 * (GStreamer's parser skips words it does not know), base64. */
static bool decodes_to(const char *b64, const char *token)
{
    gsize len = 0;
    guchar *plain = g_base64_decode(b64, &len);
    bool ok = false;
    if (plain) {
        const guchar *colon = memchr(plain, ':', len);
        size_t pw = colon ? len - (size_t)(colon + 1 - plain) : 0;
        ok = colon && pw == strlen(token) && memcmp(colon + 1, token, pw) == 0;
        g_free(plain);
    }
    return ok;
}

static bool basic_gives(const char *value, const char *token)
{
    for (const char *w = value; *w;) {
        while (*w && g_ascii_isspace(*w))
            w++;
        const char *end = w;
        while (*end && !g_ascii_isspace(*end))
            end++;
        if (end > w && g_ascii_strncasecmp(w, "basic", 5) == 0 && *end &&
            decodes_to(end + 1, token))
            return true;
        w = end;
    }
    return false;
}

static bool query_gives(const char *query, const char *token)
{
    bool ok = false;
    gchar **params = g_strsplit(query, "&", -1);
    for (gchar **p = params; p && *p && !ok; p++) {
        if (strncmp(*p, "token=", 6) != 0)
            continue;
        for (char *q = *p; *q; q++)
            if (*q == '+')
                *q = ' '; /* form encoding, as the WebSocket port reads it */
        char *v = g_uri_unescape_string(*p + 6, NULL);
        /* A bad escape is kept as it is by our decoder: compare raw then. */
        ok = v ? strcmp(v, token) == 0 : false;
        g_free(v);
        break; /* the first token= counts */
    }
    g_strfreev(params);
    return ok;
}

static bool oracle_basic(GstRTSPMessage *m, const char *token)
{
    for (int i = 0;; i++) {
        gchar *v = NULL;
        if (gst_rtsp_message_get_header(m, GST_RTSP_HDR_AUTHORIZATION, &v, i) != GST_RTSP_OK)
            return false;
        if (basic_gives(v, token))
            return true;
    }
}

static void check_request(GstRTSPMessage *m, guint limit)
{
    guint8 *body = NULL;
    guint size = 0;
    if (gst_rtsp_message_get_body(m, &body, &size) == GST_RTSP_OK)
        FUZZ_CHECK(size <= limit + 1); /* + the NUL GStreamer adds */
    if (gst_rtsp_message_get_type(m) != GST_RTSP_MESSAGE_REQUEST)
        return;
    GstRTSPMethod method;
    const gchar *uri = NULL;
    GstRTSPVersion version;
    if (gst_rtsp_message_parse_request(m, &method, &uri, &version) != GST_RTSP_OK || !uri)
        return;
    GstRTSPUrl *u = NULL;
    if (gst_rtsp_url_parse(uri, &u) != GST_RTSP_OK)
        u = NULL;
    bool ours = cc_rtsp_request_has_token(m, u, TOKEN);
    bool by_query = u && u->query && query_gives(u->query, TOKEN);
    /* Accepted only with the token in it; and always with it in the query.
     * (The oracle's Basic is wider than GStreamer's parser, which lets a
     * Digest parameter list swallow what follows.) */
    if (ours)
        FUZZ_CHECK(by_query || oracle_basic(m, TOKEN));
    if (by_query)
        FUZZ_CHECK(ours);
    FUZZ_CHECK(!cc_rtsp_request_has_token(m, u, ""));
    FUZZ_CHECK(!cc_rtsp_request_has_token(NULL, NULL, TOKEN));
    if (u)
        gst_rtsp_url_free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        gst_init(NULL, NULL);
        ready = true;
    }
    if (size < 2)
        return 0;
    guint limit = data[0] & 1 ? 16 * CC_RTSP_MAX_REQUEST : CC_RTSP_MAX_REQUEST;
    size_t chunk = 1 + data[1] % 97;
    data += 2;
    size -= 2;
    int c, s;
    FUZZ_CHECK(tcp_pair(&c, &s) == 0);
    GSocket *sock = g_socket_new_from_fd(s, NULL);
    FUZZ_CHECK(sock != NULL);
    GstRTSPConnection *conn = NULL;
    FUZZ_CHECK(gst_rtsp_connection_create_from_socket(sock, "127.0.0.1", 1, NULL, &conn) ==
               GST_RTSP_OK);
    g_object_unref(sock); /* the connection has its own */
    gst_rtsp_connection_set_content_length_limit(conn, limit);
    /* All of it in the socket (fuzz inputs are far smaller than its
     * buffer), in writes of `chunk` bytes, then the end. */
    for (size_t off = 0; off < size;) {
        size_t n = size - off < chunk ? size - off : chunk;
        ssize_t w = send(c, data + off, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    shutdown(c, SHUT_WR);
    for (int i = 0; i < 256; i++) {
        GstRTSPMessage m = {0};
        gint64 timeout = G_USEC_PER_SEC; /* everything is in the socket already */
        GstRTSPResult r = gst_rtsp_connection_receive_usec(conn, &m, timeout);
        if (r != GST_RTSP_OK) {
            gst_rtsp_message_unset(&m);
            break; /* the end, a parse error, or a body over the limit (413) */
        }
        check_request(&m, limit);
        gst_rtsp_message_unset(&m);
    }
    gst_rtsp_connection_free(conn);
    reset_close(c);
    return 0;
}
