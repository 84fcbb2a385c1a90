#include "raw_rtsp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

double raw_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int raw_connect(raw_rtsp *c, const char *from, unsigned port, int rcvbuf)
{
    memset(c, 0, sizeof *c);
    c->fd = c->rtp = c->rtcp = -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (from) {
        struct sockaddr_in me = {.sin_family = AF_INET};
        if (inet_pton(AF_INET, from, &me.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&me, sizeof me) != 0) {
            close(fd);
            return -EADDRNOTAVAIL;
        }
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    c->fd = fd;
    c->rate_t0 = raw_now();
    return 0;
}

void raw_close(raw_rtsp *c)
{
    if (c->fd >= 0)
        close(c->fd);
    if (c->rtp >= 0)
        close(c->rtp);
    if (c->rtcp >= 0)
        close(c->rtcp);
    c->fd = c->rtp = c->rtcp = -1;
}

int raw_send(raw_rtsp *c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EPIPE;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void count_rtp(raw_rtsp *c, const unsigned char *p, size_t n)
{
    if (n < 12 || (p[0] >> 6) != 2)
        return;
    c->packets++;
    c->frames += (p[1] & 0x80) != 0;
}

static const unsigned char *find(const unsigned char *h, size_t hl, const char *n)
{
    size_t nl = strlen(n);
    for (size_t i = 0; i + nl <= hl; i++)
        if (memcmp(h + i, n, nl) == 0)
            return h + i;
    return NULL;
}

/* The interleaved packets and answers that are whole in buf. */
static void consume(raw_rtsp *c)
{
    for (;;) {
        if (c->len == 0)
            return;
        if (c->buf[0] == '$') {
            if (c->len < 4)
                return;
            size_t n = (size_t)c->buf[2] << 8 | c->buf[3];
            if (c->len < 4 + n)
                return;
            if (c->buf[1] == 0)
                count_rtp(c, c->buf + 4, n);
            memmove(c->buf, c->buf + 4 + n, c->len - 4 - n);
            c->len -= 4 + n;
            continue;
        }
        const unsigned char *end = find(c->buf, c->len, "\r\n\r\n");
        if (!end)
            return;
        size_t head = (size_t)(end - c->buf) + 4;
        size_t copy = head < sizeof c->head ? head : sizeof c->head - 1;
        char saved[sizeof c->head];
        memcpy(saved, c->buf, copy);
        saved[copy] = '\0';
        long body = 0;
        const char *cl = strcasestr(saved, "\r\nContent-Length:");
        if (cl)
            body = strtol(cl + 17, NULL, 10);
        if (body < 0 || head + (size_t)body > sizeof c->buf) {
            c->status = -1; /* garbage: give up on this connection */
            c->eof = true;
            return;
        }
        if (c->len < head + (size_t)body)
            return;
        memcpy(c->head, saved, copy + 1);
        c->status = strncmp(c->head, "RTSP/1.0 ", 9) == 0 ? atoi(c->head + 9) : -1;
        char sess[sizeof c->session];
        if (raw_header(c, "Session", sess, sizeof sess)) {
            sess[strcspn(sess, ";")] = '\0';
            snprintf(c->session, sizeof c->session, "%s", sess);
        }
        memmove(c->buf, c->buf + head + body, c->len - head - (size_t)body);
        c->len -= head + (size_t)body;
        c->answers++;
    }
}

/* Reads once from c's connection, within its rate. */
static void read_some(raw_rtsp *c)
{
    size_t room = sizeof c->buf - c->len;
    if (c->rate > 0) {
        double allowed = c->rate * (raw_now() - c->rate_t0) - (double)c->rate_read;
        if (allowed < 1)
            return;
        if ((double)room > allowed)
            room = (size_t)allowed;
    }
    if (room == 0)
        return;
    ssize_t n = recv(c->fd, c->buf + c->len, room, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        c->eof = true;
        return;
    }
    if (n > 0) {
        c->len += (size_t)n;
        c->rate_read += (uint64_t)n;
        consume(c);
    }
}

static void read_udp(raw_rtsp *c)
{
    unsigned char pkt[65536];
    for (int i = 0; i < 64; i++) {
        ssize_t n = recv(c->rtp, pkt, sizeof pkt, MSG_DONTWAIT);
        if (n <= 0)
            return;
        count_rtp(c, pkt, (size_t)n);
    }
}

/* One round of poll over the clients, for at most ms. */
static void pump_once(raw_rtsp *const *cs, size_t n, int ms)
{
    struct pollfd p[64];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 2 <= 64; i++) {
        raw_rtsp *c = cs[i];
        bool want = c->fd >= 0 && !c->eof && !c->paused;
        if (want && c->rate > 0 &&
            c->rate * (raw_now() - c->rate_t0) - (double)c->rate_read < 1)
            want = false;
        p[k++] = (struct pollfd){want ? c->fd : -1, POLLIN, 0};
        p[k++] = (struct pollfd){c->rtp, POLLIN, 0};
    }
    if (poll(p, (nfds_t)k, ms) <= 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (p[2 * i].revents)
            read_some(cs[i]);
        if (p[2 * i + 1].revents)
            read_udp(cs[i]);
    }
}

void raw_pump(raw_rtsp *const *cs, size_t n, double seconds)
{
    double end = raw_now() + seconds;
    while (raw_now() < end)
        pump_once(cs, n, 10);
}

bool raw_wait_frames(raw_rtsp *const *cs, size_t n, const uint64_t *want, double timeout_s)
{
    double end = raw_now() + timeout_s;
    for (;;) {
        bool all = true;
        for (size_t i = 0; i < n; i++)
            all = all && cs[i]->frames >= want[i];
        if (all)
            return true;
        if (raw_now() > end)
            return false;
        pump_once(cs, n, 10);
    }
}

bool raw_wait_eof(raw_rtsp *c, double timeout_s)
{
    double end = raw_now() + timeout_s;
    bool paused = c->paused;
    double rate = c->rate;
    c->paused = false;
    c->rate = 0;
    raw_rtsp *one[] = {c};
    while (!c->eof && raw_now() < end)
        pump_once(one, 1, 10);
    c->paused = paused;
    c->rate = rate;
    return c->eof;
}

bool raw_header(const raw_rtsp *c, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *line = strstr(c->head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
            const char *v = h + nl + 1;
            v += strspn(v, " \t");
            size_t len = strcspn(v, "\r\n");
            if (len >= cap)
                len = cap - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return true;
        }
    }
    return false;
}

