/* SPDX-License-Identifier: MIT */
/*
 * The frame table: one struct page_info per machine frame, recording who owns
 * the frame, what it is used as (its type) and how many references exist.
 *
 * Rules (the paper's, as Xen implements them):
 *  - a general reference (count) keeps a frame from being freed; a domain's
 *    ownership holds one (PGF_allocated);
 *  - a type reference (type_count) keeps the frame's type: a frame can take a
 *    new type only when its type count is zero.  Types: none, L1-L4 page
 *    table, segment descriptors, writable.  A writable mapping holds a
 *    writable type reference, so a page table is never mapped writable;
 *  - page-table types are validated when first taken: every entry's target
 *    is checked and referenced (hyp/mm/pt.c); when the last type reference
 *    goes, the table is devalidated and those references are dropped.
 *
 * Validation and devalidation are restartable, so that no guest request can
 * hold the CPU for long however big the tree below a table (Xen's XSA-45).
 * A table in between is *partial* (PGF_partial): its entries [0, nr_valid)
 * hold their references, the rest do not, and its type is locked (it can be
 * neither used as a table nor retyped without finishing one way or the
 * other).  A partial table holds one general reference on itself.
 *  - Validation stops with -ERESTART when the work budget
 *    (include/hyp/work_budget.h) is spent, anywhere in the tree; the tables
 *    on the way stay partial and the request, issued again, goes on where it
 *    stopped.
 *  - Dropping the last type reference of a validated table does no work at
 *    once: the table becomes partial, PGF_devalidating, and joins its
 *    owner's devalidation queue (which holds a reference too).  The queue is
 *    drained, under the budget, by frame_table_drain: the MMU hypercalls
 *    drain it before each operation and before returning, so a guest never
 *    sees a table half devalidated, and the teardown of a dying domain
 *    drains it too.  Devalidating a table drops its entries' references,
 *    which may queue the tables below: the work never recurses.
 *  - A partial table asked for another type is finished off at once (one
 *    table: at most 512 entries, bounded); asked for its own type, it is
 *    validated on from where it is.
 *
 * The hypervisor runs on one CPU with interrupts off, so no locking is done.
 * Callers pass the domains involved; nothing here looks at the current vCPU.
 */
#ifndef KOAN_HYP_FRAME_TABLE_H
#define KOAN_HYP_FRAME_TABLE_H

#include <asm/nospec.h>
#include <hyp/types.h>
#include <hyp/xen_public.h>

enum page_type {
    PGT_none = 0,
    PGT_l1 = 1, PGT_l2 = 2, PGT_l3 = 3, PGT_l4 = 4,   /* = page-table level */
    PGT_seg_desc = 5,
    PGT_writable = 6,
};

#define PGF_allocated  (1u << 0)   /* owned by a domain, which holds a reference */
#define PGF_pinned     (1u << 1)   /* pinned by the guest: holds a ref + type ref */
#define PGF_validated  (1u << 2)   /* page-table contents validated and referenced */
#define PGF_xen_shared (1u << 3)   /* a hypervisor page shared with the domain */
#define PGF_partial    (1u << 4)   /* table half (de)validated: entries [0, nr_valid) hold refs */
#define PGF_devalidating (1u << 5) /* partial, on its way down (the drain finishes it) */
#define PGF_queued     (1u << 6)   /* on its owner's devalidation queue (holds a ref) */

#define PAGE_COUNT_MAX 0xffffff00u /* refuse references beyond this */
#define FT_NIL         0xffffffffu /* end of a domain page list */

struct page_info {
    uint32_t count;       /* general references */
    uint32_t type_count;  /* references to the current type */
    uint8_t type;         /* enum page_type */
    uint8_t flags;        /* PGF_* */
    domid_t owner;        /* a domain id, DOMID_IO, or DOMID_INVALID */
    int16_t linear;       /* >0: linear entries in this table; <0: uses as a linear target */
    uint16_t nr_valid;    /* partial tables: entries [0, nr_valid) hold their references */
    uint32_t next, prev;  /* the owner's page list, by frame number */
    uint32_t queue_next;  /* the owner's devalidation queue, by frame number */
    uint32_t pad;
};

