// SPDX-License-Identifier: MIT
/*
 * gnttab suite, the table itself: query_size before and after setup_table,
 * setup_table's limits and bad frame lists, the version operations
 * (version 2 answered as Xen answers a domain limited to version 1), the
 * v1 answer of get_status_frames, and hostile commands, counts and
 * pointers.  Expectations are Xen 4.17's (docs/test-guest.md).
 */
#include <xen/errno.h>

#include <guest/gnttab.h>
#include <guest/lib.h>
#include <guest/test.h>

/* An address no guest may name (the hypervisor's L4 slots), and an unmapped one. */
#define HYP_ADDR 0xffff800000001000UL
#define UNMAPPED_ADDR 0x1000UL
#define NO_SUCH_DOMAIN 0x7000

static long gnttab_op(unsigned int cmd, const void *uop, unsigned long count)
{
	return HYPERVISOR_grant_table_op(cmd, (unsigned long)uop, count);
}

static long query_size(domid_t dom, struct gnttab_query_size *q)
{
	*q = (struct gnttab_query_size){ .dom = dom, .nr_frames = ~0u,
					 .max_nr_frames = ~0u, .status = 0x7777 };
	return gnttab_op(GNTTABOP_query_size, q, 1);
}

/* The first case of the suite: before anything set the table up. */
void case_gnttab_query_size(void)
{
	struct gnttab_query_size q;

	EXPECT_EQ(query_size(DOMID_SELF, &q), 0, "query_size(DOMID_SELF)");
	EXPECT_EQ(q.status, GNTST_okay, "query_size status");
	TEST_NOTE("grant table: %u frames, at most %u\n", q.nr_frames,
		  q.max_nr_frames);
	test_check(q.nr_frames, 1, "frames before setup_table");
	test_check(q.max_nr_frames, 64, "most frames (Xen's default)");
	EXPECT_EQ(query_size(gt_self(), &q), 0, "query_size(own id)");
	test_check(q.status, GNTST_okay, "query_size(own id) status");
	EXPECT_EQ(query_size(NO_SUCH_DOMAIN, &q), 0, "query_size(no such domain)");
	test_check(q.status, GNTST_bad_domain, "query_size(no such domain) status");
	test_check(gnttab_op(GNTTABOP_query_size, &q, 0), -XEN_EINVAL,
		   "query_size count 0");
	test_check(gnttab_op(GNTTABOP_query_size, &q, 2), -XEN_EINVAL,
		   "query_size count 2");
	test_check(gnttab_op(GNTTABOP_query_size, (void *)HYP_ADDR, 1),
		   -XEN_EFAULT, "query_size at a hypervisor address");
	test_check(gnttab_op(GNTTABOP_query_size, (void *)UNMAPPED_ADDR, 1),
		   -XEN_EFAULT, "query_size at an unmapped address");
}

static long setup(domid_t dom, uint32_t nr, unsigned long list, int16_t *status)
{
	struct gnttab_setup_table s = { .dom = dom, .nr_frames = nr,
					.status = 0x7777 };
	long rc;

	s.frame_list.p = (xen_pfn_t *)list;
	rc = gnttab_op(GNTTABOP_setup_table, &s, 1);
	*status = s.status;
	return rc;
}

void case_gnttab_setup_table(void)
{
	struct gnttab_query_size q;
	xen_pfn_t frames[4];
	unsigned int i, j;
	int16_t st;

	EXPECT(gt_init(), "setup_table");
	for (i = 0; i < GT_FRAMES; i++) {
		test_check(m2p_read(gt.mfn[i]), (long)M2P_INVALID,
			   "M2P entry of a grant frame");
		for (j = 0; j < i; j++)
			EXPECT(gt.mfn[i] != gt.mfn[j], "frames %u and %u are one",
			       j, i);
	}
	for (i = 0; i < GT_ENTRIES; i++)
		EXPECT(!gt.e[i].flags && !gt.e[i].domid && !gt.e[i].frame,
		       "entry %u is not empty", i);
	EXPECT_EQ(query_size(DOMID_SELF, &q), 0, "query_size");
	test_check(q.nr_frames, GT_FRAMES, "frames after setup_table");
	/* Fewer frames: the first ones again; the table does not shrink. */
	EXPECT_EQ(setup(DOMID_SELF, 2, (unsigned long)frames, &st), 0, "setup 2");
	test_check(st, GNTST_okay, "setup 2 status");
	test_check(frames[0], gt.mfn[0], "first frame again");
	test_check(frames[1], gt.mfn[1], "second frame again");
	EXPECT_EQ(query_size(DOMID_SELF, &q), 0, "query_size");
	test_check(q.nr_frames, GT_FRAMES, "frames after a smaller setup");
	test_check(setup(DOMID_SELF, 0, 0, &st), 0, "setup 0 frames");
	test_check(st, GNTST_okay, "setup 0 frames status");
	test_check(setup(DOMID_SELF, 65, (unsigned long)frames, &st), 0,
		   "setup 65 frames");
	test_check(st, GNTST_general_error, "setup beyond the limit: status");
	test_check(setup(gt_self(), 1, (unsigned long)frames, &st), 0,
		   "setup naming our own id");
	test_check(st, GNTST_okay, "setup naming our own id: status");
	test_check(setup(NO_SUCH_DOMAIN, 1, (unsigned long)frames, &st), 0,
		   "setup for no such domain");
	test_check(st, GNTST_bad_domain, "setup for no such domain: status");
	test_check(setup(DOMID_SELF, 1, UNMAPPED_ADDR, &st), 0,
		   "setup, frame list unmapped");
	test_check(st, GNTST_bad_virt_addr, "setup, frame list unmapped: status");
	test_check(setup(DOMID_SELF, 1, HYP_ADDR, &st), -XEN_EFAULT,
		   "setup, frame list in the hypervisor");
	test_check(gnttab_op(GNTTABOP_setup_table, frames, 2), -XEN_EINVAL,
		   "setup_table count 2");
	test_check(gnttab_op(GNTTABOP_setup_table, (void *)UNMAPPED_ADDR, 1),
		   -XEN_EFAULT, "setup_table at an unmapped address");
}

