// SPDX-License-Identifier: MIT
/*
 * mm suite, hostile frames and tables: mapping frames that are not ours
 * (M2P, MFN 0, beyond RAM, unowned, another domain's), writable mappings
 * of page tables, pinning the wrong thing, Xen's L4 slots, linear page
 * tables, unpinning, loading unvalidated or invalid base pointers, entry
 * flags the hypervisor refuses.  Each expectation is what Xen 4.17 did
 * (docs/test-guest.md has the table); a role-dependent one says both.
 */
#include <xen/errno.h>

#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

/*
 * Put pte at scratch page idx with mmu_update as foreigndom fd; if that
 * succeeded take it out again.  Returns the first call's result.
 */
static long try_pte(unsigned long idx, uint64_t pte, unsigned int fd)
{
	struct mmu_update r = { .ptr = scratch_pte_ma(&mm_scratch, idx),
				.val = pte };
	long rc = HYPERVISOR_mmu_update(&r, 1, NULL, fd);

	if (rc == 0) {
		scratch_unmap(&mm_scratch, idx);
		mmuext1(MMUEXT_INVLPG_LOCAL, scratch_va(&mm_scratch, idx), 0);
	}
	return rc;
}

/* A fresh scratch page with its L1 in place (0 after test_fail). */
static unsigned long fresh_page(void)
{
	unsigned long idx = scratch_take(1);

	return idx && scratch_ensure(&mm_scratch, idx) ? idx : 0;
}

/* The first mfn from `from` up that is not ours (below max_ram_page). */
static unsigned long unowned_mfn(unsigned long from)
{
	unsigned long mfn;

	for (mfn = from; mfn < mm.max_ram_page; mfn++)
		if (!mm_mfn_is_ours(mfn))
			return mfn;
	return 0;
}

static unsigned long m2p_frame(void)
{
	static xen_pfn_t mfns[64];
	struct xen_machphys_mfn_list l = { .max_extents = 64 };

	set_xen_guest_handle(l.extent_start, mfns);
	if (HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l) || !l.nr_extents)
		return 0;
	return mfns[0];
}

/*
 * dom0 on Xen: the M2P frames belong to Xen (DOMID_XEN, read-only share
 * for privileged domains).  As our own (DOMID_SELF): -EBUSY either way.
 * Naming DOMID_XEN: read-only works, writable -EBUSY.  An unprivileged
 * domain naming DOMID_XEN: -EPERM (XSM).
 */
void case_mm_map_m2p_frame(void)
{
	unsigned long idx, mfn;
	bool priv = guest_privileged();

	MM_BEGIN();
	EXPECT((idx = fresh_page()), "scratch page");
	EXPECT((mfn = m2p_frame()), "machphys_mfn_list");
	test_check(try_pte(idx, pte_make(mfn, DATA_RW), DOMID_SELF), -XEN_EBUSY,
		   "M2P frame writable, DOMID_SELF");
	test_check(try_pte(idx, pte_make(mfn, DATA_RO), DOMID_SELF), -XEN_EBUSY,
		   "M2P frame read-only, DOMID_SELF");
	test_check(try_pte(idx, pte_make(mfn, DATA_RW), DOMID_XEN),
		   priv ? -XEN_EBUSY : -XEN_EPERM, "M2P frame writable, DOMID_XEN");
	test_check(try_pte(idx, pte_make(mfn, DATA_RO), DOMID_XEN),
		   priv ? 0 : -XEN_EPERM, "M2P frame read-only, DOMID_XEN");
}

/*
 * Frames outside our memory.  MFN 0 (the first MiB is Xen's DOMID_IO) and
 * MMIO above RAM are I/O to Xen: dom0 has I/O rights over them and may map
 * them; a domU without I/O rights gets -EPERM.  An unowned RAM frame (free
 * or Xen's): -EBUSY for both.
 */
void case_mm_map_foreign_frames(void)
{
	static const struct { const char *what; uint64_t flags; } f[] = {
		{ "writable", DATA_RW }, { "read-only", DATA_RO },
	};
	unsigned long idx, unowned;
	bool priv = guest_privileged();
	char what[80];
	unsigned int i;

	MM_BEGIN();
	EXPECT((idx = fresh_page()), "scratch page");
	EXPECT((unowned = unowned_mfn(0x1000)), "no unowned frame");
	for (i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "MFN 0 %s", f[i].what);
		test_check(try_pte(idx, pte_make(0, f[i].flags), DOMID_SELF),
			   priv ? 0 : -XEN_EPERM, what);
		snprintf(what, sizeof(what), "max_ram_page+1 %s", f[i].what);
		test_check(try_pte(idx, pte_make(mm.max_ram_page + 1, f[i].flags),
				   DOMID_SELF), priv ? 0 : -XEN_EPERM, what);
		snprintf(what, sizeof(what), "unowned RAM mfn 0x%lx %s", unowned,
			 f[i].what);
		test_check(try_pte(idx, pte_make(unowned, f[i].flags), DOMID_SELF),
			   -XEN_EBUSY, what);
	}
}

