/* A [camera NAME] section applied to an open GenICam camera (Aravis).
 *
 * Features are set by name, from text as the config writes them, in the
 * order they depend on each other: the feature.NAME lines, acquisition mode,
 * binning, pixel format, region (from offset 0, so the whole sensor is
 * allowed), exposure and gain (their automatic controls turned off first),
 * trigger, frame rate, and for GigE Vision the packet size. Keys the file
 * leaves out leave the camera's own values.
 */
#ifndef CC_GENICAM_H
#define CC_GENICAM_H

#include <arv.h>
#include <stddef.h>

#include "config/config.h"

/* Returns 0, or -EINVAL with err as "FILE:LINE: [camera NAME] KEY: FEATURE
 * = VALUE refused by the camera (allowed MIN..MAX)" or what else the camera
 * allows (entries of an enumeration, pixel formats, trigger sources). */
int cc_genicam_configure(ArvCamera *camera, const cc_camera_config *cfg,
                         char *err, size_t errlen);

#endif
