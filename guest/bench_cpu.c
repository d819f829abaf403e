// SPDX-License-Identifier: MIT
/*
 * The bench suite's CPU benchmarks (docs/performance.md): the cost of a
 * null hypercall, and of the paper's process operations in a PV guest --
 * a system call from user mode, a demand-zero page fault, a switch between
 * two processes, an int3 trap bounced to the guest kernel.
 *
 * They run on the cpu suite's infrastructure (guest/cpu.c, guest/user.c,
 * guest/traps.S): its trap table and callbacks, its processes with their
 * own user L4s, its syscall handler and its context switch (SYS_YIELD:
 * NEW_USER_BASEPTR, stack_switch, TLB_FLUSH_LOCAL, iret).  A cpu_hook
 * handles what the cpu suite would treat as an error: the benchmark's
 * marks, int3 from user mode, faults in the page-fault ring.  The user
 * programs are in guest/bench_cpu_user.inc.
 *
 * Timing: the user program brackets its loop of n operations with two
 * SYS_BENCH_MARK syscalls.  The first prints `bench-begin NAME` and reads
 * the TSC last thing before returning to user mode; the second reads it
 * first thing and prints `bench-end NAME unit=op ops=n tsc=T`.  T thus
 * also holds one return to and one entry from user mode: about one null
 * system call over the whole run.
 */
#include <xen/errno.h>

#include <guest/bench.h>
#include <guest/cpu.h>
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define SYS_BENCH_MARK 0xbe		/* as in bench_cpu_user.inc */
#define BENCH_PF_VA 0x520000UL		/* the page-fault ring: 64 pages */
#define BENCH_PF_RING 64
#define BENCH_PF_HALF (BENCH_PF_RING / 2)
#define HCALL_ENOSYS_NR 60		/* past every defined hypercall */
#define BENCH_DEFAULT_OPS 65536UL	/* operations per benchmark (`bench-ops=N`) */

extern char user_bench_syscall[], user_bench_int3[], user_bench_pagefault[],
	user_bench_yield0[], user_bench_yield1[];

static struct {
	bool ready;
	unsigned long ops;		/* per benchmark (`bench-ops=N`) */
	unsigned long hcalls;		/* per hypercall benchmark (`bench-hcalls=N`) */
	/* The benchmark running. */
	const char *name;
	unsigned int marks;
	uint64_t t0, t1;
	unsigned long traps, faults, unexpected;
	/* The page-fault ring: frames (zeroed once, only ever read). */
	unsigned long pf_mfn[BENCH_PF_RING];
} bc;

static struct mmu_update pf_req[BENCH_PF_RING];

/*
 * A demand-zero fault on page j of the ring: map its zeroed frame
 * (mmu_update of the process's L1).  At j = 0 and j = HALF, the same
 * mmu_update also clears the other half of the ring, which the program
 * touches next, and a TLB flush follows: every read faults, and each page
 * is mapped and unmapped once per turn.
 */
static bool bench_pf(struct cpu_regs *r)
{
	unsigned long va = cpu_last.cr2 & ~(GUEST_PAGE_SIZE - 1);
	unsigned long l1 = user_procs[0].l1_mfn;
	unsigned int j, k, n = 0, first;
	long rc;

	if (va < BENCH_PF_VA || va >= BENCH_PF_VA + BENCH_PF_RING * GUEST_PAGE_SIZE ||
	    (r->error_code & 1))
		return false;
	j = (va - BENCH_PF_VA) / GUEST_PAGE_SIZE;
	if (j % BENCH_PF_HALF == 0) {
		first = (j + BENCH_PF_HALF) % BENCH_PF_RING;
		for (k = first; k < first + BENCH_PF_HALF; k++) {
			pf_req[n].ptr = pt_entry_ma(l1, (BENCH_PF_VA >> 12) % 512 + k) |
					MMU_NORMAL_PT_UPDATE;
			pf_req[n].val = 0;
			n++;
		}
	}
	pf_req[n].ptr = pt_entry_ma(l1, (BENCH_PF_VA >> 12) % 512 + j) |
			MMU_NORMAL_PT_UPDATE;
	pf_req[n].val = pte_make(bc.pf_mfn[j], DATA_RW | PTE_US);
	n++;
	rc = HYPERVISOR_mmu_update(pf_req, n, NULL, DOMID_SELF);
	if (!rc && n > 1)
		rc = mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
	if (rc) {
		guest_printf("# bench: page fault at 0x%lx: %ld\n", va, rc);
		return false;	/* the cpu suite ends the process */
	}
	bc.faults++;
	return true;
}

