// SPDX-License-Identifier: MIT
/*
 * mm suite: XENMEM_exchange -- frames of ours for new ones, with every
 * pairing of extent orders, an address limit, progress through
 * nr_exchanged (preset, and across preemptions), and every refusal, each
 * with Xen 4.17's answer and a check that a refused chunk changed nothing.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define DOMID_NONE 0x7fe0	/* below the reserved ids, never created */
#define XCHG_WINDOW 8		/* a read-only view of an argument */
#define XCHG_WINDOW2 9
#define LONG_EXCHANGE 520	/* frames: more than two of Koan's work budgets */

static struct xen_memory_exchange xchg_arg(xen_pfn_t *in, unsigned long nin,
					   unsigned int in_order, xen_pfn_t *out,
					   unsigned long nout, unsigned int out_order,
					   unsigned int flags)
{
	struct xen_memory_exchange x = {
		.in = { .nr_extents = nin, .extent_order = in_order,
			.domid = DOMID_SELF },
		.out = { .nr_extents = nout, .extent_order = out_order,
			 .mem_flags = flags, .domid = DOMID_SELF },
	};

	set_xen_guest_handle(x.in.extent_start, in);
	set_xen_guest_handle(x.out.extent_start, out);
	return x;
}

/* One exchange; *done: nr_exchanged before (in) and after (out). */
static long exchange(xen_pfn_t *in, unsigned long nin, unsigned int in_order,
		     xen_pfn_t *out, unsigned long nout, unsigned int out_order,
		     unsigned int flags, unsigned long *done)
{
	struct xen_memory_exchange x = xchg_arg(in, nin, in_order, out, nout,
						out_order, flags);
	long rc;

	x.nr_exchanged = *done;
	rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
	*done = x.nr_exchanged;
	return rc;
}

/*
 * After an exchange that gave out extent j of 2^order frames at pfn
 * pfns[j] (the out list now holds its frame): the M2P says so, our p2m
 * follows, the frames are ours (and, on Koan, zeroed).  An old frame that
 * is not among the new ones is no longer ours: we cannot map it.
 */
static void adopt(const xen_pfn_t *out, const unsigned long *pfns, unsigned long n,
		  unsigned int order, const unsigned long *old, unsigned long nold)
{
	unsigned long j, k;
	char w[80];

	for (j = 0; j < n; j++)
		for (k = 0; k < (1UL << order); k++) {
			unsigned long mfn = out[j] + k, pfn = pfns[j] + k;

			snprintf(w, sizeof(w), "M2P of new frame 0x%lx", mfn);
			if (!test_check((long)m2p_read(mfn), (long)pfn, w))
				continue;
			mm_p2m()[pfn] = mfn;
			snprintf(w, sizeof(w), "new frame 0x%lx ours", mfn);
			test_check(mm_mfn_is_ours(mfn), 1, w);
			if (cpu_on_koan()) {
				snprintf(w, sizeof(w), "new frame 0x%lx zeroed", mfn);
				test_check(frame_is_zero(mfn), 1, w);
			}
		}
	for (j = 0; j < nold; j++) {
		bool again = false;

		for (k = 0; k < n && !again; k++)
			again = old[j] >= out[k] && old[j] < out[k] + (1UL << order);
		if (again)
			continue;
		/*
		 * Its M2P entry is invalid now, but another domain may have the
		 * frame already (with an M2P entry of its own): not checked.
		 */
		snprintf(w, sizeof(w), "old frame 0x%lx mapped", old[j]);
		test_check(win_map_rc(XCHG_WINDOW, old[j], DATA_RO) != 0, 1, w);
	}
}

/* Four frames for four, order 0: each new, at the pfn the out list named. */
void case_mm_exchange(void)
{
	xen_pfn_t in[4], out[4];
	unsigned long pfn[4], old[4], done = 0;
	long cur0;
	unsigned int i;

	if (!mm_init())
		return;
	cur0 = mm_reservation(XENMEM_current_reservation);
	for (i = 0; i < 4; i++) {
		pfn[i] = pool_alloc(false);
		old[i] = in[i] = pfn_mfn(pfn[i]);
		out[i] = pfn[i];
		EXPECT(frame_fill(old[i], 0xe0 + i), "fill");
	}
	EXPECT_EQ(exchange(in, 4, 0, out, 4, 0, 0, &done), 0, "exchange of 4 frames");
	EXPECT_EQ(done, 4, "nr_exchanged");
	for (i = 0; i < 4; i++)
		test_check(out[i] != old[i], 1, "a frame for a different one");
	test_check(in[0], (long)old[0], "the in list is left alone");
	adopt(out, pfn, 4, 0, old, 4);
	test_check(mm_reservation(XENMEM_current_reservation), cur0,
		   "current_reservation unchanged");
	for (i = 0; i < 4; i++)
		pool_free(pfn[i]);
}