static long set_version(uint32_t v, uint32_t *back)
{
	struct gnttab_set_version s = { .version = v };
	long rc = gnttab_op(GNTTABOP_set_version, &s, 1);

	*back = s.version;
	return rc;
}

static long get_version(domid_t dom, uint32_t *v)
{
	struct gnttab_get_version g = { .dom = dom, .version = 0x7777 };
	long rc = gnttab_op(GNTTABOP_get_version, &g, 1);

	*v = g.version;
	return rc;
}

/*
 * Koan has version 1 only.  Asked for version 2 it answers what Xen answers
 * a domain whose toolstack allowed only version 1 (Xen booted with
 * gnttab=max-ver:1 here): -ENOSYS, and the version stays 1.
 */
void case_gnttab_version(void)
{
	uint32_t v;

	EXPECT(gt_init(), "setup_table");
	test_check(get_version(DOMID_SELF, &v), 0, "get_version(DOMID_SELF)");
	test_check(v, 1, "version");
	test_check(get_version(gt_self(), &v), 0, "get_version(own id)");
	test_check(v, 1, "version (own id)");
	test_check(get_version(NO_SUCH_DOMAIN, &v), -XEN_ESRCH,
		   "get_version(no such domain)");
	test_check(set_version(1, &v), 0, "set_version(1)");
	test_check(v, 1, "version after set_version(1)");
	test_check(set_version(0, &v), -XEN_EINVAL, "set_version(0)");
	test_check(v, 1, "version written back after set_version(0)");
	test_check(set_version(3, &v), -XEN_EINVAL, "set_version(3)");
	test_check(set_version(2, &v), -XEN_ENOSYS, "set_version(2)");
	test_check(v, 1, "version written back after set_version(2)");
	test_check(get_version(DOMID_SELF, &v), 0, "get_version again");
	test_check(v, 1, "version still 1");
	test_check(gnttab_op(GNTTABOP_get_version, (void *)HYP_ADDR, 1),
		   -XEN_EFAULT, "get_version at a hypervisor address");
	test_check(gnttab_op(GNTTABOP_set_version, (void *)UNMAPPED_ADDR, 1),
		   -XEN_EFAULT, "set_version at an unmapped address");
}

/* A version-1 table has no status frames. */
void case_gnttab_status_frames(void)
{
	uint64_t list[2];
	struct gnttab_get_status_frames g = { .dom = DOMID_SELF, .nr_frames = 1,
					      .status = 0x7777 };

	EXPECT(gt_init(), "setup_table");
	set_xen_guest_handle(g.frame_list, list);
	test_check(gnttab_op(GNTTABOP_get_status_frames, &g, 1), 0,
		   "get_status_frames(1)");
	test_check(g.status, GNTST_general_error, "one status frame: status");
	g.nr_frames = 0;
	g.status = 0x7777;
	test_check(gnttab_op(GNTTABOP_get_status_frames, &g, 1), 0,
		   "get_status_frames(0)");
	test_check(g.status, GNTST_okay, "no status frame: status");
	g.dom = NO_SUCH_DOMAIN;
	test_check(gnttab_op(GNTTABOP_get_status_frames, &g, 1), 0,
		   "get_status_frames(no such domain)");
	test_check(g.status, GNTST_bad_domain, "no such domain: status");
	test_check(gnttab_op(GNTTABOP_get_status_frames, &g, 2), -XEN_EINVAL,
		   "get_status_frames count 2");
}

