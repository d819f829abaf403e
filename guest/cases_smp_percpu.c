// SPDX-License-Identifier: MIT
/*
 * smp suite: what belongs to each vCPU -- its trap table (a trap on vCPU 1
 * reaches vCPU 1's handler), its virtual CR0.TS, debug registers and
 * segment bases, and its vcpu_info, which each vCPU may move once (here
 * vCPU 0 moves its own; smp_down_up moved vCPU 1's).  Expected values are
 * Xen 4.17's (tests/system/test_smp_xen.py).
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>
#include <guest/test.h>

/* ---- per-vCPU handlers and state ------------------------------------------ */

static void int3_job(void *arg)
{
	__asm__ volatile("int3" ::: "memory");
}

static void own_trap_table_job(void *arg)
{
	static struct trap_info list[SMP_NR_TRAP_VECTORS + 1];
	long *rc = arg;

	smp_trap_list(list, 2);
	*rc = HYPERVISOR_set_trap_table(list);
}

static void ud2_job(void *arg)
{
	__asm__ volatile(SMP_FAULT("ud2") : SMP_FAULT_OUT(1) :: "rax", "memory");
}

static bool last_trap(unsigned int vcpu, unsigned long count, unsigned long owner,
		      unsigned long vector, const char *what)
{
	volatile struct smp_trap *t = &smp_traps[vcpu];
	char w[96];
	bool ok;

	snprintf(w, sizeof(w), "%s: traps on vCPU %u", what, vcpu);
	ok = test_check((long)t->count, (long)count, w);
	snprintf(w, sizeof(w), "%s: whose table", what);
	ok &= test_check((long)t->owner, (long)owner, w);
	snprintf(w, sizeof(w), "%s: vector", what);
	return ok & test_check((long)t->vector, (long)vector, w);
}

/*
 * vCPU 1's traps go to its own trap table -- the one from its context,
 * then the one it sets itself -- and vCPU 0's to vCPU 0's.
 */
void case_smp_per_vcpu_traps(void)
{
	struct trap_info list[SMP_NR_TRAP_VECTORS + 1];
	unsigned long n0 = smp_traps[0].count, n1 = smp_traps[1].count;
	long rc = -1;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	smp_trap_list(list, 0);
	EXPECT_EQ(HYPERVISOR_set_trap_table(list), 0, "vCPU 0's table");
	if (!smp_run(1, int3_job, NULL))
		goto out;
	last_trap(1, n1 + 1, 1, 3, "int3 on vCPU 1 (its context's table)");
	__asm__ volatile("int3" ::: "memory");
	last_trap(0, n0 + 1, 0, 3, "int3 on vCPU 0");
	if (!smp_run(1, own_trap_table_job, &rc))
		goto out;
	test_check(rc, 0, "set_trap_table on vCPU 1");
	if (!smp_run(1, int3_job, NULL) || !smp_run(1, ud2_job, NULL))
		goto out;
	last_trap(1, n1 + 3, 2, 6, "ud2 on vCPU 1 (the table it set)");
	__asm__ volatile("int3" ::: "memory");
	last_trap(0, n0 + 2, 0, 3, "int3 on vCPU 0 again (its table unchanged)");
out:
	test_check(cpu_load_trap_table(), 0, "vCPU 0's cpu-suite table back");
}

struct state_seen {
	long rc_ts, rc_dr, rc_fs;
	unsigned long nm_traps, traps_after;
	uint64_t fs_base, dr0;
};

static void own_state_job(void *arg)
{
	struct state_seen *s = arg;
	unsigned long before = smp_traps[1].count;

	s->rc_ts = HYPERVISOR_fpu_taskswitch(1);
	__asm__ volatile("fnop" ::: "memory");	/* #NM, which clears TS */
	s->nm_traps = smp_traps[1].count - before;
	__asm__ volatile("fnop" ::: "memory");	/* no trap now */
	s->traps_after = smp_traps[1].count - before;
	s->rc_dr = HYPERVISOR_set_debugreg(0, (unsigned long)&s->dr0);
	s->rc_fs = HYPERVISOR_set_segment_base(SEGBASE_FS, 0x2000);
}

static void read_state_job(void *arg)
{
	struct state_seen *s = arg;

	s->fs_base = smp_rdmsr(MSR_FS_BASE);
	s->dr0 = (uint64_t)HYPERVISOR_get_debugreg(0);
}

