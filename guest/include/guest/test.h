/* SPDX-License-Identifier: MIT */
/*
 * The test guest's test framework.  A case is a void function listed in the
 * table in guest/tests.c; it reports failure through EXPECT*, which records
 * a reason and returns from the case.  The runner prints exactly one line
 * per case, `ok N name` or `not ok N name: reason`, then
 * `summary: P passed, F failed`.  See docs/test-guest.md.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <stdbool.h>

#include <guest/lib.h>

struct guest_test {
	const char *name;
	void (*run)(void);
};

extern const struct guest_test guest_tests[];
extern const unsigned int guest_nr_tests;

/* Record why the current case failed (first reason wins). */
void test_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool test_failed(void);

/* Run every case in table order; returns the number of failures. */
unsigned int test_run_all(void);

#define EXPECT(cond, ...)                                                    \
	do {                                                                 \
		if (!(cond)) {                                               \
			test_fail(__VA_ARGS__);                              \
			return;                                              \
		}                                                            \
	} while (0)

/* Compare as signed 64-bit values; the reason shows both sides. */
#define EXPECT_EQ(actual, expected, what)                                    \
	do {                                                                 \
		long _a = (long)(actual), _e = (long)(expected);             \
		if (_a != _e) {                                              \
			test_fail("%s: got %ld (0x%lx), expected %ld (0x%lx)", \
				  (what), _a, _a, _e, _e);                   \
			return;                                              \
		}                                                            \
	} while (0)

#endif /* GUEST_TEST_H */
