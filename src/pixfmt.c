#include "pixfmt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* PFNC codes from the GenICam Pixel Format Naming Convention 2.x. */
static const struct {
    const char *name;
    uint32_t pfnc;
    unsigned bits;
    bool mono;
} formats[CC_PIX_COUNT] = {
    [CC_PIX_MONO8] = {"Mono8", 0x01080001, 8, true},
    [CC_PIX_RGB8] = {"RGB8", 0x02180014, 24, false},
    [CC_PIX_BGR8] = {"BGR8", 0x02180015, 24, false},
    [CC_PIX_MONO10] = {"Mono10", 0x01100003, 16, true},
    [CC_PIX_MONO12] = {"Mono12", 0x01100005, 16, true},
    [CC_PIX_MONO16] = {"Mono16", 0x01100007, 16, true},
    [CC_PIX_MONO10_PACKED] = {"Mono10Packed", 0x010C0004, 12, true},
    [CC_PIX_MONO12_PACKED] = {"Mono12Packed", 0x010C0006, 12, true},
    [CC_PIX_MONO10P] = {"Mono10p", 0x010A0046, 10, true},
    [CC_PIX_MONO12P] = {"Mono12p", 0x010C0047, 12, true},
    [CC_PIX_BAYER_RG8] = {"BayerRG8", 0x01080009, 8, false},
    [CC_PIX_BAYER_GB8] = {"BayerGB8", 0x0108000A, 8, false},
    [CC_PIX_BAYER_GR8] = {"BayerGR8", 0x01080008, 8, false},
    [CC_PIX_BAYER_BG8] = {"BayerBG8", 0x0108000B, 8, false},
    [CC_PIX_YUV422_UYVY] = {"YUV422_8_UYVY", 0x0210001F, 16, false},
    [CC_PIX_YUV422_YUYV] = {"YUV422_8", 0x02100032, 16, false},
};

/* Older GigE Vision names of the same codes, still common in cameras. */
static const struct {
    const char *name;
    cc_pixfmt fmt;
} aliases[] = {
    {"RGB8Packed", CC_PIX_RGB8},
    {"BGR8Packed", CC_PIX_BGR8},
    {"YUV422Packed", CC_PIX_YUV422_UYVY},
    {"YUV422_YUYV_Packed", CC_PIX_YUV422_YUYV},
};

static bool known(cc_pixfmt fmt)
{
    return fmt > 0 && fmt < CC_PIX_COUNT;
}

const char *cc_pixfmt_name(cc_pixfmt fmt)
{
    return known(fmt) ? formats[fmt].name : NULL;
}

int cc_pixfmt_parse(const char *name, cc_pixfmt *out)
{
    for (int f = 1; f < CC_PIX_COUNT; f++) {
        if (strcasecmp(formats[f].name, name) == 0) {
            *out = (cc_pixfmt)f;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (strcasecmp(aliases[i].name, name) == 0) {
            *out = aliases[i].fmt;
            return 0;
        }
    }
    return -EINVAL;
}

uint32_t cc_pixfmt_pfnc(cc_pixfmt fmt)
{
    return known(fmt) ? formats[fmt].pfnc : 0;
}

int cc_pixfmt_from_pfnc(uint32_t code, cc_pixfmt *out)
{
    for (int f = 1; f < CC_PIX_COUNT; f++) {
        if (formats[f].pfnc == code) {
            *out = (cc_pixfmt)f;
            return 0;
        }
    }
    return -ENOENT;
}

unsigned cc_pixfmt_bits(cc_pixfmt fmt)
{
    return known(fmt) ? formats[fmt].bits : 0;
}

unsigned cc_pixfmt_bpp(cc_pixfmt fmt)
{
    unsigned bits = cc_pixfmt_bits(fmt);
    return bits % 8 ? 0 : bits / 8;
}

size_t cc_pixfmt_row_bytes(cc_pixfmt fmt, uint32_t width)
{
    return ((size_t)width * cc_pixfmt_bits(fmt) + 7) / 8;
}

bool cc_pixfmt_is_mono(cc_pixfmt fmt)
{
    return known(fmt) && formats[fmt].mono;
}

const char *cc_pixfmt_list(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int f = 1; f < CC_PIX_COUNT && used < len; f++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 used ? ", " : "", formats[f].name);
    return buf;
}
