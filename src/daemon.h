/* The daemon: wires cameras, encoder pool, mux and server on one libuv loop
 * and runs them until SIGINT or SIGTERM. */
#ifndef CC_DAEMON_H
#define CC_DAEMON_H

#include "config.h"

/* Returns the process exit status: 0 after a clean shutdown, 1 when the
 * daemon could not start (the reason is logged). */
int cc_daemon_run(const cc_config *cfg);

#endif