int raw_request(raw_rtsp *c, const char *method, const char *url, const char *extra,
                double timeout_s)
{
    char req[8192];
    bool has_session = extra && strcasestr(extra, "Session:");
    int len = snprintf(req, sizeof req, "%s %s RTSP/1.0\r\nCSeq: %u\r\n%s%s%s%s\r\n", method, url,
                       ++c->cseq, extra ? extra : "",
                       c->session[0] && !has_session ? "Session: " : "",
                       c->session[0] && !has_session ? c->session : "",
                       c->session[0] && !has_session ? "\r\n" : "");
    if (len <= 0 || (size_t)len >= sizeof req || raw_send(c, req, (size_t)len) != 0)
        return -1;
    uint64_t answers = c->answers;
    double end = raw_now() + timeout_s;
    raw_rtsp *one[] = {c};
    bool paused = c->paused;
    double rate = c->rate;
    c->paused = false; /* an answer is read whatever the pace */
    c->rate = 0;
    while (c->answers == answers && !c->eof && raw_now() < end)
        pump_once(one, 1, 10);
    c->paused = paused;
    c->rate = rate;
    c->rate_t0 = raw_now();
    c->rate_read = 0;
    return c->answers > answers ? c->status : -1;
}

/* Two UDP sockets on 127.0.0.1 for RTP and RTCP; their ports. */
static int udp_ports(raw_rtsp *c, unsigned *rtp, unsigned *rtcp)
{
    int fds[2] = {-1, -1};
    unsigned ports[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = {.sin_family = AF_INET};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t al = sizeof a;
        int big = 1 << 22;
        if (fds[i] < 0 || setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof big) != 0 ||
            bind(fds[i], (struct sockaddr *)&a, sizeof a) != 0 ||
            getsockname(fds[i], (struct sockaddr *)&a, &al) != 0) {
            if (fds[0] >= 0)
                close(fds[0]);
            if (fds[1] >= 0)
                close(fds[1]);
            return -1;
        }
        ports[i] = ntohs(a.sin_port);
    }
    c->rtp = fds[0];
    c->rtcp = fds[1];
    *rtp = ports[0];
    *rtcp = ports[1];
    return 0;
}

int raw_play(raw_rtsp *c, const char *url, const char *auth, bool tcp, double timeout_s)
{
    char extra[1024];
    snprintf(extra, sizeof extra, "Accept: application/sdp\r\n%s", auth ? auth : "");
    int st = raw_request(c, "DESCRIBE", url, extra, timeout_s);
    if (st != 200)
        return st;
    /* As clients do: the SETUP's URL and the PLAY's from Content-Base. */
    char play_url[1024], setup_url[1100];
    if (!raw_header(c, "Content-Base", play_url, sizeof play_url))
        snprintf(play_url, sizeof play_url, "%s/", url);
    snprintf(setup_url, sizeof setup_url, "%s%sstream=0", play_url,
             play_url[0] && play_url[strlen(play_url) - 1] == '/' ? "" : "/");
    if (tcp) {
        snprintf(extra, sizeof extra, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n%s",
                 auth ? auth : "");
    } else {
        unsigned rtp = 0, rtcp = 0;
        if (udp_ports(c, &rtp, &rtcp) != 0)
            return -1;
        snprintf(extra, sizeof extra, "Transport: RTP/AVP;unicast;client_port=%u-%u\r\n%s", rtp,
                 rtcp, auth ? auth : "");
    }
    st = raw_request(c, "SETUP", setup_url, extra, timeout_s);
    if (st != 200)
        return st;
    snprintf(extra, sizeof extra, "Range: npt=0-\r\n%s", auth ? auth : "");
    return raw_request(c, "PLAY", play_url, extra, timeout_s);
}
