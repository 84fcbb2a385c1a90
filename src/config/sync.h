/* A [sync NAME] section of cams.ini (config.h loads it; docs/sync.md). */
#ifndef CC_CONFIG_SYNC_H
#define CC_CONFIG_SYNC_H

#include <stdint.h>

#include "config/camera.h" /* CC_NAME_MAX, cc_sync_trigger */

#define CC_MAX_SYNC 16 /* [sync NAME] sections */

/* Cameras that capture one moment together: each bundle holds the frames
 * of one trigger (or, free running, the frames nearest one instant). */
typedef struct cc_sync_config {
    char name[CC_NAME_MAX];
    int line;                      /* of the [sync NAME] header */
    char cameras_text[CC_VALUE_MAX]; /* as written: "left, center, right" */
    int cameras_line;
    cc_sync_trigger trigger;
    char trigger_line[CC_NAME_MAX]; /* CC_SYNC_LINE: "Line1" */
    int trigger_key_line;
    unsigned tolerance_us;
    double wait_ms;                /* 0 in the file: one frame interval */
    /* Resolved at load. */
    uint64_t cameras;              /* bit i: camera index i */
    double wait_resolved_ms;       /* wait_ms, or the slowest camera's frame
                                      interval */
} cc_sync_config;

const char *cc_sync_trigger_name(const cc_sync_config *s);

#endif
