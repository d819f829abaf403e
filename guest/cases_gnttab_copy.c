// SPDX-License-Identifier: MIT
/*
 * gnttab suite, copy and transfer within one domain (what Xen's lone dom0
 * can referee): GNTTABOP_copy between our own frames (by frame number,
 * which only DOMID_SELF may name) and our own grants, with its bounds and
 * refusals; GNTTABOP_transfer of a frame to ourselves through an
 * accept_transfer grant (the paper's page flipping), and the refusals that
 * cost the transferring domain its page, as on Xen.
 */
#include <xen/errno.h>

#include <guest/gnttab.h>
#include <guest/lib.h>
#include <guest/test.h>

#define NO_SUCH_DOMAIN 0x7000

struct copy_side {
	uint64_t frame;		/* a gmfn, or a grant ref with gref */
	domid_t dom;
	uint16_t off;
	bool gref;
};

static int16_t copy1(struct copy_side src, struct copy_side dst, uint16_t len)
{
	struct gnttab_copy c = {
		.source = { .domid = src.dom, .offset = src.off },
		.dest = { .domid = dst.dom, .offset = dst.off },
		.len = len, .status = 0x7777,
		.flags = (src.gref ? GNTCOPY_source_gref : 0) |
			 (dst.gref ? GNTCOPY_dest_gref : 0),
	};
	long rc;

	if (src.gref)
		c.source.u.ref = (grant_ref_t)src.frame;
	else
		c.source.u.gmfn = src.frame;
	if (dst.gref)
		c.dest.u.ref = (grant_ref_t)dst.frame;
	else
		c.dest.u.gmfn = dst.frame;
	rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, (unsigned long)&c, 1);
	return rc ? GT_HCALL_FAILED(rc) : c.status;
}

static struct copy_side mfn_side(unsigned long mfn, uint16_t off)
{
	return (struct copy_side){ .frame = mfn, .dom = DOMID_SELF, .off = off };
}

static struct copy_side ref_side(grant_ref_t ref, domid_t dom, uint16_t off)
{
	return (struct copy_side){ .frame = ref, .dom = dom, .off = off,
				   .gref = true };
}

/* Are bytes [off, off+len) of frame mfn those of frame seed's pattern at src? */
static bool bytes_are(unsigned long mfn, unsigned int off, uint64_t seed,
		      unsigned int src, unsigned int len)
{
	const uint8_t *p = win_map(3, mfn, DATA_RO);
	uint64_t word;
	unsigned int i;
	bool same = true;

	if (!p)
		return false;
	for (i = 0; i < len && same; i++) {
		word = pattern_word(seed, (src + i) / 8);
		same = p[off + i] == (uint8_t)(word >> (8 * ((src + i) % 8)));
	}
	win_unmap(3);
	return same;
}

void case_gnttab_copy_frames(void)
{
	unsigned long a, b, other, l1;
	domid_t self = gt_self();

	GT_BEGIN();
	EXPECT((a = gt_pattern_frame(0xa)) && (b = gt_pattern_frame(0xb)),
	       "frames");
	EXPECT((l1 = pool_alloc(true)), "table frame");
	EXPECT_EQ(copy1(mfn_side(a, 8), mfn_side(b, 16), 100), GNTST_okay,
		  "copy 100 bytes between our frames");
	test_check(bytes_are(b, 16, 0xa, 8, 100), 1, "the bytes copied");
	test_check(bytes_are(b, 0, 0xb, 0, 16), 1, "the bytes before");
	test_check(bytes_are(b, 116, 0xb, 116, 100), 1, "the bytes after");
	test_check(copy1(mfn_side(a, 0), mfn_side(b, 0), 0), GNTST_okay,
		   "copy nothing");
	test_check(copy1(mfn_side(a, 0), mfn_side(b, 0), 4096), GNTST_okay,
		   "copy a whole page");
	test_check(bytes_are(b, 0, 0xa, 0, 4096), 1, "the page copied");
	test_check(copy1((struct copy_side){ .frame = a, .dom = self }, mfn_side(b, 0),
			 8), GNTST_permission_denied,
		   "source frame named with our id, not DOMID_SELF");
	test_check(copy1(mfn_side(a, 0), (struct copy_side){ .frame = b, .dom = self },
			 8), GNTST_permission_denied,
		   "destination frame named with our id");
	test_check(copy1(mfn_side(a, 4000), mfn_side(b, 0), 200), GNTST_bad_copy_arg,
		   "source beyond its page");
	test_check(copy1(mfn_side(a, 0), mfn_side(b, 4095), 2), GNTST_bad_copy_arg,
		   "destination beyond its page");
	test_check(copy1(mfn_side(a, 0xffff), mfn_side(b, 0), 1), GNTST_bad_copy_arg,
		   "source offset 0xffff");
	for (other = 0x1000; other < mm.max_ram_page; other++)
		if (!mm_mfn_is_ours(other) && m2p_read(other) == M2P_INVALID)
			break;
	test_check(copy1(mfn_side(other, 0), mfn_side(b, 0), 8), GNTST_bad_page,
		   "source frame not ours");
	test_check(copy1(mfn_side(a, 0), mfn_side(other, 0), 8), GNTST_bad_page,
		   "destination frame not ours");
	test_check(copy1(mfn_side(a, 0), mfn_side(mm.max_ram_page + 3, 0), 8),
		   GNTST_bad_page, "destination beyond RAM");
	test_check(copy1(mfn_side(other, 4000), mfn_side(b, 0), 200),
		   GNTST_bad_page, "a bad frame is found before bad bounds");
	EXPECT_EQ(pin_table(1, pfn_mfn(l1)), 0, "pin an L1");
	test_check(copy1(mfn_side(a, 0), mfn_side(pfn_mfn(l1), 0), 8),
		   GNTST_general_error, "copy into a pinned L1");
	test_check(copy1(mfn_side(pfn_mfn(l1), 0), mfn_side(b, 0), 8), GNTST_okay,
		   "copy out of a pinned L1");
	EXPECT_EQ(unpin_table(pfn_mfn(l1)), 0, "unpin");
	pool_free(l1);
	pool_free(m2p_read(a));
	pool_free(m2p_read(b));
}

