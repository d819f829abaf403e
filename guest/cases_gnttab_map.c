// SPDX-License-Identifier: MIT
/*
 * gnttab suite, mapping our own grants (Xen lets a domain map what it
 * granted to itself): host mappings by virtual address and by PTE address,
 * read-only and application mappings, the guest's available PTE bits,
 * device mappings, and what unmapping wants.  Each checks the PTE written,
 * the GTF_reading/GTF_writing bits the hypervisor keeps in our entry, and
 * the data seen through the mapping.
 */
#include <xen/errno.h>

#include <guest/gnttab.h>
#include <guest/lib.h>
#include <guest/test.h>

#define HOST_RW GNTMAP_host_map
#define HOST_RO (GNTMAP_host_map | GNTMAP_readonly)

void case_gnttab_map_self(void)
{
	unsigned long mfn, a, b;
	grant_handle_t h1, h2;
	uint64_t bus = 0;
	const grant_ref_t ref = 10;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0x6e7)), "frame");
	EXPECT((a = gt_fresh_page()) && (b = gt_fresh_page()), "pages");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RW, gt_page_va(a), &h1, &bus),
		  GNTST_okay, "map our own grant");
	test_check((long)bus, (long)(mfn << 12), "dev_bus_addr of a host mapping");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading | GTF_writing,
		   "entry flags while mapped");
	test_check((long)scratch_pte(&mm_scratch, a),
		   (long)gt_expected_pte(mfn, HOST_RW), "the mapping's PTE");
	EXPECT(va_has_pattern(gt_page_va(a), 0x6e7), "the mapping shows the frame");
	/* Write through it; the frame itself changes. */
	*(volatile uint64_t *)gt_page_va(a) = 0x1234;
	test_check(!frame_has(mfn, 0x6e7), 1, "written through the mapping");
	EXPECT(frame_fill(mfn, 0x6e7), "refill");
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RW, gt_page_va(b), &h2, NULL),
		  GNTST_okay, "map the same grant again");
	EXPECT(h1 != h2, "two mappings with one handle %u", h1);
	EXPECT(va_has_pattern(gt_page_va(b), 0x6e7), "the second mapping");
	test_check(mm_check_frames(), 0, "frame-table check with two mappings");
	test_check(gt_unmap(h1, gt_page_va(a), 0), GNTST_okay, "unmap the first");
	test_check((long)scratch_pte(&mm_scratch, a), 0, "PTE after unmap");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading | GTF_writing,
		   "flags with one mapping left");
	test_check(gt_end(ref), 0, "end access while mapped");
	test_check(gt_unmap(h2, gt_page_va(b), 0), GNTST_okay, "unmap the second");
	test_check(gt_flags(ref), GTF_permit_access, "flags after both unmaps");
	test_check(gt_end(ref), 1, "end access");
	pool_free(m2p_read(mfn));
}

void case_gnttab_map_readonly(void)
{
	unsigned long mfn, a, b;
	grant_handle_t h1, h2;
	const grant_ref_t ref = 11;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0x0123)), "frame");
	EXPECT((a = gt_fresh_page()) && (b = gt_fresh_page()), "pages");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access | GTF_readonly);
	test_check(gt_map(gt_self(), ref, HOST_RW, gt_page_va(a), &h1, NULL),
		   GNTST_general_error, "writable mapping of a read-only grant");
	test_check(gt_flags(ref), GTF_permit_access | GTF_readonly,
		   "flags after the refusal");
	test_check((long)scratch_pte(&mm_scratch, a), 0, "no PTE after the refusal");
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RO, gt_page_va(a), &h1, NULL),
		  GNTST_okay, "read-only mapping of a read-only grant");
	test_check((long)scratch_pte(&mm_scratch, a),
		   (long)gt_expected_pte(mfn, HOST_RO), "read-only PTE");
	test_check(gt_flags(ref), GTF_permit_access | GTF_readonly | GTF_reading,
		   "flags while mapped read-only");
	EXPECT(va_has_pattern(gt_page_va(a), 0x0123), "the read-only mapping");
	test_check(gt_unmap(h1, gt_page_va(a), 0), GNTST_okay, "unmap");
	test_check(gt_flags(ref), GTF_permit_access | GTF_readonly,
		   "flags after unmap");
	/* A writable grant mapped read-only, then writable too. */
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RO, gt_page_va(a), &h1, NULL),
		  GNTST_okay, "read-only mapping of a writable grant");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading,
		   "flags: reading only");
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RW, gt_page_va(b), &h2, NULL),
		  GNTST_okay, "and a writable one");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading | GTF_writing,
		   "flags: reading and writing");
	test_check(gt_unmap(h2, gt_page_va(b), 0), GNTST_okay, "unmap the writable one");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading,
		   "flags: writing cleared");
	test_check(gt_unmap(h1, gt_page_va(a), 0), GNTST_okay, "unmap the other");
	test_check(gt_flags(ref), GTF_permit_access, "flags: none left");
	gt_end(ref);
	pool_free(m2p_read(mfn));
}

