#include "source.h"

#include <strings.h>

size_t cc_source_frame_bytes(const cc_source *src)
{
    if (src->painted)
        return 0;
    return cc_pixfmt_row_bytes(src->fmt, src->width) * src->height;
}

static const char *const ptp_names[] = {
    [CC_PTP_OFF] = NULL,
    [CC_PTP_UNKNOWN] = "Unknown",
    [CC_PTP_INITIALIZING] = "Initializing",
    [CC_PTP_FAULTY] = "Faulty",
    [CC_PTP_DISABLED] = "Disabled",
    [CC_PTP_LISTENING] = "Listening",
    [CC_PTP_PRE_MASTER] = "PreMaster",
    [CC_PTP_MASTER] = "Master",
    [CC_PTP_PASSIVE] = "Passive",
    [CC_PTP_UNCALIBRATED] = "Uncalibrated",
    [CC_PTP_SLAVE] = "Slave",
};

const char *cc_ptp_state_name(cc_ptp_state s)
{
    return (size_t)s < sizeof ptp_names / sizeof ptp_names[0] ? ptp_names[s] : NULL;
}

cc_ptp_state cc_ptp_state_parse(const char *name)
{
    for (size_t i = CC_PTP_INITIALIZING; i < sizeof ptp_names / sizeof ptp_names[0]; i++)
        if (strcasecmp(name, ptp_names[i]) == 0)
            return (cc_ptp_state)i;
    return CC_PTP_UNKNOWN;
}
