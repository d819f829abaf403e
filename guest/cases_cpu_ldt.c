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
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/desc.h>
#include <guest/lib.h>
#include <guest/mm.h>
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

static long set_ldt(unsigned long base, unsigned long ents)
{
	return mmuext1(MMUEXT_SET_LDT, base, ents);
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

/* Is frame mfn in use as a descriptor page (a writable mapping refused)? */
static bool frame_typed(unsigned long mfn)
{
	long rc = win_map_rc(3, mfn, DATA_RW);

	win_unmap(3);
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
}

/* A new kernel base pointer and back: as on Xen, the LDT mappings go. */
static bool baseptr_round_trip(void)
{
	unsigned long l4 = mm_new_l4(mm_scratch.slot,
				     pte_make(mm_scratch.l3_mfn, PT_FLAGS));
	bool ok = l4 != 0;

	ok = ok && test_check(mmuext1(MMUEXT_NEW_BASEPTR, l4, 0), 0,
			      "NEW_BASEPTR to a copy of our L4");
	ok = ok && test_check(mmuext1(MMUEXT_NEW_BASEPTR, mm.l4_mfn, 0), 0,
			      "NEW_BASEPTR back");
	if (l4)
		pool_free(m2p_read(l4));
	return ok;
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
	test_check((long)SEG_READ(gs), LDT_SEL1, "%gs after GS_USER_SEL");
	test_check((long)user_gs_base(), GS_BASE_A, "user GS base: entry 1's");
	test_check(frame_typed(a), true, "LDT frame typed by that load");
	/* A page that cannot be mapped: the load fails, null, still 0. */
	test_check(set_ldt(0, 0), 0, "SET_LDT 0/0");
	ldt_page_drop(va);
	test_check(set_ldt(va, 16), 0, "SET_LDT over an unmapped page");
	test_check(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, LDT_SEL1), 0,
		   "GS_USER_SEL of an unmappable LDT entry");
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
	test_check(lsl_probe(LDT_SEL1), LIMIT_A, "lsl after the PTE change: still A");
	test_check(frame_typed(a), true, "frame A still an LDT page");
	/* Neither the same kernel base pointer nor a user one drop it. */
	test_check(mmuext1(MMUEXT_NEW_BASEPTR, mm.l4_mfn, 0), 0, "NEW_BASEPTR, same L4");
	test_check(lsl_probe(LDT_SEL1), LIMIT_A, "lsl after the same L4: still A");
	l4 = mm_new_l4(mm_scratch.slot, pte_make(mm_scratch.l3_mfn, PT_FLAGS));
	test_check(mmuext1(MMUEXT_NEW_USER_BASEPTR, l4, 0), 0, "NEW_USER_BASEPTR");
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
 * (typing the frame) and no failsafe callback comes.
 */
void case_cpu_ldt_reload(void)
{
	unsigned long a = 0, va = 0, i, ds = SEG_READ(ds);

	if (!cpu_init() || !(a = ldt_frame(LIMIT_A, 0)) || !(va = ldt_page_at(a)))
		goto out;
	test_check(set_ldt(va, 16), 0, "SET_LDT of 16 entries");
	__asm__ volatile("mov %w0, %%ds" :: "r"(LDT_SEL1));
	if (!baseptr_round_trip())
		goto out;
	test_check(frame_typed(a), false, "LDT page unmapped by the base pointer");
	failsafes = 0;
	cpu_hook = failsafe_hook;
	for (i = 0; i < 20; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	cpu_hook = NULL;
	/* Koan's system test looks for this note (tests/system). */
	TEST_NOTE("ldt reload: LDT page mapped again: %s\n",
		  frame_typed(a) ? "yes" : "no");
	test_check((long)failsafes, 0, "failsafe callbacks");
	test_check((long)SEG_READ(ds), LDT_SEL1, "%ds after the yields");
out:
	cpu_hook = NULL;
	__asm__ volatile("mov %w0, %%ds" :: "r"(ds));
	set_ldt(0, 0);
	frame_put(a);
}
