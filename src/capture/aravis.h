/* Aravis cameras: GenICam over GigE Vision or USB3 Vision, and Aravis'
 * in-process Fake camera.
 *
 * A camera is opened and configured from its [camera NAME] section, every
 * setting read back; then its grab thread pops Aravis buffers, copies the
 * image into the ring slot and pushes the buffer straight back. A camera
 * that stops delivering (no frame for timeout_ms, or Aravis' control-lost
 * signal) makes grab() report it lost; the grab thread then releases it
 * (which may block for seconds) and reopens it with backoff.
 */
#ifndef CC_ARAVIS_H
#define CC_ARAVIS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "source.h"

/* Opens and configures the camera. On failure returns -ENODEV (not found),
 * -EINVAL (a value the camera refused), -ENOTSUP (a pixel format camcastd
 * cannot stream) or -EIO, with the reason in err as "FILE:LINE: [camera
 * NAME] KEY: problem". With required = false a camera that cannot be
 * opened is not an error: the source comes back unconnected, err says why,
 * and its grab thread keeps retrying. */
int cc_aravis_new(cc_source **out, const cc_camera_config *cfg, char *err,
                  size_t errlen);

/* Makes Aravis' in-process Fake camera ("Fake_1") visible. Call before
 * anything else here. */
void cc_aravis_enable_fake(void);

typedef struct cc_aravis_device {
    char id[128];
    char vendor[64];
    char model[64];
    char serial[64];
    char address[64];
    char protocol[32];
} cc_aravis_device;

/* Discovers cameras (about a second for GigE Vision). Fills up to max
 * entries and returns how many cameras Aravis sees. */
size_t cc_aravis_list(cc_aravis_device *out, size_t max);

/* Frees Aravis' global state, once no camera is open (end of main). */
void cc_aravis_shutdown(void);

#endif