/* host_addr as the machine address of the PTE to write (GNTMAP_contains_pte). */
void case_gnttab_map_contains_pte(void)
{
	unsigned long mfn, a, data;
	grant_handle_t h;
	const grant_ref_t ref = 12;
	const uint32_t flags = HOST_RW | GNTMAP_contains_pte;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0xc0de)), "frame");
	EXPECT((a = gt_fresh_page()), "page");
	EXPECT((data = pool_alloc(true)), "data frame");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	test_check(gt_map(gt_self(), ref, flags, gt_page_pte_ma(a) + 4, &h, NULL),
		   GNTST_general_error, "misaligned PTE address");
	test_check(gt_map(gt_self(), ref, flags, pt_entry_ma(pfn_mfn(data), 3),
			  &h, NULL),
		   GNTST_general_error, "PTE address in a data frame");
	test_check(gt_map(gt_self(), ref, flags, pt_entry_ma(1, 3), &h, NULL),
		   GNTST_general_error, "PTE address in a frame not ours");
	test_check(gt_flags(ref), GTF_permit_access, "flags after the refusals");
	EXPECT_EQ(gt_map(gt_self(), ref, flags, gt_page_pte_ma(a), &h, NULL),
		  GNTST_okay, "map by PTE address");
	mmuext1(MMUEXT_INVLPG_LOCAL, gt_page_va(a), 0);
	test_check((long)scratch_pte(&mm_scratch, a),
		   (long)gt_expected_pte(mfn, HOST_RW), "the PTE written");
	EXPECT(va_has_pattern(gt_page_va(a), 0xc0de), "the mapping shows the frame");
	test_check(gt_unmap(h, gt_page_va(a), 0), GNTST_general_error,
		   "unmap by virtual address a mapping made by PTE address");
	test_check(gt_unmap(h, gt_page_pte_ma(a), 0), GNTST_okay,
		   "unmap by PTE address");
	test_check((long)scratch_pte(&mm_scratch, a), 0, "PTE after unmap");
	test_check(gt_flags(ref), GTF_permit_access, "flags after unmap");
	gt_end(ref);
	pool_free(data);
	pool_free(m2p_read(mfn));
}

/* Application mappings (user bit, global), and the guest's available bits. */
void case_gnttab_map_pte_bits(void)
{
	static const uint32_t kinds[] = {
		HOST_RW | GNTMAP_application_map,
		HOST_RO | GNTMAP_application_map,
		HOST_RW | (5u << _GNTMAP_guest_avail0),
		HOST_RO | GNTMAP_application_map | (7u << _GNTMAP_guest_avail0),
		HOST_RW | (0xfffu << _GNTMAP_guest_avail0),
	};
	unsigned long mfn, a;
	grant_handle_t h;
	unsigned int i;
	char what[64];
	const grant_ref_t ref = 13;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0xb175)), "frame");
	EXPECT((a = gt_fresh_page()), "page");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(what, sizeof(what), "map flags 0x%x", kinds[i]);
		EXPECT_EQ(gt_map(gt_self(), ref, kinds[i], gt_page_va(a), &h, NULL),
			  GNTST_okay, what);
		snprintf(what, sizeof(what), "PTE of map flags 0x%x", kinds[i]);
		test_check((long)scratch_pte(&mm_scratch, a),
			   (long)gt_expected_pte(mfn, kinds[i]), what);
		snprintf(what, sizeof(what), "unmap flags 0x%x", kinds[i]);
		test_check(gt_unmap(h, gt_page_va(a), 0), GNTST_okay, what);
	}
	test_check(gt_flags(ref), GTF_permit_access, "flags at the end");
	gt_end(ref);
	pool_free(m2p_read(mfn));
}

