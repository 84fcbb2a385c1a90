/* Levelled logging to stderr. The only place, with main, that prints. */
#ifndef CC_LOG_H
#define CC_LOG_H

typedef enum cc_log_level {
    CC_LOG_ERROR = 0,
    CC_LOG_WARN,
    CC_LOG_INFO,
    CC_LOG_DEBUG,
} cc_log_level;

void cc_log_set_level(cc_log_level level);
/* Parses "error", "warn", "info", "debug". Returns 0 or -EINVAL. */
int cc_log_level_parse(const char *name, cc_log_level *out);
void cc_log(cc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define cc_error(...) cc_log(CC_LOG_ERROR, __VA_ARGS__)
#define cc_warn(...) cc_log(CC_LOG_WARN, __VA_ARGS__)
#define cc_info(...) cc_log(CC_LOG_INFO, __VA_ARGS__)
#define cc_debug(...) cc_log(CC_LOG_DEBUG, __VA_ARGS__)

#endif