/*
 * Koan only (needs a second domain, named by `peer-domid=N`): the peer's
 * pfn 2 holds the same text page as ours (same image).  DOMID_SELF:
 * -EBUSY like any frame not ours; a privileged domain naming the peer maps
 * it (Xen's privileged foreign mapping); an unprivileged one gets -EPERM.
 */
void case_mm_map_peer_frame(void)
{
	char value[16];
	unsigned long idx, mfn, peer;
	const char *p;

	MM_BEGIN();
	EXPECT(guest_cmdline_value("peer-domid", value, sizeof(value)),
	       "needs peer-domid=N (a second domain)");
	for (peer = 0, p = value; *p >= '0' && *p <= '9'; p++)
		peer = peer * 10 + (unsigned long)(*p - '0');
	EXPECT((idx = fresh_page()), "scratch page");
	for (mfn = 0; mfn < mm.max_ram_page; mfn++)
		if (!mm_mfn_is_ours(mfn) && m2p_read(mfn) == 2)
			break;
	EXPECT(mfn < mm.max_ram_page, "no frame of another domain at pfn 2");
	test_check(try_pte(idx, pte_make(mfn, DATA_RO), DOMID_SELF), -XEN_EBUSY,
		   "peer frame, DOMID_SELF");
	if (!guest_privileged()) {
		test_check(try_pte(idx, pte_make(mfn, DATA_RO), peer), -XEN_EPERM,
			   "peer frame named by an unprivileged domain");
		return;
	}
	{
		struct mmu_update r = { .ptr = scratch_pte_ma(&mm_scratch, idx),
					.val = pte_make(mfn, DATA_RO) };
		const void *va = (const void *)scratch_va(&mm_scratch, idx);
		int same;

		EXPECT_EQ(HYPERVISOR_mmu_update(&r, 1, NULL, peer), 0,
			  "peer frame read-only, foreigndom = peer");
		same = !memcmp(va, (const void *)(GUEST_VIRT_BASE + 2 * 4096),
			       4096);
		scratch_unmap(&mm_scratch, idx);
		mmuext1(MMUEXT_INVLPG_LOCAL, (unsigned long)va, 0);
		EXPECT(same, "the peer's pfn 2 differs from ours");
	}
}

/* An L1 from the pool, pinned. */
static unsigned long pinned_l1(void)
{
	unsigned long pfn = pool_alloc(true);

	if (!pfn)
		return 0;
	if (pin_table(1, pfn_mfn(pfn))) {
		test_fail("pinning a fresh L1");
		return 0;
	}
	return pfn_mfn(pfn);
}

void case_mm_map_pinned_table_writable(void)
{
	unsigned long idx, t;

	MM_BEGIN();
	EXPECT((idx = fresh_page()), "scratch page");
	EXPECT((t = pinned_l1()), "L1");
	test_check(try_pte(idx, pte_make(t, DATA_RW), DOMID_SELF), -XEN_EBUSY,
		   "writable mapping of a pinned L1");
	test_check(win_map_rc(2, t, DATA_RW), -XEN_EBUSY,
		   "writable mapping of a pinned L1 (update_va_mapping)");
	win_unmap(2);
	test_check(try_pte(idx, pte_make(t, DATA_RO), DOMID_SELF), 0,
		   "read-only mapping of a pinned L1");
	test_check(try_pte(idx, pte_make(mm.l4_mfn, DATA_RW), DOMID_SELF),
		   -XEN_EBUSY, "writable mapping of our current L4");
	EXPECT_EQ(unpin_table(t), 0, "unpin");
	pool_free(m2p_read(t));
}

