#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#define STATUS_PERIOD_MS 1000

static void send_status(cc_notify *n)
{
    const char *status = n->status(n->arg);
    if (strcmp(status, n->last_status) == 0)
        return;
    snprintf(n->last_status, sizeof n->last_status, "%s", status);
    sd_notifyf(0, "STATUS=%s", n->last_status);
}

/* Petting from the loop proves the loop turns: a stuck loop is what the
 * watchdog is there to catch. */
static void on_timer(uv_timer_t *t)
{
    cc_notify *n = t->data;
    if (n->watchdog)
        sd_notify(0, "WATCHDOG=1");
    send_status(n);
}

int cc_notify_init(cc_notify *n, uv_loop_t *loop, cc_notify_status_fn status,
                   void *arg)
{
    *n = (cc_notify){.status = status, .arg = arg};
    uint64_t usec = 0;
    n->watchdog = sd_watchdog_enabled(0, &usec) > 0 && usec > 0;
    uint64_t period = STATUS_PERIOD_MS;
    if (n->watchdog && usec / 2000 < period)
        period = usec / 2000 ? usec / 2000 : 1;
    int rc = uv_timer_init(loop, &n->timer);
    if (rc < 0)
        return rc;
    n->timer_open = true;
    n->timer.data = n;
    n->period_ms = (unsigned)period;
    /* Without a service manager nobody listens: keep the loop quiet. */
    if (n->watchdog || getenv("NOTIFY_SOCKET"))
        uv_timer_start(&n->timer, on_timer, period, period);
    return 0;
}

void cc_notify_ready(cc_notify *n)
{
    snprintf(n->last_status, sizeof n->last_status, "%s", n->status(n->arg));
    sd_notifyf(0, "READY=1\nSTATUS=%s", n->last_status);
}

void cc_notify_reloading(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* systemd 253+ wants the monotonic time with RELOADING=1. */
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
               (unsigned long long)ts.tv_sec * 1000000ULL +
                   (unsigned long long)ts.tv_nsec / 1000ULL);
}

void cc_notify_stopping(void)
{
    sd_notify(0, "STOPPING=1");
}

void cc_notify_close(cc_notify *n)
{
    if (n->timer_open && !uv_is_closing((uv_handle_t *)&n->timer))
        uv_close((uv_handle_t *)&n->timer, NULL);
}
