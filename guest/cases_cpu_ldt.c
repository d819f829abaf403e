// SPDX-License-Identifier: MIT
/*
 * cpu suite: the lazily mapped LDT.  The hypervisor maps a page of the
 * guest's LDT when the CPU first reads a descriptor there -- only for that
 * implicit supervisor access, never for the guest's own access to the
 * hypervisor's LDT area -- also when the hypervisor itself loads a guest
 * selector (set_segment_base(GS_USER_SEL), reloading segment registers
 * after another vCPU ran); the mapping survives a change of the PTE behind
 * it and is dropped by a new kernel base pointer.  Expected values are Xen
 * 4.17's (docs/test-guest.md, "The cpu suite").
 *
 * Beside another domain on the same CPU the vCPU may be switched out at any
 * return from the hypervisor, and the switch back reloads our data
 * selectors (Koan and Xen alike): an LDT selector left loaded maps its page
 * again, or, if its LDT is gone, costs a failsafe callback.  So no case
 * keeps an LDT selector loaded while it takes the LDT away, and a look at
 * whether the page is mapped is made with no return to the guest since the
 * mapping was dropped.  cpu_ldt_switch_between_steps (Koan-only) runs the
 * cases again with a switch to the other domain at every step.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/desc.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>
#include <guest/test.h>

#define LDT_SEL1 0x0f		/* LDT entry 1, RPL 3 */
#define LIMIT_A 0x1234		/* entry 1 of frame A ... */
#define LIMIT_B 0x5678		/* ... and of frame B */
#define GS_BASE_A 0x12345000U	/* entry 1's base in frame A */

/*
 * Where the hypervisor shows the running vCPU's LDT (its own layout, not
 * ABI): Koan's fixmap page 32 (include/asm/paging.h); Xen 4.17's per-domain
 * area, vCPU 0's LDT half (GDT_LDT_VIRT_START + 64 KiB).
 */
#define KOAN_LDT_AREA 0xffff838000020000UL
#define XEN_LDT_AREA 0xffff820000010000UL

/*
 * Switch points: where a case may lose the CPU (after a hypercall).  Off,
 * nothing happens; cpu_ldt_switch_between_steps turns them on, and each
 * then yields to the other domain, which switches this vCPU out and back
 * in if that domain is runnable (our runnable time grows: counted).
 */
static bool switch_at_steps;
static unsigned long step_yields, step_switches;

static void switch_point(void)
{
	struct vcpu_runstate_info before, after;

	if (!switch_at_steps)
		return;
	step_yields++;
	if (smp_runstate(0, &before))
		return;
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	if (!smp_runstate(0, &after) &&
	    after.time[RUNSTATE_runnable] != before.time[RUNSTATE_runnable])
		step_switches++;
}

static long set_ldt(unsigned long base, unsigned long ents)
{
	long rc = mmuext1(MMUEXT_SET_LDT, base, ents);

	switch_point();
	return rc;
}

/* A frame whose LDT entry 1 is a DPL 3 data segment with this limit/base. */
static unsigned long ldt_frame(uint32_t limit, uint32_t base)
{
	uint64_t d[2] = { 0, desc_make(base, limit, DESC_ACC_DATA3, DESC_FLAG_D) };
	unsigned long mfn = frame_new();

	if (mfn && !frame_write(mfn, 0, d, 2)) {
		frame_put(mfn);
		return 0;
	}
	return mfn;
}

/* lsl: the limit of sel, -1 if the CPU refused it; a fault is in cpu_last. */
static long lsl_probe(unsigned long sel)
{
	unsigned long limit = 0;
	unsigned char ok = 0;

	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("lsl %2, %0") "setz %1"
			 : "+r"(limit), "=q"(ok) : "r"(sel) : "memory", "cc");
	return cpu_last.count || !ok ? -1 : (long)limit;
}

/* A read of addr from guest kernel mode: 0, or the vector it raised. */
static long read_probe(unsigned long addr)
{
	unsigned long v;

	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("mov (%1), %0")
			 : "=r"(v) : "r"(addr) : "memory");
	return cpu_last.count ? (long)cpu_last.regs.vector : 0;
}

static bool check_pf(unsigned long ec, unsigned long cr2, const char *what)
{
	bool ok = test_check((long)cpu_last.count, 1, what);

	ok &= test_check((long)cpu_last.regs.vector, 14, "its vector");
	ok &= test_check((long)cpu_last.regs.error_code, (long)ec, "its error code");
	ok &= test_check((long)cpu_last.cr2, (long)cr2, "its cr2");
	if (!ok)
		cpu_note_last(what);
	return ok;
}

