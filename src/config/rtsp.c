/* [rtsp]: where RTSP clients connect, at what rate, which JPEGs. */
#include "config/rtsp.h"

#include "config/load.h"

#include <string.h>

#ifndef CC_HAVE_RTSP
#define CC_HAVE_RTSP 0 /* meson -Drtsp=disabled, or no GStreamer RTSP server */
#endif

/* Where the port is set: in listen or port, not both. */
static int note_port(cc_load *st, cc_rtsp_config *r)
{
    if (r->port_line) {
        cc_key_error(st, "the port is set at line %d already", r->port_line);
        return -1;
    }
    r->port_line = st->line;
    return 0;
}

static void parse_listen(cc_load *st, void *obj, const char *value)
{
    cc_rtsp_config *r = obj;
    char addr[sizeof r->listen];
    const char *port;
    long n = 0;
    if (cc_split_listen(value, addr, sizeof addr, &port) || !cc_valid_address(addr) ||
        (port && cc_parse_long(port, 0, 65535, &n))) {
        cc_key_error(st, "expected ADDR, ADDR:PORT or [IPV6]:PORT, got '%s'", value);
        return;
    }
    memcpy(r->listen, addr, sizeof addr);
    if (port && note_port(st, r) == 0)
        r->port = (uint16_t)n;
}

static const char *format_listen(const void *obj, char *buf, size_t len)
{
    (void)buf;
    (void)len;
    return ((const cc_rtsp_config *)obj)->listen;
}

static int check_port(cc_load *st, void *obj, const char *value)
{
    (void)value;
    return note_port(st, obj);
}

static int note_fps(cc_load *st, void *obj, const char *value)
{
    (void)value;
    ((cc_rtsp_config *)obj)->fps_line = st->line;
    return 0;
}

static int check_variant(cc_load *st, void *obj, const char *value)
{
    ((cc_rtsp_config *)obj)->variant_line = st->line;
    return cc_need_value(st, obj, value);
}

static const cc_key rtsp_keys[] = {
    /* "": the server's address */
    CC_CUSTOM("listen", NULL, cc_rtsp_config, listen, parse_listen, format_listen,
              .flags = CC_KEY_OMIT_EMPTY),
    CC_UINT("port", 0, 65535, "8554", cc_rtsp_config, port, .check = check_port),
    /* 0: stream_fps */
    CC_NUMBER("fps", 0, 1000, "0", cc_rtsp_config, fps, .check = note_fps),
    CC_TEXT("variant", "full", cc_rtsp_config, variant, .check = check_variant),
};

static void *rtsp_object(cc_load *st)
{
    return &st->cfg->server.rtsp;
}

static void begin_rtsp(cc_load *st, const char *name, size_t len)
{
    (void)name;
    (void)len;
    cc_rtsp_config *r = &st->cfg->server.rtsp;
    if (!CC_HAVE_RTSP) { /* what loads, the daemon can start */
        cc_load_fail(st, st->line, "[rtsp]: this camcastd was built without RTSP "
                     "(GStreamer's RTSP server library; meson setup -Drtsp=enabled)");
        return;
    }
    if (r->enabled) {
        cc_load_fail(st, st->line, "duplicate section [rtsp] (first defined at line %d)",
                     r->line);
        return;
    }
    *r = (cc_rtsp_config){.enabled = true, .line = st->line};
    snprintf(st->sec.label, sizeof st->sec.label, "[rtsp]");
    cc_load_enter(st, &cc_rtsp_section, r);
}

const cc_section_type cc_rtsp_section = {
    .name = "rtsp",
    .keys = rtsp_keys,
    .n_keys = CC_N_OF(rtsp_keys),
    .begin = begin_rtsp,
    .object = rtsp_object,
};

/* The JPEGs RTSP sends: the chosen variant when it is YCbCr already, else
 * one like it made YCbCr for RTSP alone. RTSP's frames are the tick's, so
 * fps is at most stream_fps (wherever [server] is in the file). */
void cc_rtsp_resolve(cc_load *st)
{
    cc_server_config *s = &st->cfg->server;
    cc_rtsp_config *r = &s->rtsp;
    if (r->fps > s->stream_fps) {
        cc_load_fail(st, r->fps_line, "[rtsp] fps: %g is more than [server] stream_fps "
                     "= %g (RTSP sends at most a frame per tick)", r->fps, s->stream_fps);
        return;
    }
    int v = strcmp(r->variant, "full") == 0 ? -1 : cc_variant_find(s, r->variant);
    if (v < 0 && strcmp(r->variant, "full") != 0) {
        cc_load_fail(st, r->variant_line, "[rtsp] variant: no [variant %s] (give \"full\" "
                     "or the name of a [variant NAME] section)", r->variant);
        return;
    }
    r->has_own = v < 0 || s->variants[v].color != CC_COLOR_YUV;
    if (!r->has_own) {
        r->mux_variant = (unsigned)v + 1;
        return;
    }
    r->own = v < 0 ? (cc_variant_config){.scale = 1, .quality = s->jpeg_quality}
                   : s->variants[v];
    snprintf(r->own.name, sizeof r->own.name, "rtsp");
    r->own.color = CC_COLOR_YUV;
    r->mux_variant = (unsigned)s->n_variants + 1;
}

void cc_rtsp_config_write(const cc_rtsp_config *r, FILE *out)
{
    fputs("\n[rtsp]\n", out);
    cc_keys_write(out, rtsp_keys, CC_N_OF(rtsp_keys), r);
}