void case_mm_pin_errors(void)
{
	unsigned long idx, f, t;

	MM_BEGIN();
	EXPECT((idx = fresh_page()), "scratch page");
	f = pfn_mfn(pool_alloc(true));
	EXPECT_EQ(scratch_map(&mm_scratch, idx, f, DATA_RW), 0, "map f writable");
	test_check(pin_table(1, f), -XEN_EINVAL, "pin L1 of a writable-mapped frame");
	test_check(pin_table(4, f), -XEN_EINVAL, "pin L4 of a writable-mapped frame");
	EXPECT_EQ(scratch_unmap(&mm_scratch, idx), 0, "unmap f");
	mmuext1(MMUEXT_INVLPG_LOCAL, scratch_va(&mm_scratch, idx), 0);
	EXPECT((t = pinned_l1()), "L1");
	test_check(pin_table(1, t), -XEN_EINVAL, "pin L1 twice");
	test_check(pin_table(2, t), -XEN_EINVAL, "pin an L1 as L2");
	test_check(pin_table(3, t), -XEN_EINVAL, "pin an L1 as L3");
	test_check(pin_table(4, t), -XEN_EINVAL, "pin an L1 as L4");
	test_check(pin_table(1, unowned_mfn(0x1000)), -XEN_EINVAL,
		   "pin an unowned frame");
	test_check(pin_table(1, mm.max_ram_page + 1), -XEN_EINVAL,
		   "pin a frame beyond RAM");
	test_check(mmuext1(MMUEXT_PIN_L1_TABLE, f, 0), 0, "pin f now");
	test_check(unpin_table(f), 0, "unpin f");
	EXPECT_EQ(unpin_table(t), 0, "unpin");
	pool_free(m2p_read(t));
	pool_free(m2p_read(f));
}

/* mmu_update on Xen's L4 slots 256..271 of our L4 is refused. */
void case_mm_l4_hypervisor_slots(void)
{
	const uint64_t *l4 = (const uint64_t *)guest_start_info->pt_base;
	static const unsigned int slots[] = { 256, 257, 261, 271 };
	char what[48];
	unsigned int i;

	MM_BEGIN();
	for (i = 0; i < 4; i++) {
		snprintf(what, sizeof(what), "L4 slot %u := 0", slots[i]);
		test_check(mmu_update1(pt_entry_ma(mm.l4_mfn, slots[i]), 0),
			   -XEN_EINVAL, what);
		snprintf(what, sizeof(what), "L4 slot %u := itself", slots[i]);
		test_check(mmu_update1(pt_entry_ma(mm.l4_mfn, slots[i]),
				       l4[slots[i]]), -XEN_EINVAL, what);
	}
	EXPECT(l4[256] & PTE_P, "slot 256 lost");
	/* Slot 272 is the guest's first kernel slot: an empty write is fine. */
	test_check(mmu_update1(pt_entry_ma(mm.l4_mfn, 272), l4[272]), 0,
		   "L4 slot 272 := itself");
}

/*
 * Linear page tables.  Xen 4.17 allows them read-only (pv-linear-pt on by
 * default), one level deep: an L4 entry at its own L4, an L3 or L2 entry at
 * a table of the same level.  Writable: -EINVAL.
 */
void case_mm_linear_page_tables(void)
{
	unsigned long l3 = mm_scratch.l3_mfn;

	MM_BEGIN();
	EXPECT(scratch_ensure(&mm_scratch, 0), "scratch");
	l3 = mm_scratch.l3_mfn;
	test_check(mmu_update1(pt_entry_ma(mm.l4_mfn, 5),
			       pte_make(mm.l4_mfn, PT_FLAGS)),
		   -XEN_EINVAL, "L4[5] -> own L4, writable");
	test_check(mmu_update1(pt_entry_ma(mm.l4_mfn, 5),
			       pte_make(mm.l4_mfn, PT_FLAGS & ~PTE_RW)),
		   0, "L4[5] -> own L4, read-only");
	test_check(mmu_update1(pt_entry_ma(mm.l4_mfn, 5), 0), 0, "L4[5] := 0");
	test_check(mmu_update1(pt_entry_ma(l3, 5), pte_make(l3, PT_FLAGS)),
		   -XEN_EINVAL, "L3[5] -> same L3, writable");
	test_check(mmu_update1(pt_entry_ma(l3, 5),
			       pte_make(l3, PT_FLAGS & ~PTE_RW)),
		   0, "L3[5] -> same L3, read-only");
	test_check(mmu_update1(pt_entry_ma(l3, 5), 0), 0, "L3[5] := 0");
	test_check(mmu_update1(pt_entry_ma(l3, 6),
			       pte_make(mm.l4_mfn, PT_FLAGS & ~PTE_RW)),
		   -XEN_EINVAL, "L3[6] -> our L4 (wrong level)");
	test_check(mmu_update1(pt_entry_ma(mm.l4_mfn, 6),
			       pte_make(mm_scratch.l2_mfn, PT_FLAGS & ~PTE_RW)),
		   -XEN_EINVAL, "L4[6] -> an L2 (wrong level)");
}