/*
 * Is frame mfn in use as a descriptor page (a writable mapping refused)?
 * Not while an LDT selector is loaded whose page is not mapped: for a
 * moment mfn is mapped writable, and a switch reloading that selector
 * could not map the page then (a failsafe callback).
 */
static bool frame_typed(unsigned long mfn)
{
	long rc = win_map_rc(3, mfn, DATA_RW);

	switch_point();
	win_unmap(3);
	switch_point();
	return rc == -XEN_EBUSY;
}

/* The MSR holding the user's GS base, read through the emulated rdmsr. */
static unsigned long user_gs_base(void)
{
	uint32_t lo = 0, hi = 0;

	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("rdmsr")
			 : "+a"(lo), "+d"(hi) : "c"(0xc0000102U) : "memory");
	return ((unsigned long)hi << 32) | lo;
}

/* The mm suite's scratch page at va. */
static unsigned long scratch_idx(unsigned long va)
{
	return (va - scratch_va(&mm_scratch, 0)) / GUEST_PAGE_SIZE;
}

/* A fresh scratch page mapping frame mfn read-only: its address, or 0. */
static unsigned long ldt_page_at(unsigned long mfn)
{
	unsigned long idx = scratch_take(1);

	if (!idx || !test_check(scratch_map(&mm_scratch, idx, mfn, DATA_RO), 0,
				"map the LDT page read-only"))
		return 0;
	return scratch_va(&mm_scratch, idx);
}

static void ldt_page_drop(unsigned long va)
{
	scratch_unmap(&mm_scratch, scratch_idx(va));
	mmuext1(MMUEXT_INVLPG_LOCAL, va, 0);
	switch_point();
}

/* A new kernel base pointer and back: as on Xen, the LDT mappings go. */
static bool baseptr_round_trip(void)
{
	unsigned long l4 = mm_new_l4(mm_scratch.slot,
				     pte_make(mm_scratch.l3_mfn, PT_FLAGS));
	bool ok = l4 != 0;

	ok = ok && test_check(mmuext1(MMUEXT_NEW_BASEPTR, l4, 0), 0,
			      "NEW_BASEPTR to a copy of our L4");
	switch_point();
	ok = ok && test_check(mmuext1(MMUEXT_NEW_BASEPTR, mm.l4_mfn, 0), 0,
			      "NEW_BASEPTR back");
	switch_point();
	if (l4)
		pool_free(m2p_read(l4));
	return ok;
}

/*
 * baseptr_round_trip() and frame_typed(mfn) in one multicall: with an LDT
 * selector loaded, a switch between them would reload it and map the page
 * again, so nothing may return to the guest in between (Koan continues a
 * multicall only when its work budget runs out, far beyond these entries).
 * 1 if typed, 0 if not, -1 if a call failed otherwise.
 */
static long baseptr_round_trip_typed(unsigned long mfn)
{
	unsigned long l4 = mm_new_l4(mm_scratch.slot,
				     pte_make(mm_scratch.l3_mfn, PT_FLAGS));
	struct mmuext_op ops[2] = {
		{ .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = l4 },
		{ .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = mm.l4_mfn },
	};
	struct multicall_entry calls[3];
	long typed = -1, rc;

	if (!l4)
		return -1;
	memset(calls, 0, sizeof(calls));
	calls[0].op = __HYPERVISOR_mmuext_op;
	calls[0].args[0] = (unsigned long)ops;
	calls[0].args[1] = 2;
	calls[0].args[3] = DOMID_SELF;
	calls[1].op = __HYPERVISOR_update_va_mapping;
	calls[1].args[0] = win_va(3);
	calls[1].args[1] = pte_make(mfn, DATA_RW);
	calls[1].args[2] = UVMF_INVLPG | UVMF_LOCAL;
	calls[2] = calls[1];
	calls[2].args[1] = pte_make(pfn_mfn(mm.window_pfn + 3), DATA_RW);
	if (test_check(HYPERVISOR_multicall(calls, 3), 0, "the multicall") &&
	    test_check((long)calls[0].result, 0, "NEW_BASEPTR to a copy and back") &&
	    test_check((long)calls[2].result, 0, "window back")) {
		rc = (long)calls[1].result;
		typed = rc == -XEN_EBUSY ? 1 : rc == 0 ? 0 : -1;
	}
	switch_point();
	pool_free(m2p_read(l4));
	return typed;
}

/* ---- the guest's own access to the hypervisor's LDT area ------------- */

