// SPDX-License-Identifier: MIT
/*
 * The test runner: runs the cases of guest_tests[] in order, prints one
 * result line per case and the summary, and yields between cases so other
 * domains on a round-robin hypervisor make progress.
 */
#include <stdarg.h>
#include <stdbool.h>

#include <guest/hypercall.h>
#include <guest/lib.h>
#include <guest/test.h>

static char fail_reason[256];
static bool fail_recorded;

void test_fail(const char *fmt, ...)
{
	va_list ap;

	if (fail_recorded)
		return;
	va_start(ap, fmt);
	vsnprintf(fail_reason, sizeof(fail_reason), fmt, ap);
	va_end(ap);
	fail_recorded = true;
}

bool test_check(long actual, long expected, const char *what)
{
	if (actual == expected)
		return true;
	guest_printf("# %s: got %ld (0x%lx), expected %ld (0x%lx)\n", what,
		     actual, actual, expected, expected);
	test_fail("%s: got %ld (0x%lx), expected %ld (0x%lx)", what, actual,
		  actual, expected, expected);
	return false;
}

bool test_failed(void)
{
	return fail_recorded;
}

unsigned int test_run_all(unsigned int suites, bool koan_only)
{
	unsigned int i, run = 0, failed = 0;

	for (i = 0; i < guest_nr_tests; i++) {
		const struct guest_test *t = &guest_tests[i];

		if (!(t->suite & suites) || (t->koan_only && !koan_only))
			continue;
		run++;
		fail_recorded = false;
		t->run();
		if (fail_recorded) {
			failed++;
			guest_printf("not ok %u %s: %s\n", run, t->name,
				     fail_reason);
		} else {
			guest_printf("ok %u %s\n", run, t->name);
		}
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	guest_printf("summary: %u passed, %u failed\n", run - failed, failed);
	return failed;
}
