// SPDX-License-Identifier: MIT
/*
 * gnttab suite, Koan-only: two test guests, dom0 (`peer-domid=D`) and a
 * domU D (`domid=D peer-domid=0`), run these cases side by side and meet
 * in the mailbox page the domU grants (guest/gnttab.c).  A domU grants a
 * frame and dom0 maps it, and the other way round (an unprivileged
 * mapper: what the I/O ring needs); copies into and out of the other's
 * grants; page flipping both ways; what an unprivileged domain may not do
 * to dom0's table; and, last, the domU ends while each maps the other's
 * grant: dom0 still reads the dead domU's frame until it unmaps it, and
 * its own grant is released by the domU's teardown.
 *
 * Each case runs in phases: a side writes its step number into the
 * mailbox and waits for the other's (gt_wait yields meanwhile).
 */
#include <xen/errno.h>

#include <guest/gnttab.h>
#include <guest/lib.h>
#include <guest/test.h>

/* Steps of the cases, in order (each case has a range of its own). */
enum {
	S_MAP_OFFERED = 1, S_MAP_MAPPED, S_MAP_CHECKED, S_MAP_UNMAPPED,
	S_REV_OFFERED = 10, S_REV_MAPPED, S_REV_CHECKED, S_REV_UNMAPPED,
	S_COPY_OFFERED = 20, S_COPY_DONE,
	S_FLIP_OFFERED = 30, S_FLIP_REFUSED, S_FLIP_TO_DOM0, S_FLIP_TO_DOMU,
	S_FLIP_DONE,
	S_END_OFFERED = 50, S_END_MAPPED,
};

#define PEER_BEGIN(mb)                                                       \
	do {                                                                 \
		if (!((mb) = gt_mailbox()))                                  \
			return;                                              \
	} while (0)