extern struct page_info *frame_table;
extern mfn_t frame_table_frames;

static inline bool mfn_valid(mfn_t mfn) { return mfn < frame_table_frames; }
/* Guests name frames: the index is clamped without a branch (Spectre v1), after mfn_valid. */
static inline struct page_info *mfn_to_page(mfn_t mfn)
{
    return &frame_table[array_index_nospec(mfn, frame_table_frames)];
}
static inline mfn_t page_to_mfn(const struct page_info *pg) { return (mfn_t)(pg - frame_table); }
static inline bool page_type_is_table(unsigned type) { return type >= PGT_l1 && type <= PGT_l4; }

/* Set up the table for frames [0, nr): every frame starts as DOMID_INVALID. */
void frame_table_setup(struct page_info *table, mfn_t nr);
/* Mark frames as I/O memory (mappable by domains with I/O rights, never refcounted). */
void frame_table_set_io(mfn_t first, mfn_t count);

struct domain;
/* A general reference if the frame is valid and owned by d; false otherwise. */
bool get_page(struct page_info *pg, const struct domain *d);
void put_page(struct page_info *pg);
/*
 * Take a type reference of `type`, changing the type (and flushing the TLB)
 * if the type count is zero, and validating a page table on first use.
 * 0, -EINVAL (other type in use, or the table does not validate), -EBUSY
 * (count overflow) or -ERESTART (the work budget ran out in the middle of
 * validating: ask again later).  d is the owner, for validation.
 */
int get_page_type(struct page_info *pg, unsigned type, struct domain *d);
/* Drop a type reference; a table losing its last one is queued for devalidation. */
void put_page_type(struct page_info *pg);
int get_page_and_type(struct page_info *pg, struct domain *d, unsigned type);
void put_page_and_type(struct page_info *pg);

/*
 * Pin mfn (owned by owner) as a table of `type`: validates it, and holds a
 * reference and a type reference until unpinned.  0, -EINVAL (not owned,
 * already pinned, wrong type), -ERESTART or a validation error.
 */
int page_pin(struct domain *owner, mfn_t mfn, unsigned type);
/* Drop a pin: 0, or -EINVAL if the frame is not owner's or not pinned. */
int page_unpin(struct domain *owner, mfn_t mfn);

/* Give a free frame to d: owner, allocated reference, page list, tot_pages. */
int domain_assign_page(struct domain *d, mfn_t mfn, bool count_in_tot_pages);
/* d gives up its ownership reference; the frame is freed with its last reference. */
int domain_release_page(struct domain *d, mfn_t mfn);
/*
 * Devalidate the tables on d's queue, under the work budget: 0 when the
 * queue is empty, -ERESTART when the budget ran out first.
 */
int frame_table_drain(struct domain *d);

/*
 * Teardown of a dying domain's memory: unpin everything, devalidate every
 * table (cycles included), then drop d's ownership of every page; pages
 * others still reference go when they let go.  Works in steps under the
 * work budget: 0 when done, -ERESTART to be called again.  The progress is
 * kept in d (relinquish_phase, relinquish_next).
 */
int domain_relinquish_memory(struct domain *d);
enum relinquish_phase {
    RELINQUISH_UNPIN, RELINQUISH_FORCE, RELINQUISH_DRAIN, RELINQUISH_DROP, RELINQUISH_DONE
};

/*
 * A hypervisor frame that privileged guests may map read-only with
 * DOMID_XEN as page owner (Xen shares the M2P this way): owned by
 * DOMID_XEN, one reference, and a permanent "none" type reference so that
 * it can never be typed writable.
 */
static inline void frame_table_share_readonly(mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);

    pg->owner = DOMID_XEN;
    pg->count = 1;
    pg->type = PGT_none;
    pg->type_count = 1;
    pg->flags = PGF_allocated;
}

/* Hooks implemented by the hypervisor (or by unit-test fakes). */
/* Back to the allocator, M2P invalid; no CPU's stale TLB entry may reach it once reused. */
void frame_table_on_free(mfn_t mfn);
void frame_table_flush_tlb(void);           /* all CPUs, every non-global entry */
struct domain *domain_from_id(domid_t id);  /* NULL if no such live or dying domain */

#endif