/*
 * Orders: two frames for one 2-frame extent, then back; an address limit
 * met (32 bits) and one nothing can meet; NUMA node 0; a preset
 * nr_exchanged skips what it counts.
 */
void case_mm_exchange_orders(void)
{
	xen_pfn_t in[4], out[4];
	unsigned long p, old[4], pfns[4], done;
	unsigned int i;

	if (!mm_init() || !(p = pool_alloc_run(4)))
		return;
	for (i = 0; i < 4; i++)
		pfns[i] = p + i;
	/* order 0 x 2 -> order 1 x 1 */
	in[0] = old[0] = pfn_mfn(p);
	in[1] = old[1] = pfn_mfn(p + 1);
	out[0] = p;
	done = 0;
	EXPECT_EQ(exchange(in, 2, 0, out, 1, 1, 0, &done), 0, "2 x order 0 -> order 1");
	EXPECT_EQ(done, 2, "nr_exchanged (input extents)");
	test_check((long)(out[0] & 1), 0, "the order-1 extent is aligned");
	adopt(out, pfns, 1, 1, old, 2);
	/* order 1 x 1 -> order 0 x 2 */
	in[0] = old[0] = out[0];
	old[1] = out[0] + 1;
	out[0] = p;
	out[1] = p + 1;
	done = 0;
	EXPECT_EQ(exchange(in, 1, 1, out, 2, 0, 0, &done), 0, "order 1 -> 2 x order 0");
	EXPECT_EQ(done, 1, "nr_exchanged");
	adopt(out, pfns, 2, 0, old, 2);
	/* Below 4 GiB; below 8 KiB (nothing is). */
	in[0] = old[0] = pfn_mfn(p);
	out[0] = p;
	done = 0;
	EXPECT_EQ(exchange(in, 1, 0, out, 1, 0, XENMEMF_address_bits(32), &done), 0,
		  "address_bits 32");
	test_check(out[0] < (1UL << 20), 1, "the new frame is below 4 GiB");
	adopt(out, pfns, 1, 0, old, 1);
	in[0] = pfn_mfn(p);
	out[0] = p;
	done = 0;
	test_check(exchange(in, 1, 0, out, 1, 0, XENMEMF_address_bits(13), &done),
		   -XEN_ENOMEM, "address_bits 13");
	test_check(done, 0, "nr_exchanged after -ENOMEM");
	test_check(out[0], (long)p, "out list untouched");
	test_check(mm_mfn_is_ours(in[0]), 1, "the frame is still ours");
	/* NUMA node 0: the only one there is. */
	in[0] = old[0] = pfn_mfn(p);
	out[0] = p;
	done = 0;
	EXPECT_EQ(exchange(in, 1, 0, out, 1, 0, XENMEMF_node(0), &done), 0, "node 0");
	adopt(out, pfns, 1, 0, old, 1);
	/* nr_exchanged 2 of 4: the first two stay as they are. */
	for (i = 0; i < 4; i++) {
		in[i] = old[i] = pfn_mfn(p + i);
		out[i] = p + i;
	}
	done = 2;
	EXPECT_EQ(exchange(in, 4, 0, out, 4, 0, 0, &done), 0, "nr_exchanged preset to 2");
	EXPECT_EQ(done, 4, "nr_exchanged");
	test_check(out[0], (long)p, "extent 0 left alone");
	test_check(out[1], (long)(p + 1), "extent 1 left alone");
	test_check(pfn_mfn(p), (long)old[0], "frame 0 kept");
	adopt(out + 2, pfns + 2, 2, 0, old + 2, 2);
	for (i = 0; i < 4; i++)
		pool_free(p + i);
}

static xen_pfn_t long_in[LONG_EXCHANGE], long_out[LONG_EXCHANGE];
static unsigned long long_pfns[LONG_EXCHANGE], long_old[LONG_EXCHANGE];

/*
 * Long exchanges: 520 single frames (Koan preempts it twice, and the
 * continuations go on from nr_exchanged), then 512 frames for one 2-MiB
 * extent and back.
 */