void case_cpu_ldt_guest_access(void)
{
	unsigned long area = cpu_on_koan() ? KOAN_LDT_AREA : XEN_LDT_AREA;
	unsigned long a = 0, va;
	unsigned long ds = SEG_READ(ds);

	if (!cpu_init() || !(a = ldt_frame(LIMIT_A, 0)) || !(va = ldt_page_at(a)))
		goto out;
	test_check(set_ldt(va, 16), 0, "SET_LDT of 16 entries");
	/* Not the CPU reading a descriptor: the page is not mapped for it. */
	test_check(read_probe(area + 8), 14, "read of the LDT area");
	/* Koan, several CPUs: CPU 0's window may hold another vCPU's LDT (error 1). */
	if (cpu_on_koan() && cpu_last.regs.error_code == 1)
		TEST_NOTE("CPU 0's LDT window holds another vCPU's LDT\n");
	else
		check_pf(0, area + 8, "read of the unmapped LDT area");
	test_check(frame_typed(a), false, "LDT frame not typed by that read");
	/* The CPU's own read maps it; the guest still may not look. */
	test_check(lsl_probe(LDT_SEL1), LIMIT_A, "lsl of LDT entry 1");
	test_check(frame_typed(a), true, "LDT frame typed by lsl");
	test_check(read_probe(area + 8), 14, "read of the mapped LDT area");
	/*
	 * Xen's LDT area is per vCPU; Koan's window is per physical CPU and
	 * this is CPU 0's, so on a machine with more CPUs this vCPU may have
	 * run (and mapped its LDT) elsewhere: not present here (error 0).
	 */
	if (cpu_on_koan() && cpu_last.regs.error_code == 0)
		TEST_NOTE("the LDT was mapped in another CPU's window\n");
	else
		check_pf(1, area + 8, "read of the mapped LDT area");
	test_check(set_ldt(0, 0), 0, "SET_LDT 0/0");
	test_check(frame_typed(a), false, "LDT frame free after SET_LDT 0/0");
	ldt_page_drop(va);
out:
	set_ldt(0, 0);
	__asm__ volatile("mov %w0, %%ds" :: "r"(ds));
	frame_put(a);
}

/* ---- the hypervisor loading an LDT selector -------------------------- */

void case_cpu_ldt_hypervisor_load(void)
{
	unsigned long a = 0, va = 0;

	if (!cpu_init() || !(a = ldt_frame(LIMIT_A, GS_BASE_A)) || !(va = ldt_page_at(a)))
		goto out;
	test_check(set_ldt(va, 16), 0, "SET_LDT of 16 entries");
	test_check(frame_typed(a), false, "LDT frame not mapped yet");
	/* The hypervisor's `mov %gs` faults on the unmapped page: mapped, retried. */
	test_check(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, LDT_SEL1), 0,
		   "GS_USER_SEL of LDT entry 1");
	switch_point();
	test_check((long)SEG_READ(gs), LDT_SEL1, "%gs after GS_USER_SEL");
	test_check((long)user_gs_base(), GS_BASE_A, "user GS base: entry 1's");
	test_check(frame_typed(a), true, "LDT frame typed by that load");
	/* %gs null before the LDT goes: a switch would not reload it. */
	test_check(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0), 0,
		   "GS_USER_SEL null");
	/* A page that cannot be mapped: the load fails, null, still 0. */
	test_check(set_ldt(0, 0), 0, "SET_LDT 0/0");
	ldt_page_drop(va);
	test_check(set_ldt(va, 16), 0, "SET_LDT over an unmapped page");
	test_check(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, LDT_SEL1), 0,
		   "GS_USER_SEL of an unmappable LDT entry");
	switch_point();
	test_check((long)SEG_READ(gs), 0, "%gs null");
out:
	HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0);
	HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0);
	set_ldt(0, 0);
	frame_put(a);
}

/* ---- how long a mapping lasts ---------------------------------------- */

