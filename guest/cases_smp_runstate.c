// SPDX-License-Identifier: MIT
/*
 * smp suite: vCPU states and their times -- runstates (offline, running,
 * runnable, blocked) and their clocks, a vCPU taking itself down and
 * another bringing it back, down and up from outside (with vCPU 1's
 * vcpu_info moved while it is down), and, last, vCPU 1 blocking for good.
 * Expected values are Xen 4.17's (tests/system/test_smp_xen.py).
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>
#include <guest/test.h>

static void spin_tsc(uint64_t cycles)
{
	uint64_t end = tsc_read() + cycles;

	while (tsc_read() < end)
		;
}

static bool runstate_grew(const struct vcpu_runstate_info *a,
			  const struct vcpu_runstate_info *b, const char *who)
{
	bool ok = true;
	char what[64];

	for (unsigned int i = 0; i < 4; i++) {
		snprintf(what, sizeof(what), "%s: time[%u] never goes back", who, i);
		ok &= test_check(b->time[i] >= a->time[i], 1, what);
	}
	snprintf(what, sizeof(what), "%s: state_entry_time never goes back", who);
	ok &= test_check(b->state_entry_time >= a->state_entry_time, 1, what);
	return ok;
}

/* vCPU 1 has been offline since it was made; vCPU 0 is running. */
void case_smp_runstate_offline(void)
{
	struct vcpu_runstate_info a, b, v1, v1b;

	EXPECT(smp_vcpus_found >= 2, "smp_setup found no second vCPU");
	EXPECT_EQ(smp_runstate(1, &v1), 0, "get_runstate_info(1)");
	test_check(v1.state, RUNSTATE_offline, "vCPU 1 offline");
	test_check((long)v1.time[RUNSTATE_running], 0, "vCPU 1 never ran");
	test_check((long)v1.time[RUNSTATE_runnable], 0, "vCPU 1 never waited to run");
	test_check(v1.time[RUNSTATE_offline] > 0, 1, "vCPU 1 offline for some time");
	EXPECT_EQ(smp_runstate(0, &a), 0, "get_runstate_info(0)");
	test_check(a.state, RUNSTATE_running, "vCPU 0 running (asking)");
	test_check(a.time[RUNSTATE_running] > 0, 1, "vCPU 0 has run");
	spin_tsc(20000000);
	EXPECT_EQ(smp_runstate(0, &b), 0, "get_runstate_info(0) again");
	test_check(b.state, RUNSTATE_running, "vCPU 0 still running");
	test_check(b.time[RUNSTATE_running] > a.time[RUNSTATE_running], 1,
		   "vCPU 0's running time grows while it spins");
	runstate_grew(&a, &b, "vCPU 0");
	EXPECT_EQ(smp_runstate(1, &v1b), 0, "get_runstate_info(1) again");
	test_check(v1b.time[RUNSTATE_offline] > v1.time[RUNSTATE_offline], 1,
		   "vCPU 1's offline time grows");
	runstate_grew(&v1, &v1b, "vCPU 1");
	test_check(vcpu_op(VCPUOP_get_runstate_info, 0, SMP_UNMAPPED), -XEN_EFAULT,
		   "get_runstate_info to an unmapped address");
	test_check(vcpu_op(VCPUOP_get_runstate_info, 0,
			   (void *)0xffff830000000000UL), -XEN_EFAULT,
		   "get_runstate_info into the hypervisor");
}


/* ---- runstate, down and up --------------------------------------------- */

static void spin_job(void *arg)
{
	spin_tsc(*(uint64_t *)arg);
}

void case_smp_runstate_running(void)
{
	struct vcpu_runstate_info a, b;
	uint64_t cycles = 20000000;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	EXPECT_EQ(smp_runstate(1, &a), 0, "get_runstate_info(1)");
	test_check(a.state == RUNSTATE_running || a.state == RUNSTATE_runnable, 1,
		   "vCPU 1 running or waiting to run");
	if (!smp_run(1, spin_job, &cycles))
		return;
	EXPECT_EQ(smp_runstate(1, &b), 0, "get_runstate_info(1) again");
	test_check(b.time[RUNSTATE_running] > a.time[RUNSTATE_running], 1,
		   "vCPU 1's running time grew while it spun");
	runstate_grew(&a, &b, "vCPU 1");
}

