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
 *
 * The scratch space, its two frames and its request array make a lane.
 * These benchmarks use lane 0; the bench-smp suite (guest/bench_smp.c) gives
 * its second vCPU lane 1, in another L4 slot with tables and frames of its
 * own, and drives both through bench_lane() and bench_mmu().
 */
#include <xen/errno.h>

#include <guest/bench.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define UVM_FLAGS (UVMF_INVLPG | UVMF_LOCAL)
#define PASS_UPDATES BENCH_PAGES		/* one flip of every entry */
#define WARMUP_UPDATES BENCH_WARMUP_UPDATES
#define MMU_MAX_BATCH BENCH_PAGES
#define MC_MAX_BATCH 256
/* Lane i's frames carry patterns 0xa0 + 0x20 i and 0xb0 + 0x20 i. */
#define FRAME_SEED(lane, i) (0xa0UL + 0x20UL * (lane) + 0x10UL * (i))
#define LANE_GAP_FRAMES 16	/* pool frames skipped before lane 1 */

/* Page-aligned: each lane's requests are written by one vCPU only. */
struct bench_lane {
	struct scratch sp;
	unsigned int index;
	bool ready;
	unsigned long mfn[2];		/* the two frames the entries flip between */
	uint64_t pte_ma[BENCH_PAGES];	/* machine address of each page's L1 entry */
	struct mmu_update req[MMU_MAX_BATCH];
} __attribute__((aligned(4096)));

static struct bench_lane lanes[BENCH_LANES];	/* in .bss: set up on first use */
static const unsigned int lane_slot[BENCH_LANES] = { BENCH_SLOT, BENCH_LANE1_SLOT };

static struct {
	bool ready;
	unsigned long updates;		/* per benchmark: whole pass pairs */
} bs;

static multicall_entry_t mc[MC_MAX_BATCH];

/* Update k: which page, and the entry it writes (pass 0 goes to frame 1). */
static inline unsigned long upd_page(unsigned long k)
{
	return k % BENCH_PAGES;
}

static inline uint64_t upd_pte(const struct bench_lane *l, unsigned long k)
{
	return pte_make(l->mfn[(k / PASS_UPDATES + 1) & 1], DATA_RO);
}

static inline unsigned long page_va(const struct bench_lane *l,
				    unsigned long page)
{
	return scratch_va(&l->sp, page);
}

/* A runner performs updates first .. first+n-1 in batches of `batch`. */
typedef bool (*bench_runner)(struct bench_lane *l, unsigned long first,
			     unsigned long n, unsigned int batch,
			     unsigned long flags);

static bool run_uvm(struct bench_lane *l, unsigned long first, unsigned long n,
		    unsigned int batch, unsigned long flags)
{
	unsigned long k;

	for (k = first; k < first + n; k++) {
		long rc = HYPERVISOR_update_va_mapping(page_va(l, upd_page(k)),
						       upd_pte(l, k), flags);
		if (rc) {
			test_fail("update_va_mapping, update %lu: %ld", k, rc);
			return false;
		}
	}
	return true;
}

