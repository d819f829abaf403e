// SPDX-License-Identifier: MIT
/*
 * mm suite, long batches: one mmu_update, one multicall and one
 * reservation call each long enough that the hypervisor stops at
 * preemption points and continues (Koan every 256 units of work; Xen when
 * it has something else to do).  Continuations must be invisible: every
 * entry done exactly once, `done` and the results as for a short batch.
 */
#include <xen/errno.h>

#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define LONG_BATCH 1500
#define LONG_MULTICALL 600
#define LONG_EXTENTS 600

static struct mmu_update reqs[LONG_BATCH];
static struct multicall_entry calls[LONG_MULTICALL];
static xen_pfn_t extents[LONG_EXTENTS];
static unsigned long pfns[LONG_EXTENTS];

void case_mm_long_mmu_update(void)
{
	unsigned long first, pfn, mfn, i;
	unsigned int done = 0;

	if (!mm_init())
		return;
	EXPECT((first = scratch_take(LONG_BATCH)), "scratch range");
	for (i = 0; i < LONG_BATCH; i++)
		EXPECT(scratch_ensure(&mm_scratch, first + i), "scratch tables");
	pfn = pool_alloc(false);
	mfn = pfn_mfn(pfn);
	EXPECT(frame_fill(mfn, 0x5eed), "fill");
	/* One frame mapped read-only at LONG_BATCH addresses, in one call. */
	for (i = 0; i < LONG_BATCH; i++) {
		reqs[i].ptr = scratch_pte_ma(&mm_scratch, first + i);
		reqs[i].val = pte_make(mfn, DATA_RO);
	}
	EXPECT_EQ(HYPERVISOR_mmu_update(reqs, LONG_BATCH, &done, DOMID_SELF), 0,
		  "mmu_update of 1500 entries");
	EXPECT_EQ(done, LONG_BATCH, "done");
	for (i = 0; i < LONG_BATCH; i += 97)
		EXPECT_EQ(*(volatile uint64_t *)scratch_va(&mm_scratch, first + i),
			  pattern_word(0x5eed, 0), "word 0 through a mapping");
	for (i = 0; i < LONG_BATCH; i++)
		reqs[i].val = 0;
	done = 0;
	EXPECT_EQ(HYPERVISOR_mmu_update(reqs, LONG_BATCH, &done, DOMID_SELF), 0,
		  "unmapping them");
	EXPECT_EQ(done, LONG_BATCH, "done after unmapping");
	pool_free(pfn);
}

void case_mm_long_multicall(void)
{
	unsigned long first, pfn, mfn, i;

	if (!mm_init())
		return;
	EXPECT((first = scratch_take(LONG_MULTICALL)), "scratch range");
	for (i = 0; i < LONG_MULTICALL; i++)
		EXPECT(scratch_ensure(&mm_scratch, first + i), "scratch tables");
	pfn = pool_alloc(false);
	mfn = pfn_mfn(pfn);
	EXPECT(frame_fill(mfn, 0xca11), "fill");
	for (i = 0; i < LONG_MULTICALL; i++) {
		memset(&calls[i], 0, sizeof(calls[i]));
		calls[i].op = __HYPERVISOR_update_va_mapping;
		calls[i].args[0] = scratch_va(&mm_scratch, first + i);
		calls[i].args[1] = pte_make(mfn, DATA_RO);
		calls[i].args[2] = UVMF_INVLPG | UVMF_LOCAL;
		calls[i].result = 0x5a5a;
	}
	EXPECT_EQ(HYPERVISOR_multicall(calls, LONG_MULTICALL), 0, "multicall of 600");
	for (i = 0; i < LONG_MULTICALL; i++)
		EXPECT_EQ(calls[i].result, 0, "an entry's result");
	for (i = 0; i < LONG_MULTICALL; i += 61)
		EXPECT_EQ(*(volatile uint64_t *)scratch_va(&mm_scratch, first + i),
			  pattern_word(0xca11, 0), "word 0 through a mapping");
	for (i = 0; i < LONG_MULTICALL; i++)
		EXPECT_EQ(HYPERVISOR_update_va_mapping(scratch_va(&mm_scratch, first + i), 0,
						       UVMF_INVLPG | UVMF_LOCAL), 0, "unmap");
	pool_free(pfn);
}

void case_mm_long_reservation(void)
{
	long before, n;
	unsigned long i;

	if (!mm_init())
		return;
	EXPECT(pool_free_count() > LONG_EXTENTS + 64, "pool too small");
	before = mm_reservation(XENMEM_current_reservation);
	for (i = 0; i < LONG_EXTENTS; i++) {
		pfns[i] = pool_alloc(false);
		extents[i] = pfn_mfn(pfns[i]);
	}
	n = mm_reservation_op(XENMEM_decrease_reservation, extents, LONG_EXTENTS, 0);
	EXPECT_EQ(n, LONG_EXTENTS, "decrease_reservation of 600 extents");
	EXPECT_EQ(mm_reservation(XENMEM_current_reservation), before - LONG_EXTENTS,
		  "current_reservation after giving 600 back");
	for (i = 0; i < LONG_EXTENTS; i++) {
		mm_p2m()[pfns[i]] = P2M_INVALID;
		extents[i] = pfns[i];
	}
	n = mm_reservation_op(XENMEM_populate_physmap, extents, LONG_EXTENTS, 0);
	EXPECT_EQ(n, LONG_EXTENTS, "populate_physmap of 600 extents");
	for (i = 0; i < LONG_EXTENTS; i++) {
		mm_p2m()[pfns[i]] = extents[i];
		EXPECT_EQ(m2p_read(extents[i]), pfns[i], "M2P of a repopulated frame");
	}
	EXPECT_EQ(mm_reservation(XENMEM_current_reservation), before,
		  "current_reservation after taking them back");
	for (i = 0; i < LONG_EXTENTS; i++)
		pool_free(pfns[i]);
}
