// SPDX-License-Identifier: MIT
/*
 * Command-line words for the scheduler's system tests and benchmarks
 * (tests/system/test_sched_koan.py, bench/sched_switch.py), each run
 * instead of the suite and ending with a poweroff:
 *   burn-for=MS     stay CPU-bound, never yielding, for MS ms of wall time
 *                   counted from this vCPU's runstate (running + runnable:
 *                   it never blocks), then print "burn-for: wall W ms,
 *                   running R us, runnable Q us": the share of the CPU
 *                   the scheduler gave it while it wanted all of it.
 *   yield-loop=N    SCHEDOP_yield N times in a row and print "yield-loop:
 *                   N yields, the middle half (M) in T ticks": the TSC
 *                   (under -icount: instructions) over the middle half of
 *                   the loop, where every domain doing the same is
 *                   yielding too (the halves at either end absorb the
 *                   domains' staggered start and end).
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/lib.h>
#include <guest/smp.h>

#define BURN_CHUNK 20000UL	/* iterations between looks at the runstate (well under 1 ms) */

/* Running and runnable ns of vCPU 0 (0 if the call fails: it cannot here). */
static void run_times(uint64_t *running, uint64_t *runnable)
{
	struct vcpu_runstate_info r;

	if (smp_runstate(0, &r)) {
		guest_printf("burn-for: get_runstate_info failed\n");
		guest_shutdown(SHUTDOWN_crash);
	}
	*running = r.time[RUNSTATE_running];
	*runnable = r.time[RUNSTATE_runnable];
}

static void burn_for(unsigned long ms)
{
	uint64_t run0, wait0, run, wait;

	run_times(&run0, &wait0);
	do {
		for (volatile unsigned long i = 0; i < BURN_CHUNK; i++)
			;
		run_times(&run, &wait);
	} while ((run - run0) + (wait - wait0) < ms * 1000000UL);
	guest_printf("burn-for: wall %lu ms, running %lu us, runnable %lu us\n", ms,
		     (unsigned long)((run - run0) / 1000), (unsigned long)((wait - wait0) / 1000));
	guest_shutdown(SHUTDOWN_poweroff);
}

static void yield_loop(unsigned long n)
{
	uint64_t t0 = 0, t1 = 0;

	for (unsigned long i = 0; i < n; i++) {
		if (i == n / 4)
			t0 = tsc_read();
		if (i == n - n / 4)
			t1 = tsc_read();
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	guest_printf("yield-loop: %lu yields, the middle half (%lu) in %lu ticks\n", n,
		     n - 2 * (n / 4), (unsigned long)(t1 - t0));
	guest_shutdown(SHUTDOWN_poweroff);
}

void sched_words(void);
void sched_words(void)
{
	if (guest_cmdline_ulong("burn-for", 0))
		burn_for(guest_cmdline_ulong("burn-for", 0));
	if (guest_cmdline_ulong("yield-loop", 0))
		yield_loop(guest_cmdline_ulong("yield-loop", 0));
}
