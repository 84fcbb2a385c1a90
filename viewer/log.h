/* The viewer's log lines on stderr, from any thread: SDL's logging (it
 * works the same on Windows) with one format and level. */
#ifndef CC_VIEWER_LOG_H
#define CC_VIEWER_LOG_H

#include <SDL.h>
#include <stdbool.h>

/* verbose: debug lines too; otherwise info and above. */
void cc_vlog_init(bool verbose);

#define cc_vlog_error(...) SDL_LogError(SDL_LOG_CATEGORY_APPLICATION, __VA_ARGS__)
#define cc_vlog_warn(...) SDL_LogWarn(SDL_LOG_CATEGORY_APPLICATION, __VA_ARGS__)
#define cc_vlog_info(...) SDL_LogInfo(SDL_LOG_CATEGORY_APPLICATION, __VA_ARGS__)
#define cc_vlog_debug(...) SDL_LogDebug(SDL_LOG_CATEGORY_APPLICATION, __VA_ARGS__)

/* For repeated events (bad bundles at 30 per second): true for the first
 * few occurrences, then every hundredth. */
bool cc_vlog_sample(unsigned long long count);

#endif