/* GNTMAP_device_map: no PTE, a bus address; unmapped by that address. */
void case_gnttab_map_device(void)
{
	unsigned long mfn, a;
	grant_handle_t hr, hw, hb;
	uint64_t bus = 0;
	const grant_ref_t ref = 14;
	const uint32_t both = GNTMAP_device_map | GNTMAP_host_map;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0xde5)), "frame");
	EXPECT((a = gt_fresh_page()), "page");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	EXPECT_EQ(gt_map(gt_self(), ref, GNTMAP_device_map | GNTMAP_readonly, 0,
			 &hr, &bus), GNTST_okay, "read-only device mapping");
	test_check((long)bus, (long)(mfn << 12), "its bus address");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading,
		   "flags with a read-only device mapping");
	EXPECT_EQ(gt_map(gt_self(), ref, GNTMAP_device_map, 0, &hw, NULL),
		  GNTST_okay, "writable device mapping");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading | GTF_writing,
		   "flags with a writable device mapping");
	test_check(mm_check_frames(), 0, "frame-table check with device mappings");
	test_check(gt_unmap(hw, 0, (mfn + 1) << 12), GNTST_bad_dev_addr,
		   "unmap with the wrong bus address");
	test_check(gt_unmap(hw, 0, 0), GNTST_okay, "unmap with no address");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading | GTF_writing,
		   "flags: still mapped");
	test_check(gt_unmap(hw, 0, mfn << 12), GNTST_okay, "unmap the writable one");
	test_check(gt_unmap(hw, 0, mfn << 12), GNTST_bad_handle, "and again");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading,
		   "flags: writing cleared");
	test_check(gt_unmap(hr, 0, mfn << 12), GNTST_okay, "unmap the read-only one");
	test_check(gt_flags(ref), GTF_permit_access, "flags: none left");
	/* Both at once: each half unmapped on its own. */
	EXPECT_EQ(gt_map(gt_self(), ref, both, gt_page_va(a), &hb, NULL),
		  GNTST_okay, "device and host mapping");
	EXPECT(va_has_pattern(gt_page_va(a), 0xde5), "its host mapping");
	test_check(gt_unmap(hb, gt_page_va(a), 0), GNTST_okay, "unmap the host half");
	test_check((long)scratch_pte(&mm_scratch, a), 0, "PTE after the host half");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading | GTF_writing,
		   "flags: the device half left");
	test_check(gt_unmap(hb, gt_page_va(a), mfn << 12), GNTST_okay,
		   "unmap the device half");
	test_check(gt_flags(ref), GTF_permit_access, "flags: none left");
	test_check(gt_unmap(hb, 0, mfn << 12), GNTST_bad_handle, "and again");
	gt_end(ref);
	pool_free(m2p_read(mfn));
}

void case_gnttab_unmap_errors(void)
{
	unsigned long mfn, a, b;
	grant_handle_t h;
	const grant_ref_t ref = 15;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0x0bad)), "frame");
	EXPECT((a = gt_fresh_page()) && (b = gt_fresh_page()), "pages");
	test_check(gt_unmap(0x7fffffff, gt_page_va(a), 0), GNTST_bad_handle,
		   "unmap a handle never given");
	test_check(gt_unmap(~0u, gt_page_va(a), 0), GNTST_bad_handle,
		   "unmap handle ~0");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RW, gt_page_va(a), &h, NULL),
		  GNTST_okay, "map");
	test_check(gt_unmap(h, gt_page_va(b), 0), GNTST_general_error,
		   "unmap at an address that does not map it");
	test_check(gt_unmap(h, 0xffff800000001000UL, 0), GNTST_general_error,
		   "unmap at a hypervisor address");
	test_check(gt_unmap(h, 0, 0), GNTST_okay, "unmap with no address at all");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading | GTF_writing,
		   "flags: still mapped");
	EXPECT(va_has_pattern(gt_page_va(a), 0x0bad), "still mapped");
	/* The address named maps the frame otherwise, or another frame: refused. */
	EXPECT_EQ(scratch_map(&mm_scratch, b, mfn, DATA_RO), 0,
		  "a read-only mapping of the frame at the other page");
	test_check(gt_unmap(h, gt_page_va(b), 0), GNTST_general_error,
		   "unmap where the frame is mapped read-only (the grant: writable)");
	scratch_unmap(&mm_scratch, b);
	mmuext1(MMUEXT_INVLPG_LOCAL, gt_page_va(b), 0);
	EXPECT_EQ(scratch_map(&mm_scratch, b, pfn_mfn(mm.window_pfn + 15), DATA_RW),
		  0, "another frame at the other page");
	test_check(gt_unmap(h, gt_page_va(b), 0), GNTST_general_error,
		   "unmap where another frame is mapped");
	scratch_unmap(&mm_scratch, b);
	mmuext1(MMUEXT_INVLPG_LOCAL, gt_page_va(b), 0);
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading | GTF_writing,
		   "flags: the grant is still held");
	test_check(gt_end(ref), 0, "end access: still held");
	test_check(gt_unmap(h, gt_page_va(a), 0), GNTST_okay, "unmap");
	test_check(gt_unmap(h, gt_page_va(a), 0), GNTST_bad_handle, "unmap twice");
	test_check(gt_flags(ref), GTF_permit_access, "flags after unmap");
	gt_end(ref);
	pool_free(m2p_read(mfn));
}

