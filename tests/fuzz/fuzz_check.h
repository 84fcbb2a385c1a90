/* Always-on checks for the fuzz harnesses: a broken invariant aborts, which
 * libFuzzer reports as a crash and saves the input. */
#ifndef CC_FUZZ_CHECK_H
#define CC_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* A small deterministic generator, so choices drawn from the input (chunk
 * sizes, limits) replay exactly. */
static inline uint32_t fuzz_next(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 16;
}

#endif