void case_mm_exchange_long(void)
{
	unsigned long p, done, i;
	long cur0;

	if (!mm_init() || !(p = pool_alloc_run(LONG_EXCHANGE)))
		return;
	cur0 = mm_reservation(XENMEM_current_reservation);
	for (i = 0; i < LONG_EXCHANGE; i++) {
		long_pfns[i] = long_out[i] = p + i;
		long_in[i] = long_old[i] = pfn_mfn(p + i);
	}
	done = 0;
	EXPECT_EQ(exchange(long_in, LONG_EXCHANGE, 0, long_out, LONG_EXCHANGE, 0, 0, &done),
		  0, "520 frames");
	EXPECT_EQ(done, LONG_EXCHANGE, "nr_exchanged");
	adopt(long_out, long_pfns, LONG_EXCHANGE, 0, long_old, LONG_EXCHANGE);
	EXPECT(!test_failed(), "520 frames");
	/* 512 -> one order-9 extent (2 MiB, aligned) -> 512 */
	for (i = 0; i < 512; i++)
		long_in[i] = long_old[i] = pfn_mfn(p + i);
	long_out[0] = p;
	done = 0;
	EXPECT_EQ(exchange(long_in, 512, 0, long_out, 1, 9, 0, &done), 0,
		  "512 frames for one order-9 extent");
	EXPECT_EQ(done, 512, "nr_exchanged");
	test_check((long)(long_out[0] & 511), 0, "the extent is 2-MiB aligned");
	adopt(long_out, long_pfns, 1, 9, long_old, 512);
	long_in[0] = long_out[0];
	for (i = 0; i < 512; i++) {
		long_old[i] = long_in[0] + i;
		long_out[i] = p + i;
	}
	done = 0;
	EXPECT_EQ(exchange(long_in, 1, 9, long_out, 512, 0, 0, &done), 0,
		  "one order-9 extent for 512 frames");
	EXPECT_EQ(done, 1, "nr_exchanged");
	adopt(long_out, long_pfns, 512, 0, long_old, 512);
	test_check(mm_reservation(XENMEM_current_reservation), cur0,
		   "current_reservation unchanged");
	test_check(mm_check_frames(), 0, "Koan's frame check");
	for (i = 0; i < LONG_EXCHANGE; i++)
		pool_free(p + i);
}

/* The exchange argument x placed in a page mapped read-only: Xen cannot write nr_exchanged. */
static long exchange_readonly_arg(const struct xen_memory_exchange *x, unsigned int cmd)
{
	static unsigned long pfn;
	struct xen_memory_exchange *ro;
	long rc;

	if (!pfn && !(pfn = pool_alloc(true)))
		return -9999;
	ro = win_map(XCHG_WINDOW2, pfn_mfn(pfn), DATA_RW);
	if (!ro)
		return -9999;
	*ro = *x;
	ro = win_map(XCHG_WINDOW2, pfn_mfn(pfn), DATA_RO);
	rc = HYPERVISOR_memory_op(cmd, ro);
	win_unmap(XCHG_WINDOW2);
	return rc;
}