static void wake_vcpu0_job(void *arg)
{
	long *rc = arg;
	unsigned long i;

	for (i = 0; i < SMP_WAIT_YIELDS && smp_is_up(0); i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	rc[0] = (long)i;
	rc[1] = vcpu_op(VCPUOP_up, 0, NULL);
}

/* vCPU 0 takes itself down; vCPU 1 sees it down and brings it back. */
void case_smp_down_self(void)
{
	struct vcpu_runstate_info a, b;
	long rc[2] = { -1, -1 };

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	EXPECT_EQ(smp_runstate(0, &a), 0, "get_runstate_info(0)");
	smp_post(1, wake_vcpu0_job, rc);
	EXPECT_EQ(vcpu_op(VCPUOP_down, 0, NULL), 0, "down ourselves (returns once up)");
	if (!smp_wait_job(1))
		return;
	test_check(rc[0] < (long)SMP_WAIT_YIELDS, 1, "vCPU 1 saw vCPU 0 down");
	test_check(rc[1], 0, "vCPU 1 brought vCPU 0 up");
	test_check(smp_is_up(0), 1, "is_up(0)");
	EXPECT_EQ(smp_runstate(0, &b), 0, "get_runstate_info(0) again");
	/*
	 * Whether vCPU 0 really left its CPU is a race on two CPUs: vCPU 1
	 * may bring it up before its CPU gets to stop it (Xen stops it
	 * asynchronously).  Only the order of the times is certain.
	 */
	TEST_NOTE("vCPU 0 offline for %lu ns\n",
		  (unsigned long)(b.time[RUNSTATE_offline] - a.time[RUNSTATE_offline]));
	runstate_grew(&a, &b, "vCPU 0");
}

static volatile unsigned long jobs_run;

static void count_job(void *arg)
{
	__atomic_add_fetch(&jobs_run, 1, __ATOMIC_RELEASE);
}

/*
 * vCPU 1 down: it runs nothing and is offline; up: it goes on where it
 * was.  Meanwhile its vcpu_info moves: only while it is down may another
 * vCPU move it, and only once.
 */
void case_smp_down_up(void)
{
	struct vcpu_register_vcpu_info info = { 0 };
	struct vcpu_runstate_info r;
	struct vcpu_info *old = smp_vcpu_info(1), *moved;
	unsigned long pfn, idx, before;
	uint8_t *page;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	pfn = pool_alloc(true);
	idx = scratch_take(1);
	EXPECT(pfn && idx, "a pool frame and a scratch page");
	EXPECT_EQ(scratch_map(&mm_scratch, idx, pfn_mfn(pfn), DATA_RW), 0,
		  "map the future vcpu_info page");
	page = (uint8_t *)scratch_va(&mm_scratch, idx);
	info.mfn = pfn_mfn(pfn);
	info.offset = 128;
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -XEN_EINVAL,
		   "register_vcpu_info for vCPU 1 while it is up");
	EXPECT_EQ(vcpu_op(VCPUOP_down, 1, NULL), 0, "down vCPU 1");
	test_check(smp_is_up(1), 0, "is_up(1) after down");
	/* Another CPU may take a moment to stop it (Xen does it asynchronously). */
	for (unsigned long i = 0; i < SMP_WAIT_YIELDS; i++) {
		EXPECT_EQ(smp_runstate(1, &r), 0, "get_runstate_info(1)");
		if (r.state == RUNSTATE_offline)
			break;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_check(r.state, RUNSTATE_offline, "vCPU 1 offline");
	before = jobs_run;
	smp_post(1, count_job, NULL);
	for (int i = 0; i < 1000; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	test_check((long)(jobs_run - before), 0, "vCPU 1 runs nothing while down");
	old->evtchn_upcall_mask = 1;
	EXPECT_EQ(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), 0,
		  "register_vcpu_info for vCPU 1 while it is down");
	moved = (struct vcpu_info *)(page + 128);
	smp_vcpu_info_moved(1, moved);
	test_check(moved->evtchn_upcall_mask, 1, "the mask carried over");
	test_check(moved->evtchn_upcall_pending, 1, "upcall_pending set");
	test_check((long)moved->evtchn_pending_sel, -1L, "pending_sel all ones");
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -XEN_EINVAL,
		   "register_vcpu_info a second time");
	test_check(mm_check_frames(), 0, "Koan's frame check (the vcpu_info frame)");
	EXPECT_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0, "up vCPU 1 again");
	test_check(smp_is_up(1), 1, "is_up(1) after up");
	if (!smp_wait_job(1))
		return;
	test_check((long)(jobs_run - before), 1, "the job waiting for it ran");
}


static void block_job(void *arg)
{
	struct vcpu_info *vi = smp_vcpu_info(1);

	/* Nothing pending (registration marked everything), or block returns at once. */
	vi->evtchn_pending_sel = 0;
	vi->evtchn_upcall_pending = 0;
	HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	/* Nothing wakes it in this suite. */
}

/* Last: vCPU 1 blocks for good (no event source), still up, events unmasked. */
void case_smp_block(void)
{
	struct vcpu_runstate_info r, b;
	unsigned long i;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	smp_vcpu_info(1)->evtchn_upcall_mask = 1;
	smp_post(1, block_job, NULL);
	for (i = 0; i < SMP_WAIT_YIELDS; i++) {
		EXPECT_EQ(smp_runstate(1, &r), 0, "get_runstate_info(1)");
		if (r.state == RUNSTATE_blocked)
			break;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_check(r.state, RUNSTATE_blocked, "vCPU 1 blocked");
	test_check(smp_job_done(1), 0, "block did not return");
	test_check(smp_is_up(1), 1, "a blocked vCPU is up");
	test_check(smp_vcpu_info(1)->evtchn_upcall_mask, 0, "block unmasked its events");
	spin_tsc(10000000);
	EXPECT_EQ(smp_runstate(1, &b), 0, "get_runstate_info(1) again");
	test_check(b.state, RUNSTATE_blocked, "vCPU 1 still blocked");
	test_check(b.time[RUNSTATE_blocked] > r.time[RUNSTATE_blocked], 1,
		   "vCPU 1's blocked time grows");
	runstate_grew(&r, &b, "vCPU 1");
}