/* First call for every bounce (cpu_trap_dispatch). */
static bool bench_hook(struct cpu_regs *r)
{
	if ((r->cs & 3) != 3)
		return false;
	switch (r->vector) {
	case CPU_VEC_SYSCALL:
		if (r->rax != SYS_BENCH_MARK)
			return false;
		r->rax = 0;
		if (bc.marks++ == 0) {
			guest_printf("bench-begin %s\n", bc.name);
			bc.t0 = tsc_read();
		} else {
			bc.t1 = tsc_read();
			guest_printf("bench-end %s unit=op ops=%lu tsc=%lu\n",
				     bc.name, bc.ops,
				     (unsigned long)(bc.t1 - bc.t0));
		}
		return true;
	case 3:
		bc.traps++;
		return true;	/* rip is after the int3 */
	case 14:
		return bench_pf(r);
	}
	bc.unexpected++;
	return false;
}

static bool bench_cpu_ready(void)
{
	unsigned int i;
	unsigned long pfn;

	if (bc.ready)
		return true;
	if (!cpu_init())
		return false;
	bc.ops = guest_cmdline_ulong("bench-ops", BENCH_DEFAULT_OPS);
	/* Whole turns of the ring; an even number for the two processes. */
	bc.ops = (bc.ops + BENCH_PF_RING - 1) / BENCH_PF_RING * BENCH_PF_RING;
	if (!bc.ops)
		bc.ops = BENCH_PF_RING;
	bc.hcalls = guest_cmdline_ulong("bench-hcalls", 16 * bc.ops);
	if (!bc.hcalls)
		bc.hcalls = 1;
	for (i = 0; i < BENCH_PF_RING; i++) {
		if (!(pfn = pool_alloc(true))) {
			test_fail("no frame for the page-fault ring");
			return false;
		}
		bc.pf_mfn[i] = pfn_mfn(pfn);
	}
	guest_printf("bench-info ops=%lu hcalls=%lu pf-ring=%u\n", bc.ops,
		     bc.hcalls, BENCH_PF_RING);
	bc.ready = true;
	return true;
}

static void bench_start(const char *name)
{
	bc.name = name;
	bc.marks = 0;
	bc.traps = bc.faults = bc.unexpected = 0;
}

/* Both marks seen, nothing unexpected. */
static void bench_check_marks(void)
{
	EXPECT_EQ(bc.marks, 2, "benchmark marks");
	EXPECT_EQ(bc.unexpected, 0, "unexpected bounces");
}

/* Run user programs; afterwards events are masked again, as at boot. */
static bool bench_user(unsigned int nr, const unsigned long *entry,
		       const uint64_t *arg)
{
	bool ok;

	cpu_hook = bench_hook;
	ok = user_run(nr, entry, arg);
	cpu_hook = NULL;
	cpu_vcpu()->evtchn_upcall_mask = 1;
	return ok;
}

