// SPDX-License-Identifier: MIT
/*
 * The test guest's grant tables (guest/include/guest/gnttab.h): our table,
 * set up once and mapped at scratch pages; granting and ending grants the
 * way Linux does (frame and domid before the flags, cmpxchg to end); one-op
 * map and unmap helpers; and the mailbox two guests share.
 */
#include <xen/errno.h>

#include <guest/gnttab.h>
#include <guest/lib.h>
#include <guest/test.h>

struct gt_state gt;

domid_t gt_self(void)
{
	return (domid_t)guest_cmdline_ulong("domid", 0);
}

domid_t gt_peer(void)
{
	return (domid_t)guest_cmdline_ulong("peer-domid", DOMID_INVALID);
}

bool gt_is_table_frame(unsigned long mfn)
{
	for (unsigned int i = 0; gt.ready && i < GT_FRAMES; i++)
		if (gt.mfn[i] == mfn)
			return true;
	return false;
}

bool gt_init(void)
{
	struct gnttab_setup_table s = { .dom = DOMID_SELF,
					.nr_frames = GT_FRAMES };
	xen_pfn_t frames[GT_FRAMES];
	unsigned long idx;
	unsigned int i;
	long rc;

	if (gt.ready)
		return true;
	if (!mm_init())
		return false;
	set_xen_guest_handle(s.frame_list, frames);
	rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, (unsigned long)&s, 1);
	if (rc || s.status != GNTST_okay) {
		test_fail("setup_table(%u frames): rc %ld, status %d", GT_FRAMES,
			  rc, s.status);
		return false;
	}
	if (!(idx = scratch_take(GT_FRAMES)))
		return false;
	for (i = 0; i < GT_FRAMES; i++) {
		gt.mfn[i] = frames[i];
		rc = scratch_map(&mm_scratch, idx + i, frames[i], DATA_RW);
		if (rc) {
			test_fail("mapping grant frame %u (mfn 0x%lx): %ld", i,
				  (unsigned long)frames[i], rc);
			return false;
		}
	}
	gt.e = (volatile grant_entry_v1_t *)scratch_va(&mm_scratch, idx);
	gt.ready = true;
	return true;
}

void gt_grant(grant_ref_t ref, domid_t domid, unsigned long frame,
	      uint16_t flags)
{
	gt.e[ref].frame = (uint32_t)frame;
	gt.e[ref].domid = domid;
	__asm__ volatile("" : : : "memory");	/* x86 keeps stores in order */
	gt.e[ref].flags = flags;
}

uint16_t gt_flags(grant_ref_t ref)
{
	return gt.e[ref].flags;
}

bool gt_end(grant_ref_t ref)
{
	uint16_t flags = gt.e[ref].flags;

	for (;;) {
		uint16_t seen;

		if (flags & (GTF_reading | GTF_writing))
			return false;
		seen = __sync_val_compare_and_swap(&gt.e[ref].flags, flags, 0);
		if (seen == flags)
			return true;
		flags = seen;
	}
}

int16_t gt_map(domid_t dom, grant_ref_t ref, uint32_t flags,
	       uint64_t host_addr, grant_handle_t *handle, uint64_t *bus)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = host_addr, .flags = flags, .ref = ref, .dom = dom,
		.status = 0x7777, .handle = ~0u,
	};
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref,
					    (unsigned long)&op, 1);

	if (rc)
		return GT_HCALL_FAILED(rc);
	if (handle)
		*handle = op.handle;
	if (bus)
		*bus = op.dev_bus_addr;
	return op.status;
}

int16_t gt_unmap(grant_handle_t handle, uint64_t host_addr, uint64_t bus)
{
	struct gnttab_unmap_grant_ref op = {
		.host_addr = host_addr, .dev_bus_addr = bus, .handle = handle,
		.status = 0x7777,
	};
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref,
					    (unsigned long)&op, 1);

	if (rc)
		return GT_HCALL_FAILED(rc);
	return op.status;
}

unsigned long gt_fresh_page(void)
{
	unsigned long idx = scratch_take(1);

	return idx && scratch_ensure(&mm_scratch, idx) ? idx : 0;
}

uint64_t gt_expected_pte(unsigned long mfn, uint32_t map_flags)
{
	uint64_t pte = pte_make(mfn, PTE_P | PTE_A | PTE_D) | PTE_NX;

	if (!(map_flags & GNTMAP_readonly))
		pte |= PTE_RW;
	pte |= (uint64_t)((map_flags >> _GNTMAP_guest_avail0) & 7) << 9;
	if (map_flags & GNTMAP_application_map)
		pte |= PTE_US | PTE_G;
	else
		pte |= PTE_US | (1UL << 52);
	return pte;
}

unsigned long gt_pattern_frame(uint64_t seed)
{
	unsigned long pfn = pool_alloc(false);

	if (!pfn || !frame_fill(pfn_mfn(pfn), seed))
		return 0;
	return pfn_mfn(pfn);
}

/* ---- the mailbox of the Koan-only cases ---- */

static struct gt_mailbox *mailbox;

bool gt_wait(volatile uint32_t *word, uint32_t value, const char *what)
{
	unsigned long n;

	for (n = 0; n < 2000000; n++) {
		if (*word >= value)
			return true;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_fail("peer did not reach %s (%u)", what, value);
	return false;
}

/* domU: grant a pool frame to dom0 at GT_MAILBOX_REF, mapped here too. */
static struct gt_mailbox *mailbox_offer(domid_t peer)
{
	unsigned long pfn = pool_alloc(true), idx;

	if (!pfn || !(idx = gt_fresh_page()))
		return NULL;
	if (scratch_map(&mm_scratch, idx, pfn_mfn(pfn), DATA_RW)) {
		test_fail("mapping the mailbox frame");
		return NULL;
	}
	gt_grant(GT_MAILBOX_REF, peer, pfn_mfn(pfn), GTF_permit_access);
	return (struct gt_mailbox *)gt_page_va(idx);
}

static grant_handle_t mailbox_handle;
static uint64_t mailbox_va;

/* dom0: map the domU's mailbox grant, retrying until it is offered. */
static struct gt_mailbox *mailbox_take(domid_t peer)
{
	unsigned long idx = gt_fresh_page(), n;
	int16_t st = GNTST_general_error;

	if (!idx)
		return NULL;
	for (n = 0; n < 2000000 && st; n++) {
		st = gt_map(peer, GT_MAILBOX_REF, GNTMAP_host_map,
			    gt_page_va(idx), &mailbox_handle, NULL);
		if (st)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	if (st) {
		test_fail("mapping the peer's mailbox grant: status %d", st);
		return NULL;
	}
	mailbox_va = gt_page_va(idx);
	return (struct gt_mailbox *)mailbox_va;
}

struct gt_mailbox *gt_mailbox(void)
{
	domid_t peer = gt_peer();

	if (mailbox)
		return mailbox;
	if (!gt_init())
		return NULL;
	if (peer == DOMID_INVALID) {
		test_fail("needs peer-domid=N (a second domain)");
		return NULL;
	}
	mailbox = guest_privileged() ? mailbox_take(peer) : mailbox_offer(peer);
	return mailbox;
}

int16_t gt_mailbox_release(void)
{
	if (!mailbox || !mailbox_va)
		return GNTST_general_error;
	mailbox = NULL;
	return gt_unmap(mailbox_handle, mailbox_va, 0);
}
