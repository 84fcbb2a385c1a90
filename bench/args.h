/* Command-line values for camcast-bench and camcast-microbench: strict
 * numbers with bounds, and the message for a bad one. */
#ifndef CC_BENCH_ARGS_H
#define CC_BENCH_ARGS_H

#include <stdbool.h>

#define CC_EXIT_USAGE 2

/* A finite number in [lo, 1e9]; false for anything else ("", "1x", "nan"). */
bool cc_arg_double(const char *s, double lo, double *out);
/* A whole number in [lo, hi], no sign. */
bool cc_arg_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
/* Prints "PROG: invalid value for --OPT: 'VALUE'" and returns CC_EXIT_USAGE. */
int cc_arg_bad(const char *prog, const char *opt, const char *value);
/* Online cores, 1..64. */
unsigned cc_cores(void);

#endif
