#include "log.h"

#include <stdio.h>

static const char *level_name(SDL_LogPriority p)
{
    switch (p) {
    case SDL_LOG_PRIORITY_ERROR:
    case SDL_LOG_PRIORITY_CRITICAL: return "error";
    case SDL_LOG_PRIORITY_WARN: return "warn";
    case SDL_LOG_PRIORITY_INFO: return "info";
    default: return "debug";
    }
}

static void output(void *arg, int category, SDL_LogPriority p, const char *msg)
{
    (void)arg;
    (void)category;
    /* One fprintf per line so lines from several threads do not interleave. */
    fprintf(stderr, "%9.3f camcast-viewer %s: %s\n",
            (double)SDL_GetTicks64() / 1000.0, level_name(p), msg);
}

void cc_vlog_init(bool verbose)
{
    SDL_LogSetOutputFunction(output, NULL);
    SDL_LogSetPriority(SDL_LOG_CATEGORY_APPLICATION,
                       verbose ? SDL_LOG_PRIORITY_DEBUG : SDL_LOG_PRIORITY_INFO);
}

bool cc_vlog_sample(unsigned long long count)
{
    return count <= 5 || count % 100 == 0;
}
