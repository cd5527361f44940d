/* check.h — minimal assertions for the C unit tests (exit 1 on the first failure). */
#ifndef CIM_CHECK_TEST_H
#define CIM_CHECK_TEST_H
#include <stdio.h>
#include <stdlib.h>
static int cim_test_failures;
#define EXPECT(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); cim_test_failures++; } } while (0)
#define EXPECT_EQ_U(a, b) do { unsigned long long x_ = (a), y_ = (b); if (x_ != y_) { fprintf(stderr, "%s:%d: %s = %llu, expected %llu\n", __FILE__, __LINE__, #a, x_, y_); cim_test_failures++; } } while (0)
#define TEST_DONE() do { if (cim_test_failures) { fprintf(stderr, "%d failure(s)\n", cim_test_failures); return 1; } printf("ok\n"); return 0; } while (0)
#endif