/*
 * Two L2s pointing at each other: A[0] -> B read-only is a linear entry;
 * then B[0] -> A would chain linear tables, which Xen refuses; A[1] -> A
 * (A itself, read-only) is allowed.
 */
void case_mm_tables_point_to_each_other(void)
{
	unsigned long l3, a, b;

	MM_BEGIN();
	EXPECT(scratch_ensure(&mm_scratch, 0), "scratch");
	l3 = mm_scratch.l3_mfn;
	a = pfn_mfn(pool_alloc(true));
	b = pfn_mfn(pool_alloc(true));
	EXPECT_EQ(mmu_update1(pt_entry_ma(l3, 7), pte_make(a, PT_FLAGS)), 0,
		  "hook L2 a");
	EXPECT_EQ(mmu_update1(pt_entry_ma(l3, 8), pte_make(b, PT_FLAGS)), 0,
		  "hook L2 b");
	test_check(mmu_update1(pt_entry_ma(a, 0), pte_make(b, PT_FLAGS & ~PTE_RW)),
		   0, "a[0] -> b read-only");
	test_check(mmu_update1(pt_entry_ma(b, 0), pte_make(a, PT_FLAGS & ~PTE_RW)),
		   -XEN_EINVAL, "b[0] -> a read-only (chained)");
	test_check(mmu_update1(pt_entry_ma(a, 1), pte_make(a, PT_FLAGS & ~PTE_RW)),
		   0, "a[1] -> a itself read-only");
	EXPECT_EQ(mmu_update1(pt_entry_ma(a, 1), 0), 0, "a[1] := 0");
	EXPECT_EQ(mmu_update1(pt_entry_ma(a, 0), 0), 0, "a[0] := 0");
	EXPECT_EQ(mmu_update1(pt_entry_ma(b, 0), 0), 0, "b[0] := 0");
	EXPECT_EQ(mmu_update1(pt_entry_ma(l3, 7), 0), 0, "unhook a");
	EXPECT_EQ(mmu_update1(pt_entry_ma(l3, 8), 0), 0, "unhook b");
	pool_free(m2p_read(a));
	pool_free(m2p_read(b));
}

void case_mm_unpin_errors(void)
{
	unsigned long t, plain;

	MM_BEGIN();
	EXPECT(scratch_ensure(&mm_scratch, 0), "scratch");
	plain = pfn_mfn(pool_alloc(true));
	test_check(unpin_table(mm_scratch.l1_mfn[0]), -XEN_EINVAL,
		   "unpin a table in use that is not pinned");
	test_check(unpin_table(plain), -XEN_EINVAL, "unpin a plain frame");
	test_check(unpin_table(unowned_mfn(0x1000)), -XEN_EINVAL,
		   "unpin an unowned frame");
	EXPECT((t = pinned_l1()), "L1");
	EXPECT_EQ(mmu_update1(pt_entry_ma(mm_scratch.l2_mfn, 101),
			      pte_make(t, PT_FLAGS)), 0, "hook the pinned L1");
	test_check(unpin_table(t), 0, "unpin a pinned L1 in use");
	test_check(unpin_table(t), -XEN_EINVAL, "unpin it again");
	EXPECT_EQ(mmu_update1(pt_entry_ma(mm_scratch.l2_mfn, 101), 0), 0,
		  "unhook");
	pool_free(m2p_read(t));
	pool_free(m2p_read(plain));
}

/* Linux unpins the builder's L4 while it is still CR3: that works. */
void case_mm_unpin_current_l4(void)
{
	MM_BEGIN();
	EXPECT_EQ(unpin_table(mm.l4_mfn), 0, "unpin the current L4");
	EXPECT_EQ(unpin_table(mm.l4_mfn), -XEN_EINVAL, "unpin it twice");
	EXPECT_EQ(pin_table(4, mm.l4_mfn), 0, "pin it again");
}

