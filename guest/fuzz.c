// SPDX-License-Identifier: MIT
/*
 * The fuzz suite's MM hypercall fuzzer: cases fuzz_mm and fuzz_oracle.  A
 * seeded PRNG (guest/fuzz_core.c) drives random but not suicidal
 * arguments to mmu_update, mmuext_op, update_va_mapping(_otherdomain),
 * multicall and memory_op, and (two in nine calls, guest/fuzz_cpu.c) the
 * CPU hypercalls: frames from a private pool of FUZZ_FRAMES frames and its
 * own L3/L2/L1 (L4 slot 4), "garbage" frames that are not ours, and
 * hostile pointers and VAs.  It never names a frame or address the guest
 * runs on (boot region, current L4, stack), never loads another base
 * pointer, and never touches memory through the mappings it makes.  Every
 * fuzz-check-every calls Koan checks its invariants (dom0 only; elsewhere
 * skipped) and must find nothing.
 *
 * fuzz_oracle is the same generator with garbage limited to frames whose
 * answer cannot depend on the machine's memory layout (the first MiB,
 * beyond RAM, beyond the physical address width) and with every call's
 * result logged (fuzz_log): the system tests run it on Koan and on Xen
 * 4.17 with the same seed and compare the logs call by call.
 * Command line: fuzz-seed=N (1), fuzz-calls=N (100000), fuzz-oracle=N
 * (2000), fuzz-check-every=N (1).
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#include "fuzz_mm.h"

#define below fuzz_below
#define chance fuzz_chance

#define PROGRESS_EVERY 10000

/*
 * Fresh frames and tables: a pool of FUZZ_FRAMES and a new L3/L2/L1 in L4
 * slot FUZZ_SLOT (the old ones, if any, are dropped from the slot and
 * left as they are, never named again).
 */
static bool fuzz_setup(bool oracle)
{
	unsigned int i;

	memset(&fz, 0, sizeof(fz));
	fz.oracle = oracle;
	/* Another domain's id only where it must be refused: a domU naming dom0. */
	fz.peer = guest_privileged() ? DOMID_SELF :
		  (unsigned int)fuzz_arg("peer-domid", DOMID_SELF);
	fz.mask = 1;
	fz.sp.slot = FUZZ_SLOT;
	if (!mm_init() || !scratch_ensure(&fz.sp, 0))
		return false;
	for (i = 0; i < FUZZ_FRAMES; i++) {
		fz.pfn[i] = pool_alloc(true);
		if (!fz.pfn[i])
			return false;
		fz.mfn[i] = pfn_mfn(fz.pfn[i]);
		if (fz.pfn[i] < mm.region_end_pfn || fz.pfn[i] >= mm.nr_pages ||
		    m2p_read(fz.mfn[i]) != fz.pfn[i]) {
			test_fail("pool gave pfn 0x%lx (mfn 0x%lx, M2P 0x%lx)",
				  fz.pfn[i], fz.mfn[i], m2p_read(fz.mfn[i]));
			return false;
		}
	}
	return fuzz_cpu_setup();
}

/*
 * Undo what could outlive the case: LDT, user base, M2P of our frames.
 * The pool frames stay with the fuzzer (pinned, typed or given back as it
 * left them): the next case takes fresh ones.
 */
static void fuzz_cleanup(void)
{
	unsigned int i;

	mmuext1(MMUEXT_SET_LDT, 0, 0);
	mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0);
	unsigned long t[3] = { fz.sp.l3_mfn, fz.sp.l2_mfn, fz.sp.l1_mfn[0] };
	unsigned long pfn;

	for (i = 0; i < FUZZ_FRAMES; i++)
		if (fz.mfn[i] != NO_MFN)
			mmu_update1(((uint64_t)fz.mfn[i] << 12) | MMU_MACHPHYS_UPDATE,
				    fz.pfn[i]);
	/* Our tables' M2P entries too: their pfns are where p2m has them. */
	for (pfn = mm.region_end_pfn; pfn < mm.nr_pages; pfn++)
		for (i = 0; i < 3; i++)
			if (pfn_mfn(pfn) == t[i])
				mmu_update1(((uint64_t)t[i] << 12) |
						    MMU_MACHPHYS_UPDATE, pfn);
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
}

/* Back to the pool, zeroed, if nothing uses it any more (it maps writable). */
static void recycle(unsigned long pfn, unsigned long mfn)
{
	if (win_map_rc(0, mfn, DATA_RW))
		return;		/* still a table or descriptor page: leave it */
	memset((void *)win_va(0), 0, GUEST_PAGE_SIZE);
	win_unmap(0);
	pool_free(pfn);
}

