/* A [camera NAME] section applied to an open GenICam camera (Aravis).
 *
 * Features are set by name, from text as the config writes them, in the
 * order they depend on each other: the feature.NAME lines, acquisition mode,
 * binning, pixel format, region (from offset 0, so the whole sensor is
 * allowed), exposure and gain (their automatic controls turned off first),
 * trigger, frame rate, and for GigE Vision the packet size. Keys the file
 * leaves out leave the camera's own values.
 *
 * It also reads and sets single features while the camera streams (live
 * control), on the camera's grab thread.
 */
#ifndef CC_GENICAM_H
#define CC_GENICAM_H

#include <arv.h>
#include <stddef.h>

#include "config/config.h"
#include "feature.h"

/* Returns 0, or -EINVAL with err as "FILE:LINE: [camera NAME] KEY: FEATURE
 * = VALUE refused by the camera (allowed MIN..MAX)" or what else the camera
 * allows (entries of an enumeration, pixel formats, trigger sources). */
int cc_genicam_configure(ArvCamera *camera, const cc_camera_config *cfg,
                         char *err, size_t errlen);

/* Live control (feature.h, docs/control.md), from the node map. What is
 * offered: the usual exposure, gain, black level, gamma, white balance,
 * frame rate, trigger and reverse features the camera implements, and the
 * config's feature.NAME ones. A feature held by its automatic control
 * (exposure while ExposureAuto is not Off) is not writable, as is one the
 * camera marks unavailable, locked or read-only. */
/* Fills up to max states; returns how many. */
int cc_genicam_list(ArvCamera *camera, const cc_camera_config *cfg, cc_feature_state *out,
                    size_t max);
/* f->name's state now. Returns 0, -ENOENT (none, or a kind not offered)
 * or -EIO (the camera did not answer; what was read is kept). */
int cc_genicam_read(ArvCamera *camera, cc_feature_state *f);
/* Checks v against the feature's state now, then sets it (or executes the
 * command). Returns 0, cc_feature_check's refusals, -ENOENT, or -EIO with
 * the camera's own words. */
int cc_genicam_write(ArvCamera *camera, const char *name, cc_feature_value *v, char *err,
                     size_t errlen);

#endif