/* The argument checks, in Xen's order, with what each writes back. */
void case_mm_exchange_bad_args(void)
{
	static const unsigned long bad[] = { 0x10000, 0xffff830000000000UL,
					     0x800000000000UL };
	unsigned int top = guest_privileged() ? 18 : 9;
	xen_pfn_t in[2], out[2];
	struct xen_memory_exchange x;
	unsigned long p, done, old;
	unsigned int i;
	char w[80];

	if (!mm_init() || !(p = pool_alloc(false)))
		return;
	in[0] = pfn_mfn(p);
	out[0] = p;
	for (i = 0; i < 2; i++) {
		snprintf(w, sizeof(w), "argument at 0x%lx", bad[i + 1]);
		test_check(HYPERVISOR_memory_op(XENMEM_exchange, (void *)bad[i + 1]),
			   -XEN_EFAULT, w);
	}
	test_check(HYPERVISOR_memory_op(XENMEM_exchange, (void *)bad[0]), -XEN_EFAULT,
		   "argument unmapped");
	x = xchg_arg(in, 1, 0, out, 1, 0, 0);
	test_check(HYPERVISOR_memory_op(XENMEM_exchange | (1 << 6), &x), -XEN_EINVAL,
		   "a start extent in the command");
	/* Orders: up to 9, 18 for the control domain. */
	done = 0;
	test_check(exchange(in, 1, top + 1, out, 1, top + 1, 0, &done), -XEN_EPERM,
		   "both orders one beyond the maximum");
	test_check(exchange(in, 1, 0, out, 1, top + 1, 0, &done), -XEN_EPERM,
		   "out order one beyond the maximum");
	x = xchg_arg(in, 1, top + 1, out, 1, top + 1, 0);
	test_check(exchange_readonly_arg(&x, XENMEM_exchange), -XEN_EFAULT,
		   "order refused, nr_exchanged not writable");
	/* Sizes. */
	done = 2;
	test_check(exchange(in, 1, 0, out, 1, 0, 0, &done), -XEN_EINVAL,
		   "nr_exchanged beyond nr_extents");
	test_check(done, 2, "nr_exchanged written back as it was");
	x = xchg_arg(in, 1, 0, out, 1, 0, 0);
	x.out.domid = 0;	/* in says DOMID_SELF: the same domain, not the same id */
	test_check(HYPERVISOR_memory_op(XENMEM_exchange, &x), -XEN_EINVAL,
		   "in and out domains differ");
	done = 0;
	test_check(exchange(in, 2, 0, out, 1, 0, 0, &done), -XEN_EINVAL,
		   "2 frames for 1");
	test_check(exchange(in, 1UL << 60, 4, out, 1UL << 62, 2, 0, &done), -XEN_EINVAL,
		   "2^64 frames");
	/* Nothing left: 0 without a look at the lists or a write. */
	x = xchg_arg((void *)bad[1], 3, 0, (void *)bad[1], 3, 0, 0);
	x.nr_exchanged = 3;
	test_check(exchange_readonly_arg(&x, XENMEM_exchange), 0,
		   "nr_exchanged = nr_extents, lists in the hypervisor");
	/* Lists: only the first entry's address is checked up front. */
	for (i = 1; i < 3; i++) {
		done = 0;
		snprintf(w, sizeof(w), "in list at 0x%lx", bad[i]);
		test_check(exchange((void *)bad[i], 1, 0, out, 1, 0, 0, &done),
			   -XEN_EFAULT, w);
		snprintf(w, sizeof(w), "out list at 0x%lx", bad[i]);
		test_check(exchange(in, 1, 0, (void *)bad[i], 1, 0, 0, &done),
			   -XEN_EFAULT, w);
	}
	done = 0;
	test_check(exchange((void *)bad[0], 1, 0, out, 1, 0, 0, &done), -XEN_EFAULT,
		   "in list unmapped");
	test_check(done, 0, "nr_exchanged after an unmapped in list");
	test_check(exchange((void *)bad[0], 1UL << 62, 0, (void *)bad[0], 1UL << 62, 0, 0,
			    &done), -XEN_EFAULT, "2^62 entries");
	/*
	 * NUMA nodes: the control domain may name one below 64 (an exact one
	 * must exist); others may name any but not insist.
	 */
	done = 0;
	if (guest_privileged()) {
		test_check(exchange(in, 1, 0, out, 1, 0, XENMEMF_node(64), &done),
			   -XEN_EINVAL, "node 64");
		test_check(exchange(in, 1, 0, out, 1, 0, XENMEMF_exact_node(1), &done),
			   -XEN_ENOMEM, "exactly node 1 (there is none)");
		test_check(done, 0, "nr_exchanged, node 1");
	} else {
		test_check(exchange(in, 1, 0, out, 1, 0, XENMEMF_exact_node(0), &done),
			   -XEN_EINVAL, "exactly node 0, from a domU");
		old = in[0];
		test_check(exchange(in, 1, 0, out, 1, 0, XENMEMF_node(64), &done), 0,
			   "node 64 (not exact), from a domU");
		if (test_check(done, 1, "nr_exchanged, node 64"))
			adopt(out, &p, 1, 0, &old, 1);
		in[0] = pfn_mfn(p);
		out[0] = p;
	}
	test_check(mm_mfn_is_ours(pfn_mfn(p)), 1, "our frame after the refusals");
	/* Domains. */
	x = xchg_arg(in, 1, 0, out, 1, 0, 0);
	x.in.domid = x.out.domid = DOMID_NONE;
	test_check(HYPERVISOR_memory_op(XENMEM_exchange, &x), -XEN_ESRCH,
		   "domain 0x7fe0");
	x.in.domid = x.out.domid = 0;
	if (!guest_privileged())
		test_check(HYPERVISOR_memory_op(XENMEM_exchange, &x), -XEN_EPERM,
			   "domain 0 from a domU");
	pool_free(p);
}

static uint64_t kernel_page[GUEST_PAGE_SIZE / 8] __attribute__((aligned(4096)));

/*
 * The frame that now sits at pfn after an exchange whose out list we could
 * not write: its M2P entry names pfn, and it is ours (other domains' frames
 * may name the same pfn: those we cannot map).
 */
static unsigned long find_frame_of(unsigned long pfn)
{
	unsigned long mfn;

	for (mfn = 0; mfn < mm.max_ram_page; mfn++)
		if (m2p_read(mfn) == pfn && mfn != pfn_mfn(pfn) &&
		    win_map_rc(XCHG_WINDOW, mfn, DATA_RO) == 0)
			return mfn;
	return 0;
}

