/* SPDX-License-Identifier: MIT */
/*
 * Grant tables in the test guest (docs/test-guest.md, "The gnttab suite"):
 * the grant_table_op wrapper, our own table (set up once with
 * GNTTABOP_setup_table and mapped at scratch pages of the mm suite), the
 * entries we grant, one-operation helpers that return the GNTST_* status,
 * and the mailbox page two test guests share for the Koan-only cases.
 */
#ifndef GUEST_GNTTAB_H
#define GUEST_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/grant_table.h>

#include <guest/hypercall.h>
#include <guest/mm.h>

/* uop is an unsigned long so that hostile cases can pass any value. */
static inline long HYPERVISOR_grant_table_op(unsigned long cmd,
					     unsigned long uop,
					     unsigned long count)
{
	return guest_hypercall3(__HYPERVISOR_grant_table_op, cmd, uop, count);
}

/* The frames our table gets (entries 0..GT_FRAMES*512-1). */
#define GT_FRAMES 8
#define GT_ENTRIES_PER_FRAME (GUEST_PAGE_SIZE / sizeof(grant_entry_v1_t))
#define GT_ENTRIES (GT_FRAMES * GT_ENTRIES_PER_FRAME)

struct gt_state {
	bool ready;
	unsigned long mfn[GT_FRAMES];
	volatile grant_entry_v1_t *e;	/* all entries, mapped in a row */
};

extern struct gt_state gt;

/* setup_table(GT_FRAMES) and map them, once; false after test_fail. */
bool gt_init(void);
/* Is mfn one of our table's frames (after gt_init)?  They are ours, outside the p2m. */
bool gt_is_table_frame(unsigned long mfn);
/* A case's first step: gt_init, or end the case (its reason is recorded). */
#define GT_BEGIN()                                                           \
	do {                                                                 \
		if (!gt_init())                                              \
			return;                                              \
	} while (0)

/* Our own domain id: the command-line word `domid=N`, else 0 (dom0). */
domid_t gt_self(void);

/* The domain id of the peer (`peer-domid=N`), or DOMID_INVALID. */
domid_t gt_peer(void);

/* Grant: frame and domid first, then the flags (the order Linux uses). */
void gt_grant(grant_ref_t ref, domid_t domid, unsigned long frame,
	      uint16_t flags);
/* The flags word of entry ref as the hypervisor left it. */
uint16_t gt_flags(grant_ref_t ref);
/* End a permit_access grant unless mapped: true when it was ended. */
bool gt_end(grant_ref_t ref);

/*
 * One map: the status; *handle and *bus filled on success.  When the
 * hypercall itself fails (-errno), GT_HCALL_FAILED(-errno), which is no
 * GNTST_* value: -1000 - errno.
 */
#define GT_HCALL_FAILED(rc) ((int16_t)(-1000 + ((rc) < -1000 ? -1000 : (rc))))
int16_t gt_map(domid_t dom, grant_ref_t ref, uint32_t flags,
	       uint64_t host_addr, grant_handle_t *handle, uint64_t *bus);
/* One unmap: the status. */
int16_t gt_unmap(grant_handle_t handle, uint64_t host_addr, uint64_t bus);

/* A scratch page (its L1 made) for host mappings: its index, 0 on failure. */
unsigned long gt_fresh_page(void);
/* The address of scratch page idx, and its PTE's machine address. */
static inline uint64_t gt_page_va(unsigned long idx)
{
	return scratch_va(&mm_scratch, idx);
}
static inline uint64_t gt_page_pte_ma(unsigned long idx)
{
	return scratch_pte_ma(&mm_scratch, idx);
}

/*
 * The PTE Xen 4.17 writes for a host mapping of mfn (a 64-bit PV guest):
 * present, accessed, dirty, NX, RW unless readonly, the user bit for an
 * application mapping, the guest's available bits; then the kernel marker
 * (bit 52) or, for a user mapping, the global bit.  (Its grant marker, bit
 * 62, is only in debug builds: Debian's release build leaves it out.)
 */
uint64_t gt_expected_pte(unsigned long mfn, uint32_t map_flags);

/* A pool frame filled with pattern seed: its mfn, 0 after test_fail. */
unsigned long gt_pattern_frame(uint64_t seed);

/*
 * The mailbox of the Koan-only cases: the domU grants its mailbox frame to
 * the peer (dom0) at GT_MAILBOX_REF; dom0 maps it.  Each side writes its
 * own words; `step` counters order the cases' phases.
 */
#define GT_MAILBOX_REF 7
struct gt_mailbox {
	volatile uint32_t dom0_step, domu_step;
	volatile uint32_t dom0_ref, domu_ref;	/* refs each side offers */
	volatile uint64_t dom0_word, domu_word;	/* values passed along */
	volatile uint64_t domu_mfn;		/* a frame the domU names */
};
/* The mailbox, set up on first use (both sides); NULL after test_fail. */
struct gt_mailbox *gt_mailbox(void);
/* dom0: unmap the mailbox (the peer may be gone): the status. */
int16_t gt_mailbox_release(void);
/* Yield until *word >= value (true), or give up after many yields. */
bool gt_wait(volatile uint32_t *word, uint32_t value, const char *what);

#endif /* GUEST_GNTTAB_H */
