// SPDX-License-Identifier: MIT
/*
 * The bench-smp suite (docs/performance.md, "SMP"): PV MMU updates from two
 * vCPUs of one domain at once, against the same work from one.  Each vCPU
 * makes the bench suite's mmu_256 updates (guest/bench.c: mmu_update
 * batches of BENCH_SMP_BATCH rewriting L1 entries, flipping them between
 * two read-only frames) on a lane of its own: vCPU 0 on lane 0, vCPU 1 on
 * lane 1, different L1 tables and frames.  The guest's two loops share no
 * data, so what the two-vCPU figure measures is how well the hypervisor
 * lets two CPUs validate updates of one domain at the same time.
 *
 *   mmu_1vcpu  vCPU 0 alone (vCPU 1 not yet up): N updates
 *   mmu_2vcpu  both at once, N updates each: ops=2N, timed from just
 *              before vCPU 0 lets vCPU 1 go to when the later one is done
 *
 * Both are warmed up first, vCPU 1 included, and vCPU 1 waits for the
 * start signal by yielding, so the case is correct on one CPU as well.
 */
#include <guest/bench.h>
#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/smp.h>
#include <guest/test.h>

#define BENCH_SMP_BATCH 256

/* vCPU 1's part of mmu_2vcpu; its flags are set by one side only. */
struct lane_job {
	struct bench_lane *lane;
	unsigned long n;
	volatile unsigned long warm;	/* vCPU 1: warmed up (ok says how) */
	volatile unsigned long go;	/* vCPU 0: start the timed updates */
	volatile unsigned long done;	/* vCPU 1: finished (ok says how) */
	volatile bool ok;
	uint64_t start, end;		/* vCPU 1's TSC around its timed loop */
};

static struct lane_job job;

static void mark(volatile unsigned long *flag)
{
	__atomic_store_n(flag, 1, __ATOMIC_RELEASE);
}

static void lane_job_run(void *arg)
{
	struct lane_job *j = arg;

	j->ok = bench_mmu(j->lane, 0, BENCH_WARMUP_UPDATES, BENCH_SMP_BATCH);
	mark(&j->warm);
	if (!j->ok) {
		mark(&j->done);
		return;
	}
	smp_wait_flag(&j->go, ~0UL);
	j->start = tsc_read();
	j->ok = bench_mmu(j->lane, 0, j->n, BENCH_SMP_BATCH);
	j->end = tsc_read();
	mark(&j->done);
}

void case_bench_smp_setup(void)
{
	unsigned int vcpus;

	if (!cpu_init() || !bench_ready())
		return;
	vcpus = smp_nr_vcpus();
	EXPECT(vcpus >= 2, "%u vCPU(s): bench-smp needs 2 (Koan: vcpus=2; "
	       "Xen: dom0_max_vcpus=2)", vcpus);
	if (!bench_lane(1))
		return;
	guest_printf("bench-info vcpus=%u smp-batch=%u\n", vcpus, BENCH_SMP_BATCH);
}

void case_bench_mmu_1vcpu(void)
{
	EXPECT(smp_is_up(1) == 0, "vCPU 1 is up: not a one-vCPU run");
	bench_mmu_case("mmu_1vcpu", BENCH_SMP_BATCH);
}

/* vCPU 1 started, warmed up on its lane and waiting for go. */
static bool second_vcpu_warm(struct bench_lane *l1, unsigned long n)
{
	if (!smp_worker_alive(1) && !smp_start_worker(1))
		return false;
	job = (struct lane_job){ .lane = l1, .n = n };
	smp_post(1, lane_job_run, &job);
	if (!smp_wait_flag(&job.warm, SMP_WAIT_YIELDS)) {
		test_fail("vCPU 1 did not finish its warm-up");
		return false;
	}
	return job.ok;	/* if not, its bench_mmu recorded why */
}

void case_bench_mmu_2vcpu(void)
{
	struct bench_lane *l0 = bench_lane(0), *l1 = bench_lane(1);
	unsigned long n = bench_updates();
	uint64_t t0, t1;
	bool ok;

	if (!l0 || !l1 || !bench_mmu(l0, 0, BENCH_WARMUP_UPDATES, BENCH_SMP_BATCH) ||
	    !second_vcpu_warm(l1, n))
		return;
	guest_printf("bench-begin mmu_2vcpu\n");
	t0 = tsc_read();
	mark(&job.go);
	ok = bench_mmu(l0, 0, n, BENCH_SMP_BATCH);
	t1 = tsc_read();
	/* No time limit: vCPU 1 always says done, or its trap crashes us. */
	smp_wait_flag(&job.done, ~0UL);
	if (!ok || !job.ok)
		return;
	guest_printf("bench-end mmu_2vcpu unit=update ops=%lu tsc=%lu\n", 2 * n,
		     (unsigned long)((job.end > t1 ? job.end : t1) - t0));
	/* Where each vCPU's loop lay, in TSC ticks from t0. */
	guest_printf("bench-info mmu_2vcpu vcpu0-end=%ld vcpu1-start=%ld "
		     "vcpu1-end=%ld\n", (long)(t1 - t0), (long)(job.start - t0),
		     (long)(job.end - t0));
	if (bench_lane_at_start(l0, "mmu_2vcpu"))
		bench_lane_at_start(l1, "mmu_2vcpu");
}