void case_gnttab_copy_grants(void)
{
	unsigned long a, b;
	domid_t self = gt_self();
	const grant_ref_t ra = 30, rb = 31, rx = 32;
	struct gnttab_copy batch[3];

	GT_BEGIN();
	EXPECT((a = gt_pattern_frame(0x30)) && (b = gt_pattern_frame(0x31)),
	       "frames");
	gt_grant(ra, self, a, GTF_permit_access | GTF_readonly);
	gt_grant(rb, self, b, GTF_permit_access);
	EXPECT_EQ(copy1(ref_side(ra, self, 0), mfn_side(b, 0), 64), GNTST_okay,
		  "copy from a read-only grant");
	test_check(bytes_are(b, 0, 0x30, 0, 64), 1, "the bytes copied");
	test_check(gt_flags(ra), GTF_permit_access | GTF_readonly,
		   "source flags after the copy");
	test_check(copy1(ref_side(ra, DOMID_SELF, 64), mfn_side(b, 64), 64),
		   GNTST_okay, "a grant named with DOMID_SELF");
	test_check(copy1(mfn_side(b, 0), ref_side(ra, self, 0), 8),
		   GNTST_general_error, "copy into a read-only grant");
	test_check(gt_flags(ra), GTF_permit_access | GTF_readonly,
		   "flags after the refusal");
	EXPECT_EQ(copy1(mfn_side(a, 512), ref_side(rb, self, 1024), 512), GNTST_okay,
		  "copy into a writable grant");
	test_check(bytes_are(b, 1024, 0x30, 512, 512), 1, "the bytes copied in");
	test_check(gt_flags(rb), GTF_permit_access, "destination flags after");
	test_check(copy1(ref_side(ra, self, 0), ref_side(rb, self, 0), 4096),
		   GNTST_okay, "grant to grant");
	test_check(copy1(ref_side(rb, self, 0), ref_side(rb, self, 2048), 2048),
		   GNTST_okay, "within one grant");
	test_check(copy1(ref_side(GT_ENTRIES, self, 0), mfn_side(b, 0), 8),
		   GNTST_bad_gntref, "ref beyond the table");
	test_check(copy1(ref_side(ra, NO_SUCH_DOMAIN, 0), mfn_side(b, 0), 8),
		   GNTST_bad_domain, "grant of no such domain");
	gt_grant(rx, self + 7, a, GTF_permit_access);
	test_check(copy1(ref_side(rx, self, 0), mfn_side(b, 0), 8),
		   GNTST_general_error, "a grant to another domain");
	gt_grant(rx, self, a, GTF_accept_transfer);
	test_check(copy1(ref_side(rx, self, 0), mfn_side(b, 0), 8),
		   GNTST_general_error, "an accept_transfer entry");
	gt_grant(rx, self, mm.max_ram_page + 5, GTF_permit_access);
	test_check(copy1(ref_side(rx, self, 0), mfn_side(b, 0), 8),
		   GNTST_bad_page, "a grant of a frame beyond RAM");
	test_check(gt_flags(rx), GTF_permit_access, "its flags afterwards");
	test_check(copy1(ref_side(ra, self, 4000), mfn_side(b, 0), 100),
		   GNTST_bad_copy_arg, "grant source beyond its page");
	/* A batch: each entry has its own status. */
	batch[0] = (struct gnttab_copy){ .source = { .u.ref = ra, .domid = self },
		.dest = { .u.gmfn = b, .domid = DOMID_SELF }, .len = 8,
		.flags = GNTCOPY_source_gref, .status = 0x7777 };
	batch[1] = batch[0];
	batch[1].source.u.ref = GT_ENTRIES + 9;
	batch[2] = batch[0];
	batch[2].dest.offset = 4090;
	EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_copy, (unsigned long)batch, 3),
		  0, "a batch of 3");
	test_check(batch[0].status, GNTST_okay, "entry 0");
	test_check(batch[1].status, GNTST_bad_gntref, "entry 1");
	test_check(batch[2].status, GNTST_bad_copy_arg, "entry 2");
	test_check(gt_flags(ra), GTF_permit_access | GTF_readonly, "flags at the end");
	gt_end(ra);
	gt_end(rb);
	gt_end(rx);
	pool_free(m2p_read(a));
	pool_free(m2p_read(b));
}

