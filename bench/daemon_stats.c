#include "daemon_stats.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "camcast/ws_client.h"

#define MAX_RESPONSE (8u << 20) /* /stats lists every client: ~250 B each */

/* ---- parsing ---- */

static double number(const cJSON *o, const char *key, double missing)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : missing;
}

static void parse_variant(const cJSON *o, cc_daemon_stats_variant *v)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    snprintf(v->name, sizeof v->name, "%s", cJSON_IsString(name) ? name->valuestring : "");
    v->clients = number(o, "clients", 0);
    v->ticks = number(o, "ticks", 0);
    v->encoded = number(o, "encoded", 0);
    v->encode_errors = number(o, "encode_errors", 0);
    v->jpeg_bytes = number(o, "jpeg_bytes", 0);
    v->encode_ms_mean = number(o, "encode_ms_mean", 0);
    v->convert_ms_mean = number(o, "convert_ms_mean", -1);
}

static int parse_root(const cJSON *root, cc_daemon_stats *out)
{
    const cJSON *cams = cJSON_GetObjectItemCaseSensitive(root, "cameras");
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(root, "variants");
    if (!cJSON_IsArray(cams))
        return -EINVAL;
    memset(out, 0, sizeof *out);
    out->bundles_muxed = number(root, "bundles_muxed", 0);
    const cJSON *o;
    cJSON_ArrayForEach(o, cams)
    {
        if (out->n_cameras == CC_BENCH_MAX_CAMERAS)
            return -EINVAL;
        out->frames_encoded[out->n_cameras++] = number(o, "frames_encoded", 0);
    }
    cJSON_ArrayForEach(o, vars) /* absent before protocol 1.1: none */
    {
        if (out->n_variants == CC_BENCH_MAX_VARIANTS)
            return -EINVAL;
        parse_variant(o, &out->variants[out->n_variants++]);
    }
    return 0;
}

int cc_daemon_stats_parse(const char *json, size_t len, cc_daemon_stats *out)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root)
        return -EINVAL;
    int rc = parse_root(root, out);
    cJSON_Delete(root);
    return rc;
}

const cc_daemon_stats_variant *cc_daemon_stats_variant_find(const cc_daemon_stats *s,
                                                            const char *name)
{
    for (size_t v = 0; v < s->n_variants; v++)
        if (strcmp(s->variants[v].name, name) == 0)
            return &s->variants[v];
    return NULL;
}

/* ---- the request ---- */

static void fail(cc_stats_get *g, int err)
{
    if (!g->err)
        g->err = err;
}

static void on_closed(uv_handle_t *h)
{
    cc_stats_get *g = h->data;
    g->open--;
}

/* Ends the request either way: the response is whatever came so far. */
static void finish(cc_stats_get *g)
{
    if (!uv_is_closing((uv_handle_t *)&g->tcp))
        uv_close((uv_handle_t *)&g->tcp, on_closed);
    if (!uv_is_closing((uv_handle_t *)&g->timer))
        uv_close((uv_handle_t *)&g->timer, on_closed);
}