/* fpu_taskswitch, set_debugreg and set_segment_base act on the calling vCPU only. */
void case_smp_per_vcpu_state(void)
{
	struct state_seen s = { 0 };
	unsigned long n0 = smp_traps[0].count, c0 = cpu_last.count;
	uint64_t fs0 = smp_rdmsr(MSR_FS_BASE);
	long dr0 = HYPERVISOR_get_debugreg(0);

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	if (!smp_run(1, own_state_job, &s))
		return;
	test_check(s.rc_ts, 0, "fpu_taskswitch(1) on vCPU 1");
	test_check((long)s.nm_traps, 1, "#NM on vCPU 1");
	test_check((long)smp_traps[1].vector, 7, "its vector");
	test_check((long)smp_traps[1].owner, 2, "its handler: vCPU 1's (the table it set)");
	test_check((long)s.traps_after, 1, "no second #NM (delivery cleared TS)");
	__asm__ volatile("fnop" ::: "memory");
	test_check((long)(smp_traps[0].count - n0 + cpu_last.count - c0), 0,
		   "fnop on vCPU 0: no #NM (its TS is its own)");
	test_check(s.rc_dr, 0, "set_debugreg(0) on vCPU 1");
	test_check(s.rc_fs, 0, "set_segment_base(FS) on vCPU 1");
	test_check(HYPERVISOR_get_debugreg(0), dr0, "vCPU 0's DR0 unchanged");
	test_check((long)smp_rdmsr(MSR_FS_BASE), (long)fs0, "vCPU 0's FS base unchanged");
	/* After some switches, vCPU 1 still has its own. */
	for (int i = 0; i < 10; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	if (!smp_run(1, read_state_job, &s))
		return;
	test_check((long)s.fs_base, 0x2000, "vCPU 1's FS base kept");
	test_check((long)s.dr0, (long)&s.dr0, "vCPU 1's DR0 kept");
}


static void fault_job(void *arg)
{
	__asm__ volatile(SMP_FAULT("movq 0x10008, %%rax")
			 : SMP_FAULT_OUT(1) :: "rax", "memory");
}

/* vCPU 1's #PF address goes to its vcpu_info where it now lives. */
void case_smp_moved_vcpu_info(void)
{
	unsigned long n1 = smp_traps[1].count;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	EXPECT(smp_vcpu_info(1) != &cpu_shared_info()->vcpu_info[1],
	       "smp_down_up did not move vCPU 1's vcpu_info");
	if (!smp_run(1, fault_job, NULL))
		return;
	test_check((long)smp_traps[1].count, (long)n1 + 1, "one trap on vCPU 1");
	test_check((long)smp_traps[1].vector, 14, "#PF");
	test_check((long)smp_traps[1].cr2, 0x10008, "cr2 in the moved vcpu_info");
}

/* vCPU 0 moves its own vcpu_info (the way Linux does on every CPU). */
void case_smp_register_vcpu_info_self(void)
{
	struct vcpu_register_vcpu_info info = { 0 };
	struct vcpu_info *old = cpu_vcpu(), *moved;
	unsigned long pfn, idx;
	uint8_t *page;

	pfn = pool_alloc(true);
	idx = scratch_take(1);
	EXPECT(pfn && idx, "a pool frame and a scratch page");
	EXPECT_EQ(scratch_map(&mm_scratch, idx, pfn_mfn(pfn), DATA_RW), 0,
		  "map the new vcpu_info page");
	page = (uint8_t *)scratch_va(&mm_scratch, idx);
	info.mfn = pfn_mfn(pfn);
	info.offset = 4032;		/* the last place that fits */
	old->evtchn_upcall_mask = 1;
	old->arch.cr2 = 0x1234000;
	EXPECT_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), 0,
		  "register_vcpu_info for ourselves");
	moved = (struct vcpu_info *)(page + 4032);
	smp_vcpu_info_moved(0, moved);
	test_check(moved->evtchn_upcall_mask, 1, "the mask carried over");
	test_check((long)moved->arch.cr2, 0x1234000, "cr2 carried over");
	test_check(moved->evtchn_upcall_pending, 1, "upcall_pending set");
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_EINVAL,
		   "a second time");
	test_check(mm_check_frames(), 0, "Koan's frame check");
}
