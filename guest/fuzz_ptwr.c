// SPDX-License-Identifier: MIT
/*
 * The ptwr fuzzer (case fuzz_ptwr, `fuzz-ptwr=N` writes, 2000): random
 * writes through the guest's own read-only mappings of its pinned L1
 * tables, which the hypervisor must emulate as validated entry updates
 * (writable page tables) or refuse with the guest's #PF.  Four tables in
 * L4 slot 7 map a handful of data frames; each write picks a table, an
 * entry (sometimes misaligned, sometimes across two entries), a value
 * (a data frame with random flags, zero, garbage, a table of ours mapped
 * read-only or writable) and an instruction form (mov of 1, 2, 4 or 8
 * bytes, xchg, cmpxchg and lock cmpxchg with a right or wrong old value,
 * lock or/and/bts/btr).  After each write the entry is read back: a write
 * that was not refused must have landed (the frame and P, RW, NX bits),
 * a refused one must have changed nothing.  Outcomes are logged for the
 * oracle; Koan's frame check runs every fuzz-check-every writes.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define PTWR_SLOT 7
#define TABLES 4
#define DATA 8
#define L2_FIRST 100	/* the tables sit at these L2 indexes */
#define CHECK_MASK (PTE_ADDR_MASK | PTE_P | PTE_RW | PTE_NX)

static struct {
	struct scratch sp;
	unsigned long table[TABLES], data[DATA];
	volatile uint64_t *view[TABLES];	/* each table, mapped read-only */
	unsigned long landed, refused, mismatches;
} pw;

static bool ptwr_setup(void)
{
	unsigned int i;

	memset(&pw, 0, sizeof(pw));
	pw.sp.slot = PTWR_SLOT;
	if (!cpu_init() || !scratch_ensure(&pw.sp, 0))
		return false;
	for (i = 0; i < DATA; i++) {
		unsigned long pfn = pool_alloc(true);

		if (!pfn)
			return false;
		pw.data[i] = pfn_mfn(pfn);
	}
	for (i = 0; i < TABLES; i++) {
		unsigned long pfn = pool_alloc(true);

		if (!pfn)
			return false;
		pw.table[i] = pfn_mfn(pfn);
		if (pin_table(1, pw.table[i]) ||
		    mmu_update1(pt_entry_ma(pw.sp.l2_mfn, L2_FIRST + i),
				pte_make(pw.table[i], PT_FLAGS)) ||
		    scratch_map(&pw.sp, 1 + i, pw.table[i], DATA_RO)) {
			test_fail("setting up ptwr table %u", i);
			return false;
		}
		pw.view[i] = (volatile uint64_t *)scratch_va(&pw.sp, 1 + i);
	}
	return true;
}

static uint64_t rand_value(void)
{
	static const uint64_t flags[] = { PTE_P, PTE_P | PTE_RW, PTE_P | PTE_US,
					  PTE_P | PTE_RW | PTE_A | PTE_D,
					  PTE_P | PTE_NX, PTE_P | PTE_PCD,
					  PTE_P | PTE_G, PTE_RW, 0x7UL << 9 | PTE_P };
	uint64_t f = FUZZ_PICK(flags);

	switch (fuzz_below(10)) {
	case 0:
		return 0;
	case 1:
		return fuzz_rnd();	/* garbage, present or not */
	case 2:	/* one of our tables: read-only is fine, writable is not */
		return pte_make(pw.table[fuzz_below(TABLES)], fuzz_chance(50) ?
				PTE_P : PTE_P | PTE_RW);
	case 3:
		return pte_make(mm.max_ram_page + fuzz_below(16), f);
	default:
		return pte_make(pw.data[fuzz_below(DATA)], f);
	}
}

/* One write of `v` at p (inside a read-only table mapping) by form `how`. */
static void write_form(volatile uint64_t *p, unsigned int how, uint64_t v,
		       uint64_t old)
{
	volatile uint8_t *b = (volatile uint8_t *)p + fuzz_below(8);
	uint64_t a = old;

	switch (how) {
	case 0: __asm__ volatile(CPU_FAULT("movq %1, %0") : "=m"(*p) : "r"(v) : "memory"); break;
	case 1: __asm__ volatile(CPU_FAULT("movl %k1, %0") : "=m"(*(volatile uint32_t *)p) : "r"(v) : "memory"); break;
	case 2: __asm__ volatile(CPU_FAULT("movl %k1, %0") : "=m"(((volatile uint32_t *)p)[1]) : "r"(v >> 32) : "memory"); break;
	case 3: __asm__ volatile(CPU_FAULT("movw %w1, %0") : "=m"(*(volatile uint16_t *)b) : "r"(v) : "memory"); break;
	case 4: __asm__ volatile(CPU_FAULT("movb %b1, %0") : "=m"(*b) : "q"(v) : "memory"); break;
	case 5: __asm__ volatile(CPU_FAULT("xchgq %0, %1") : "+r"(v), "+m"(*p) : : "memory"); break;
	case 6:
		if (fuzz_chance(30))
			a = fuzz_rnd();	/* a wrong old value: nothing written */
		__asm__ volatile(CPU_FAULT("cmpxchgq %2, %1") : "+a"(a), "+m"(*p) : "r"(v) : "memory", "cc");
		break;
	case 7:
		__asm__ volatile(CPU_FAULT("lock cmpxchgq %2, %1") : "+a"(a), "+m"(*p) : "r"(v) : "memory", "cc");
		break;
	case 8: __asm__ volatile(CPU_FAULT("lock orb %b1, %0") : "+m"(*b) : "q"(v) : "memory", "cc"); break;
	case 9: __asm__ volatile(CPU_FAULT("lock andb %b1, %0") : "+m"(*b) : "q"(v) : "memory", "cc"); break;
	case 10: __asm__ volatile(CPU_FAULT("lock btsq %1, %0") : "+m"(*p) : "r"(v & 63) : "memory", "cc"); break;
	default: __asm__ volatile(CPU_FAULT("lock btrq %1, %0") : "+m"(*p) : "r"(v & 63) : "memory", "cc"); break;
	}
	cpu_resume_rip = 0;
}

