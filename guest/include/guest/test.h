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

/* Suites, chosen with `suite=a,b` on the command line (default: basic). */
#define SUITE_BASIC 0x1u	/* start of day, console, version: the first 20 */
#define SUITE_MM 0x2u		/* memory virtualisation (cases_mm_*.c) */
#define SUITE_FUZZ 0x4u		/* the seeded MM hypercall fuzzer (fuzz.c) */
#define SUITE_CPU 0x8u		/* CPU virtualisation (cases_cpu_*.c) */
#define SUITE_BENCH 0x10u	/* microbenchmarks (bench.c, bench_cpu.c; `make bench`) */
#define SUITE_SPEC 0x20u	/* entries speculation hardening must accept (cases_spec.c) */
#define SUITE_SMP 0x40u		/* several vCPUs (cases_smp*.c; needs vcpus=2) */
#define SUITE_EVTCHN 0x4000u	/* event channels (cases_evtchn*.c; needs vcpus=2) */
#define SUITE_BENCH_SMP 0x80u	/* MMU updates from two vCPUs (bench_smp.c; `make bench`) */
#define SUITE_TIME 0x1000u	/* guest time (cases_time.c) */
#define SUITE_GNTTAB 0x2000u	/* grant tables (cases_gnttab_*.c) */
#define SUITE_SCHED 0x8000u	/* Koan's scheduler operation (cases_sched.c; all Koan-only) */

struct guest_test {
	const char *name;
	void (*run)(void);
	unsigned int suite;
	/* Needs what only a Koan run provides (a second domain): run only
	 * with the command-line word `koan-only`. */
	bool koan_only;
};

extern const struct guest_test guest_tests[];
extern const unsigned int guest_nr_tests;

/* Suite bit of a suite name, 0 if unknown. */
unsigned int test_suite_bit(const char *name, unsigned long len);

/* Record why the current case failed (first reason wins). */
void test_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool test_failed(void);

/*
 * Run the cases of the chosen suites in table order (Koan-only cases only
 * when koan_only is set), numbered from 1 in run order; returns the number
 * of failures.
 */
unsigned int test_run_all(unsigned int suites, bool koan_only);

/*
 * A check that does not end the case: on a mismatch it prints a `# ` note
 * and records the failure (first reason wins), so one run shows every
 * mismatch of a table-driven case.  Returns whether it matched.
 */
bool test_check(long actual, long expected, const char *what);

/* Print a diagnostic line (`# ...`) that the harness ignores. */
#define TEST_NOTE(...) guest_printf("# " __VA_ARGS__)

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
