// SPDX-License-Identifier: MIT
/*
 * mm suite, mappings and TLBs: update_va_mapping with every flush flag, the
 * mmuext flush operations, CLEAR_PAGE/COPY_PAGE, a multicall mixing
 * several hypercalls, and a check that a frame's stale writable TLB entry
 * cannot survive it becoming a page table.  Under QEMU's TCG a missing
 * flush is visible: its soft TLB keeps the old translation.
 */
#include <xen/errno.h>

#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

/* A vCPU bitmap for the *_MULTI flushes: vCPU 0 only.  8-byte aligned so
 * its address can be OR-ed into update_va_mapping's flags. */
static unsigned long vcpu0_mask __attribute__((aligned(8))) = 1;

struct two_frames {
	unsigned long a, b;	/* mfns, filled with patterns 0xa and 0xb */
	unsigned long idx, va;	/* a scratch page for them */
};

static bool two_frames_init(struct two_frames *t)
{
	t->a = pfn_mfn(pool_alloc(false));
	t->b = pfn_mfn(pool_alloc(false));
	t->idx = scratch_take(1);
	if (!t->idx || !scratch_ensure(&mm_scratch, t->idx) ||
	    !frame_fill(t->a, 0xa) || !frame_fill(t->b, 0xb))
		return false;
	t->va = scratch_va(&mm_scratch, t->idx);
	return true;
}

static void two_frames_free(struct two_frames *t)
{
	scratch_unmap(&mm_scratch, t->idx);
	mmuext1(MMUEXT_INVLPG_LOCAL, t->va, 0);
	pool_free(m2p_read(t->a));
	pool_free(m2p_read(t->b));
}

/* Which frame does va show now: 0xa, 0xb, or 0 for neither. */
static unsigned int seen(const struct two_frames *t)
{
	uint64_t w = *(const volatile uint64_t *)(t->va + 8);

	return w == pattern_word(0xa, 1) ? 0xa : w == pattern_word(0xb, 1) ? 0xb : 0;
}

void case_mm_uvm_flush_flags(void)
{
	static const struct {
		const char *name;
		unsigned long flags;
		bool multi;
	} f[] = {
		{ "UVMF_NONE (then INVLPG_LOCAL)", UVMF_NONE, false },
		{ "UVMF_TLB_FLUSH|UVMF_LOCAL", UVMF_TLB_FLUSH | UVMF_LOCAL, false },
		{ "UVMF_INVLPG|UVMF_LOCAL", UVMF_INVLPG | UVMF_LOCAL, false },
		{ "UVMF_TLB_FLUSH|UVMF_ALL", UVMF_TLB_FLUSH | UVMF_ALL, false },
		{ "UVMF_INVLPG|UVMF_ALL", UVMF_INVLPG | UVMF_ALL, false },
		{ "UVMF_TLB_FLUSH|UVMF_MULTI", UVMF_TLB_FLUSH | UVMF_MULTI, true },
		{ "UVMF_INVLPG|UVMF_MULTI", UVMF_INVLPG | UVMF_MULTI, true },
	};
	struct two_frames t;
	unsigned int i, k;

	MM_BEGIN();
	EXPECT(two_frames_init(&t), "setup");
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		for (k = 0; k < 2; k++) {
			unsigned long mfn = k ? t.b : t.a;
			unsigned long flags = f[i].flags;
			long rc;

			if (f[i].multi)
				flags |= (unsigned long)&vcpu0_mask;
			rc = HYPERVISOR_update_va_mapping(t.va,
							  pte_make(mfn, DATA_RW), flags);
			EXPECT_EQ(rc, 0, f[i].name);
			if (f[i].flags == UVMF_NONE)
				EXPECT_EQ(mmuext1(MMUEXT_INVLPG_LOCAL, t.va, 0),
					  0, "INVLPG_LOCAL");
			EXPECT(seen(&t) == (k ? 0xbu : 0xau),
			       "%s: va shows frame 0x%x, not 0x%x", f[i].name,
			       seen(&t), k ? 0xb : 0xa);
		}
	}
	two_frames_free(&t);
}