static const char *const forms[] = {
	"ptwr_mov8", "ptwr_mov4_low", "ptwr_mov4_high", "ptwr_mov2", "ptwr_mov1",
	"ptwr_xchg", "ptwr_cmpxchg", "ptwr_lock_cmpxchg", "ptwr_lock_or",
	"ptwr_lock_and", "ptwr_lock_bts", "ptwr_lock_btr",
};

/* One random write; false if what is there afterwards cannot be explained. */
static bool one_write(void)
{
	unsigned int t = (unsigned int)fuzz_below(TABLES), how = (unsigned int)fuzz_below(12);
	unsigned int e = (unsigned int)fuzz_below(512);
	volatile uint64_t *p = pw.view[t] + e;
	uint64_t v = rand_value(), before = *p, after;
	bool faulted;
	long rc;

	if (fuzz_chance(3))	/* straddling two entries: never emulated */
		p = (volatile uint64_t *)((uintptr_t)p + (e < 511 ? 4 : -4));
	fuzz_trace("%s of 0x%lx at table %u entry %u byte %lu, entry 0x%lx", forms[how],
		   (unsigned long)v, t, e, (unsigned long)((uintptr_t)p & 7),
		   (unsigned long)before);
	cpu_trap_reset();
	write_form(p, how, v, before);
	faulted = cpu_last.count && cpu_last.regs.vector == 14;
	after = pw.view[t][e];
	/* 0: no trap; -(vector + 1): the trap it took (#PF: -15). */
	rc = cpu_last.count ? -1 - (long)cpu_last.regs.vector : 0;
	/* Whole entries name frames by role, and so compare across machines;
	 * a partial write mixes our machine's frame numbers into the entry. */
	if (how == 0 || how == 5 || how == 6 || how == 7)
		fuzz_done(forms[how], rc, NULL);
	else {
		fuzz_count(forms[how], rc);
		fuzz_log_uncomparable(forms[how]);
	}
	if (faulted) {
		pw.refused++;
		if ((after & CHECK_MASK) != (before & CHECK_MASK))
			guest_printf("# fuzz-ptwr: %s of 0x%lx at table %u entry %u%s: "
				     "refused (cr2 0x%lx), but 0x%lx became 0x%lx\n",
				     forms[how], (unsigned long)v, t, e,
				     (uintptr_t)p & 7 ? " (straddling)" : "",
				     (unsigned long)cpu_last.cr2, (unsigned long)before,
				     (unsigned long)after);
		return (after & CHECK_MASK) == (before & CHECK_MASK);
	}
	pw.landed++;
	/* A whole-entry write that landed put exactly v there (flags Xen adds
	 * aside); what partial writes made of it, the frame check judges. */
	if ((how == 0 || how == 5) && !((uintptr_t)p & 7) &&
	    (after & CHECK_MASK) != (v & CHECK_MASK)) {
		guest_printf("# fuzz-ptwr: %s of 0x%lx at table %u entry %u landed, "
			     "but the entry is 0x%lx\n", forms[how], (unsigned long)v,
			     t, e, (unsigned long)after);
		return false;
	}
	return true;
}

/* Unmap everything the writes left, then unpin and drop the tables. */
static void ptwr_cleanup(void)
{
	unsigned int t, e;

	for (t = 0; t < TABLES; t++) {
		for (e = 0; e < 512; e++)
			if (pw.view[t][e])
				mmu_update1(pt_entry_ma(pw.table[t], e), 0);
		mmu_update1(pt_entry_ma(pw.sp.l2_mfn, L2_FIRST + t), 0);
		unpin_table(pw.table[t]);
	}
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
}

void case_fuzz_ptwr(void)
{
	unsigned long seed = fuzz_arg("fuzz-seed", 1), n = fuzz_arg("fuzz-ptwr", 2000);
	unsigned long every = fuzz_arg("fuzz-check-every", 1), i;

	fuzz_seed(seed + 1);
	if (!ptwr_setup())
		return;
	fuzz_checks_reset();
	fuzz_log_start("ptwr", seed);
	for (i = 1; i <= n; i++) {
		if (!one_write() && !pw.mismatches++)
			guest_printf("# fuzz-ptwr: write %lu is not what it did\n", i);
		if (every && i % every == 0)
			EXPECT_EQ(fuzz_check(), 0, "frame check during the ptwr writes");
	}
	fuzz_log_stop();
	ptwr_cleanup();
	guest_printf("fuzz-ptwr: seed %lu done: %lu writes, %lu landed, %lu refused, "
		     "%lu checks\n", seed, n, pw.landed, pw.refused, fuzz_checks());
	fuzz_coverage_print("ptwr");
	EXPECT_EQ(pw.mismatches, 0, "writes whose entry afterwards does not match");
	EXPECT_EQ(fuzz_check(), 0, "frame check after the ptwr writes");
}
