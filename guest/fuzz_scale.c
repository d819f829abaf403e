// SPDX-License-Identifier: MIT
/*
 * The scale fuzzer (case fuzz_scale, `fuzz-scale=N` rounds, 4): big
 * hierarchies and batches past the hypervisor's preemption point.  Each
 * round builds a tree in L4 slot 10 -- an L4 with our kernel slots, an L3,
 * enough L2s for up to `fuzz-scale-l1=K` (512) L1s, each L1 a copy of one
 * whose 512 entries all map a data frame read-only, and linear (self)
 * mappings at L2, L3 and L4 (K = 4096: 2 million entries) -- then makes the hypervisor validate and
 * devalidate it many times in single calls, the XSA-45 amplification:
 *   - one mmuext_op of 256-320 alternating PIN_L4_TABLE / UNPIN_TABLE;
 *   - one mmu_update of as many requests hooking and unhooking the L3 in
 *     the pinned L4;
 *   - one mmuext_op alternating NEW_BASEPTR between the tree and our L4;
 *   - one multicall of as many single-op mmuext_op entries;
 *   - NEW_USER_BASEPTR to the tree and back;
 * and copies the template with one mmuext_op of K COPY_PAGE ops.  Every
 * call must succeed completely (done = count); Koan's frame check follows
 * each round.  A dom0 watching (fuzz-watch) measures how long the CPU was
 * kept: the liveness test of docs/testing.md.
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define SCALE_SLOT 10
#define MAX_L1 4096
#define PER_L2 511	/* entry 511 of each L2 and L3 is its linear self-map */
#define MAX_L2 ((MAX_L1 + PER_L2 - 1) / PER_L2)
#define LINEAR_SLOT 11	/* the L4's self-map (and index 511 below) */

static struct {
	unsigned long l4, l3, l2[MAX_L2], l1[MAX_L1], template_l1, data;
	unsigned long nr_l1, nr_l2;
	unsigned long batch[MAX_L1 * 3] ;	/* ops and requests of one call */
	uint32_t done;
} sc;

static struct mmuext_op *ops(void)
{
	return (struct mmuext_op *)sc.batch;
}

static bool fill_table(unsigned long mfn, unsigned int first, unsigned int n,
		       const unsigned long *children, unsigned int self_index)
{
	uint64_t *t = win_map(2, mfn, DATA_RW);
	unsigned int i;

	if (!t)
		return false;
	for (i = 0; i < n; i++)
		t[first + i] = pte_make(children[i], PT_FLAGS);
	if (self_index)
		t[self_index] = pte_make(mfn, PTE_P | PTE_US | PTE_A);	/* linear */
	win_unmap(2);
	return true;
}

static unsigned long frame(void)
{
	unsigned long pfn = pool_alloc(true);

	return pfn ? pfn_mfn(pfn) : 0;
}

/* The tree of this round, all plain frames still (nothing validated). */
static bool build(unsigned long nr_l1)
{
	uint64_t *t;
	unsigned long i;

	sc.nr_l1 = nr_l1;
	sc.nr_l2 = (nr_l1 + PER_L2 - 1) / PER_L2;
	if (!sc.template_l1 && (!(sc.template_l1 = frame()) || !(sc.data = frame())))
		return false;
	if (!(t = win_map(2, sc.template_l1, DATA_RW)))
		return false;
	for (i = 0; i < 512; i++)
		t[i] = pte_make(sc.data, DATA_RO);
	win_unmap(2);
	for (i = 0; i < nr_l1; i++)
		if (!sc.l1[i] && !(sc.l1[i] = frame()))
			return false;
	for (i = 0; i < sc.nr_l2; i++)
		if (!sc.l2[i] && !(sc.l2[i] = frame()))
			return false;
	if ((!sc.l3 && !(sc.l3 = frame())) || !sc.nr_l1)
		return false;
	/* The L1s: one mmuext_op of nr_l1 COPY_PAGE (a long batch too). */
	memset(ops(), 0, nr_l1 * sizeof(struct mmuext_op));
	for (i = 0; i < nr_l1; i++) {
		ops()[i].cmd = MMUEXT_COPY_PAGE;
		ops()[i].arg1.mfn = sc.l1[i];
		ops()[i].arg2.src_mfn = sc.template_l1;
	}
	if (fuzz_done("scale_copy_pages", HYPERVISOR_mmuext_op(ops(), nr_l1, &sc.done,
							       DOMID_SELF), NULL) ||
	    sc.done != nr_l1)
		return false;
	for (i = 0; i < sc.nr_l2; i++)
		if (!fill_table(sc.l2[i], 0, (unsigned int)MIN(PER_L2, nr_l1 - i * PER_L2),
				&sc.l1[i * PER_L2], 511))
			return false;
	if (!fill_table(sc.l3, 0, (unsigned int)sc.nr_l2, sc.l2, 511))
		return false;
	sc.l4 = mm_new_l4(SCALE_SLOT, pte_make(sc.l3, PT_FLAGS));
	return sc.l4 && fill_table(sc.l4, 0, 0, NULL, LINEAR_SLOT);
}