static bool run_mmu(struct bench_lane *l, unsigned long first, unsigned long n,
		    unsigned int batch, unsigned long flags)
{
	struct mmu_update *req = l->req;
	unsigned long k;
	unsigned int i, done;
	long rc;

	for (k = first; k < first + n; k += batch) {
		for (i = 0; i < batch; i++) {
			req[i].ptr = l->pte_ma[upd_page(k + i)] | MMU_NORMAL_PT_UPDATE;
			req[i].val = upd_pte(l, k + i);
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

static bool run_multicall(struct bench_lane *l, unsigned long first,
			  unsigned long n, unsigned int batch,
			  unsigned long flags)
{
	unsigned long k;
	unsigned int i;
	long rc;

	for (k = first; k < first + n; k += batch) {
		for (i = 0; i < batch; i++) {
			mc[i].op = __HYPERVISOR_update_va_mapping;
			mc[i].args[0] = page_va(l, upd_page(k + i));
			mc[i].args[1] = upd_pte(l, k + i);
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
static bool page_shows(const struct bench_lane *l, unsigned long page,
		       unsigned int i)
{
	return *(const volatile uint64_t *)(page_va(l, page) + 8) ==
	       pattern_word(FRAME_SEED(l->index, i), 1);
}

/* After a run every entry is back on frame 0: look through a few. */
static bool entries_at_start(const struct bench_lane *l, const char *when)
{
	static const unsigned long probe[] = { 0, 1, 511, 512, 1500, BENCH_PAGES - 1 };
	unsigned int i;
	long rc = mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);

	if (rc) {
		test_fail("TLB_FLUSH_LOCAL %s: %ld", when, rc);
		return false;
	}
	for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		if (!page_shows(l, probe[i], 0)) {
			test_fail("%s: lane %u, page %lu does not show frame 0",
				  when, l->index, probe[i]);
			return false;
		}
	return true;
}

/* Lane `lane`'s two frames, four L1 tables, every entry mapping frame 0. */
static bool bench_setup_space(unsigned int lane)
{
	struct bench_lane *l = &lanes[lane];
	unsigned long i, pfn;
	long rc;

	l->index = lane;
	l->sp.slot = lane_slot[lane];
	/* Pool frames are consecutive: keep the lanes' frame-table entries
	 * (32 bytes each) off each other's cache lines, which would make two
	 * vCPUs contend over memory their updates do not share. */
	for (i = 0; lane && i < LANE_GAP_FRAMES; i++)
		if (!pool_alloc(false))
			return false;
	for (i = 0; i < 2; i++) {
		if (!(pfn = pool_alloc(false)))
			return false;
		l->mfn[i] = pfn_mfn(pfn);
		if (!frame_fill(l->mfn[i], FRAME_SEED(l->index, i)))
			return false;
	}
	for (i = 0; i < BENCH_PAGES; i += 512)
		if (!scratch_ensure(&l->sp, i))
			return false;
	for (i = 0; i < BENCH_PAGES; i++) {
		l->pte_ma[i] = scratch_pte_ma(&l->sp, i);
		l->req[i].ptr = l->pte_ma[i];
		l->req[i].val = pte_make(l->mfn[0], DATA_RO);
	}
	rc = HYPERVISOR_mmu_update(l->req, BENCH_PAGES, NULL, DOMID_SELF);
	if (rc) {
		test_fail("mapping lane %u's bench pages: %ld", l->index, rc);
		return false;
	}
	l->ready = entries_at_start(l, "after setup");
	return l->ready;
}

bool bench_ready(void)
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
	if (!bench_setup_space(0))
		return false;
	t0 = tsc_read();
	t1 = tsc_read();
	guest_printf("bench-info updates=%lu warmup=%lu pages=%u rdtsc-delta=%lu\n",
		     bs.updates, (unsigned long)WARMUP_UPDATES, BENCH_PAGES,
		     (unsigned long)(t1 - t0));
	bs.ready = true;
	return true;
}

unsigned long bench_updates(void)
{
	return bs.updates;
}

struct bench_lane *bench_lane(unsigned int i)
{
	if (i >= BENCH_LANES) {
		test_fail("no bench lane %u", i);
		return NULL;
	}
	if (!bench_ready())
		return NULL;
	if (!lanes[i].ready && !bench_setup_space(i))
		return NULL;
	return &lanes[i];
}

bool bench_mmu(struct bench_lane *l, unsigned long first, unsigned long n,
	       unsigned int batch)
{
	return run_mmu(l, first, n, batch, 0);
}

bool bench_lane_at_start(const struct bench_lane *l, const char *when)
{
	return entries_at_start(l, when);
}

/* Warm up, then time bs.updates updates made by `run` on lane 0. */
static void bench_run(const char *name, bench_runner run, unsigned int batch,
		      unsigned long flags)
{
	struct bench_lane *l = &lanes[0];
	uint64_t t0, t1;
	bool ok;

	if (!bench_ready() || !run(l, 0, WARMUP_UPDATES, batch, flags))
		return;
	guest_printf("bench-begin %s\n", name);
	t0 = tsc_read();
	ok = run(l, 0, bs.updates, batch, flags);
	t1 = tsc_read();
	if (!ok)
		return;
	guest_printf("bench-end %s unit=update ops=%lu tsc=%lu\n", name,
		     bs.updates, (unsigned long)(t1 - t0));
	entries_at_start(l, name);
}

void bench_mmu_case(const char *name, unsigned int batch)
{
	bench_run(name, run_mmu, batch, 0);
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
