// SPDX-License-Identifier: MIT
/*
 * mm suite, hostile arguments: bad, unaligned, hypervisor-range and
 * non-canonical pointers, zero, huge and "preempted" counts, bad `done`
 * pointers in every batched call; memory_op reservations with bad lists,
 * foreign frames, sizes beyond the maximum, a pinned table; update_va_mapping
 * where there is no L1; foreign domain ids.  Expectations are Xen 4.17's.
 */
#include <xen/errno.h>

#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define DOMID_NONE 0x7fe0	/* below the reserved ids, never created */
#define HUGE_COUNT 0x7fffffffUL
#define PREEMPTED 0x80000000UL	/* MMU_UPDATE_PREEMPTED: "continuation" */

static const struct {
	const char *what;
	unsigned long ptr;
} bad_ptrs[] = {
	{ "NULL", 0 },
	{ "unmapped", 0x10000 },
	{ "hypervisor range", 0xffff830000000000UL },
	{ "non-canonical", 0x0000800000000000UL },
};
#define NR_BAD_PTRS (sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))

/*
 * `size` bytes that end where a scratch page ends; the page after it is
 * never mapped, so a count running past the end meets a fault.
 */
static void *edge_buffer(unsigned long size)
{
	static unsigned long idx;

	if (!idx) {
		idx = scratch_take(2);
		if (!idx || scratch_map(&mm_scratch, idx,
					pfn_mfn(pool_alloc(true)), DATA_RW)) {
			test_fail("edge buffer");
			idx = 0;
			return NULL;
		}
	}
	return (char *)scratch_va(&mm_scratch, idx) + GUEST_PAGE_SIZE - size;
}

/* A harmless request: clear the entry of a scratch page never mapped. */
static struct mmu_update harmless_req(void)
{
	static unsigned long idx;
	struct mmu_update r = { 0, 0 };

	if (!idx && (!(idx = scratch_take(1)) ||
		     !scratch_ensure(&mm_scratch, idx)))
		return r;
	r.ptr = scratch_pte_ma(&mm_scratch, idx);
	return r;
}

static unsigned long unowned_mfn(void)
{
	unsigned long mfn;

	for (mfn = 0x1000; mfn < mm.max_ram_page; mfn++)
		if (!mm_mfn_is_ours(mfn))
			return mfn;
	return 0;
}

void case_mm_mmu_update_bad_args(void)
{
	struct mmu_update req[3], *edge;
	unsigned int done, i;
	char what[64];

	MM_BEGIN();
	req[0] = req[1] = req[2] = harmless_req();
	EXPECT(req[0].ptr, "setup");
	for (i = 0; i < NR_BAD_PTRS; i++) {
		snprintf(what, sizeof(what), "requests at %s", bad_ptrs[i].what);
		test_check(HYPERVISOR_mmu_update((void *)bad_ptrs[i].ptr, 1, NULL,
						 DOMID_SELF), -XEN_EFAULT, what);
	}
	done = 77;
	test_check(HYPERVISOR_mmu_update(req, 0, &done, DOMID_SELF), 0, "count 0");
	test_check(done, 0, "done after count 0");
	for (i = 0; i < NR_BAD_PTRS; i++) {
		snprintf(what, sizeof(what), "done at %s", bad_ptrs[i].what);
		test_check(HYPERVISOR_mmu_update(req, 1, (void *)bad_ptrs[i].ptr,
						 DOMID_SELF), 0, what);
	}
	test_check(HYPERVISOR_mmu_update(req, 1, (void *)MACH2PHYS_VIRT_START,
					 DOMID_SELF), 0, "done read-only (M2P)");
	req[1].ptr |= 4;	/* ptr & 7 == 4: no such command */
	test_check(HYPERVISOR_mmu_update(req, 3, &done, DOMID_SELF), -XEN_ENOSYS,
		   "ptr & 7 == 4 in the middle");
	test_check(done, 1, "done when the 2nd of 3 fails");
	req[1].ptr = (req[1].ptr & ~7UL) | MMU_PT_UPDATE_NO_TRANSLATE;
	test_check(HYPERVISOR_mmu_update(req, 3, &done, DOMID_SELF), 0,
		   "MMU_PT_UPDATE_NO_TRANSLATE (PV: a normal update)");
	req[1].ptr = pt_entry_ma(unowned_mfn(), 0);
	test_check(HYPERVISOR_mmu_update(req, 3, &done, DOMID_SELF), -XEN_EINVAL,
		   "ptr in an unowned frame");
	req[1].ptr = pt_entry_ma(mm.max_ram_page + 1, 0);
	test_check(HYPERVISOR_mmu_update(req, 3, &done, DOMID_SELF), -XEN_EINVAL,
		   "ptr beyond RAM");
	req[1] = req[0];
	/* Count far past the end of the buffer: faults after the 3 there. */
	EXPECT((edge = edge_buffer(3 * sizeof(*edge))), "edge buffer");
	for (i = 0; i < 3; i++)
		edge[i] = req[0];
	done = 77;
	test_check(HYPERVISOR_mmu_update(edge, HUGE_COUNT, &done, DOMID_SELF),
		   -XEN_EFAULT, "count 0x7fffffff at a page end");
	test_check(done, 3, "done after the fault");
	/* The continuation flag: done is read back and added to. */
	done = 5;
	test_check(HYPERVISOR_mmu_update(req, PREEMPTED | 2, &done, DOMID_SELF),
		   0, "count 0x80000002");
	test_check(done, 7, "done after a \"preempted\" count");
	done = 77;
	test_check(HYPERVISOR_mmu_update(req, (1UL << 32) | 1, &done, DOMID_SELF),
		   0, "count 0x100000001 (unsigned int)");
	test_check(done, 1, "done after count 0x100000001");
}

