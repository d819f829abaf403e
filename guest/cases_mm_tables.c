// SPDX-License-Identifier: MIT
/*
 * mm suite, page tables: vm_assist, building, pinning and loading a whole
 * new 4-level hierarchy, the user base pointer, mapping thousands of pages
 * in mmu_update batches, MMU_PT_UPDATE_PRESERVE_AD and MMU_MACHPHYS_UPDATE.
 * Expectations are Xen 4.17's (docs/test-guest.md, "The mm suite").
 */
#include <xen/errno.h>

#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

/* The L4 slot our private test hierarchy maps its one page at. */
#define HIER_SLOT 3UL
#define HIER_VA (HIER_SLOT << 39)

void case_mm_vm_assist(void)
{
	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable,
				       VMASST_TYPE_writable_pagetables), 0,
		  "enable writable_pagetables");
	/* Xen: types it does not know, and unknown commands. */
	test_check(HYPERVISOR_vm_assist(VMASST_CMD_enable, 31), -XEN_EINVAL,
		   "enable type 31");
	test_check(HYPERVISOR_vm_assist(7, VMASST_TYPE_writable_pagetables),
		   -XEN_ENOSYS, "command 7");
	test_check(HYPERVISOR_vm_assist(VMASST_CMD_enable,
					VMASST_TYPE_pae_extended_cr3), 0,
		   "enable pae_extended_cr3");
	test_check(HYPERVISOR_vm_assist(VMASST_CMD_enable,
					VMASST_TYPE_runstate_update_flag), 0,
		   "enable runstate_update_flag");
	test_check(HYPERVISOR_vm_assist(VMASST_CMD_enable,
					VMASST_TYPE_m2p_strict), 0,
		   "enable m2p_strict");
	test_check(HYPERVISOR_vm_assist(VMASST_CMD_disable,
					VMASST_TYPE_m2p_strict), 0,
		   "disable m2p_strict");
	if (!test_failed())
		EXPECT(mm_init(), "mm_init");
}

/* A zeroed pool frame whose entry 0 is `entry` (written while plain). */
static unsigned long new_table(uint64_t entry)
{
	unsigned long pfn = pool_alloc(true);
	uint64_t *t;

	if (!pfn || !(t = win_map(2, pfn_mfn(pfn), DATA_RW)))
		return 0;
	t[0] = entry;
	win_unmap(2);
	return pfn_mfn(pfn);
}

static void free_mfn(unsigned long mfn)
{
	pool_free(m2p_read(mfn));
}

void case_mm_new_hierarchy(void)
{
	unsigned long data, l1, l2, l3, l4, m[4];
	int level;

	MM_BEGIN();
	data = pfn_mfn(pool_alloc(false));
	EXPECT(frame_fill(data, 0x4e4557), "filling the data page");
	EXPECT((l1 = new_table(pte_make(data, DATA_RW))), "L1");
	EXPECT((l2 = new_table(pte_make(l1, PT_FLAGS))), "L2");
	EXPECT((l3 = new_table(pte_make(l2, PT_FLAGS))), "L3");
	EXPECT((l4 = mm_new_l4(HIER_SLOT, pte_make(l3, PT_FLAGS))), "L4");
	m[0] = l1, m[1] = l2, m[2] = l3, m[3] = l4;
	for (level = 1; level <= 4; level++)
		EXPECT_EQ(pin_table(level, m[level - 1]), 0, "pin bottom-up");
	EXPECT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, l4, 0), 0, "NEW_BASEPTR(new L4)");
	/* Still running: our kernel slots came along.  The page is there. */
	{
		const volatile uint64_t *p = (const uint64_t *)HIER_VA;
		uint64_t w0 = p[0], w9 = p[9];
		long back = mmuext1(MMUEXT_NEW_BASEPTR, mm.l4_mfn, 0);

		EXPECT_EQ(back, 0, "NEW_BASEPTR(boot L4)");
		EXPECT(w0 == pattern_word(0x4e4557, 0) &&
			       w9 == pattern_word(0x4e4557, 9),
		       "data through the new hierarchy: 0x%lx 0x%lx",
		       (unsigned long)w0, (unsigned long)w9);
	}
	for (level = 4; level >= 1; level--)
		EXPECT_EQ(unpin_table(m[level - 1]), 0, "unpin top-down");
	for (level = 0; level < 4; level++)
		free_mfn(m[level]);
	free_mfn(data);
}

void case_mm_new_user_baseptr(void)
{
	unsigned long l4;

	MM_BEGIN();
	EXPECT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0,
		  "NEW_USER_BASEPTR(0)");
	EXPECT((l4 = mm_new_l4(0, 0)), "user L4");
	EXPECT_EQ(pin_table(4, l4), 0, "pin the user L4");
	EXPECT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, l4, 0), 0,
		  "NEW_USER_BASEPTR(pinned L4)");
	EXPECT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0,
		  "NEW_USER_BASEPTR(0) again");
	EXPECT_EQ(unpin_table(l4), 0, "unpin the user L4");
	free_mfn(l4);
}

/* mmu_update of n entries of mm_scratch from idx: frame frames[i] or 0. */
static long map_batch(unsigned long idx, const unsigned long *frames,
		      unsigned int n, uint64_t flags)
{
	static struct mmu_update req[512];
	unsigned int i, done = ~0u;
	long rc;

	for (i = 0; i < n; i++) {
		req[i].ptr = scratch_pte_ma(&mm_scratch, idx + i);
		req[i].val = frames ? pte_make(frames[i], flags) : 0;
	}
	rc = HYPERVISOR_mmu_update(req, n, &done, DOMID_SELF);
	if (!rc && done != n)
		return -1000 - (long)done;
	return rc;
}