static void on_timeout(uv_timer_t *t)
{
    cc_stats_get *g = t->data;
    fail(g, -ETIMEDOUT);
    finish(g);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    cc_stats_get *g = h->data;
    if (g->cap - g->len < suggested && g->cap < MAX_RESPONSE) {
        size_t cap = g->cap ? g->cap * 2 : 64 * 1024;
        char *p = realloc(g->buf, cap + 1); /* + 1: the NUL the parser gets */
        if (p) {
            g->buf = p;
            g->cap = cap;
        }
    }
    *buf = uv_buf_init(g->buf ? g->buf + g->len : NULL, (unsigned)(g->cap - g->len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    cc_stats_get *g = s->data;
    if (nread > 0) {
        g->len += (size_t)nread;
        g->buf[g->len] = '\0'; /* on_alloc kept room for it */
        if (g->len == g->cap && g->cap >= MAX_RESPONSE) {
            fail(g, -EMSGSIZE);
            finish(g);
        }
    } else if (nread == UV_ENOBUFS) {
        fail(g, -ENOMEM);
        finish(g);
    } else if (nread < 0) { /* the server closes after the response: EOF */
        if (nread != UV_EOF)
            fail(g, (int)nread);
        finish(g);
    }
}

static void on_written(uv_write_t *req, int status)
{
    cc_stats_get *g = req->data;
    memset(g->req, 0, sizeof g->req); /* it may hold the token */
    if (status < 0) {
        fail(g, status);
        finish(g);
    }
}

static void on_connected(uv_connect_t *req, int status)
{
    cc_stats_get *g = req->data;
    if (status == UV_ECANCELED)
        return; /* closed meanwhile */
    int rc = status;
    if (rc == 0) {
        uv_buf_t b = uv_buf_init(g->req, (unsigned)strlen(g->req));
        rc = uv_write(&g->write, (uv_stream_t *)&g->tcp, &b, 1, on_written);
    }
    if (rc == 0)
        rc = uv_read_start((uv_stream_t *)&g->tcp, on_alloc, on_read);
    if (rc < 0) {
        fail(g, rc);
        finish(g);
    }
}

/* Host and port of the stream's URL as a socket address (a name is
 * resolved synchronously: this happens outside the measurement window). */
static int resolve(uv_loop_t *loop, const char *host, uint16_t port,
                   struct sockaddr_storage *out)
{
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    uv_getaddrinfo_t req;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    int rc = uv_getaddrinfo(loop, &req, NULL, host, service, &hints);
    if (rc < 0)
        return rc;
    memcpy(out, req.addrinfo->ai_addr, req.addrinfo->ai_addrlen);
    uv_freeaddrinfo(req.addrinfo);
    return 0;
}

static int request(cc_stats_get *g, uv_loop_t *loop, const char *url, const char *token,
                   struct sockaddr_storage *addr)
{
    char host[256], path[256];
    uint16_t port;
    int rc = cc_ws_url_parse(url, host, sizeof host, &port, path, sizeof path);
    if (rc < 0)
        return rc;
    bool v6 = strchr(host, ':') != NULL;
    int n = snprintf(g->req, sizeof g->req,
                     "GET /stats HTTP/1.1\r\nHost: %s%s%s:%u\r\n%s%s%s"
                     "Connection: close\r\n\r\n",
                     v6 ? "[" : "", host, v6 ? "]" : "", port,
                     token ? "Authorization: Bearer " : "", token ? token : "",
                     token ? "\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof g->req)
        return -ENAMETOOLONG;
    return resolve(loop, host, port, addr);
}

int cc_stats_get_start(cc_stats_get *g, uv_loop_t *loop, const char *url, const char *token,
                       unsigned timeout_ms)
{
    memset(g, 0, sizeof *g);
    struct sockaddr_storage addr;
    int rc = request(g, loop, url, token, &addr);
    if (rc < 0) {
        memset(g->req, 0, sizeof g->req);
        return rc;
    }
    uv_tcp_init(loop, &g->tcp);
    uv_timer_init(loop, &g->timer);
    g->tcp.data = g->timer.data = g->connect.data = g->write.data = g;
    g->open = 2;
    g->started = true;
    uv_timer_start(&g->timer, on_timeout, timeout_ms, 0);
    rc = uv_tcp_connect(&g->connect, &g->tcp, (const struct sockaddr *)&addr, on_connected);
    if (rc < 0) {
        fail(g, rc);
        finish(g);
    }
    return 0;
}

bool cc_stats_get_done(const cc_stats_get *g)
{
    return g->started && g->open == 0;
}

/* "HTTP/1.1 200 OK\r\n...\r\n\r\nBODY": the body of a 200, or NULL. */
static const char *body_of(const cc_stats_get *g, size_t *len, int *status)
{
    *status = 0;
    if (!g->buf || sscanf(g->buf, "HTTP/1.%*d %d", status) != 1 || *status != 200)
        return NULL;
    const char *end = strstr(g->buf, "\r\n\r\n");
    if (!end)
        return NULL;
    *len = g->len - (size_t)(end + 4 - g->buf);
    return end + 4;
}

int cc_stats_get_result(const cc_stats_get *g, cc_daemon_stats *out, char *err,
                        size_t errlen)
{
    if (g->err) {
        snprintf(err, errlen, "GET /stats: %s", uv_strerror(g->err));
        return g->err;
    }
    size_t len = 0;
    int status;
    const char *body = body_of(g, &len, &status);
    if (!body) {
        snprintf(err, errlen, "GET /stats: HTTP status %d", status);
        return -EPROTO;
    }
    if (cc_daemon_stats_parse(body, len, out) < 0) {
        snprintf(err, errlen, "GET /stats: not the daemon's statistics");
        return -EINVAL;
    }
    return 0;
}

void cc_stats_get_free(cc_stats_get *g)
{
    memset(g->req, 0, sizeof g->req);
    free(g->buf);
    g->buf = NULL;
    g->len = g->cap = 0;
}