void case_mm_mmuext_bad_args(void)
{
	struct mmuext_op op[2], *edge;
	unsigned int done, i;
	char what[64];
	long flush_cache = guest_privileged() ? 0 : -XEN_EACCES;

	MM_BEGIN();
	memset(op, 0, sizeof(op));
	op[0].cmd = op[1].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	for (i = 0; i < NR_BAD_PTRS; i++) {
		snprintf(what, sizeof(what), "ops at %s", bad_ptrs[i].what);
		test_check(HYPERVISOR_mmuext_op((void *)bad_ptrs[i].ptr, 1, NULL,
						DOMID_SELF), -XEN_EFAULT, what);
	}
	done = 77;
	test_check(HYPERVISOR_mmuext_op(op, 0, &done, DOMID_SELF), 0, "count 0");
	test_check(done, 0, "done after count 0");
	test_check(HYPERVISOR_mmuext_op(op, 1, (void *)0x10000, DOMID_SELF), 0,
		   "done unmapped");
	EXPECT((edge = edge_buffer(4 * sizeof(*edge))), "edge buffer");
	memset(edge, 0, 4 * sizeof(*edge));
	for (i = 0; i < 4; i++)
		edge[i].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	done = 77;
	test_check(HYPERVISOR_mmuext_op(edge, HUGE_COUNT, &done, DOMID_SELF),
		   -XEN_EFAULT, "count 0x7fffffff at a page end");
	test_check(done, 4, "done after the fault");
	done = 5;
	test_check(HYPERVISOR_mmuext_op(op, PREEMPTED | 2, &done, DOMID_SELF), 0,
		   "count 0x80000002");
	test_check(done, 7, "done after a \"preempted\" count");
	op[1].cmd = 99;
	test_check(HYPERVISOR_mmuext_op(op, 2, &done, DOMID_SELF), -XEN_ENOSYS,
		   "cmd 99");
	test_check(done, 1, "done when the 2nd fails");
	op[0].cmd = 14;
	test_check(HYPERVISOR_mmuext_op(op, 1, NULL, DOMID_SELF), -XEN_ENOSYS,
		   "cmd 14 (unused)");
	op[0].cmd = MMUEXT_MARK_SUPER;
	test_check(HYPERVISOR_mmuext_op(op, 1, NULL, DOMID_SELF), -XEN_EOPNOTSUPP,
		   "MARK_SUPER");
	op[0].cmd = MMUEXT_TLB_FLUSH_MULTI;
	op[0].arg2.vcpumask.p = (void *)0x10000;
	test_check(HYPERVISOR_mmuext_op(op, 1, NULL, DOMID_SELF), -XEN_EINVAL,
		   "TLB_FLUSH_MULTI with an unmapped vcpumask");
	test_check(mmuext1(MMUEXT_INVLPG_LOCAL, 0x0000800000000000UL, 0), 0,
		   "INVLPG_LOCAL of a non-canonical address");
	test_check(mmuext1(MMUEXT_SET_LDT, 0x10008, 1), -XEN_EINVAL,
		   "SET_LDT unaligned");
	test_check(mmuext1(MMUEXT_SET_LDT, 0x10000, 8193), -XEN_EINVAL,
		   "SET_LDT 8193 entries");
	test_check(mmuext1(MMUEXT_SET_LDT, 0xffff830000000000UL, 1), -XEN_EINVAL,
		   "SET_LDT in the hypervisor range");
	test_check(mmuext1(MMUEXT_SET_LDT, 0, 0), 0, "SET_LDT none");
	test_check(mmuext1(MMUEXT_FLUSH_CACHE, 0, 0), flush_cache, "FLUSH_CACHE");
	test_check(mmuext1(MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0), flush_cache,
		   "FLUSH_CACHE_GLOBAL");
	test_check(mmuext1(MMUEXT_CLEAR_PAGE, unowned_mfn(), 0), -XEN_EINVAL,
		   "CLEAR_PAGE of an unowned frame");
	test_check(mmuext1(MMUEXT_COPY_PAGE, pfn_mfn(pool_alloc(false)),
			   unowned_mfn()), -XEN_EINVAL,
		   "COPY_PAGE from an unowned frame");
	test_check(mmuext1(MMUEXT_CLEAR_PAGE, mm.l4_mfn, 0), -XEN_EINVAL,
		   "CLEAR_PAGE of our L4");
}