void case_mm_mmuext_flushes(void)
{
	static const struct {
		const char *name;
		unsigned int cmd;
		bool va, mask;
	} ops[] = {
		{ "TLB_FLUSH_LOCAL", MMUEXT_TLB_FLUSH_LOCAL, false, false },
		{ "INVLPG_LOCAL", MMUEXT_INVLPG_LOCAL, true, false },
		{ "TLB_FLUSH_MULTI", MMUEXT_TLB_FLUSH_MULTI, false, true },
		{ "INVLPG_MULTI", MMUEXT_INVLPG_MULTI, true, true },
		{ "TLB_FLUSH_ALL", MMUEXT_TLB_FLUSH_ALL, false, false },
		{ "INVLPG_ALL", MMUEXT_INVLPG_ALL, true, false },
	};
	struct two_frames t;
	unsigned int i, k;

	MM_BEGIN();
	EXPECT(two_frames_init(&t), "setup");
	EXPECT_EQ(scratch_map(&mm_scratch, t.idx, t.a, DATA_RW), 0, "map a");
	EXPECT_EQ(seen(&t), 0xa, "first look");
	for (i = 0, k = 1; i < sizeof(ops) / sizeof(ops[0]); i++, k ^= 1) {
		struct mmuext_op op = { .cmd = ops[i].cmd };

		/* Remap with no flush, then let the operation flush. */
		EXPECT_EQ(scratch_map(&mm_scratch, t.idx, k ? t.b : t.a,
				      DATA_RW), 0, "remap");
		if (ops[i].va)
			op.arg1.linear_addr = t.va;
		if (ops[i].mask)
			set_xen_guest_handle(op.arg2.vcpumask, &vcpu0_mask);
		EXPECT_EQ(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0,
			  ops[i].name);
		EXPECT(seen(&t) == (k ? 0xbu : 0xau),
		       "after %s va shows frame 0x%x", ops[i].name, seen(&t));
	}
	two_frames_free(&t);
}

void case_mm_clear_copy_page(void)
{
	unsigned long a, b;

	MM_BEGIN();
	a = pfn_mfn(pool_alloc(false));
	b = pfn_mfn(pool_alloc(false));
	EXPECT(frame_fill(a, 0xc0) && frame_fill(b, 0xc1), "fill");
	EXPECT_EQ(mmuext1(MMUEXT_COPY_PAGE, a, b), 0, "COPY_PAGE(a <- b)");
	EXPECT(frame_has(a, 0xc1), "COPY_PAGE: a is not a copy of b");
	EXPECT(frame_has(b, 0xc1), "COPY_PAGE changed the source");
	EXPECT_EQ(mmuext1(MMUEXT_CLEAR_PAGE, b, 0), 0, "CLEAR_PAGE(b)");
	EXPECT(frame_is_zero(b), "CLEAR_PAGE: b not zero");
	EXPECT(frame_has(a, 0xc1), "CLEAR_PAGE(b) touched a");
	pool_free(m2p_read(a));
	pool_free(m2p_read(b));
}

