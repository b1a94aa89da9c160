/*
 * check.h — the native tests' harness: CHECK macros that count and report, and a
 * summary line "N passed, N failed" that CI reads. A test file defines its test
 * functions and lists them in main() with RUN(name).
 */
#ifndef KAFDO_CHECK_H
#define KAFDO_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed, check_current_failed;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
        } else {                                                                                                       \
            fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                          \
            check_current_failed++;                                                                                    \
        }                                                                                                              \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                                             \
    do {                                                                                                               \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                                                \
        if (check_a_ != check_b_) {                                                                                    \
            fprintf(stderr, "  FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, check_a_,           \
                    check_b_);                                                                                         \
            check_current_failed++;                                                                                    \
        }                                                                                                              \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                                             \
    do {                                                                                                               \
        const char *check_a_ = (a), *check_b_ = (b);                                                                   \
        if (strcmp(check_a_, check_b_) != 0) {                                                                         \
            fprintf(stderr, "  FAIL %s:%d: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, check_a_,       \
                    check_b_);                                                                                         \
            check_current_failed++;                                                                                    \
        }                                                                                                              \
    } while (0)

#define RUN(fn)                                                                                                        \
    do {                                                                                                               \
        check_current_failed = 0;                                                                                      \
        fn();                                                                                                          \
        if (check_current_failed) {                                                                                    \
            check_failed++;                                                                                            \
            fprintf(stderr, "not ok %s\n", #fn);                                                                       \
        } else {                                                                                                       \
            check_passed++;                                                                                            \
            printf("ok %s\n", #fn);                                                                                    \
        }                                                                                                              \
    } while (0)

#define CHECK_SUMMARY() (printf("%d passed, %d failed\n", check_passed, check_failed), check_failed ? 1 : 0)

#endif /* KAFDO_CHECK_H */
