// SPDX-License-Identifier: MIT
/*
 * spec suite: the page-table entries that speculative-execution hardening
 * must leave alone (docs/security.md, "L1TF").  Not-present entries of the
 * forms Linux writes -- zero, flags only, PROT_NONE and swap entries with
 * inverted address bits, an address above every machine address -- are
 * accepted through mmu_update, update_va_mapping, writable page tables and
 * validation, and read back exactly as written, whether or not the
 * hypervisor checks not-present entries for L1TF.
 *
 * The word `l1tf-unsafe=PATH` (PATH: mmu, uvm, ptwr, pin, l2pse) stores one
 * entry that is not safe instead of running a suite: a hypervisor that
 * checks this domain crashes it (Xen 4.17 and Koan on an L1TF-affected
 * CPU, for domUs by default); one that does not prints the result.
 */
#include <xen/errno.h>

#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define SPEC_WINDOW 6
#define SPEC_WINDOW2 7

/* Linux's inverted PROT_NONE entry for pfn: PROTNONE (bit 8), A, D. */
static uint64_t linux_protnone(unsigned long pfn)
{
	return (~((uint64_t)pfn << 12) & PTE_ADDR_MASK) | PTE_G | PTE_A | PTE_D;
}

/* Linux's swap entry (x86-64 since 4.19): type in bits 59-63, ~offset in 9-58. */
static uint64_t linux_swap(unsigned long type, unsigned long offset)
{
	return ((~(uint64_t)offset << 14) >> 5) | ((uint64_t)type << 59);
}

static uint64_t safe_entry(unsigned int i)
{
	switch (i) {
	case 0: return 0;
	case 1: return 0x166;			/* flags, no address (no PSE) */
	case 2: return linux_protnone(0x1234);
	case 3: return linux_swap(3, 0x4321);
	case 4: return linux_swap(31, 1);	/* NX position set by the type */
	default: return PTE_ADDR_MASK | PTE_RW;	/* above any machine address */
	}
}
#define NR_SAFE 6

#define SPEC_BEGIN()                                                         \
	do {                                                                 \
		if (!mm_init())                                              \
			return;                                              \
	} while (0)

void case_spec_l1tf_safe_entries(void)
{
	unsigned long idx, va, l1;
	volatile uint64_t *ro;
	unsigned int i;
	uint64_t want;

	SPEC_BEGIN();
	EXPECT((idx = scratch_take(1)) && scratch_ensure(&mm_scratch, idx), "scratch page");
	va = scratch_va(&mm_scratch, idx);
	l1 = mm_scratch.l1_mfn[idx / 512];
	for (i = 0; i < NR_SAFE; i++) {
		want = safe_entry(i);
		EXPECT_EQ(mmu_update1(scratch_pte_ma(&mm_scratch, idx), want), 0,
			  "mmu_update of a safe not-present entry");
		EXPECT_EQ(scratch_pte(&mm_scratch, idx), want, "read back (mmu_update)");
		EXPECT_EQ(HYPERVISOR_update_va_mapping(va, want ^ PTE_RW, UVMF_INVLPG | UVMF_LOCAL),
			  0, "update_va_mapping of a safe not-present entry");
		EXPECT_EQ(scratch_pte(&mm_scratch, idx), want ^ PTE_RW, "read back (uvm)");
	}
	/* Writable page tables: a plain store through a read-only view of the L1. */
	EXPECT((ro = win_map(SPEC_WINDOW, l1, DATA_RO)), "map the L1 read-only");
	for (i = 0; i < NR_SAFE; i++) {
		want = safe_entry(i);
		ro[idx % 512] = want;
		EXPECT_EQ(ro[idx % 512], want, "read back (ptwr)");
	}
	win_unmap(SPEC_WINDOW);
	EXPECT_EQ(scratch_unmap(&mm_scratch, idx), 0, "clear the entry");
}

/* A fresh frame holding every safe entry, pinned at level: validation accepts it. */
static void pin_with_safe_entries(unsigned int level)
{
	unsigned long pfn = pool_alloc(true), mfn;
	volatile uint64_t *t;
	unsigned int i;

	EXPECT(pfn, "a pool frame");
	mfn = pfn_mfn(pfn);
	EXPECT((t = win_map(SPEC_WINDOW2, mfn, DATA_RW)), "map the frame");
	for (i = 0; i < NR_SAFE; i++)
		t[i * 7] = safe_entry(i);
	win_unmap(SPEC_WINDOW2);
	EXPECT_EQ(pin_table(level, mfn), 0, "pin with safe not-present entries");
	for (i = 0; i < NR_SAFE; i++)
		EXPECT_EQ(table_read(mfn, i * 7), safe_entry(i), "read back after the pin");
	EXPECT_EQ(unpin_table(mfn), 0, "unpin");
	pool_free(pfn);
}

void case_spec_l1tf_safe_tables(void)
{
	SPEC_BEGIN();
	pin_with_safe_entries(1);
	if (test_failed())
		return;
	pin_with_safe_entries(2);
}

/* Store one unsafe entry through `path`; -EINVAL if the path is unknown. */
static long store_unsafe(const char *path, uint64_t *val)
{
	unsigned long idx = scratch_take(1), data = pfn_mfn(pool_alloc(false));
	volatile uint64_t *t;

	if (!idx || !scratch_ensure(&mm_scratch, idx))
		return -XEN_ENOMEM;
	/* Not present, yet naming one of our frames: what L1TF can read. */
	*val = pte_make(data, PTE_RW | PTE_A | PTE_D);
	if (!strcmp(path, "l2pse"))
		*val = PTE_PSE;	/* address 0, but a speculative 2 MiB page */
	guest_printf("l1tf-unsafe: %s entry 0x%016lx\n", path, (unsigned long)*val);
	if (!strcmp(path, "mmu"))
		return mmu_update1(scratch_pte_ma(&mm_scratch, idx), *val);
	if (!strcmp(path, "uvm"))
		return HYPERVISOR_update_va_mapping(scratch_va(&mm_scratch, idx), *val, 0);
	if (!strcmp(path, "ptwr")) {
		t = win_map(SPEC_WINDOW, mm_scratch.l1_mfn[idx / 512], DATA_RO);
		if (t)
			t[idx % 512] = *val;
		return t ? 0 : -XEN_EFAULT;
	}
	if (strcmp(path, "pin") && strcmp(path, "l2pse"))
		return -XEN_EINVAL;
	unsigned long frame = pfn_mfn(pool_alloc(true));
	unsigned int level = strcmp(path, "l2pse") ? 1 : 2;
	if (!(t = win_map(SPEC_WINDOW2, frame, DATA_RW)))
		return -XEN_EFAULT;
	t[5] = *val;
	win_unmap(SPEC_WINDOW2);
	return pin_table(level, frame);
}

void spec_special_words(void)
{
	char path[16];
	uint64_t val;
	long rc;

	if (!guest_cmdline_value("l1tf-unsafe", path, sizeof(path)))
		return;
	if (!mm_init()) {
		guest_printf("l1tf-unsafe: mm_init failed\n");
		guest_shutdown(SHUTDOWN_crash);
	}
	rc = store_unsafe(path, &val);
	guest_printf("l1tf-unsafe: %s stored, rc %ld\n", path, rc);
	guest_shutdown(SHUTDOWN_poweroff);
}
