/* A raw RTSP client for tests: requests written by hand on a socket, the
 * answers parsed just enough, and the video counted (RTP packets with the
 * marker bit: one per frame, RFC 2435) from the interleaved data (TCP) or
 * from its own UDP port. It can be slow on purpose: read at most so many
 * bytes a second, or nothing at all. Every wait is bounded.
 */
#ifndef CC_TEST_RAW_RTSP_H
#define CC_TEST_RAW_RTSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct raw_rtsp {
    int fd;             /* the RTSP connection; -1 */
    int rtp, rtcp;      /* its UDP sockets after a UDP SETUP; -1 */
    unsigned cseq;
    char session[128];  /* from the last answer that had one */
    unsigned char buf[1 << 17];
    size_t len;         /* bytes in buf */
    bool eof;           /* the server closed the connection */
    uint64_t frames;    /* RTP packets with the marker bit */
    uint64_t packets;   /* RTP packets */
    uint64_t answers;   /* answers read */
    /* Reading on purpose slowly: at most rate bytes a second (0: as fast
     * as it comes); paused: nothing at all. */
    double rate;
    bool paused;
    double rate_t0;
    uint64_t rate_read;
    /* The last answer. */
    int status;
    char head[4096];    /* its head, NUL-terminated */
} raw_rtsp;

/* Connects to 127.0.0.1:port, from address from (NULL: any), with the
 * receive buffer rcvbuf (0: the kernel's). Returns 0 or -errno. c is
 * allocated by the caller (it is large: malloc it). */
int raw_connect(raw_rtsp *c, const char *from, unsigned port, int rcvbuf);
void raw_close(raw_rtsp *c);

/* Sends a request and reads its answer (counting the video that comes
 * before it), at most timeout_s. extra: more header lines, each ending in
 * \r\n, or NULL. A Session header is added when c has one and extra does
 * not name one. Returns the status, or -1 (timeout, closed, garbage). */
int raw_request(raw_rtsp *c, const char *method, const char *url, const char *extra,
                double timeout_s);

/* DESCRIBE, SETUP and PLAY of url (the SETUP's URL is url's path with
 * "/stream=0" after it, as Content-Base would give), over TCP
 * (interleaved) or UDP (its own port on 127.0.0.1). auth: header lines
 * for every request, or NULL. Returns the status of the first request
 * that failed, or 200. */
int raw_play(raw_rtsp *c, const char *url, const char *auth, bool tcp, double timeout_s);

/* Reads what comes to any of the n clients for seconds, each at its rate. */
void raw_pump(raw_rtsp *const *cs, size_t n, double seconds);

/* Pumps all n until each of them has at least want[i] frames, or
 * timeout_s: whether they all did. */
bool raw_wait_frames(raw_rtsp *const *cs, size_t n, const uint64_t *want, double timeout_s);

/* Waits (reading and dropping what comes) until the server closes the
 * connection or timeout_s: whether it did. */
bool raw_wait_eof(raw_rtsp *c, double timeout_s);

/* The value of header name in the last answer (case-insensitive), cut at
 * cap; false when absent. */
bool raw_header(const raw_rtsp *c, const char *name, char *out, size_t cap);

/* Writes bytes as they are. Returns 0 or -errno. */
int raw_send(raw_rtsp *c, const void *data, size_t len);

/* Monotonic seconds. */
double raw_now(void);

#endif
