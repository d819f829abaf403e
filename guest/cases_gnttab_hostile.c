// SPDX-License-Identifier: MIT
/*
 * gnttab suite, hostile mappings: references out of range, flags the
 * granter never gave, other domains' ids, frames the granter does not own
 * or uses as page tables, bad host addresses, a granter that revokes or
 * changes a grant while it is mapped, batches (with a failing entry, one
 * the hypercall cannot read, a long one continued), and running out of
 * map handles.  Expectations are Xen 4.17's (docs/test-guest.md).
 */
#include <xen/errno.h>

#include <guest/gnttab.h>
#include <guest/lib.h>
#include <guest/test.h>

#define HOST_RW GNTMAP_host_map
#define NO_SUCH_DOMAIN 0x7000

/* Map ref at scratch page idx as flags, unmap it again if that worked. */
static int16_t try_map(domid_t dom, grant_ref_t ref, uint32_t flags,
		       unsigned long idx)
{
	grant_handle_t h;
	int16_t st = gt_map(dom, ref, flags, gt_page_va(idx), &h, NULL);

	if (st == GNTST_okay && gt_unmap(h, gt_page_va(idx), 0) != GNTST_okay)
		test_fail("unmapping ref %u again", ref);
	return st;
}

void case_gnttab_map_bad_refs(void)
{
	static const struct { const char *what; uint16_t flags; } bad[] = {
		{ "GTF_invalid", GTF_invalid },
		{ "readonly without permit_access", GTF_readonly },
		{ "accept_transfer", GTF_accept_transfer },
		{ "transitive (v2 only)", GTF_transitive },
		{ "permit_access with sub_page", GTF_permit_access | GTF_sub_page },
	};
	unsigned long mfn, a;
	unsigned int i;
	const grant_ref_t ref = 20;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0x20)), "frame");
	EXPECT((a = gt_fresh_page()), "page");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	test_check(try_map(gt_self(), GT_ENTRIES, HOST_RW, a), GNTST_bad_gntref,
		   "ref one past the table");
	test_check(try_map(gt_self(), ~0u, HOST_RW, a), GNTST_bad_gntref, "ref ~0");
	test_check(try_map(gt_self(), ref, 0, a), GNTST_bad_gntref,
		   "neither host nor device map");
	test_check(try_map(gt_self(), ref, GNTMAP_readonly, a), GNTST_bad_gntref,
		   "read-only, neither host nor device map");
	test_check(try_map(NO_SUCH_DOMAIN, ref, HOST_RW, a), GNTST_bad_domain,
		   "no such domain");
	test_check(try_map(DOMID_SELF, ref, HOST_RW, a), GNTST_bad_domain,
		   "DOMID_SELF (map wants a real id)");
	test_check(gt_flags(ref), GTF_permit_access, "flags untouched so far");
	gt_grant(ref, gt_self() + 5, mfn, GTF_permit_access);
	test_check(try_map(gt_self(), ref, HOST_RW, a), GNTST_general_error,
		   "granted to another domain");
	test_check(gt_flags(ref), GTF_permit_access, "flags after the refusal");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gt_grant(ref, gt_self(), mfn, bad[i].flags);
		test_check(try_map(gt_self(), ref, HOST_RW, a), GNTST_general_error,
			   bad[i].what);
		test_check(gt_flags(ref), bad[i].flags, "flags after the refusal");
	}
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	test_check(gt_map(gt_self(), ref, HOST_RW, 0xffff800000001000UL, NULL,
			  NULL), GNTST_general_error, "host address in the hypervisor");
	test_check(gt_map(gt_self(), ref, HOST_RW, 0x0000800000000000UL, NULL,
			  NULL), GNTST_general_error, "non-canonical host address");
	test_check(gt_map(gt_self(), ref, HOST_RW, 0x7ff000000000UL, NULL,
			  NULL), GNTST_general_error, "host address with no L1");
	test_check(gt_flags(ref), GTF_permit_access, "flags after every refusal");
	test_check(try_map(gt_self(), ref, HOST_RW, a), GNTST_okay,
		   "and the good grant maps");
	gt_end(ref);
	pool_free(m2p_read(mfn));
}

/* The first mfn from `from` up that is not ours (below max_ram_page). */
static unsigned long unowned_mfn(unsigned long from)
{
	unsigned long mfn;

	for (mfn = from; mfn < mm.max_ram_page; mfn++)
		if (!mm_mfn_is_ours(mfn) && m2p_read(mfn) == M2P_INVALID)
			return mfn;
	return 0;
}

