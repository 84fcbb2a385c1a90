/* Minimal test helpers: a failed CHECK prints where and why and the test
 * program exits non-zero at the end. */
#ifndef CC_TEST_CHECK_H
#define CC_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            check_failures++;                                                \
        }                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                   \
    do {                                                                     \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);      \
        if (check_a_ != check_b_) {                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);         \
            check_failures++;                                                \
        }                                                                    \
    } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                      \
    do {                                                                     \
        const char *check_h_ = (hay), *check_n_ = (needle);                  \
        if (!check_h_ || !strstr(check_h_, check_n_)) {                      \
            fprintf(stderr, "%s:%d: CHECK failed: \"%s\" contains \"%s\"\n", \
                    __FILE__, __LINE__, check_h_ ? check_h_ : "(null)",      \
                    check_n_);                                               \
            check_failures++;                                                \
        }                                                                    \
    } while (0)

/* Runs a test function and reports it. */
#define RUN(fn)                                                              \
    do {                                                                     \
        int check_before_ = check_failures;                                  \
        fn();                                                                \
        fprintf(stderr, "%s %s\n",                                           \
                check_failures == check_before_ ? "ok  " : "FAIL", #fn);     \
    } while (0)

#define CHECK_DONE() (check_failures ? EXIT_FAILURE : EXIT_SUCCESS)

#endif
