/* Saving the displayed frames: the original JPEG bytes as received. */
#ifndef CC_VIEWER_SAVE_H
#define CC_VIEWER_SAVE_H

#include <stddef.h>
#include <stdint.h>

/* The file name for a frame: DIR/camcast-NAME-FRAMEID.jpg, with any
 * character of NAME outside [A-Za-z0-9_.-] replaced by '_' (the name comes
 * from the network; the prefix keeps ".." a plain file name). Returns 0
 * or -ENAMETOOLONG. */
int cc_save_path(char *buf, size_t cap, const char *dir, const char *name,
                 uint64_t frame_id);

/* Writes len bytes to path (replacing the file). Returns 0 or -errno. */
int cc_save_file(const char *path, const uint8_t *data, size_t len);

#endif