/* Commands Xen does not have, the continuation bits, counts. */
void case_gnttab_bad_commands(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };

	EXPECT(gt_init(), "setup_table");
	test_check(gnttab_op(GNTTABOP_dump_table, &q, 1), -XEN_ENOSYS,
		   "dump_table (gone from Xen)");
	test_check(gnttab_op(13, &q, 1), -XEN_ENOSYS, "command 13");
	test_check(gnttab_op(0xfff, &q, 1), -XEN_ENOSYS, "command 0xfff");
	test_check(gnttab_op((1u << 12) | GNTTABOP_query_size, &q, 1),
		   -XEN_EINVAL, "query_size with continuation bits");
	test_check(gnttab_op((1u << 12) | GNTTABOP_map_grant_ref, &q, 1),
		   -XEN_EINVAL, "map_grant_ref with continuation bits");
	/* Command and count are 32-bit: the upper halves are ignored. */
	test_check(HYPERVISOR_grant_table_op((1UL << 32) | GNTTABOP_query_size,
					     (unsigned long)&q, 1), 0,
		   "query_size, upper half of the command set");
	test_check(HYPERVISOR_grant_table_op(GNTTABOP_query_size,
					     (unsigned long)&q, (1UL << 32) | 1),
		   0, "query_size, count 1 with the upper half set");
	test_check(gnttab_op(GNTTABOP_map_grant_ref, &q, 0x80000000UL),
		   -XEN_EINVAL, "map_grant_ref, count 2^31");
	test_check(gnttab_op(GNTTABOP_map_grant_ref, &q, 1UL << 32), 0,
		   "map_grant_ref, count 2^32 (0)");
	test_check(gnttab_op(GNTTABOP_map_grant_ref, (void *)HYP_ADDR, 0),
		   -XEN_EFAULT, "map_grant_ref of none at a hypervisor address");
	test_check(gnttab_op(GNTTABOP_unmap_grant_ref, (void *)HYP_ADDR, 1),
		   -XEN_EFAULT, "unmap_grant_ref at a hypervisor address");
	test_check(gnttab_op(GNTTABOP_copy, (void *)UNMAPPED_ADDR, 1),
		   -XEN_EFAULT, "copy at an unmapped address");
	test_check(gnttab_op(GNTTABOP_transfer, (void *)UNMAPPED_ADDR, 1),
		   -XEN_EFAULT, "transfer at an unmapped address");
	test_check(gnttab_op(GNTTABOP_map_grant_ref, (void *)0x0000800000000000UL, 1),
		   -XEN_EFAULT, "map_grant_ref at a non-canonical address");
}

static int16_t swap(grant_ref_t a, grant_ref_t b)
{
	struct gnttab_swap_grant_ref op = { .ref_a = a, .ref_b = b,
					    .status = 0x7777 };
	long rc = gnttab_op(GNTTABOP_swap_grant_ref, &op, 1);

	return rc ? GT_HCALL_FAILED(rc) : op.status;
}

/* swap_grant_ref: two entries of our table trade places unless one is pinned. */
void case_gnttab_swap_grant_ref(void)
{
	unsigned long idx;
	grant_handle_t h;

	EXPECT(gt_init(), "setup_table");
	EXPECT((idx = scratch_take(1)) && scratch_ensure(&mm_scratch, idx), "page");
	gt_grant(100, 0x11, 0x1111, GTF_permit_access);
	gt_grant(101, 0x22, 0x2222, GTF_permit_access | GTF_readonly);
	test_check(swap(100, 101), GNTST_okay, "swap");
	test_check(gt.e[100].domid, 0x22, "entry 100 domid");
	test_check(gt.e[100].frame, 0x2222, "entry 100 frame");
	test_check(gt.e[100].flags, GTF_permit_access | GTF_readonly, "entry 100 flags");
	test_check(gt.e[101].frame, 0x1111, "entry 101 frame");
	test_check(swap(100, 100), GNTST_okay, "swap with itself");
	test_check(gt.e[100].frame, 0x2222, "unchanged");
	test_check(swap(100, GT_ENTRIES), GNTST_bad_gntref, "second ref past the table");
	test_check(swap(~0u, 100), GNTST_bad_gntref, "first ref ~0");
	test_check(swap(GT_ENTRIES, GT_ENTRIES), GNTST_bad_gntref,
		   "the same ref past the table");
	gt_grant(102, gt_self(), pfn_mfn(mm.window_pfn + 13), GTF_permit_access);
	EXPECT_EQ(gt_map(gt_self(), 102, GNTMAP_host_map | GNTMAP_readonly,
			 scratch_va(&mm_scratch, idx), &h, NULL), GNTST_okay, "map 102");
	test_check(swap(101, 102), GNTST_eagain, "swap with a pinned entry");
	test_check(swap(102, 101), GNTST_eagain, "swap a pinned entry");
	test_check(gt_unmap(h, scratch_va(&mm_scratch, idx), 0), GNTST_okay, "unmap");
	test_check(swap(101, 102), GNTST_okay, "swap once unpinned");
	test_check(gt.e[101].frame, pfn_mfn(mm.window_pfn + 13), "entry 101 frame");
	gt.e[100].flags = gt.e[101].flags = gt.e[102].flags = 0;
}