void case_mm_new_baseptr_checks(void)
{
	unsigned long good, bad, data, idx;

	MM_BEGIN();
	EXPECT((good = mm_new_l4(3, 0)), "L4");
	EXPECT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, good, 0), 0,
		  "NEW_BASEPTR on a never-validated L4");
	EXPECT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, mm.l4_mfn, 0), 0, "back");
	/* It was validated and dropped; it can be pinned as an L4 now. */
	EXPECT_EQ(pin_table(4, good), 0, "pin it");
	EXPECT_EQ(unpin_table(good), 0, "unpin it");
	/* An L4 whose slot 3 points at a frame mapped writable. */
	EXPECT((idx = fresh_page()), "scratch page");
	data = pfn_mfn(pool_alloc(true));
	EXPECT_EQ(scratch_map(&mm_scratch, idx, data, DATA_RW), 0, "map data");
	EXPECT((bad = mm_new_l4(3, pte_make(data, PT_FLAGS))), "bad L4");
	test_check(mmuext1(MMUEXT_NEW_BASEPTR, bad, 0), -XEN_EINVAL,
		   "NEW_BASEPTR on an L4 that does not validate");
	test_check(mmuext1(MMUEXT_NEW_BASEPTR, data, 0), -XEN_EINVAL,
		   "NEW_BASEPTR on a writable-mapped frame");
	test_check(mmuext1(MMUEXT_NEW_BASEPTR, unowned_mfn(0x1000), 0),
		   -XEN_EINVAL, "NEW_BASEPTR on an unowned frame");
	test_check(mmuext1(MMUEXT_NEW_USER_BASEPTR, bad, 0), -XEN_EINVAL,
		   "NEW_USER_BASEPTR on an L4 that does not validate");
	EXPECT_EQ(scratch_unmap(&mm_scratch, idx), 0, "unmap data");
	mmuext1(MMUEXT_INVLPG_LOCAL, scratch_va(&mm_scratch, idx), 0);
	pool_free(m2p_read(good));
}

/*
 * Entry flags.  L1: cache attributes (PWT, PCD, PAT) need I/O rights (dom0
 * yes, a plain domU -EINVAL); G, the available bits (9-11, 52-62) and NX
 * are fine.
 * L2/L3: PSE (superpages) and G are refused for PV.
 */
void case_mm_entry_flags(void)
{
	static const struct {
		const char *what;
		uint64_t bits;
		long dom0, domu;
	} l1[] = {
		{ "PWT", PTE_PWT, 0, -XEN_EINVAL },
		{ "PCD", PTE_PCD, 0, -XEN_EINVAL },
		{ "PAT", PTE_PAT, 0, -XEN_EINVAL },
		{ "PCD|PWT|PAT", PTE_PCD | PTE_PWT | PTE_PAT, 0, -XEN_EINVAL },
		{ "G", PTE_G, 0, 0 },
		{ "bits 9-11", 0xe00, 0, 0 },
		{ "NX", PTE_NX, 0, 0 },
		{ "bit 52", 1UL << 52, 0, 0 },
		{ "bit 62", 1UL << 62, 0, 0 },
	};
	unsigned long idx, data, i;
	char what[64];

	MM_BEGIN();
	EXPECT((idx = fresh_page()), "scratch page");
	data = pfn_mfn(pool_alloc(true));
	for (i = 0; i < sizeof(l1) / sizeof(l1[0]); i++) {
		snprintf(what, sizeof(what), "L1 entry with %s", l1[i].what);
		test_check(try_pte(idx, pte_make(data, DATA_RW | l1[i].bits),
				   DOMID_SELF),
			   guest_privileged() ? l1[i].dom0 : l1[i].domu, what);
	}
	/* Superpages: a 2 MiB / 1 GiB entry over frame 0 of our memory. */
	test_check(mmu_update1(pt_entry_ma(mm_scratch.l2_mfn, 200),
			       pte_make(pfn_mfn(0) & ~511UL, PT_FLAGS | PTE_PSE)),
		   -XEN_EINVAL, "L2 entry with PSE");
	test_check(mmu_update1(pt_entry_ma(mm_scratch.l3_mfn, 9),
			       pte_make(0, PT_FLAGS | PTE_PSE)),
		   -XEN_EINVAL, "L3 entry with PSE");
	test_check(mmu_update1(pt_entry_ma(mm_scratch.l2_mfn, 200),
			       pte_make(pfn_mfn(pool_alloc(true)), PT_FLAGS | PTE_G)),
		   -XEN_EINVAL, "L2 entry with G");
	mmu_update1(pt_entry_ma(mm_scratch.l2_mfn, 200), 0);
	pool_free(m2p_read(data));
}