/*
 * The end of an epoch: our tree out of L4 slot FUZZ_SLOT, every pin
 * dropped, and every frame that became plain again back in the pool (a
 * long oracle run would empty it otherwise).
 */
static void release_frames(void)
{
	unsigned long t[3] = { fz.sp.l3_mfn, fz.sp.l2_mfn, fz.sp.l1_mfn[0] };
	unsigned int i;

	mmu_update1(pt_entry_ma(mm.l4_mfn, FUZZ_SLOT), 0);
	for (i = 0; i < FUZZ_FRAMES; i++)
		if (fz.mfn[i] != NO_MFN)
			unpin_table(fz.mfn[i]);
	for (i = 0; i < 3; i++)
		unpin_table(t[i]);
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
	for (i = 0; i < FUZZ_FRAMES; i++)
		if (fz.mfn[i] != NO_MFN)
			recycle(fz.pfn[i], fz.mfn[i]);
	for (i = 0; i < 3; i++)
		recycle(m2p_read(t[i]), t[i]);
}

/*
 * The oracle starts an epoch every `epoch` calls: clean up, fresh frames.
 * A disagreement between two hypervisors then changes what follows only
 * up to the end of its epoch.
 */
static bool new_epoch(void)
{
	fuzz_cleanup();
	if (fuzz_cpu_cleanup())
		return false;
	release_frames();
	return fuzz_setup(true);
}

/* n calls of the seeded sequence, with the frame check every `every`. */
static void fuzz_run(const char *mode, unsigned long seed, unsigned long n,
		     bool oracle)
{
	unsigned long epoch = oracle ? fuzz_arg("fuzz-oracle-epoch", 50) : 0;
	unsigned long refused = 0;	/* over every epoch */
	static long (*const calls[])(void) = {
		call_mmu_update, call_mmu_update, call_mmuext_op,
		call_update_va_mapping, call_update_va_mapping, call_multicall,
		call_memory_op, fuzz_cpu_call, fuzz_cpu_call,
	};
	unsigned long every = fuzz_arg("fuzz-check-every", 1);
	unsigned long i;

	fuzz_seed(seed);
	EXPECT(fuzz_setup(oracle), "fuzz setup");
	if (!every)
		every = 1;
	fuzz_checks_reset();
	if (oracle)
		fuzz_log_start(mode, seed);
	guest_printf("fuzz: seed %lu, %lu calls\n", seed, n);
	for (i = 1; i <= n; i++) {
		long rc;

		if (epoch && i > 1 && (i - 1) % epoch == 0)
			EXPECT(new_epoch(), "oracle epoch at call %lu", i);
		rc = calls[below(sizeof(calls) / sizeof(calls[0]))]();

		if (rc < 0)
			refused++;
		if (i % every == 0 || i == n) {
			long check = fuzz_check();

			EXPECT(check == 0, "seed %lu call %lu: frame check says %ld",
			       seed, i, check);
		}
		if (i % PROGRESS_EVERY == 0)
			guest_printf("fuzz: seed %lu: %lu/%lu calls, %lu refused, "
				     "%lu checks\n", seed, i, n, refused,
				     fuzz_checks());
	}
	fuzz_log_stop();
	fuzz_cleanup();
	EXPECT_EQ(fuzz_cpu_cleanup(), 0, "CPU state restore failures");
	guest_printf("fuzz: seed %lu done: %lu calls, %lu refused, %lu checks\n",
		     seed, n, refused, fuzz_checks());
	fuzz_coverage_print(mode);
	EXPECT_EQ(fuzz_check(), 0, "frame check after cleanup");
	/* Our own frames came through untouched: M2P still agrees with p2m. */
	for (i = 0; i < mm.nr_pages; i++) {
		unsigned long mfn = pfn_mfn(i);

		EXPECT(mfn == P2M_INVALID || m2p_read(mfn) == i,
		       "after fuzzing, pfn 0x%lx -> mfn 0x%lx -> M2P 0x%lx", i,
		       mfn, m2p_read(mfn));
	}
}

void case_fuzz_mm(void)
{
	fuzz_run("mm", fuzz_arg("fuzz-seed", 1), fuzz_arg("fuzz-calls", 100000),
		 false);
}

/*
 * The oracle runs first in the suite, from fresh frames: its log must not
 * depend on what another case left behind.
 */
void case_fuzz_oracle(void)
{
	fuzz_run("oracle", fuzz_arg("fuzz-seed", 1), fuzz_arg("fuzz-oracle", 2000),
		 true);
}