void case_mm_multicall_bad_args(void)
{
	multicall_entry_t *edge, mc[2];
	unsigned int i;
	char what[64];

	MM_BEGIN();
	for (i = 0; i < NR_BAD_PTRS; i++) {
		snprintf(what, sizeof(what), "entries at %s", bad_ptrs[i].what);
		test_check(HYPERVISOR_multicall((void *)bad_ptrs[i].ptr, 1),
			   -XEN_EFAULT, what);
	}
	memset(mc, 0, sizeof(mc));
	mc[0].op = __HYPERVISOR_xen_version;
	mc[0].result = 0x5555;
	test_check(HYPERVISOR_multicall(mc, 0), 0, "nr 0");
	test_check((long)mc[0].result, 0x5555, "result untouched by nr 0");
	EXPECT((edge = edge_buffer(3 * sizeof(*edge))), "edge buffer");
	memset(edge, 0, 3 * sizeof(*edge));
	for (i = 0; i < 3; i++)
		edge[i].op = __HYPERVISOR_xen_version;
	test_check(HYPERVISOR_multicall(edge, HUGE_COUNT), -XEN_EFAULT,
		   "nr 0x7fffffff at a page end");
	for (i = 0; i < 3; i++)
		test_check((long)edge[i].result, 0x40011, "result before the end");
	mc[0].op = __HYPERVISOR_multicall;
	mc[0].args[0] = (unsigned long)&mc[1];
	mc[0].args[1] = 1;
	mc[1].op = __HYPERVISOR_xen_version;
	mc[1].result = 0x5555;
	test_check(HYPERVISOR_multicall(mc, 1), 0, "a nested multicall");
	test_check((long)mc[0].result, -XEN_EINVAL, "nested multicall's result");
	test_check((long)mc[1].result, 0x5555, "the nested entry ran");
	mc[0].op = 1UL << 40;
	test_check(HYPERVISOR_multicall(mc, 1), 0, "op 2^40");
	test_check((long)mc[0].result, -XEN_ENOSYS, "op 2^40's result");
}

static long reservation_at(unsigned int cmd, unsigned long list,
			   unsigned long n, unsigned int order, domid_t domid)
{
	struct xen_memory_reservation r = {
		.nr_extents = n, .extent_order = order, .domid = domid,
	};

	r.extent_start.p = (xen_pfn_t *)list;
	return HYPERVISOR_memory_op(cmd, &r);
}

