// SPDX-License-Identifier: MIT
/*
 * smp suite: two vCPUs and one address space.
 *   smp_page_tables_both     both vCPUs rewrite entries of one L1 at once
 *                            (their own entries, a frame both map, and one
 *                            entry both fight over): every entry ends as
 *                            one of them left it, and every frame's counts
 *                            are right (it can be pinned afterwards).
 *   smp_unmap_while_touching vCPU 1 reads a page in a loop; vCPU 0 unmaps
 *                            it with a flush of vCPU 1's TLB: once that
 *                            hypercall has returned, vCPU 1's next read
 *                            faults (update_va_mapping with UVMF_ALL, and
 *                            mmu_update followed by TLB_FLUSH_MULTI).
 * Written for two CPUs at once, and correct under any interleaving (one
 * CPU taking turns passes them too).  Expected values are Xen 4.17's.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>
#include <guest/test.h>

#define PT_PAGES 64			/* entries the two vCPUs share out */
#define PT_ROUNDS 8		/* even: the last round maps own frames */

struct pt_share {
	unsigned long base;		/* scratch index of entry 0 */
	unsigned long contested;	/* scratch index both remap */
	unsigned long own[2][PT_PAGES / 2];	/* pfn each vCPU maps in its entries */
	unsigned long shared;		/* pfn both map, in odd rounds */
	long rc[2];			/* each vCPU's first failure */
};

static struct pt_share pt;

static unsigned long pt_index(unsigned int who, unsigned int i)
{
	return pt.base + 2 * i + who;	/* interleaved: one L1, neighbouring entries */
}