void case_cpu_ldt_mapping_lifetime(void)
{
	unsigned long a = 0, b = 0, va = 0, l4 = 0;

	if (!cpu_init() || !(a = ldt_frame(LIMIT_A, 0)) || !(b = ldt_frame(LIMIT_B, 0)) ||
	    !(va = ldt_page_at(a)))
		goto out;
	test_check(set_ldt(va, 16), 0, "SET_LDT of 16 entries");
	test_check(lsl_probe(LDT_SEL1), LIMIT_A, "lsl: frame A");
	/* The PTE now maps B: the LDT still shows A, which stays typed. */
	test_check(scratch_map(&mm_scratch, scratch_idx(va), b, DATA_RO), 0,
		   "PTE behind the LDT page changed to B");
	mmuext1(MMUEXT_INVLPG_LOCAL, va, 0);
	switch_point();
	test_check(lsl_probe(LDT_SEL1), LIMIT_A, "lsl after the PTE change: still A");
	test_check(frame_typed(a), true, "frame A still an LDT page");
	/* Neither the same kernel base pointer nor a user one drop it. */
	test_check(mmuext1(MMUEXT_NEW_BASEPTR, mm.l4_mfn, 0), 0, "NEW_BASEPTR, same L4");
	switch_point();
	test_check(lsl_probe(LDT_SEL1), LIMIT_A, "lsl after the same L4: still A");
	l4 = mm_new_l4(mm_scratch.slot, pte_make(mm_scratch.l3_mfn, PT_FLAGS));
	test_check(mmuext1(MMUEXT_NEW_USER_BASEPTR, l4, 0), 0, "NEW_USER_BASEPTR");
	switch_point();
	test_check(lsl_probe(LDT_SEL1), LIMIT_A, "lsl after a user base pointer: still A");
	test_check(mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0, "NEW_USER_BASEPTR 0");
	/* A new kernel base pointer does: then B is mapped, A is free. */
	baseptr_round_trip();
	test_check(frame_typed(a), false, "frame A free after a new base pointer");
	test_check(lsl_probe(LDT_SEL1), LIMIT_B, "lsl after a new base pointer: B");
	test_check(frame_typed(b), true, "frame B an LDT page");
	/* No PTE at all: the next load is the guest's #PF on its LDT. */
	ldt_page_drop(va);
	test_check(lsl_probe(LDT_SEL1), LIMIT_B, "lsl after unmapping: still B");
	baseptr_round_trip();
	test_check(lsl_probe(LDT_SEL1), -1, "lsl with no page behind the LDT");
	check_pf(0, va + 8, "lsl with no page behind the LDT");
	test_check(frame_typed(b), false, "frame B free");
out:
	set_ldt(0, 0);
	if (l4)
		pool_free(m2p_read(l4));
	frame_put(a);
	frame_put(b);
}

/* ---- reloading an LDT selector after another vCPU ran ---------------- */

static unsigned long failsafes;

static bool failsafe_hook(struct cpu_regs *r)
{
	if (r->vector != CPU_VEC_FAILSAFE)
		return false;
	failsafes++;
	cpu_note_last("failsafe");
	return true;	/* return to where the frame says */
}

/*
 * %ds holds an LDT selector whose page a new base pointer unmapped.  Alone,
 * nothing reloads %ds on the way back from a yield; with another domain
 * running (Koan with a peer) the hypervisor reloads it, maps the page
 * (typing the frame) and no failsafe callback comes.  The unmapping is
 * checked in the base pointers' own multicall: after any return to the
 * guest a switch may already have mapped the page again.
 */
void case_cpu_ldt_reload(void)
{
	unsigned long a = 0, va = 0, i, ds = SEG_READ(ds);
	bool mapped_again;

	if (!cpu_init() || !(a = ldt_frame(LIMIT_A, 0)) || !(va = ldt_page_at(a)))
		goto out;
	test_check(set_ldt(va, 16), 0, "SET_LDT of 16 entries");
	__asm__ volatile("mov %w0, %%ds" :: "r"(LDT_SEL1));
	switch_point();
	if (!test_check(baseptr_round_trip_typed(a), false,
			"LDT page unmapped by the base pointer"))
		goto out;
	failsafes = 0;
	cpu_hook = failsafe_hook;
	for (i = 0; i < 20; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	cpu_hook = NULL;
	test_check((long)failsafes, 0, "failsafe callbacks");
	test_check((long)SEG_READ(ds), LDT_SEL1, "%ds after the yields");
	/* %ds back first: frame_typed() maps the frame writable for a moment. */
	__asm__ volatile("mov %w0, %%ds" :: "r"(ds));
	mapped_again = frame_typed(a);
	/* Koan's system test looks for this note (tests/system). */
	TEST_NOTE("ldt reload: LDT page mapped again: %s\n",
		  mapped_again ? "yes" : "no");
out:
	cpu_hook = NULL;
	__asm__ volatile("mov %w0, %%ds" :: "r"(ds));
	set_ldt(0, 0);
	frame_put(a);
}

/* ---- the cases again, switched out between their steps (Koan-only) ---- */

/*
 * Each switch point yields to the other domain: with it runnable on our
 * CPU the vCPU is switched out and back in there, and the hypervisor
 * reloads our data selectors.  Every case must pass as it does alone.  A
 * note says how many yields really switched (test_koan_ldt_reload.py runs
 * this beside a dom0 that never yields, where every one must).
 */
void case_cpu_ldt_switch_between_steps(void)
{
	step_yields = step_switches = 0;
	switch_at_steps = true;
	case_cpu_ldt_guest_access();
	case_cpu_ldt_hypervisor_load();
	case_cpu_ldt_mapping_lifetime();
	case_cpu_ldt_reload();
	switch_at_steps = false;
	TEST_NOTE("ldt switch points: %lu of %lu yields switched\n",
		  step_switches, step_yields);
}