/* A hypercall from guest kernel mode, bc.hcalls times (after 1024 more). */
static void bench_hypercall(const char *name, unsigned long nr,
			    unsigned long a1, long expect)
{
	unsigned long i;
	uint64_t t0, t1;
	long rc = 0;

	if (!bench_cpu_ready())
		return;
	for (i = 0; i < 1024; i++)
		rc |= guest_hypercall3(nr, a1, 0, 0) ^ expect;
	EXPECT(!rc, "hypercall %lu: not %ld", nr, expect);
	guest_printf("bench-begin %s\n", name);
	t0 = tsc_read();
	for (i = 0; i < bc.hcalls; i++)
		rc |= guest_hypercall3(nr, a1, 0, 0) ^ expect;
	t1 = tsc_read();
	EXPECT(!rc, "hypercall %lu: not %ld", nr, expect);
	guest_printf("bench-end %s unit=op ops=%lu tsc=%lu\n", name, bc.hcalls,
		     (unsigned long)(t1 - t0));
}

/* xen_version(XENVER_version): a real hypercall doing almost nothing. */
void case_bench_hcall_version(void)
{
	bench_hypercall("hcall_version", __HYPERVISOR_xen_version,
			XENVER_version, GUEST_EXPECTED_VERSION);
}

/* Hypercall 60: no such hypercall, -ENOSYS from the dispatcher. */
void case_bench_hcall_enosys(void)
{
	bench_hypercall("hcall_enosys", HCALL_ENOSYS_NR, 0, -XEN_ENOSYS);
}

/* One process: n getpid syscalls (user -> syscall callback -> iret). */
void case_bench_syscall(void)
{
	unsigned long e = user_va(user_bench_syscall);
	uint64_t a;

	if (!bench_cpu_ready())
		return;
	bench_start("syscall");
	a = bc.ops;
	if (!bench_user(1, &e, &a))
		return;
	bench_check_marks();
	EXPECT_EQ(user_procs[0].exit_value, 0, "exit value (OR of getpids)");
}

/* One process: n demand-zero faults on the ring. */
void case_bench_pagefault(void)
{
	unsigned long e = user_va(user_bench_pagefault), l1;
	uint64_t a;
	unsigned int k;
	long rc;

	if (!bench_cpu_ready())
		return;
	bench_start("pagefault");
	a = bc.ops;
	if (!bench_user(1, &e, &a))
		return;
	/* Leave the ring unmapped. */
	l1 = user_procs[0].l1_mfn;
	for (k = 0; k < BENCH_PF_RING; k++) {
		pf_req[k].ptr = pt_entry_ma(l1, (BENCH_PF_VA >> 12) % 512 + k);
		pf_req[k].val = 0;
	}
	rc = HYPERVISOR_mmu_update(pf_req, BENCH_PF_RING, NULL, DOMID_SELF);
	if (!rc)
		rc = mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
	EXPECT_EQ(rc, 0, "unmapping the ring");
	bench_check_marks();
	EXPECT_EQ(user_procs[0].exit_value, 0, "exit value (OR of the words read)");
	EXPECT_EQ(bc.faults, bc.ops, "page faults");
}

/* Two processes yielding to each other: n switches between the marks. */
void case_bench_ctxsw(void)
{
	unsigned long e[2] = { user_va(user_bench_yield0),
			       user_va(user_bench_yield1) };
	uint64_t a[2];

	if (!bench_cpu_ready())
		return;
	bench_start("ctxsw");
	a[0] = a[1] = bc.ops / 2;
	if (!bench_user(2, e, a))
		return;
	bench_check_marks();
	EXPECT_EQ(user_procs[0].exit_value, 0, "exit value, process 0");
	EXPECT_EQ(user_procs[1].exit_value, 0, "exit value, process 1");
}

/* One process: n int3 traps bounced to the kernel, back with iret. */
void case_bench_int3(void)
{
	unsigned long e = user_va(user_bench_int3);
	uint64_t a;

	if (!bench_cpu_ready())
		return;
	bench_start("int3");
	a = bc.ops;
	if (!bench_user(1, &e, &a))
		return;
	bench_check_marks();
	EXPECT_EQ(user_procs[0].exit_value, 0, "exit value");
	EXPECT_EQ(bc.traps, bc.ops, "int3 traps");
}
