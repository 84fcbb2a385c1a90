/* [rtsp]: where RTSP clients connect, at what rate, which JPEGs. */
#include "config/rtsp.h"

#include "config/load.h"

#include <stdio.h>
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

/* rtp_ports: "MIN-MAX" (at least two ports), or "any". */
static void parse_rtp_ports(cc_load *st, void *obj, const char *value)
{
    cc_rtsp_config *r = obj;
    if (strcmp(value, "any") == 0) {
        r->rtp_port_min = r->rtp_port_max = 0;
        return;
    }
    char lo[16];
    const char *dash = strchr(value, '-');
    size_t len = dash ? (size_t)(dash - value) : 0;
    long a = 0, b = 0;
    if (!dash || len == 0 || len >= sizeof lo) {
        cc_key_error(st, "expected MIN-MAX (e.g. 40000-40999) or any, got '%s'", value);
        return;
    }
    memcpy(lo, value, len);
    lo[len] = '\0';
    if (cc_parse_long(lo, 1024, 65534, &a) || cc_parse_long(dash + 1, 1025, 65535, &b) ||
        b <= a) {
        cc_key_error(st, "expected MIN-MAX with 1024 <= MIN < MAX <= 65535, got '%s'", value);
        return;
    }
    r->rtp_port_min = (uint16_t)a;
    r->rtp_port_max = (uint16_t)b;
}

static const char *format_rtp_ports(const void *obj, char *buf, size_t len)
{
    const cc_rtsp_config *r = obj;
    if (r->rtp_port_max == 0)
        return "any";
    snprintf(buf, len, "%u-%u", r->rtp_port_min, r->rtp_port_max);
    return buf;
}

#define STR_(x) #x
#define STR(x) STR_(x)

static const cc_key rtsp_keys[] = {
    /* "": the server's address */
    CC_CUSTOM("listen", NULL, cc_rtsp_config, listen, parse_listen, format_listen,
              .flags = CC_KEY_OMIT_EMPTY),
    CC_UINT("port", 0, 65535, "8554", cc_rtsp_config, port, .check = check_port),
    /* 0: stream_fps */
    CC_NUMBER("fps", 0, 1000, "0", cc_rtsp_config, fps, .check = note_fps),
    CC_TEXT("variant", "full", cc_rtsp_config, variant, .check = check_variant),
    CC_UINT("max_clients", 1, 65535, STR(CC_RTSP_MAX_CLIENTS), cc_rtsp_config, max_clients),
    /* 0: no cap */
    CC_UINT("max_clients_per_address", 0, 65535, "0", cc_rtsp_config,
            max_clients_per_address),
    CC_UINT("max_sessions", 1, 65535, STR(CC_RTSP_MAX_SESSIONS), cc_rtsp_config,
            max_sessions),
    CC_UINT("max_sessions_per_client", 1, 64, STR(CC_RTSP_MAX_SESSIONS_PER_CLIENT),
            cc_rtsp_config, max_sessions_per_client),
    CC_UINT("max_request", 512, 1048576, STR(CC_RTSP_MAX_REQUEST), cc_rtsp_config,
            max_request),
    CC_NUMBER("session_timeout", 1, 86400, STR(CC_RTSP_SESSION_TIMEOUT_S), cc_rtsp_config,
              session_timeout_s),
    CC_NUMBER("auth_timeout", 0.1, 3600, STR(CC_RTSP_AUTH_TIMEOUT_S), cc_rtsp_config,
              auth_timeout_s),
    /* no default: [server] stall_timeout (cc_rtsp_resolve) */
    CC_NUMBER("stall_timeout", 0, 3600, NULL, cc_rtsp_config, stall_timeout_s),
    CC_CUSTOM("rtp_ports", STR(CC_RTSP_RTP_PORT_MIN) "-" STR(CC_RTSP_RTP_PORT_MAX),
              cc_rtsp_config, rtp_port_min, parse_rtp_ports, format_rtp_ports),
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
    *r = (cc_rtsp_config){.enabled = true, .line = st->line, .stall_timeout_s = -1};
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
    if (r->stall_timeout_s < 0)
        r->stall_timeout_s = s->stall_timeout_s;
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
