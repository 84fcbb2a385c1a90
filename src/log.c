#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_int current_level = CC_LOG_INFO;

static const char *const names[] = {"error", "warn", "info", "debug"};

void cc_log_set_level(cc_log_level level)
{
    atomic_store_explicit(&current_level, (int)level, memory_order_relaxed);
}

int cc_log_level_parse(const char *name, cc_log_level *out)
{
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++) {
        if (strcmp(names[i], name) == 0) {
            *out = (cc_log_level)i;
            return 0;
        }
    }
    return -EINVAL;
}

void cc_log(cc_log_level level, const char *fmt, ...)
{
    if ((int)level > atomic_load_explicit(&current_level, memory_order_relaxed))
        return;

    /* One fprintf per line so lines from several threads do not interleave. */
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%02d:%02d:%02d.%03ld camcastd %s: %s\n", tm.tm_hour,
            tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, names[level], msg);
}