#define THOUSANDS 4096
static unsigned long many[THOUSANDS];

void case_mm_map_thousands(void)
{
	unsigned long n = THOUSANDS, base, i, bad = 0;

	MM_BEGIN();
	if (pool_free_count() < n + 64)
		n = (pool_free_count() - 64) & ~511UL;
	EXPECT(n >= 512, "only %lu free frames", pool_free_count());
	EXPECT((base = scratch_take(n + 511)), "scratch range");
	base = (base + 511) & ~511UL;	/* whole L1s: one batch each */
	for (i = 0; i < n; i++)
		many[i] = pfn_mfn(pool_alloc(false));
	for (i = 0; i < n; i += 512) {
		EXPECT(scratch_ensure(&mm_scratch, base + i), "scratch L1");
		EXPECT_EQ(map_batch(base + i, many + i, 512, DATA_RW), 0,
			  "mapping 512 pages writable");
	}
	for (i = 0; i < n; i++) {
		volatile uint64_t *p = (uint64_t *)scratch_va(&mm_scratch, base + i);

		p[0] = many[i] ^ 0x6d616e79UL;
		p[511] = ~many[i];
	}
	for (i = 0; i < n; i += 512)
		EXPECT_EQ(map_batch(base + i, NULL, 512, 0), 0, "unmapping 512");
	EXPECT_EQ(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0, "TLB_FLUSH_LOCAL");
	/* Map them again read-only, in reverse order, and read back. */
	for (i = 0; i < n / 2; i++) {
		unsigned long t = many[i];

		many[i] = many[n - 1 - i];
		many[n - 1 - i] = t;
	}
	for (i = 0; i < n; i += 512)
		EXPECT_EQ(map_batch(base + i, many + i, 512, DATA_RO), 0,
			  "mapping 512 pages read-only");
	for (i = 0; i < n; i++) {
		const volatile uint64_t *p =
			(const uint64_t *)scratch_va(&mm_scratch, base + i);

		if (p[0] != (many[i] ^ 0x6d616e79UL) || p[511] != ~many[i])
			bad++;
	}
	for (i = 0; i < n; i += 512)
		EXPECT_EQ(map_batch(base + i, NULL, 512, 0), 0, "unmapping 512");
	EXPECT_EQ(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0, "TLB_FLUSH_LOCAL");
	EXPECT(bad == 0, "%lu of %lu pages read back wrong", bad, n);
	for (i = 0; i < n; i++)
		free_mfn(many[i]);
}

void case_mm_preserve_ad(void)
{
	unsigned long idx, data, va;
	uint64_t ma, e;

	MM_BEGIN();
	EXPECT((idx = scratch_take(1)), "scratch page");
	data = pfn_mfn(pool_alloc(true));
	EXPECT_EQ(scratch_map(&mm_scratch, idx, data, PTE_P | PTE_RW), 0,
		  "mapping without A/D");
	ma = scratch_pte_ma(&mm_scratch, idx);
	va = scratch_va(&mm_scratch, idx);
	e = scratch_pte(&mm_scratch, idx);
	EXPECT(!(e & (PTE_A | PTE_D)), "fresh entry 0x%lx has A/D",
	       (unsigned long)e);
	*(volatile uint64_t *)va = 1;	/* the walk sets A and D */
	e = scratch_pte(&mm_scratch, idx);
	EXPECT((e & (PTE_A | PTE_D)) == (PTE_A | PTE_D),
	       "after a write the entry is 0x%lx", (unsigned long)e);
	EXPECT_EQ(mmu_update1(ma | MMU_PT_UPDATE_PRESERVE_AD,
			      pte_make(data, PTE_P | PTE_RW)), 0,
		  "MMU_PT_UPDATE_PRESERVE_AD");
	e = scratch_pte(&mm_scratch, idx);
	EXPECT((e & (PTE_A | PTE_D)) == (PTE_A | PTE_D),
	       "PRESERVE_AD lost A/D: 0x%lx", (unsigned long)e);
	EXPECT_EQ(mmu_update1(ma, pte_make(data, PTE_P | PTE_RW)), 0,
		  "MMU_NORMAL_PT_UPDATE");
	e = scratch_pte(&mm_scratch, idx);
	EXPECT(!(e & (PTE_A | PTE_D)), "NORMAL kept A/D: 0x%lx",
	       (unsigned long)e);
	EXPECT_EQ(mmu_update1(ma | MMU_PT_UPDATE_PRESERVE_AD, 0), 0,
		  "PRESERVE_AD to an empty entry");
	EXPECT_EQ(mmuext1(MMUEXT_INVLPG_LOCAL, va, 0), 0, "INVLPG_LOCAL");
	free_mfn(data);
}

void case_mm_machphys_update(void)
{
	unsigned long pfn, mfn;

	MM_BEGIN();
	pfn = pool_alloc(false);
	mfn = pfn_mfn(pfn);
	EXPECT_EQ(m2p_read(mfn), pfn, "M2P before");
	EXPECT_EQ(mmu_update1(((uint64_t)mfn << 12) | MMU_MACHPHYS_UPDATE,
			      0x12345), 0, "MMU_MACHPHYS_UPDATE(pfn 0x12345)");
	EXPECT_EQ(m2p_read(mfn), 0x12345, "M2P after the update");
	/* ptr may point anywhere inside the frame. */
	EXPECT_EQ(mmu_update1(((uint64_t)mfn << 12) + 0xff8 +
				      MMU_MACHPHYS_UPDATE, pfn),
		  0, "MMU_MACHPHYS_UPDATE (offset 0xff8) back");
	EXPECT_EQ(m2p_read(mfn), pfn, "M2P restored");
	pool_free(pfn);
}