#define WAIT(word, step)                                                     \
	EXPECT(gt_wait(&(word), (step), #step), "the peer never got there")

static uint64_t frame_word0(unsigned long mfn)
{
	const volatile uint64_t *p = win_map(3, mfn, DATA_RO);
	uint64_t w = p ? *p : ~0UL;

	win_unmap(3);
	return w;
}

static long reservation_of(domid_t dom)
{
	return HYPERVISOR_memory_op(XENMEM_current_reservation, &dom);
}

/* The domU grants a frame; dom0 maps it, writes to it, unmaps it. */
void case_gnttab_peer_map(void)
{
	struct gt_mailbox *mb;
	unsigned long mfn, a;
	grant_handle_t h;
	const grant_ref_t ref = 50;

	PEER_BEGIN(mb);
	if (!guest_privileged()) {
		EXPECT((mfn = gt_pattern_frame(0x50)), "frame");
		gt_grant(ref, gt_peer(), mfn, GTF_permit_access);
		mb->domu_ref = ref;
		mb->domu_step = S_MAP_OFFERED;
		WAIT(mb->dom0_step, S_MAP_MAPPED);
		test_check(gt_flags(ref), GTF_permit_access | GTF_reading |
					   GTF_writing, "flags while dom0 maps it");
		test_check(gt_end(ref), 0, "end access while mapped");
		mb->domu_step = S_MAP_CHECKED;
		WAIT(mb->dom0_step, S_MAP_UNMAPPED);
		test_check(gt_flags(ref), GTF_permit_access, "flags after the unmap");
		test_check(gt_end(ref), 1, "end access");
		test_check((long)frame_word0(mfn), 0x600d, "what dom0 wrote");
		return;
	}
	WAIT(mb->domu_step, S_MAP_OFFERED);
	EXPECT((a = gt_fresh_page()), "page");
	test_check(gt_map(DOMID_SELF, mb->domu_ref, GNTMAP_host_map,
			  gt_page_va(a), &h, NULL), GNTST_bad_domain,
		   "the domU's grant named with DOMID_SELF");
	test_check(gt_map(gt_peer(), mb->domu_ref + 1, GNTMAP_host_map,
			  gt_page_va(a), &h, NULL), GNTST_general_error,
		   "a ref the domU did not grant");
	EXPECT_EQ(gt_map(gt_peer(), mb->domu_ref, GNTMAP_host_map, gt_page_va(a),
			 &h, NULL), GNTST_okay, "map the domU's grant");
	EXPECT(va_has_pattern(gt_page_va(a), 0x50), "the domU's frame");
	*(volatile uint64_t *)gt_page_va(a) = 0x600d;
	test_check(mm_check_frames(), 0, "frame-table check, the domU's frame mapped");
	mb->dom0_step = S_MAP_MAPPED;
	WAIT(mb->domu_step, S_MAP_CHECKED);
	test_check(gt_unmap(h, gt_page_va(a), 0), GNTST_okay, "unmap");
	test_check(gt_unmap(h, gt_page_va(a), 0), GNTST_bad_handle, "unmap twice");
	mb->dom0_step = S_MAP_UNMAPPED;
}

/*
 * dom0 grants; the unprivileged domU maps (writable and read-only), copies
 * out of the grant, unmaps.  This is the I/O ring's set-up: a frontend's
 * ring page mapped by a backend in another domain.
 */
void case_gnttab_peer_map_by_domU(void)
{
	struct gt_mailbox *mb;
	unsigned long mfn, a, b, mine;
	grant_handle_t hw, hr;
	const grant_ref_t ref = 60;

	PEER_BEGIN(mb);
	if (guest_privileged()) {
		EXPECT((mfn = gt_pattern_frame(0x60)), "frame");
		gt_grant(ref, gt_peer(), mfn, GTF_permit_access);
		mb->dom0_ref = ref;
		mb->dom0_step = S_REV_OFFERED;
		WAIT(mb->domu_step, S_REV_MAPPED);
		test_check(gt_flags(ref), GTF_permit_access | GTF_reading |
					   GTF_writing, "flags while the domU maps it");
		test_check((long)frame_word0(mfn), 0xd0e, "what the domU wrote");
		test_check(mm_check_frames(), 0, "frame-table check, mapped by the domU");
		mb->dom0_step = S_REV_CHECKED;
		WAIT(mb->domu_step, S_REV_UNMAPPED);
		test_check(gt_flags(ref), GTF_permit_access, "flags after the unmaps");
		test_check(gt_end(ref), 1, "end access");
		return;
	}
	WAIT(mb->dom0_step, S_REV_OFFERED);
	EXPECT((a = gt_fresh_page()) && (b = gt_fresh_page()), "pages");
	EXPECT((mine = pool_alloc(true)), "frame");
	EXPECT_EQ(gt_map(gt_peer(), mb->dom0_ref, GNTMAP_host_map, gt_page_va(a),
			 &hw, NULL), GNTST_okay, "map dom0's grant");
	EXPECT_EQ(gt_map(gt_peer(), mb->dom0_ref,
			 GNTMAP_host_map | GNTMAP_readonly, gt_page_va(b), &hr,
			 NULL), GNTST_okay, "and read-only");
	test_check((long)scratch_pte(&mm_scratch, b),
		   (long)gt_expected_pte(pte_mfn(scratch_pte(&mm_scratch, a)),
					 GNTMAP_host_map | GNTMAP_readonly),
		   "the read-only PTE");
	EXPECT(va_has_pattern(gt_page_va(b), 0x60), "dom0's frame");
	{
		struct gnttab_copy c = {
			.source = { .u.ref = mb->dom0_ref, .domid = gt_peer() },
			.dest = { .u.gmfn = pfn_mfn(mine), .domid = DOMID_SELF },
			.len = 4096, .flags = GNTCOPY_source_gref, .status = 0x7777 };

		EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_copy,
						    (unsigned long)&c, 1), 0, "copy");
		test_check(c.status, GNTST_okay, "copy out of dom0's grant");
		test_check(frame_has(pfn_mfn(mine), 0x60), 1, "the copy");
	}
	*(volatile uint64_t *)gt_page_va(a) = 0xd0e;
	mb->domu_step = S_REV_MAPPED;
	WAIT(mb->dom0_step, S_REV_CHECKED);
	test_check(gt_unmap(hr, gt_page_va(b), 0), GNTST_okay, "unmap read-only");
	test_check(gt_unmap(hw, gt_page_va(a), 0), GNTST_okay, "unmap writable");
	pool_free(mine);
	mb->domu_step = S_REV_UNMAPPED;
}