void case_mm_memory_op_bad_args(void)
{
	static const unsigned int cmds[] = { XENMEM_increase_reservation,
					     XENMEM_decrease_reservation,
					     XENMEM_populate_physmap };
	struct xen_machphys_mfn_list l = { .max_extents = 4 };
	domid_t dom = DOMID_NONE, zero = 0;
	long cur = mm_reservation(XENMEM_current_reservation);
	unsigned int i, j;
	char what[80];

	MM_BEGIN();
	for (i = 0; i < NR_BAD_PTRS; i++) {
		snprintf(what, sizeof(what), "current_reservation, arg at %s",
			 bad_ptrs[i].what);
		test_check(HYPERVISOR_memory_op(XENMEM_current_reservation,
						(void *)bad_ptrs[i].ptr),
			   -XEN_EFAULT, what);
		for (j = 0; j < 3; j++) {
			/* Reservations answer with extents done: 0. */
			snprintf(what, sizeof(what), "memory_op %u, arg at %s",
				 cmds[j], bad_ptrs[i].what);
			test_check(HYPERVISOR_memory_op(cmds[j],
							(void *)bad_ptrs[i].ptr),
				   0, what);
			/*
			 * A NULL list: Xen allocates without telling.  An
			 * unmapped one passes the range check: Xen allocates,
			 * fails to write the MFN back and keeps the frame.
			 */
			if (!bad_ptrs[i].ptr || (cmds[j] ==
			    XENMEM_increase_reservation && bad_ptrs[i].ptr < (1UL << 47)))
				continue;
			snprintf(what, sizeof(what), "memory_op %u, list at %s",
				 cmds[j], bad_ptrs[i].what);
			test_check(reservation_at(cmds[j], bad_ptrs[i].ptr, 1, 0,
						  DOMID_SELF), 0, what);
		}
	}
	for (j = 0; j < 3; j++) {
		snprintf(what, sizeof(what), "memory_op %u, 2^62 extents", cmds[j]);
		test_check(reservation_at(cmds[j], 0x10000, 1UL << 62, 0,
					  DOMID_SELF), 0, what);
		snprintf(what, sizeof(what), "memory_op %u, ~0 extents", cmds[j]);
		test_check(reservation_at(cmds[j], 0x10000, ~0UL, 0, DOMID_SELF),
			   0, what);
		snprintf(what, sizeof(what), "memory_op %u, domain 0x7fe0", cmds[j]);
		test_check(reservation_at(cmds[j], 0x10000, 1, 0, DOMID_NONE),
			   0, what);
	}
	test_check(HYPERVISOR_memory_op(XENMEM_current_reservation, &dom),
		   -XEN_ESRCH, "current_reservation of domain 0x7fe0");
	test_check(HYPERVISOR_memory_op(XENMEM_current_reservation, &zero),
		   guest_privileged() ? cur : -XEN_EPERM,
		   "current_reservation of domain 0");
	test_check(HYPERVISOR_memory_op(0x3f, NULL), -XEN_ENOSYS,
		   "memory_op 0x3f");
	l.extent_start.p = (xen_pfn_t *)0x10000;
	test_check(HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l),
		   -XEN_EFAULT, "machphys_mfn_list to an unmapped list");
	test_check(HYPERVISOR_memory_op(XENMEM_machphys_mapping,
					(void *)0x10000), -XEN_EFAULT,
		   "machphys_mapping to an unmapped address");
	test_check(mm_reservation(XENMEM_current_reservation), cur,
		   "current_reservation at the end");
}

/* decrease_reservation of frames that are not ours: nothing given back. */
void case_mm_decrease_foreign(void)
{
	xen_pfn_t list[2];
	xen_pfn_t *edge;
	unsigned long pfn;
	long cur;

	MM_BEGIN();
	cur = mm_reservation(XENMEM_current_reservation);
	list[0] = unowned_mfn();
	test_check(mm_reservation_op(XENMEM_decrease_reservation, list, 1, 0), 0,
		   "an unowned frame");
	list[0] = 0;
	test_check(mm_reservation_op(XENMEM_decrease_reservation, list, 1, 0), 0,
		   "MFN 0");
	list[0] = mm.max_ram_page + 1;
	test_check(mm_reservation_op(XENMEM_decrease_reservation, list, 1, 0), 0,
		   "beyond RAM");
	{
		static xen_pfn_t mfns[4];
		struct xen_machphys_mfn_list l = { .max_extents = 4 };

		set_xen_guest_handle(l.extent_start, mfns);
		EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l), 0,
			  "machphys_mfn_list");
		list[0] = mfns[0];
		test_check(mm_reservation_op(XENMEM_decrease_reservation, list,
					     1, 0), 0, "an M2P frame");
	}
	list[0] = (mm.max_ram_page + 511) & ~511UL;
	test_check(mm_reservation_op(XENMEM_decrease_reservation, list, 1, 9), 0,
		   "order 9 beyond RAM");
	/* Ours first, then not ours: one done, then it stops. */
	pfn = pool_alloc(false);
	list[0] = pfn_mfn(pfn);
	list[1] = unowned_mfn();
	test_check(mm_reservation_op(XENMEM_decrease_reservation, list, 2, 0), 1,
		   "ours, then unowned");
	mm_p2m()[pfn] = P2M_INVALID;
	list[0] = pfn;
	EXPECT_EQ(mm_reservation_op(XENMEM_populate_physmap, list, 1, 0), 1,
		  "repopulate");
	mm_p2m()[pfn] = list[0];
	pool_free(pfn);
	/* A huge count running into an unmapped page after unowned frames. */
	EXPECT((edge = edge_buffer(2 * sizeof(*edge))), "edge buffer");
	edge[0] = edge[1] = unowned_mfn();
	test_check(mm_reservation_op(XENMEM_decrease_reservation, edge,
				     1UL << 40, 0), 0, "2^40 unowned extents");
	test_check(mm_reservation(XENMEM_current_reservation), cur,
		   "current_reservation at the end");
}

