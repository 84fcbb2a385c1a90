/* systemd service notifications (sd_notify): READY, STATUS, WATCHDOG,
 * RELOADING, STOPPING.
 *
 * Every call is a no-op when the daemon was not started by systemd
 * (NOTIFY_SOCKET unset), so camcastd runs the same anywhere.
 */
#ifndef CC_NOTIFY_H
#define CC_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef const char *(*cc_notify_status_fn)(void *arg);

typedef struct cc_notify {
    uv_timer_t timer;
    bool timer_open;
    bool watchdog;      /* the service manager expects WATCHDOG=1 */
    unsigned period_ms; /* of the timer: WATCHDOG=1 and STATUS= */
    cc_notify_status_fn status;
    void *arg;
    char last_status[256];
} cc_notify;

/* Starts a loop timer that pets the watchdog (when WatchdogSec is set) and
 * reports status(arg) whenever it changes. Returns 0 or a libuv error. */
int cc_notify_init(cc_notify *n, uv_loop_t *loop, cc_notify_status_fn status,
                   void *arg);
void cc_notify_ready(cc_notify *n);
void cc_notify_reloading(void);
void cc_notify_stopping(void);
/* Closes the timer (the loop finishes closing it). */
void cc_notify_close(cc_notify *n);

#endif