/*
 * Frames that cannot go: not ours, beyond RAM, mapped, pinned, twice in
 * one chunk.  A refused chunk gives back what it took; the chunks before
 * it are done and counted.  An out list we cannot write: the exchange
 * happens, -EFAULT, and the chunk is not counted.
 */
void case_mm_exchange_refused(void)
{
	xen_pfn_t in[2], out[2], *ro_list;
	unsigned long p[2], mfn[2], done;
	unsigned int i;
	long cur0;

	if (!mm_init() || !(p[0] = pool_alloc(true)) || !(p[1] = pool_alloc(true)))
		return;
	cur0 = mm_reservation(XENMEM_current_reservation);
	for (i = 0; i < 2; i++)
		mfn[i] = pfn_mfn(p[i]);
	in[0] = 0x100;	/* the hypervisor's, or nobody's */
	out[0] = p[0];
	done = 0;
	test_check(exchange(in, 1, 0, out, 1, 0, 0, &done), -XEN_EINVAL, "a frame not ours");
	test_check(done, 0, "nr_exchanged");
	in[0] = 1UL << 40;
	test_check(exchange(in, 1, 0, out, 1, 0, 0, &done), -XEN_EINVAL, "beyond RAM");
	in[0] = pfn_mfn(guest_va_to_pfn(kernel_page));
	test_check(exchange(in, 1, 0, out, 1, 0, 0, &done), -XEN_EINVAL,
		   "a frame of our kernel (mapped)");
	EXPECT(win_map(XCHG_WINDOW, mfn[0], DATA_RO), "map");
	in[0] = mfn[0];
	test_check(exchange(in, 1, 0, out, 1, 0, 0, &done), -XEN_EINVAL, "a mapped frame");
	win_unmap(XCHG_WINDOW);
	EXPECT_EQ(pin_table(1, mfn[0]), 0, "pin as an L1");
	test_check(exchange(in, 1, 0, out, 1, 0, 0, &done), -XEN_EINVAL, "a pinned L1");
	EXPECT_EQ(unpin_table(mfn[0]), 0, "unpin");
	/* Twice in one chunk (2 x order 0 -> order 1): the first is given back. */
	in[0] = in[1] = mfn[0];
	out[0] = p[0];
	test_check(exchange(in, 2, 0, out, 1, 1, 0, &done), -XEN_EINVAL,
		   "one frame twice in a chunk");
	test_check(done, 0, "nr_exchanged");
	test_check(mm_mfn_is_ours(mfn[0]), 1, "the first one given back");
	test_check(frame_is_zero(mfn[0]), 1, "and mappable");
	/* Chunk 0 done, chunk 1 refused. */
	in[0] = mfn[0];
	in[1] = 0x100;
	out[0] = p[0];
	out[1] = p[1];
	done = 0;
	test_check(exchange(in, 2, 0, out, 2, 0, 0, &done), -XEN_EINVAL,
		   "the second chunk refused");
	test_check(done, 1, "nr_exchanged: the first chunk");
	test_check(out[1], (long)p[1], "out entry 1 untouched");
	if (test_check(out[0] != mfn[0], 1, "out entry 0: a new frame"))
		adopt(out, p, 1, 0, mfn, 1);
	/* An out list we may read but not write. */
	mfn[1] = in[0] = pfn_mfn(p[1]);
	EXPECT(ro_list = win_map(XCHG_WINDOW2, pfn_mfn(p[0]), DATA_RW), "map the list");
	ro_list[0] = p[1];
	EXPECT(ro_list = win_map(XCHG_WINDOW2, pfn_mfn(p[0]), DATA_RO), "map it read-only");
	done = 0;
	test_check(exchange(in, 1, 0, ro_list, 1, 0, 0, &done), -XEN_EFAULT,
		   "an out list we cannot write");
	win_unmap(XCHG_WINDOW2);
	test_check(done, 0, "nr_exchanged: that chunk not counted");
	test_check(mm_mfn_is_ours(mfn[1]), 0, "the old frame went all the same");
	out[0] = find_frame_of(p[1]);
	if (test_check(out[0] != 0, 1, "a frame whose M2P names the pfn"))
		adopt(out, &p[1], 1, 0, &mfn[1], 1);
	test_check(mm_reservation(XENMEM_current_reservation), cur0,
		   "current_reservation unchanged");
	test_check(mm_check_frames(), 0, "Koan's frame check");
	pool_free(p[0]);
	pool_free(p[1]);
}