/*
 * Beyond the maximum.  Xen's dom0 has maximum_reservation 0xffffffff: the
 * limit is the host's free memory and the largest order it may ask for,
 * so order 20 (4 GiB in one extent) gets nothing.  A domU whose maximum
 * is near: asking one more than the room gets exactly the room.
 */
void case_mm_increase_beyond_max(void)
{
	static xen_pfn_t list[1025];
	long cur = mm_reservation(XENMEM_current_reservation);
	long max = mm_reservation(XENMEM_maximum_reservation);
	long room = max - cur, got;

	MM_BEGIN();
	TEST_NOTE("beyond max: current %ld, maximum %ld\n", cur, max);
	test_check(mm_reservation_op(XENMEM_increase_reservation, list, 1, 20),
		   0, "one extent of order 20");
	test_check(mm_reservation_op(XENMEM_populate_physmap, list, 1, 20), 0,
		   "populate one extent of order 20");
	if (room > 1024)
		return;
	got = mm_reservation_op(XENMEM_increase_reservation, list, room + 1, 0);
	test_check(got, room, "increase by room + 1");
	if (got > 0)
		test_check(mm_reservation_op(XENMEM_decrease_reservation, list,
					     got, 0), got, "give them back");
	test_check(mm_reservation(XENMEM_current_reservation), cur,
		   "current_reservation at the end");
}

/*
 * Give back a frame that is a pinned page table: Xen says done (1 extent)
 * but the frame lives, still counted, until its last reference (the pin)
 * goes.
 */
void case_mm_decrease_pinned_table(void)
{
	xen_pfn_t list[1];
	unsigned long pfn, mfn;
	long cur;

	MM_BEGIN();
	cur = mm_reservation(XENMEM_current_reservation);
	pfn = pool_alloc(true);
	mfn = pfn_mfn(pfn);
	EXPECT_EQ(pin_table(1, mfn), 0, "pin");
	list[0] = mfn;
	EXPECT_EQ(mm_reservation_op(XENMEM_decrease_reservation, list, 1, 0), 1,
		  "decrease_reservation of a pinned L1");
	test_check(mm_reservation(XENMEM_current_reservation), cur,
		   "current_reservation while still pinned");
	test_check(unpin_table(mfn), 0, "unpin the given-back table");
	test_check(mm_reservation(XENMEM_current_reservation), cur - 1,
		   "current_reservation after the unpin");
	test_check(m2p_read(mfn), M2P_INVALID, "its M2P entry");
	mm_p2m()[pfn] = P2M_INVALID;
	list[0] = pfn;
	EXPECT_EQ(mm_reservation_op(XENMEM_populate_physmap, list, 1, 0), 1,
		  "repopulate");
	mm_p2m()[pfn] = list[0];
	pool_free(pfn);
}