/* Granting what is not ours, or what is a page table of ours. */
void case_gnttab_grant_bad_frames(void)
{
	unsigned long a, other, l1;
	const grant_ref_t ref = 21;

	GT_BEGIN();
	EXPECT((a = gt_fresh_page()), "page");
	EXPECT((other = unowned_mfn(0x1000)), "a frame that is not ours");
	gt_grant(ref, gt_self(), other, GTF_permit_access);
	test_check(try_map(gt_self(), ref, HOST_RW, a), GNTST_bad_page,
		   "a frame we do not own");
	test_check(gt_flags(ref), GTF_permit_access, "flags after bad_page");
	gt_grant(ref, gt_self(), other, GTF_permit_access | GTF_readonly);
	test_check(try_map(gt_self(), ref, HOST_RW | GNTMAP_readonly, a),
		   GNTST_bad_page, "a frame we do not own, read-only");
	gt_grant(ref, gt_self(), mm.max_ram_page + 10, GTF_permit_access);
	test_check(try_map(gt_self(), ref, HOST_RW, a), GNTST_bad_page,
		   "a frame beyond RAM");
	/* A pinned L1 of ours: not writable, readable. */
	EXPECT((l1 = pool_alloc(true)), "table frame");
	EXPECT_EQ(pin_table(1, pfn_mfn(l1)), 0, "pin an L1");
	gt_grant(ref, gt_self(), pfn_mfn(l1), GTF_permit_access);
	test_check(try_map(gt_self(), ref, HOST_RW, a), GNTST_general_error,
		   "writable mapping of a pinned L1");
	test_check(gt_flags(ref), GTF_permit_access, "flags after the refusal");
	test_check(try_map(gt_self(), ref, HOST_RW | GNTMAP_readonly, a),
		   GNTST_okay, "read-only mapping of a pinned L1");
	test_check(try_map(gt_self(), ref, GNTMAP_device_map, a),
		   GNTST_general_error, "writable device mapping of a pinned L1");
	gt_grant(ref, gt_self(), mm.l4_mfn, GTF_permit_access);
	test_check(try_map(gt_self(), ref, HOST_RW, a), GNTST_general_error,
		   "writable mapping of our L4");
	gt_end(ref);
	EXPECT_EQ(unpin_table(pfn_mfn(l1)), 0, "unpin");
	pool_free(l1);
}

/*
 * The granter takes a grant back while it is mapped: it can see that it
 * cannot (GTF_reading/GTF_writing), and if it clears the entry anyway the
 * mapping stays valid until unmapped; a changed frame does not change
 * what an already-pinned grant maps.
 */
void case_gnttab_revoke_while_mapped(void)
{
	unsigned long mfn, mfn2, a, b;
	grant_handle_t h1, h2;
	const grant_ref_t ref = 22;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0x22)) && (mfn2 = gt_pattern_frame(0x23)),
	       "frames");
	EXPECT((a = gt_fresh_page()) && (b = gt_fresh_page()), "pages");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RW, gt_page_va(a), &h1, NULL),
		  GNTST_okay, "map");
	test_check(gt_end(ref), 0, "end access while mapped");
	/* Hostile: clear the entry anyway, and point it at another frame. */
	gt.e[ref].flags = 0;
	gt.e[ref].frame = (uint32_t)mfn2;
	test_check(*(volatile uint64_t *)gt_page_va(a), (long)pattern_word(0x22, 0),
		   "the mapping after the entry was cleared");
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RW, gt_page_va(b), &h2, NULL),
		  GNTST_okay, "map again (the grant is still pinned)");
	test_check(*(volatile uint64_t *)gt_page_va(b), (long)pattern_word(0x22, 0),
		   "the second mapping shows the pinned frame, not the new one");
	test_check(gt_flags(ref), 0, "flags: nothing set again");
	test_check(gt_unmap(h1, gt_page_va(a), 0), GNTST_okay, "unmap the first");
	test_check(gt_unmap(h2, gt_page_va(b), 0), GNTST_okay, "unmap the second");
	test_check(gt_flags(ref), 0, "flags after both unmaps");
	test_check(gt_map(gt_self(), ref, HOST_RW, gt_page_va(a), &h1, NULL),
		   GNTST_general_error, "map the revoked grant");
	/* Granted again for the other frame: that is what maps now. */
	gt_grant(ref, gt_self(), mfn2, GTF_permit_access);
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RW, gt_page_va(a), &h1, NULL),
		  GNTST_okay, "map the new grant");
	test_check(*(volatile uint64_t *)gt_page_va(a), (long)pattern_word(0x23, 0),
		   "the new grant's frame");
	/* Read-only set while mapped writable: the mapping stays writable. */
	gt.e[ref].flags = GTF_permit_access | GTF_readonly | GTF_reading |
			  GTF_writing;
	*(volatile uint64_t *)gt_page_va(a) = 0x5eed;
	test_check(gt_map(gt_self(), ref, HOST_RW, gt_page_va(b), &h2, NULL),
		   GNTST_okay, "map writable again while pinned writable");
	test_check(gt_unmap(h2, gt_page_va(b), 0), GNTST_okay, "unmap it");
	test_check(gt_unmap(h1, gt_page_va(a), 0), GNTST_okay, "unmap");
	test_check(gt_flags(ref), GTF_permit_access | GTF_readonly,
		   "flags after unmapping");
	gt_end(ref);
	pool_free(m2p_read(mfn));
	pool_free(m2p_read(mfn2));
}

