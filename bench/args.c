#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

bool cc_arg_double(const char *s, double lo, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo) || v > 1e9)
        return false;
    *out = v;
    return true;
}

bool cc_arg_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end || s[0] == '-' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int cc_arg_bad(const char *prog, const char *opt, const char *value)
{
    fprintf(stderr, "%s: invalid value for --%s: '%s'\n", prog, opt, value);
    return CC_EXIT_USAGE;
}

unsigned cc_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}
