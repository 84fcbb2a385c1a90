/* rtsp_server.h in a build without GStreamer's RTSP server (-Drtsp=disabled):
 * nothing starts, so the daemon needs no #if around its RTSP code. The
 * configuration already refuses an [rtsp] section in such a build. */
#include "rtsp_server.h"

#include <errno.h>
#include <stdio.h>

int cc_rtsp_new(cc_rtsp **out, const cc_rtsp_opts *o, const char *const *names, size_t n,
                char *err, size_t errlen)
{
    (void)o;
    (void)names;
    (void)n;
    *out = NULL;
    snprintf(err, errlen, "this camcastd was built without RTSP (GStreamer's RTSP server "
                          "library; meson setup -Drtsp=enabled)");
    return -ENOTSUP;
}

unsigned cc_rtsp_port(const cc_rtsp *r)
{
    (void)r;
    return 0;
}

void cc_rtsp_push(cc_rtsp *r, size_t cam, const uint8_t *jpeg, size_t len, uint32_t width,
                  uint32_t height, uint64_t capture_ns)
{
    (void)r;
    (void)cam;
    (void)jpeg;
    (void)len;
    (void)width;
    (void)height;
    (void)capture_ns;
}

bool cc_rtsp_wants(const cc_rtsp *r, size_t cam)
{
    (void)r;
    (void)cam;
    return false;
}

void cc_rtsp_limits_default(cc_rtsp_limits *l)
{
    *l = (cc_rtsp_limits){0};
}

void cc_rtsp_set_online(cc_rtsp *r, size_t cam, bool online)
{
    (void)r;
    (void)cam;
    (void)online;
}

const char *cc_rtsp_limit_name(cc_rtsp_limit l)
{
    (void)l;
    return "none";
}

int cc_rtsp_set_token(cc_rtsp *r, const char *token)
{
    (void)r;
    (void)token;
    return -ENOTSUP;
}

void cc_rtsp_get_stats(const cc_rtsp *r, cc_rtsp_stats *out)
{
    (void)r;
    *out = (cc_rtsp_stats){0};
}

static bool sink_wants(void *arg, size_t cam)
{
    (void)arg;
    (void)cam;
    return false;
}

static void sink_push(void *arg, const cc_fb_entry *e)
{
    (void)arg;
    (void)e;
}

cc_feed_sink cc_rtsp_sink(cc_rtsp *r)
{
    return (cc_feed_sink){.wants = sink_wants, .push = sink_push, .arg = r};
}

void cc_rtsp_free(cc_rtsp *r)
{
    (void)r;
}