/* A batch with a bad entry in the middle, and one that ends unreadable. */
void case_gnttab_batches(void)
{
	struct gnttab_map_grant_ref m[3];
	struct gnttab_unmap_grant_ref u[3];
	unsigned long mfn, a[3], edge;
	unsigned int i;
	const grant_ref_t ref = 23;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0x23)), "frame");
	for (i = 0; i < 3; i++)
		EXPECT((a[i] = gt_fresh_page()), "page");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	for (i = 0; i < 3; i++)
		m[i] = (struct gnttab_map_grant_ref){
			.host_addr = gt_page_va(a[i]), .flags = HOST_RW,
			.ref = i == 1 ? GT_ENTRIES + 1 : ref, .dom = gt_self(),
			.status = 0x7777 };
	EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref,
					    (unsigned long)m, 3), 0, "map 3");
	test_check(m[0].status, GNTST_okay, "entry 0");
	test_check(m[1].status, GNTST_bad_gntref, "entry 1");
	test_check(m[2].status, GNTST_okay, "entry 2");
	for (i = 0; i < 3; i++)
		u[i] = (struct gnttab_unmap_grant_ref){
			.host_addr = gt_page_va(a[i]), .handle = m[i].handle,
			.status = 0x7777 };
	u[1].handle = 0x7ffffff0;
	EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref,
					    (unsigned long)u, 3), 0, "unmap 3");
	test_check(u[0].status, GNTST_okay, "unmap entry 0");
	test_check(u[1].status, GNTST_bad_handle, "unmap entry 1");
	test_check(u[2].status, GNTST_okay, "unmap entry 2");
	test_check(gt_flags(ref), GTF_permit_access, "flags after the batch");
	/* Entry 0 at the end of a mapped page, entry 1 on an unmapped one. */
	EXPECT((edge = gt_fresh_page()) && gt_fresh_page(), "two pages");
	EXPECT_EQ(scratch_map(&mm_scratch, edge, pfn_mfn(mm.window_pfn + 14),
			      DATA_RW), 0, "map the first");
	{
		struct gnttab_map_grant_ref *e =
			(void *)(gt_page_va(edge) + GUEST_PAGE_SIZE - sizeof(*e));
		long rc;

		*e = (struct gnttab_map_grant_ref){ .host_addr = gt_page_va(a[0]),
			.flags = HOST_RW, .ref = ref, .dom = gt_self(),
			.status = 0x7777 };
		rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref,
					       (unsigned long)e, 2);
		test_check(rc, -XEN_EFAULT, "map 2, the second unreadable");
		test_check(e->status, GNTST_okay, "the first was done");
		test_check(gt_unmap(e->handle, gt_page_va(a[0]), 0), GNTST_okay,
			   "unmap it");
	}
	scratch_unmap(&mm_scratch, edge);
	mmuext1(MMUEXT_INVLPG_LOCAL, gt_page_va(edge), 0);
	test_check(gt_flags(ref), GTF_permit_access, "flags at the end");
	gt_end(ref);
	pool_free(m2p_read(mfn));
}