/* dom0 copies into and out of the domU's grant. */
void case_gnttab_peer_copy(void)
{
	struct gt_mailbox *mb;
	unsigned long mfn, mine;
	const grant_ref_t ref = 70;

	PEER_BEGIN(mb);
	if (!guest_privileged()) {
		EXPECT((mfn = gt_pattern_frame(0x70)), "frame");
		gt_grant(ref, gt_peer(), mfn, GTF_permit_access);
		mb->domu_ref = ref;
		mb->domu_mfn = mfn;
		mb->domu_step = S_COPY_OFFERED;
		WAIT(mb->dom0_step, S_COPY_DONE);
		test_check((long)frame_word0(mfn), (long)pattern_word(0x71, 0),
			   "what dom0 copied in");
		test_check(gt_flags(ref), GTF_permit_access, "flags after the copies");
		gt_end(ref);
		return;
	}
	WAIT(mb->domu_step, S_COPY_OFFERED);
	EXPECT((mine = gt_pattern_frame(0x71)), "frame");
	{
		struct gnttab_copy c[3] = {
			{ .source = { .u.gmfn = mine, .domid = DOMID_SELF },
			  .dest = { .u.ref = mb->domu_ref, .domid = gt_peer() },
			  .len = 8, .flags = GNTCOPY_dest_gref, .status = 0x7777 },
			{ .source = { .u.ref = mb->domu_ref, .domid = gt_peer(),
				      .offset = 8 },
			  .dest = { .u.gmfn = mine, .domid = DOMID_SELF, .offset = 8 },
			  .len = 4088, .flags = GNTCOPY_source_gref, .status = 0x7777 },
			{ .source = { .u.gmfn = mb->domu_mfn, .domid = gt_peer() },
			  .dest = { .u.gmfn = mine, .domid = DOMID_SELF },
			  .len = 8, .status = 0x7777 },
		};

		EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_copy,
						    (unsigned long)c, 3), 0, "copy");
		test_check(c[0].status, GNTST_okay, "copy into the domU's grant");
		test_check(c[1].status, GNTST_okay, "copy out of the domU's grant");
		test_check(c[2].status, GNTST_permission_denied,
			   "the domU's frame by number");
	}
	test_check((long)frame_word0(mine), (long)pattern_word(0x71, 0),
		   "our first word");
	{
		const volatile uint64_t *p = win_map(3, mine, DATA_RO);
		unsigned int i, bad = 0;

		EXPECT(p, "window");
		for (i = 1; i < 512; i++)
			bad += p[i] != pattern_word(0x70, i);
		win_unmap(3);
		test_check(bad, 0, "words copied out that differ");
	}
	pool_free(m2p_read(mine));
	mb->dom0_step = S_COPY_DONE;
}

/* increase_reservation of single frames until the domain is full. */
static void fill_reservation(void)
{
	xen_pfn_t f;

	while (mm_reservation_op(XENMEM_increase_reservation, &f, 1, 0) == 1)
		;
}

static int16_t transfer1(unsigned long mfn, domid_t dom, grant_ref_t ref)
{
	struct gnttab_transfer t = { .mfn = mfn, .domid = dom, .ref = ref,
				     .status = 0x7777 };
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_transfer, (unsigned long)&t, 1);

	return rc ? GT_HCALL_FAILED(rc) : t.status;
}

/* Check the frame that came through accept_transfer entry ref into pfn. */
static void check_received(grant_ref_t ref, unsigned long pfn, uint64_t seed)
{
	unsigned long mfn;

	test_check(gt_flags(ref), GTF_accept_transfer | GTF_transfer_committed |
				   GTF_transfer_completed, "flags of the entry");
	mfn = gt.e[ref].frame;
	test_check(m2p_read(mfn), (long)pfn, "the new frame's M2P entry");
	mm_p2m()[pfn] = mfn;
	test_check(mm_mfn_is_ours(mfn), 1, "the frame is ours now");
	test_check(frame_has(mfn, seed), 1, "its contents came along");
}

