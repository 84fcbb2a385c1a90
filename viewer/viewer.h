/* camcast-viewer: the window, its event loop on SDL's main thread, and the
 * network and decode threads behind it. */
#ifndef CC_VIEWER_VIEWER_H
#define CC_VIEWER_VIEWER_H

#include "options.h"

/* Runs until the window is closed (or --headless / --screenshot are done).
 * Prints the count line on stdout. Returns the exit status: 0, or 1 after
 * an error or --timeout. */
int cc_viewer_run(const cc_viewer_options *o);

#endif