/* A batch long enough to be continued: every entry done once. */
void case_gnttab_long_batch(void)
{
	enum { N = 1000 };
	static struct gnttab_map_grant_ref m[N];
	static struct gnttab_unmap_grant_ref u[N];
	unsigned long mfn;
	unsigned int i, bad = 0;
	const grant_ref_t ref = 24;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0x24)), "frame");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access | GTF_readonly);
	for (i = 0; i < N; i++)
		m[i] = (struct gnttab_map_grant_ref){
			.flags = GNTMAP_device_map | GNTMAP_readonly,
			.ref = ref, .dom = gt_self(), .status = 0x7777 };
	/* 128 pins at most per grant and kind: the rest overflow. */
	EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref,
					    (unsigned long)m, N), 0, "map N");
	for (i = 0; i < N; i++)
		bad += m[i].status != (i < 128 ? GNTST_okay : GNTST_general_error);
	EXPECT_EQ(bad, 0, "entries with another status than 128 okay, then "
		  "general_error");
	for (i = 0; i < N; i++)
		u[i] = (struct gnttab_unmap_grant_ref){
			.dev_bus_addr = mfn << 12,
			.handle = i < 128 ? m[i].handle : 0x7ffffff0,
			.status = 0x7777 };
	EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref,
					    (unsigned long)u, N), 0, "unmap N");
	for (i = 0; i < N; i++)
		bad += u[i].status != (i < 128 ? GNTST_okay : GNTST_bad_handle);
	EXPECT_EQ(bad, 0, "unmap statuses");
	test_check(gt_flags(ref), GTF_permit_access | GTF_readonly,
		   "flags at the end");
	gt_end(ref);
	pool_free(m2p_read(mfn));
}

/*
 * Map handles run out: read-only device mappings (no PTE) of many grants,
 * 128 each, until the answer is GNTST_no_space; then all unmapped.
 */
void case_gnttab_handles_exhausted(void)
{
	enum { BATCH = 128, MAX_HANDLES = (1 << 18) + 256 };
	static struct gnttab_map_grant_ref m[BATCH];
	static struct gnttab_unmap_grant_ref u[BATCH];
	static grant_handle_t handles[MAX_HANDLES];
	unsigned long mfn, n = 0, i, bad = 0;
	grant_ref_t ref, first = 512;
	int16_t last = GNTST_okay;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0x25)), "frame");
	for (ref = first; ref < GT_ENTRIES; ref++)
		gt_grant(ref, gt_self(), mfn, GTF_permit_access | GTF_readonly);
	for (ref = first; ref < GT_ENTRIES && last == GNTST_okay; ref++) {
		for (i = 0; i < BATCH; i++)
			m[i] = (struct gnttab_map_grant_ref){
				.flags = GNTMAP_device_map | GNTMAP_readonly,
				.ref = ref, .dom = gt_self(), .status = 0x7777 };
		EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref,
						    (unsigned long)m, BATCH), 0,
			  "map a batch");
		for (i = 0; i < BATCH; i++) {
			if (last != GNTST_okay)
				bad += m[i].status != GNTST_no_space;
			else if ((last = m[i].status) == GNTST_okay &&
				 n < MAX_HANDLES)
				handles[n++] = m[i].handle;
		}
	}
	TEST_NOTE("%lu device mappings before status %d\n", n, last);
	test_check(last, GNTST_no_space, "the status once handles ran out");
	test_check(bad, 0, "entries after the first no_space with another status");
	test_check(n, 1024 * 256 - 1, "handles given (1024 frames of 256, less one)");
	test_check(mm_check_frames(), 0, "frame-table check with every handle used");
	for (i = 0; i < n; i += BATCH) {
		unsigned long j, k = n - i < BATCH ? n - i : BATCH;

		for (j = 0; j < k; j++)
			u[j] = (struct gnttab_unmap_grant_ref){
				.dev_bus_addr = mfn << 12,
				.handle = handles[i + j], .status = 0x7777 };
		EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref,
						    (unsigned long)u, k), 0,
			  "unmap a batch");
		for (j = 0; j < k; j++)
			bad += u[j].status != GNTST_okay;
	}
	test_check(bad, 0, "unmaps that failed");
	for (ref = first; ref < GT_ENTRIES; ref++)
		if (!gt_end(ref))
			bad++;
	test_check(bad, 0, "grants still mapped at the end");
	pool_free(m2p_read(mfn));
}