/* One mmuext_op of n ops: cmd_a, cmd_b, cmd_a, ... on arg_a / arg_b. */
static long alternate(const char *kind, unsigned long n, unsigned int cmd_a,
		      unsigned long arg_a, unsigned int cmd_b, unsigned long arg_b)
{
	unsigned long i;
	long rc;

	memset(ops(), 0, n * sizeof(struct mmuext_op));
	for (i = 0; i < n; i++) {
		ops()[i].cmd = i % 2 ? cmd_b : cmd_a;
		ops()[i].arg1.mfn = i % 2 ? arg_b : arg_a;
	}
	rc = HYPERVISOR_mmuext_op(ops(), n, &sc.done, DOMID_SELF);
	return fuzz_done(kind, rc || sc.done == n ? rc : -1000, NULL);
}

/* Hook and unhook the L3 in the pinned L4, n requests in one call. */
static long relink(unsigned long n)
{
	struct mmu_update *r = (struct mmu_update *)sc.batch;
	unsigned long i;
	long rc;

	if (pin_table(4, sc.l4))
		return fuzz_done("scale_relink", -1001, NULL);
	for (i = 0; i < n; i++) {
		r[i].ptr = pt_entry_ma(sc.l4, SCALE_SLOT);
		r[i].val = i % 2 ? pte_make(sc.l3, PT_FLAGS) : 0;
	}
	rc = HYPERVISOR_mmu_update(r, n, &sc.done, DOMID_SELF);
	fuzz_done("scale_relink", rc || sc.done == n ? rc : -1000, NULL);
	return unpin_table(sc.l4) ? -1002 : rc;
}

/* A multicall of n mmuext_op entries, pinning and unpinning the L4. */
static long multicall_pins(unsigned long n)
{
	multicall_entry_t *m = (multicall_entry_t *)sc.batch;
	static struct mmuext_op pin = { .cmd = MMUEXT_PIN_L4_TABLE },
				unpin = { .cmd = MMUEXT_UNPIN_TABLE };
	unsigned long i;
	long rc;

	pin.arg1.mfn = unpin.arg1.mfn = sc.l4;
	memset(m, 0, n * sizeof(*m));
	for (i = 0; i < n; i++) {
		m[i].op = __HYPERVISOR_mmuext_op;
		m[i].args[0] = (unsigned long)(i % 2 ? &unpin : &pin);
		m[i].args[1] = 1;
		m[i].args[3] = DOMID_SELF;
	}
	rc = HYPERVISOR_multicall(m, n);
	for (i = 0; !rc && i < n; i++)
		if (m[i].result)
			rc = -1000 - (long)i;
	return fuzz_done("scale_multicall_pins", rc, NULL);
}

static long amplify(unsigned int how, unsigned long n)
{
	switch (how) {
	case 0:
		return alternate("scale_pin_unpin", n, MMUEXT_PIN_L4_TABLE, sc.l4,
				 MMUEXT_UNPIN_TABLE, sc.l4);
	case 1:
		return relink(n);
	case 2:
		return alternate("scale_new_baseptr", n, MMUEXT_NEW_BASEPTR, sc.l4,
				 MMUEXT_NEW_BASEPTR, mm.l4_mfn);
	case 3:
		return multicall_pins(n);
	default:
		return alternate("scale_new_user_baseptr", n, MMUEXT_NEW_USER_BASEPTR,
				 sc.l4, MMUEXT_NEW_USER_BASEPTR, 0);
	}
}

/* Nothing left validated: the frames are plain again for the next round. */
static void teardown(void)
{
	mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0);
	mmuext1(MMUEXT_NEW_BASEPTR, mm.l4_mfn, 0);
	unpin_table(sc.l4);	/* an odd count of pins and unpins left it pinned */
	if (sc.l4)
		pool_free(m2p_read(sc.l4));
	sc.l4 = 0;
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
}

void case_fuzz_scale(void)
{
	unsigned long seed = fuzz_arg("fuzz-seed", 1), rounds = fuzz_arg("fuzz-scale", 4);
	unsigned long max_l1 = MIN(fuzz_arg("fuzz-scale-l1", 512), MAX_L1), r;

	fuzz_seed(seed + 3);
	memset(&sc, 0, sizeof(sc));
	if (!mm_init())
		return;
	fuzz_checks_reset();
	for (r = 1; r <= rounds; r++) {
		/* Half the rounds at full width, the others anywhere below. */
		unsigned long nr_l1 = fuzz_chance(50) ? max_l1 : 1 + fuzz_below(max_l1);
		unsigned int how = (unsigned int)fuzz_below(5);
		unsigned long n = 256 + fuzz_below(65);
		long rc;

		EXPECT(build(nr_l1), "building a tree of %lu L1s", nr_l1);
		guest_printf("fuzz-scale: round %lu: %lu L1s, %lu ops of kind %u\n", r,
			     nr_l1, n, how);
		rc = amplify(how, n);
		teardown();
		EXPECT_EQ(rc, 0, "an amplifying call");
		EXPECT_EQ(fuzz_check(), 0, "frame check after a round");
	}
	guest_printf("fuzz-scale: seed %lu done: %lu rounds, up to %lu L1s, %lu checks\n",
		     seed, rounds, max_l1, fuzz_checks());
	fuzz_coverage_print("scale");
}