void case_mm_multicall_mix(void)
{
	static multicall_entry_t mc[8];
	static struct mmu_update req;
	static struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
	static struct mmuext_op bad_cmd = { .cmd = 99 };
	static struct mmu_update bad_req;
	static domid_t self = DOMID_SELF;
	static unsigned int done;
	struct two_frames t;
	static const long want_rc[8] = { 0, 0, 0, -1, 0x40011,
					 -XEN_ENOSYS, -XEN_ENOSYS,
					 -XEN_EINVAL };
	unsigned int i;
	long cur;

	MM_BEGIN();
	EXPECT(two_frames_init(&t), "setup");
	req.ptr = scratch_pte_ma(&mm_scratch, t.idx);
	req.val = pte_make(t.b, DATA_RW);
	bad_req.ptr = pt_entry_ma(0, 0);	/* frame 0 is not ours */
	memset(mc, 0, sizeof(mc));
	mc[0].op = __HYPERVISOR_update_va_mapping;
	mc[0].args[0] = t.va;
	mc[0].args[1] = pte_make(t.a, DATA_RW);
	mc[0].args[2] = UVMF_INVLPG | UVMF_LOCAL;
	mc[1].op = __HYPERVISOR_mmu_update;
	mc[1].args[0] = (unsigned long)&req;
	mc[1].args[1] = 1;
	mc[1].args[2] = (unsigned long)&done;
	mc[1].args[3] = DOMID_SELF;
	mc[2].op = __HYPERVISOR_mmuext_op;
	mc[2].args[0] = (unsigned long)&flush;
	mc[2].args[1] = 1;
	mc[2].args[3] = DOMID_SELF;
	mc[3].op = __HYPERVISOR_memory_op;
	mc[3].args[0] = XENMEM_current_reservation;
	mc[3].args[1] = (unsigned long)&self;
	mc[4].op = __HYPERVISOR_xen_version;
	mc[4].args[0] = XENVER_version;
	mc[5].op = 60;
	mc[6].op = __HYPERVISOR_mmuext_op;
	mc[6].args[0] = (unsigned long)&bad_cmd;
	mc[6].args[1] = 1;
	mc[6].args[3] = DOMID_SELF;
	mc[7].op = __HYPERVISOR_mmu_update;
	mc[7].args[0] = (unsigned long)&bad_req;
	mc[7].args[1] = 1;
	mc[7].args[3] = DOMID_SELF;
	for (i = 0; i < 8; i++)
		mc[i].result = 0x5555;
	cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
	EXPECT(cur > 0, "current_reservation: %ld", cur);
	EXPECT_EQ(HYPERVISOR_multicall(mc, 8), 0, "multicall");
	for (i = 0; i < 8; i++) {
		char what[32];

		snprintf(what, sizeof(what), "entry %u (op %lu)", i,
			 (unsigned long)mc[i].op);
		test_check((long)mc[i].result, i == 3 ? cur : want_rc[i], what);
	}
	EXPECT_EQ(done, 1, "mmu_update's done inside the multicall");
	EXPECT_EQ(seen(&t), 0xb, "frame after the batch");
	two_frames_free(&t);
}

/*
 * Write to a frame through a writable mapping (QEMU's soft TLB now holds
 * it), move that mapping elsewhere with UVMF_NONE (no flush asked for),
 * then pin the frame as an L1.  The hypervisor must flush before the frame
 * becomes a page table: a write through the old address must land in the
 * new frame, and the pinned table must still hold what it validated.
 */
void case_mm_tlb_stale_write(void)
{
	unsigned long f, g, idx, va;
	uint64_t e0;

	MM_BEGIN();
	f = pfn_mfn(pool_alloc(true));
	g = pfn_mfn(pool_alloc(true));
	EXPECT((idx = scratch_take(1)), "scratch page");
	va = scratch_va(&mm_scratch, idx);
	EXPECT_EQ(scratch_map(&mm_scratch, idx, f, DATA_RW), 0, "map f");
	/* Even values: not-present entries, nothing for the pin to check. */
	*(volatile uint64_t *)va = 0x5a4;
	EXPECT_EQ(HYPERVISOR_update_va_mapping(va, pte_make(g, DATA_RW),
					       UVMF_NONE), 0,
		  "remap to g without a flush");
	EXPECT_EQ(pin_table(1, f), 0, "pin f as L1");
	*(volatile uint64_t *)va = 0xa58;
	e0 = table_read(f, 0);
	EXPECT_EQ(scratch_unmap(&mm_scratch, idx), 0, "unmap");
	EXPECT_EQ(mmuext1(MMUEXT_INVLPG_LOCAL, va, 0), 0, "INVLPG_LOCAL");
	EXPECT_EQ(unpin_table(f), 0, "unpin f");
	EXPECT_EQ(e0, 0x5a4, "the pinned L1's entry 0 (a stale TLB wrote it?)");
	{
		const volatile uint64_t *p = win_map(2, g, DATA_RO);

		EXPECT(p, "map g");
		e0 = p[0];
		win_unmap(2);
		EXPECT_EQ(e0, 0xa58, "g's word 0 (the write through va)");
	}
	pool_free(m2p_read(f));
	pool_free(m2p_read(g));
}