void case_mm_uvm_bad_va(void)
{
	static const struct { const char *what; unsigned long va; long want; } v[] = {
		{ "no L3 (L4 slot 9)", 9UL << 39, -XEN_EINVAL },
		{ "no L2 (0xffffffffc0000000)", 0xffffffffc0000000UL, -XEN_EINVAL },
		{ "hypervisor range", 0xffff830000000000UL, -XEN_EINVAL },
		{ "M2P", MACH2PHYS_VIRT_START, -XEN_EINVAL },
		{ "non-canonical", 0x0000800000000000UL, -XEN_EINVAL },
	};
	unsigned long idx, data, i;

	MM_BEGIN();
	EXPECT((idx = scratch_take(1)) && scratch_ensure(&mm_scratch, idx),
	       "scratch page");
	data = pfn_mfn(pool_alloc(true));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		test_check(HYPERVISOR_update_va_mapping(v[i].va,
							pte_make(data, DATA_RW),
							UVMF_INVLPG | UVMF_LOCAL),
			   v[i].want, v[i].what);
	/* The entry is written, then the bitmap cannot be read. */
	test_check(HYPERVISOR_update_va_mapping(scratch_va(&mm_scratch, idx),
						pte_make(data, DATA_RW),
						UVMF_INVLPG | 0x10000UL),
		   -XEN_EFAULT, "UVMF_MULTI with an unmapped bitmap");
	test_check(pte_mfn(scratch_pte(&mm_scratch, idx)), data,
		   "the entry after the bitmap fault");
	test_check(HYPERVISOR_update_va_mapping(scratch_va(&mm_scratch, idx), 0,
						UVMF_TLB_FLUSH | UVMF_LOCAL),
		   0, "unmap");
}

/* Foreign domain ids: DOMID_SELF vs. real and reserved ones. */
void case_mm_foreign_domids(void)
{
	struct mmu_update r;
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
	unsigned long idx, data, va;
	bool priv = guest_privileged();

	MM_BEGIN();
	EXPECT((idx = scratch_take(1)) && scratch_ensure(&mm_scratch, idx),
	       "scratch page");
	data = pfn_mfn(pool_alloc(true));
	va = scratch_va(&mm_scratch, idx);
	r.ptr = scratch_pte_ma(&mm_scratch, idx);
	r.val = pte_make(data, DATA_RW);
	test_check(HYPERVISOR_mmu_update(&r, 1, NULL, DOMID_NONE), -XEN_ESRCH,
		   "mmu_update, foreigndom 0x7fe0");
	if (priv)	/* our own id (0): "cannot specify itself" */
		test_check(HYPERVISOR_mmu_update(&r, 1, NULL, 0), -XEN_ESRCH,
			   "mmu_update, foreigndom = own id");
	test_check(HYPERVISOR_mmu_update(&r, 1, NULL, DOMID_IO), -XEN_EBUSY,
		   "mmu_update of our RAM as DOMID_IO");
	test_check(HYPERVISOR_mmu_update(&r, 1, NULL, DOMID_XEN),
		   priv ? -XEN_EBUSY : -XEN_EPERM,
		   "mmu_update of our RAM as DOMID_XEN");
	test_check(HYPERVISOR_mmu_update(&r, 1, NULL,
					 ((DOMID_NONE + 1) << 16) | DOMID_SELF),
		   -XEN_ESRCH, "mmu_update, table owner 0x7fe0");
	test_check(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_NONE), -XEN_ESRCH,
		   "mmuext_op, foreigndom 0x7fe0");
	test_check(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_IO), -XEN_EPERM,
		   "mmuext_op TLB_FLUSH_LOCAL, foreigndom DOMID_IO");
	test_check(HYPERVISOR_update_va_mapping_otherdomain(
			   va, pte_make(data, DATA_RW), UVMF_INVLPG, DOMID_NONE),
		   -XEN_ESRCH, "update_va_mapping_otherdomain 0x7fe0");
	test_check(HYPERVISOR_update_va_mapping_otherdomain(
			   va, pte_make(data, DATA_RW), UVMF_INVLPG, DOMID_SELF),
		   0, "update_va_mapping_otherdomain DOMID_SELF");
	test_check(HYPERVISOR_update_va_mapping(va, 0, UVMF_INVLPG), 0, "unmap");
	pool_free(m2p_read(data));
}

/*
 * Koan's debug hypercall (the invariant check) cannot be preempted, so only
 * dom0 may run it: a domU gets -EPERM, for any command.  Xen has nothing in
 * that slot (-ENOSYS), for dom0 too.
 */
void case_mm_debug_op_rights(void)
{
	bool priv = guest_privileged();
	long rc = HYPERVISOR_koan_debug(KOAN_DEBUG_CHECK_FRAMES);

	if (rc == -XEN_ENOSYS) {
		TEST_NOTE("debug hypercall: -ENOSYS (not Koan)\n");
		test_check(HYPERVISOR_koan_debug(99), -XEN_ENOSYS,
			   "arch slot 7, command 99");
		return;
	}
	test_check(rc, priv ? 0 : -XEN_EPERM, "frame check: dom0 only");
	test_check(HYPERVISOR_koan_debug(99), priv ? -XEN_ENOSYS : -XEN_EPERM,
		   "unknown debug command");
}
