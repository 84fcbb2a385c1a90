/* The daemon: wires cameras, encoder pool, mux and server on one libuv loop
 * and runs them until SIGINT or SIGTERM. */
#ifndef CC_DAEMON_H
#define CC_DAEMON_H

#include "config/config.h"

/* Runs until SIGINT or SIGTERM; SIGHUP reloads cfg->path into *cfg (listen
 * overrides the config's address, as --listen does). Returns the process
 * exit status: 0 after a clean shutdown, 1 when the daemon could not start
 * (2 when a camera refused its configuration); the reason is logged. */
int cc_daemon_run(cc_config *cfg, const char *listen);

#endif