static int16_t unmap_replace(grant_handle_t h, uint64_t host_addr, uint64_t new_addr)
{
	struct gnttab_unmap_and_replace op = { .host_addr = host_addr,
					       .new_addr = new_addr, .handle = h,
					       .status = 0x7777 };
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_and_replace,
					    (unsigned long)&op, 1);

	return rc ? GT_HCALL_FAILED(rc) : op.status;
}

/*
 * unmap_and_replace: the grant's PTE gives way to the one at new_addr,
 * which moves there (new_addr is left unmapped).  As on Xen, the PTE is
 * taken from new_addr first: if the grant's mapping is then not found
 * where named, the call fails and that PTE is lost.
 */
void case_gnttab_unmap_and_replace(void)
{
	unsigned long mfn, mine, a, b, c;
	grant_handle_t h;
	uint64_t moved;
	const grant_ref_t ref = 16;

	GT_BEGIN();
	EXPECT((mfn = gt_pattern_frame(0xa11)) && (mine = gt_pattern_frame(0xb22)),
	       "frames");
	EXPECT((a = gt_fresh_page()) && (b = gt_fresh_page()) && (c = gt_fresh_page()),
	       "pages");
	gt_grant(ref, gt_self(), mfn, GTF_permit_access);
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RW, gt_page_va(a), &h, NULL),
		  GNTST_okay, "map");
	EXPECT_EQ(scratch_map(&mm_scratch, b, mine, DATA_RW), 0, "our frame at b");
	moved = scratch_pte(&mm_scratch, b);
	test_check(unmap_replace(h, gt_page_va(a), 0x7ff000000000UL),
		   GNTST_general_error, "replace with an address with no L1");
	test_check((long)scratch_pte(&mm_scratch, b), (long)moved, "b untouched");
	test_check(unmap_replace(h, gt_page_va(c), gt_page_va(b)),
		   GNTST_general_error, "the grant named where it is not mapped");
	test_check((long)scratch_pte(&mm_scratch, b), 0, "b's PTE taken and lost");
	test_check(gt_flags(ref), GTF_permit_access | GTF_reading | GTF_writing,
		   "still mapped after the refusals");
	EXPECT_EQ(scratch_map(&mm_scratch, b, mine, DATA_RW), 0, "our frame at b again");
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
	test_check(unmap_replace(h, gt_page_va(a), gt_page_va(b)), GNTST_okay,
		   "unmap and replace");
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
	test_check((long)scratch_pte(&mm_scratch, a), (long)moved,
		   "the grant's place holds b's PTE");
	test_check((long)scratch_pte(&mm_scratch, b), 0, "b is unmapped");
	test_check(gt_flags(ref), GTF_permit_access, "flags after");
	test_check(unmap_replace(h, gt_page_va(a), gt_page_va(c)), GNTST_bad_handle,
		   "again");
	if (scratch_pte(&mm_scratch, a) == moved)
		EXPECT(va_has_pattern(gt_page_va(a), 0xb22), "our frame at a");
	/* By PTE address: no replacing (b is left alone); new_addr 0: a plain unmap. */
	EXPECT_EQ(scratch_map(&mm_scratch, b, mine, DATA_RW), 0, "our frame at b again");
	EXPECT_EQ(gt_map(gt_self(), ref, HOST_RW | GNTMAP_contains_pte,
			 gt_page_pte_ma(c), &h, NULL), GNTST_okay, "map by PTE address");
	test_check(unmap_replace(h, gt_page_pte_ma(c), gt_page_va(b)),
		   GNTST_general_error, "replace a mapping made by PTE address");
	test_check((long)scratch_pte(&mm_scratch, b), (long)moved, "b left alone");
	test_check(unmap_replace(h, gt_page_pte_ma(c), 0), GNTST_okay,
		   "unmap and replace with nothing");
	test_check((long)scratch_pte(&mm_scratch, c), 0, "c is unmapped");
	scratch_unmap(&mm_scratch, a);
	scratch_unmap(&mm_scratch, b);
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
	gt_end(ref);
	pool_free(m2p_read(mfn));
	pool_free(m2p_read(mine));
}