/*
 * Page flipping: dom0 flips a frame to a full domU (refused: dom0 loses the
 * frame); the domU flips one to dom0; dom0 flips one back into the room
 * that made.
 */
void case_gnttab_peer_transfer(void)
{
	struct gt_mailbox *mb;
	unsigned long pfn, mfn;
	long before;

	PEER_BEGIN(mb);
	if (!guest_privileged()) {
		/* The first frame is lost to a bad ref; its pfn takes dom0's. */
		unsigned long slot = pool_alloc(false);

		EXPECT(slot && frame_fill(pfn_mfn(slot), 0x7f) &&
			       (pfn = pool_alloc(false)) &&
			       frame_fill(mfn = pfn_mfn(pfn), 0x80), "frames");
		fill_reservation();
		before = mm_reservation(XENMEM_current_reservation);
		gt_grant(81, gt_peer(), slot, GTF_accept_transfer);
		mb->domu_ref = 81;
		mb->domu_step = S_FLIP_OFFERED;
		WAIT(mb->dom0_step, S_FLIP_REFUSED);
		test_check(gt_flags(81), GTF_accept_transfer,
			   "a refused transfer leaves the entry alone");
		test_check(mm_reservation(XENMEM_current_reservation), before,
			   "reservation after the refusal");
		test_check(transfer1(pfn_mfn(slot), gt_peer(), mb->dom0_ref + 1),
			   GNTST_general_error, "to a ref dom0 did not offer");
		EXPECT_EQ(transfer1(mfn, gt_peer(), mb->dom0_ref), GNTST_okay,
			  "transfer a frame to dom0");
		test_check(mm_reservation(XENMEM_current_reservation), before - 2,
			   "reservation: two frames gone");
		mb->domu_step = S_FLIP_TO_DOM0;
		WAIT(mb->dom0_step, S_FLIP_TO_DOMU);
		check_received(81, slot, 0x82);
		test_check(mm_reservation(XENMEM_current_reservation), before - 1,
			   "reservation after receiving one");
		gt.e[81].flags = 0;
		mb->domu_step = S_FLIP_DONE;
		return;
	}
	WAIT(mb->domu_step, S_FLIP_OFFERED);
	EXPECT((pfn = pool_alloc(false)) && frame_fill(mfn = pfn_mfn(pfn), 0x81),
	       "frame");
	before = mm_reservation(XENMEM_current_reservation);
	test_check(transfer1(mfn, gt_peer(), mb->domu_ref), GNTST_general_error,
		   "transfer to a full domain");
	test_check(mm_reservation(XENMEM_current_reservation), before - 1,
		   "our reservation: the frame is lost");
	gt_grant(80, gt_peer(), pfn, GTF_accept_transfer);	/* its old pfn */
	mb->dom0_ref = 80;
	mb->dom0_step = S_FLIP_REFUSED;
	WAIT(mb->domu_step, S_FLIP_TO_DOM0);
	check_received(80, pfn, 0x80);
	test_check(mm_reservation(XENMEM_current_reservation), before,
		   "our reservation after receiving");
	gt.e[80].flags = 0;
	EXPECT((pfn = pool_alloc(false)) && frame_fill(mfn = pfn_mfn(pfn), 0x82),
	       "frame");
	EXPECT_EQ(transfer1(mfn, gt_peer(), mb->domu_ref), GNTST_okay,
		  "transfer into the room the domU made");
	mb->dom0_step = S_FLIP_TO_DOMU;
	WAIT(mb->domu_step, S_FLIP_DONE);
}