/* vCPU `who`'s share: its entries and the contested one, PT_ROUNDS times. */
static void map_share(unsigned int who)
{
	long rc = 0;

	for (unsigned int r = 0; r < PT_ROUNDS && !rc; r++) {
		for (unsigned int i = 0; i < PT_PAGES / 2 && !rc; i++) {
			/* Odd rounds map the vCPU's own frames, the last one too. */
			unsigned long pfn = (r & 1) ? pt.own[who][i] : pt.shared;

			rc = scratch_map(&mm_scratch, pt_index(who, i), pfn_mfn(pfn), DATA_RW);
			if (!rc)
				rc = scratch_map(&mm_scratch, pt.contested,
						 pfn_mfn(pt.own[who][i]), DATA_RW);
		}
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	/* Each entry maps its own frame now: leave a mark in each. */
	for (unsigned int i = 0; i < PT_PAGES / 2 && !rc; i++)
		*(volatile uint64_t *)scratch_va(&mm_scratch, pt_index(who, i)) =
			pattern_word(who, i);
	pt.rc[who] = rc;
}

static void map_share_job(void *arg)
{
	map_share(1);
}

static bool pt_setup(void)
{
	if (!mm_init() || !(pt.base = scratch_take(PT_PAGES + 1)))
		return false;
	pt.contested = pt.base + PT_PAGES;
	/* Tables first, here: the workers only write entries. */
	if (!scratch_ensure(&mm_scratch, pt.base) || !scratch_ensure(&mm_scratch, pt.contested))
		return false;
	if (!(pt.shared = pool_alloc(true)))
		return false;
	for (unsigned int w = 0; w < 2; w++)
		for (unsigned int i = 0; i < PT_PAGES / 2; i++)
			if (!(pt.own[w][i] = pool_alloc(true)))
				return false;
	return true;
}

/* Every frame plain again: zeroed, it pins (and unpins) as an L1. */
static void pt_frames_plain(unsigned long pfn, const char *what)
{
	uint64_t *p = win_map(2, pfn_mfn(pfn), DATA_RW);

	if (!p)
		return;
	memset(p, 0, GUEST_PAGE_SIZE);
	win_unmap(2);
	if (test_check(pin_table(1, pfn_mfn(pfn)), 0, what))
		unpin_table(pfn_mfn(pfn));
	pool_free(pfn);
}

void case_smp_page_tables_both(void)
{
	long contested;
	bool ok = true;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	if (!pt_setup())
		return;
	smp_post(1, map_share_job, NULL);
	map_share(0);
	if (!smp_wait_job(1))
		return;
	test_check(pt.rc[0], 0, "vCPU 0's updates");
	test_check(pt.rc[1], 0, "vCPU 1's updates");
	for (unsigned int w = 0; w < 2; w++)
		for (unsigned int i = 0; i < PT_PAGES / 2; i++) {
			unsigned long idx = pt_index(w, i);

			ok &= pte_mfn(scratch_pte(&mm_scratch, idx)) == pfn_mfn(pt.own[w][i]);
			ok &= *(volatile uint64_t *)scratch_va(&mm_scratch, idx) ==
			      pattern_word(w, i);
		}
	test_check(ok, 1, "every entry maps its vCPU's frame, with its mark");
	contested = (long)pte_mfn(scratch_pte(&mm_scratch, pt.contested));
	test_check(contested == (long)pfn_mfn(pt.own[0][PT_PAGES / 2 - 1]) ||
		   contested == (long)pfn_mfn(pt.own[1][PT_PAGES / 2 - 1]), 1,
		   "the contested entry is the last one either vCPU wrote");
	test_check(mm_check_frames(), 0, "Koan's frame check");
	for (unsigned int i = 0; i <= PT_PAGES; i++)
		scratch_unmap(&mm_scratch, pt.base + i);
	mmuext1(MMUEXT_TLB_FLUSH_ALL, 0, 0);
	pt_frames_plain(pt.shared, "the shared frame pins as an L1 (no mapping left)");
	for (unsigned int w = 0; w < 2; w++)
		for (unsigned int i = 0; i < PT_PAGES / 2; i++)
			pt_frames_plain(pt.own[w][i], "a vCPU's frame pins as an L1");
	test_check(mm_check_frames(), 0, "Koan's frame check after");
}

/* ---- unmap while touching ---------------------------------------------- */

struct touch {
	unsigned long va;
	unsigned long flushed;		/* vCPU 0: the flush hypercall returned */
	unsigned long touches;		/* reads that completed */
	unsigned long after;		/* ... of which after seeing `flushed` */
};

static struct touch tch;

/*
 * Read the page until the read faults.  `flushed` is read before each
 * touch: a touch that completes after vCPU 0 said the flush is done is
 * counted in `after`, which must stay 0.  (Loads are not reordered with
 * loads on x86.)  Gives up after 100000 such touches.
 */
static void touch_job(void *arg)
{
	__asm__ volatile(SMP_FAULT(
			 "1:\n\t"
			 "movq %[flushed], %%rcx\n\t"
			 "movq (%[va]), %%rdx\n\t"
			 "incq %[touches]\n\t"
			 "testq %%rcx, %%rcx\n\t"
			 "jz 1b\n\t"
			 "incq %[after]\n\t"
			 "cmpq $100000, %[after]\n\t"
			 "jb 1b")
			 : SMP_FAULT_OUT(1), [touches] "+m"(tch.touches),
			   [after] "+m"(tch.after)
			 : [flushed] "m"(tch.flushed), [va] "r"(tch.va)
			 : "rax", "rcx", "rdx", "memory");
	smp_resume[1] = 0;
}

static unsigned long vcpu1_mask __attribute__((aligned(8))) = 1UL << 1;

/* One round: map, let vCPU 1 touch, unmap with `how`, see it fault. */
static void unmap_round(bool with_uvm, const char *what)
{
	unsigned long pfn = pool_alloc(true), idx = scratch_take(1);
	unsigned long n1 = smp_traps[1].count;
	char w[96];
	long rc;

	if (!pfn || !idx)
		return;
	if (!test_check(scratch_map(&mm_scratch, idx, pfn_mfn(pfn), DATA_RW), 0, "map"))
		return;
	memset(&tch, 0, sizeof(tch));
	tch.va = scratch_va(&mm_scratch, idx);
	smp_post(1, touch_job, NULL);
	for (unsigned long i = 0; i < SMP_WAIT_YIELDS &&
	     !__atomic_load_n(&tch.touches, __ATOMIC_ACQUIRE); i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	snprintf(w, sizeof(w), "%s: vCPU 1 touching", what);
	if (!test_check(tch.touches > 0, 1, w))
		return;
	if (with_uvm) {
		rc = HYPERVISOR_update_va_mapping(tch.va, 0, UVMF_INVLPG | UVMF_ALL);
	} else {
		struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_MULTI };

		rc = scratch_unmap(&mm_scratch, idx);
		set_xen_guest_handle(op.arg2.vcpumask, &vcpu1_mask);
		if (!rc)
			rc = HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
	}
	__atomic_store_n(&tch.flushed, 1, __ATOMIC_RELEASE);
	snprintf(w, sizeof(w), "%s: unmap and flush", what);
	test_check(rc, 0, w);
	if (!smp_wait_job(1))
		return;
	snprintf(w, sizeof(w), "%s: touches after the flush returned", what);
	test_check((long)tch.after, 0, w);
	snprintf(w, sizeof(w), "%s: vCPU 1 faulted", what);
	test_check((long)smp_traps[1].count, (long)n1 + 1, w);
	test_check((long)smp_traps[1].vector, 14, "#PF");
	test_check((long)smp_traps[1].cr2, (long)tch.va, "cr2: the page");
	test_check((long)smp_traps[1].error_code, 0, "error code: kernel read, not present");
	TEST_NOTE("%s: %lu touches before the fault\n", what, tch.touches);
	pool_free(pfn);
}

void case_smp_unmap_while_touching(void)
{
	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	if (!mm_init())
		return;
	unmap_round(true, "update_va_mapping(UVMF_INVLPG | UVMF_ALL)");
	unmap_round(false, "mmu_update, then TLB_FLUSH_MULTI {vCPU 1}");
	test_check(mm_check_frames(), 0, "Koan's frame check");
}
