// SPDX-License-Identifier: MIT
/*
 * The bench suite: how fast the hypervisor applies page-table updates
 * issued one at a time (update_va_mapping), in mmu_update batches of 1 to
 * 2048 entries, and as update_va_mapping entries of a multicall.
 *
 * Every benchmark performs the same sequence of updates, only batched
 * differently: update k rewrites the L1 entry of page k % BENCH_PAGES of a
 * private scratch space (L4 slot BENCH_SLOT, four L1 tables of our own),
 * flipping it between two frames of ours mapped read-only.  Each pass over
 * the pages flips every entry once, so a run of an even number of passes
 * leaves every entry where it started (mapping frame 0), which the case
 * checks afterwards through the mappings themselves.  A warm-up of two
 * passes precedes each measurement.  Output format: guest/include/guest/bench.h.
 */
#include <xen/errno.h>

#include <guest/bench.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define UVM_FLAGS (UVMF_INVLPG | UVMF_LOCAL)
#define PASS_UPDATES BENCH_PAGES		/* one flip of every entry */
#define WARMUP_UPDATES (2 * PASS_UPDATES)
#define MMU_MAX_BATCH BENCH_PAGES
#define MC_MAX_BATCH 256
#define FRAME_SEED(i) (0xa0UL + 0x10UL * (i))

static struct scratch bench_sp = { .slot = BENCH_SLOT };

static struct {
	bool ready;
	unsigned long updates;		/* per benchmark: whole pass pairs */
	unsigned long mfn[2];		/* the two frames the entries flip between */
	uint64_t pte_ma[BENCH_PAGES];	/* machine address of each page's L1 entry */
} bs;

static struct mmu_update req[MMU_MAX_BATCH];
static multicall_entry_t mc[MC_MAX_BATCH];

/* Update k: which page, and the entry it writes (pass 0 goes to frame 1). */
static inline unsigned long upd_page(unsigned long k)
{
	return k % BENCH_PAGES;
}

static inline uint64_t upd_pte(unsigned long k)
{
	return pte_make(bs.mfn[(k / PASS_UPDATES + 1) & 1], DATA_RO);
}

static inline unsigned long page_va(unsigned long page)
{
	return scratch_va(&bench_sp, page);
}

/* A runner performs updates first .. first+n-1 in batches of `batch`. */
typedef bool (*bench_runner)(unsigned long first, unsigned long n,
			     unsigned int batch, unsigned long flags);

static bool run_uvm(unsigned long first, unsigned long n, unsigned int batch,
		    unsigned long flags)
{
	unsigned long k;

	for (k = first; k < first + n; k++) {
		long rc = HYPERVISOR_update_va_mapping(page_va(upd_page(k)),
						       upd_pte(k), flags);
		if (rc) {
			test_fail("update_va_mapping, update %lu: %ld", k, rc);
			return false;
		}
	}
	return true;
}

static bool run_mmu(unsigned long first, unsigned long n, unsigned int batch,
		    unsigned long flags)
{
	unsigned long k;
	unsigned int i, done;
	long rc;

	for (k = first; k < first + n; k += batch) {
		for (i = 0; i < batch; i++) {
			req[i].ptr = bs.pte_ma[upd_page(k + i)] | MMU_NORMAL_PT_UPDATE;
			req[i].val = upd_pte(k + i);
		}
		done = 0;
		rc = HYPERVISOR_mmu_update(req, batch, &done, DOMID_SELF);
		if (rc || done != batch) {
			test_fail("mmu_update of %u at update %lu: %ld, done %u",
				  batch, k, rc, done);
			return false;
		}
	}
	return true;
}

static bool run_multicall(unsigned long first, unsigned long n,
			  unsigned int batch, unsigned long flags)
{
	unsigned long k;
	unsigned int i;
	long rc;

	for (k = first; k < first + n; k += batch) {
		for (i = 0; i < batch; i++) {
			mc[i].op = __HYPERVISOR_update_va_mapping;
			mc[i].args[0] = page_va(upd_page(k + i));
			mc[i].args[1] = upd_pte(k + i);
			mc[i].args[2] = flags;
		}
		rc = HYPERVISOR_multicall(mc, batch);
		if (rc) {
			test_fail("multicall of %u at update %lu: %ld", batch, k, rc);
			return false;
		}
		for (i = 0; i < batch; i++)
			if (mc[i].result) {
				test_fail("multicall entry %u at update %lu: %ld",
					  i, k, (long)mc[i].result);
				return false;
			}
	}
	return true;
}