static int16_t transfer1(unsigned long mfn, domid_t dom, grant_ref_t ref)
{
	struct gnttab_transfer t = { .mfn = mfn, .domid = dom, .ref = ref,
				     .status = 0x7777 };
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_transfer, (unsigned long)&t, 1);

	return rc ? GT_HCALL_FAILED(rc) : t.status;
}

/*
 * Give ourselves a frame through an accept_transfer grant: the frame keeps
 * its contents, the entry gets committed, completed and the frame number,
 * the M2P names the pfn the grant offered.  Refusals before the frame is
 * taken cost nothing; those after it cost the page, as on Xen.
 */
void case_gnttab_transfer_self(void)
{
	unsigned long pfn, mfn, other, l1, idx;
	long before;
	domid_t self = gt_self();
	const grant_ref_t ref = 40;

	GT_BEGIN();
	EXPECT((pfn = pool_alloc(false)) && frame_fill(mfn = pfn_mfn(pfn), 0x40),
	       "frame");
	EXPECT((l1 = pool_alloc(true)), "table frame");
	EXPECT((idx = gt_fresh_page()), "page");
	before = mm_reservation(XENMEM_current_reservation);
	gt_grant(ref, self, pfn, GTF_accept_transfer);
	test_check(transfer1(mm.max_ram_page + 1, self, ref), GNTST_bad_page,
		   "a frame beyond RAM");
	for (other = 0x1000; other < mm.max_ram_page; other++)
		if (!mm_mfn_is_ours(other) && m2p_read(other) == M2P_INVALID)
			break;
	test_check(transfer1(other, self, ref), GNTST_bad_page, "a frame not ours");
	test_check(transfer1(gt.mfn[0], self, ref), GNTST_bad_page,
		   "a frame of our grant table");
	test_check(transfer1(pfn_mfn(guest_va_to_pfn(&gt)), self, ref),
		   GNTST_bad_page, "a frame we have mapped");
	EXPECT_EQ(pin_table(1, pfn_mfn(l1)), 0, "pin an L1");
	test_check(transfer1(pfn_mfn(l1), self, ref), GNTST_bad_page,
		   "a pinned table");
	EXPECT_EQ(unpin_table(pfn_mfn(l1)), 0, "unpin");
	test_check(gt_flags(ref), GTF_accept_transfer, "flags after the refusals");
	test_check(mm_reservation(XENMEM_current_reservation), before,
		   "reservation after the refusals");
	EXPECT_EQ(transfer1(mfn, self, ref), GNTST_okay, "transfer to ourselves");
	test_check(gt_flags(ref), GTF_accept_transfer | GTF_transfer_committed |
				   GTF_transfer_completed, "flags after transfer");
	test_check(gt.e[ref].frame, (long)mfn, "the frame in the entry");
	test_check(m2p_read(mfn), (long)pfn, "the M2P names the pfn offered");
	test_check(frame_has(mfn, 0x40), 1, "contents kept");
	test_check(mm_reservation(XENMEM_current_reservation), before,
		   "reservation after the transfer");
	/* A completed entry is not offered again. */
	test_check(transfer1(mfn, self, ref), GNTST_general_error,
		   "transfer into a completed entry (the frame is lost)");
	test_check(mm_reservation(XENMEM_current_reservation), before - 1,
		   "reservation after losing it");
	test_check(m2p_read(mfn), (long)M2P_INVALID, "M2P of the lost frame");
	/* l1 (plain again) to no such domain: lost too. */
	test_check(transfer1(pfn_mfn(l1), NO_SUCH_DOMAIN, ref), GNTST_bad_domain,
		   "to no such domain (the frame is lost)");
	test_check(mm_reservation(XENMEM_current_reservation), before - 2,
		   "reservation after losing another");
	gt.e[ref].flags = 0;
	(void)idx;
}