/* What an unprivileged domain may not do to dom0's table (dom0: may). */
void case_gnttab_peer_rights(void)
{
	struct gnttab_query_size q = { .dom = 0, .status = 0x7777 };
	struct gnttab_setup_table s = { .dom = 0, .nr_frames = 1,
					.status = 0x7777 };
	struct gnttab_get_version g = { .dom = 0 };
	xen_pfn_t f;
	struct gt_mailbox *mb;
	bool priv = guest_privileged();

	PEER_BEGIN(mb);
	(void)mb;
	q.dom = s.dom = g.dom = gt_peer();
	set_xen_guest_handle(s.frame_list, &f);
	EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size,
					    (unsigned long)&q, 1), 0, "query_size");
	test_check(q.status, priv ? GNTST_okay : GNTST_permission_denied,
		   "query_size of the peer");
	if (priv)
		test_check(q.nr_frames, GT_FRAMES, "the peer's frames");
	EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table,
					    (unsigned long)&s, 1), 0, "setup_table");
	test_check(s.status, priv ? GNTST_okay : GNTST_permission_denied,
		   "setup_table of the peer");
	test_check(HYPERVISOR_grant_table_op(GNTTABOP_get_version,
					     (unsigned long)&g, 1),
		   priv ? 0 : -XEN_EPERM, "get_version of the peer");
	if (!priv)
		test_check(gt_map(gt_peer(), 7, GNTMAP_host_map | GNTMAP_readonly,
				  0, NULL, NULL),
			   GNTST_general_error, "a dom0 ref not granted to us");
}

/*
 * Last: each maps the other's grant, then the domU ends (its suite is
 * over).  Its teardown releases dom0's grant; its own frame stays, and
 * stays readable, until dom0 unmaps it; then the domU is gone.
 */
void case_gnttab_peer_ends_while_mapped(void)
{
	struct gt_mailbox *mb;
	unsigned long mfn, a, n;
	grant_handle_t h;
	long r;

	PEER_BEGIN(mb);
	EXPECT((mfn = gt_pattern_frame(0x90)), "frame");
	EXPECT((a = gt_fresh_page()), "page");
	if (!guest_privileged()) {
		gt_grant(90, gt_peer(), mfn, GTF_permit_access);
		mb->domu_ref = 90;
		mb->domu_step = S_END_OFFERED;
		WAIT(mb->dom0_step, S_END_OFFERED);
		EXPECT_EQ(gt_map(gt_peer(), mb->dom0_ref, GNTMAP_host_map,
				 gt_page_va(a), &h, NULL), GNTST_okay,
			  "map dom0's grant");
		EXPECT(va_has_pattern(gt_page_va(a), 0x90), "dom0's frame");
		mb->domu_step = S_END_MAPPED;
		return;		/* and the domain ends, both mappings in place */
	}
	WAIT(mb->domu_step, S_END_OFFERED);
	EXPECT_EQ(gt_map(gt_peer(), mb->domu_ref, GNTMAP_host_map, gt_page_va(a),
			 &h, NULL), GNTST_okay, "map the domU's grant");
	gt_grant(91, gt_peer(), mfn, GTF_permit_access);
	mb->dom0_ref = 91;
	mb->dom0_step = S_END_OFFERED;
	WAIT(mb->domu_step, S_END_MAPPED);
	/* Its teardown: until only the frames we map are left (this and the mailbox). */
	for (n = 0; n < 2000000 && (r = reservation_of(gt_peer())) > 2; n++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	test_check(r, 2, "the ended domU's frames: the two we map");
	test_check(gt_flags(91), GTF_permit_access,
		   "our grant, released by the domU's teardown");
	test_check(gt_end(91), 1, "end access");
	test_check(va_has_pattern(gt_page_va(a), 0x90), 1, "the dead domU's frame");
	test_check(mm_check_frames(), 0, "frame-table check, the dead domU's frames mapped");
	test_check(mb->domu_step, S_END_MAPPED, "the dead domU's mailbox");
	test_check(gt_unmap(h, gt_page_va(a), 0), GNTST_okay, "unmap its frame");
	test_check(reservation_of(gt_peer()), 1, "the domU's frames left");
	test_check(gt_mailbox_release(), GNTST_okay, "unmap the mailbox");
	test_check(reservation_of(gt_peer()), -XEN_ESRCH, "the domU is gone");
}