/* Does page show frame i (word 1 of its pattern)?  Flush the TLB first. */
static bool page_shows(unsigned long page, unsigned int i)
{
	return *(const volatile uint64_t *)(page_va(page) + 8) ==
	       pattern_word(FRAME_SEED(i), 1);
}

/* After a run every entry is back on frame 0: look through a few. */
static bool entries_at_start(const char *when)
{
	static const unsigned long probe[] = { 0, 1, 511, 512, 1500, BENCH_PAGES - 1 };
	unsigned int i;
	long rc = mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);

	if (rc) {
		test_fail("TLB_FLUSH_LOCAL %s: %ld", when, rc);
		return false;
	}
	for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		if (!page_shows(probe[i], 0)) {
			test_fail("%s: page %lu does not show frame 0", when,
				  probe[i]);
			return false;
		}
	return true;
}

/* The two frames, four L1 tables, every entry mapping frame 0. */
static bool bench_setup_space(void)
{
	unsigned long i, pfn;
	long rc;

	for (i = 0; i < 2; i++) {
		if (!(pfn = pool_alloc(false)))
			return false;
		bs.mfn[i] = pfn_mfn(pfn);
		if (!frame_fill(bs.mfn[i], FRAME_SEED(i)))
			return false;
	}
	for (i = 0; i < BENCH_PAGES; i += 512)
		if (!scratch_ensure(&bench_sp, i))
			return false;
	for (i = 0; i < BENCH_PAGES; i++) {
		bs.pte_ma[i] = scratch_pte_ma(&bench_sp, i);
		req[i].ptr = bs.pte_ma[i];
		req[i].val = pte_make(bs.mfn[0], DATA_RO);
	}
	rc = HYPERVISOR_mmu_update(req, BENCH_PAGES, NULL, DOMID_SELF);
	if (rc) {
		test_fail("mapping the bench pages: %ld", rc);
		return false;
	}
	return entries_at_start("after setup");
}

static bool bench_ready(void)
{
	uint64_t t0, t1;

	if (bs.ready)
		return true;
	if (!mm_init())
		return false;
	bs.updates = guest_cmdline_ulong("bench-updates", BENCH_DEFAULT_UPDATES);
	/* Whole pairs of passes, so every entry ends where it started. */
	bs.updates = (bs.updates + 2 * PASS_UPDATES - 1) / (2 * PASS_UPDATES) *
		     (2 * PASS_UPDATES);
	if (!bs.updates)
		bs.updates = 2 * PASS_UPDATES;
	if (!bench_setup_space())
		return false;
	t0 = tsc_read();
	t1 = tsc_read();
	guest_printf("bench-info updates=%lu warmup=%lu pages=%u rdtsc-delta=%lu\n",
		     bs.updates, (unsigned long)WARMUP_UPDATES, BENCH_PAGES,
		     (unsigned long)(t1 - t0));
	bs.ready = true;
	return true;
}

/* Warm up, then time bs.updates updates made by `run`. */
static void bench_run(const char *name, bench_runner run, unsigned int batch,
		      unsigned long flags)
{
	uint64_t t0, t1;
	bool ok;

	if (!bench_ready() || !run(0, WARMUP_UPDATES, batch, flags))
		return;
	guest_printf("bench-begin %s\n", name);
	t0 = tsc_read();
	ok = run(0, bs.updates, batch, flags);
	t1 = tsc_read();
	if (!ok)
		return;
	guest_printf("bench-end %s unit=update ops=%lu tsc=%lu\n", name,
		     bs.updates, (unsigned long)(t1 - t0));
	entries_at_start(name);
}

void case_bench_setup(void)
{
	bench_ready();
}

#define BENCH_CASE(name, runner, batch, flags)                               \
	void case_bench_##name(void)                                         \
	{                                                                    \
		bench_run(#name, runner, batch, flags);                      \
	}

BENCH_CASE(uvm, run_uvm, 1, UVM_FLAGS)
BENCH_CASE(uvm_noflush, run_uvm, 1, UVMF_NONE)
BENCH_CASE(mmu_1, run_mmu, 1, 0)
BENCH_CASE(mmu_16, run_mmu, 16, 0)
BENCH_CASE(mmu_256, run_mmu, 256, 0)
BENCH_CASE(mmu_2048, run_mmu, 2048, 0)
BENCH_CASE(multicall_16, run_multicall, 16, UVM_FLAGS)
BENCH_CASE(multicall_256, run_multicall, 256, UVM_FLAGS)
