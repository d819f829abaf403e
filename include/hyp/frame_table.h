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
 *    sees a table half devalidated (one another CPU is draining is busy:
 *    whoever wants it waits), and the teardown of a dying domain drains it
 *    too.  Devalidating a table drops its entries' references,
 *    which may queue the tables below: the work never recurses.
 *  - A partial table asked for another type is finished off at once (one
 *    table: at most 512 entries, bounded); asked for its own type, it is
 *    validated on from where it is.
 *
 * Several CPUs use the table at once (docs/memory.md, "Concurrency"):
 *  - `count` changes only atomically; a reference is taken only from a
 *    nonzero count, so the owner of a referenced frame never changes;
 *  - the owner, flags, type and type count share one 64-bit word,
 *    `type_info`, changed only by atomic read-modify-writes (cmpxchg loops,
 *    atomic or/and of flags): taking or dropping a type reference of a frame
 *    in use is one cmpxchg;
 *  - PGF_busy is the frame's validation lock: the CPU that changes the type,
 *    validates, or devalidates a table sets it with its cmpxchg, and others
 *    who need the outcome wait until it clears (never long: one work budget,
 *    or one table of 512 entries);
 *  - a domain's page list, its tot/xen_pages and its devalidation queue are
 *    under its page_lock; the frame allocator has its own lock.
 * Callers pass the domains involved; nothing here looks at the current vCPU.
 */
#ifndef KOAN_HYP_FRAME_TABLE_H
#define KOAN_HYP_FRAME_TABLE_H

#include <asm/atomic.h>
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
#define PGF_busy       (1u << 7)   /* a CPU is retyping or (de)validating it now: wait */

#define PAGE_COUNT_MAX 0xffffff00u /* refuse references beyond this */
#define FT_NIL         0xffffffffu /* end of a domain page list */

struct page_info {
    /*
     * The type word: owner, flags, type and type count, changed together and
     * only atomically.  The named parts read it (a snapshot, enough for a
     * guess or for the checker); only code that owns the frame alone -- the
     * boot, a free frame being set up -- stores to them.
     */
    union {
        uint64_t type_info;
        struct {
            uint32_t type_count;  /* references to the current type */
            uint8_t type;         /* enum page_type */
            uint8_t flags;        /* PGF_* */
            domid_t owner;        /* a domain id, DOMID_IO, or DOMID_INVALID */
        };
    };
    uint32_t count;       /* general references (atomic) */
    int16_t linear;       /* >0: linear entries in this table; <0: uses as a linear target (atomic) */
    uint16_t nr_valid;    /* partial tables: entries [0, nr_valid) hold their references (under PGF_busy) */
    uint32_t next, prev;  /* the owner's page list, by frame number (under its page_lock) */
    uint32_t queue_next;  /* the owner's devalidation queue, by frame number (under its page_lock) */
    uint32_t pad;
};
_Static_assert(sizeof(struct page_info) == 32, "page_info size");
_Static_assert(offsetof(struct page_info, type_count) == 0 && offsetof(struct page_info, type) == 4 &&
               offsetof(struct page_info, flags) == 5 && offsetof(struct page_info, owner) == 6,
               "the parts of type_info (little-endian)");

/* The parts of a type_info value. */
#define PGI_COUNT_MASK   0xffffffffULL
#define PGI_TYPE_SHIFT   32
#define PGI_FLAGS_SHIFT  40
#define PGI_OWNER_SHIFT  48
#define PGI_FLAG(f)      ((uint64_t)(f) << PGI_FLAGS_SHIFT)
#define PGI_TYPE(t)      ((uint64_t)(t) << PGI_TYPE_SHIFT)
#define PGI_OWNER(o)     ((uint64_t)(o) << PGI_OWNER_SHIFT)
/* A free frame: no owner, no flags, no type. */
#define PGI_FREE         PGI_OWNER(DOMID_INVALID)
static inline uint32_t pgi_count(uint64_t x) { return (uint32_t)(x & PGI_COUNT_MASK); }
static inline unsigned pgi_type(uint64_t x) { return (uint8_t)(x >> PGI_TYPE_SHIFT); }
static inline unsigned pgi_flags(uint64_t x) { return (uint8_t)(x >> PGI_FLAGS_SHIFT); }
static inline domid_t pgi_owner(uint64_t x) { return (domid_t)(x >> PGI_OWNER_SHIFT); }

/* A snapshot of the type word (decisions on it are confirmed by cmpxchg, or concern what a reference keeps). */
static inline uint64_t page_type_info(const struct page_info *pg) { return atomic_load64_relaxed(&pg->type_info); }
static inline unsigned page_flags(const struct page_info *pg) { return pgi_flags(page_type_info(pg)); }
/* The owner alone (its own bytes of the word: one load and compare on the hot paths). */
static inline domid_t page_owner(const struct page_info *pg) { return __atomic_load_n(&pg->owner, __ATOMIC_RELAXED); }

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
void put_page_type_slow(struct page_info *pg);
static inline void put_page_type(struct page_info *pg)
{
    uint64_t x = page_type_info(pg);
    uint32_t count = pgi_count(x);

    /* Not the last reference of a validated table: one cmpxchg (inline: every unmap comes here). */
    if (likely(count > 1 || (count == 1 && !(pgi_flags(x) & PGF_validated))) &&
        likely(atomic_cmpxchg64(&pg->type_info, x, x - 1) == x))
        return;
    put_page_type_slow(pg);
}
/*
 * Another type reference of `type` only if the frame is in use as that type
 * already (validated, for tables and descriptor pages): never retypes,
 * validates or waits.  For code that works on a table it finds in use (an
 * entry update, a linear mapping, a descriptor write).
 */
static inline bool get_page_type_in_use(struct page_info *pg, unsigned type)
{
    uint64_t x = page_type_info(pg), y;
    bool checked = page_type_is_table(type) || type == PGT_seg_desc;

    for (;; x = y) {
        uint32_t count = pgi_count(x);
        if (pgi_type(x) != type || !count || count >= PAGE_COUNT_MAX ||
            (checked && !(pgi_flags(x) & PGF_validated)))
            return false;
        if ((y = atomic_cmpxchg64(&pg->type_info, x, x + 1)) == x)
            return true;
    }
}
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
 * XENMEM_exchange (hyp/mm/memory_exchange.c), frame by frame.  Steal: take
 * d's frame mfn if nobody else holds a reference (Xen's rule): 0, and the
 * frame is held with count 0, still on d's list and counted; or -EINVAL.
 * Unsteal gives it back as it was.  Swap: a stolen frame is freed and a
 * fresh frame from the allocator takes its place in d's list and count.
 * Between steal and unsteal/swap d's teardown must not start: the caller
 * runs on one of d's vCPUs, or between domain_mm_enter and _exit.
 */
int domain_steal_page(struct domain *d, mfn_t mfn);
void domain_unsteal_page(mfn_t mfn);
void domain_swap_page(struct domain *d, mfn_t stolen, mfn_t fresh);
/*
 * d gives up a frame nobody else references (no mapping, no use as a
 * table or descriptor page, not pinned, not a shared hypervisor page): it
 * leaves d's page list and reservation ownerless with no reference, for
 * domain_assign_page to give to another domain (GNTTABOP_transfer) or
 * frame_table_on_free to free.  0 or -EINVAL.
 */
int domain_give_up_page(struct domain *d, mfn_t mfn);
/*
 * Devalidate the tables on d's queue, under the work budget: 0 when the
 * queue is empty, -ERESTART when the budget ran out first.
 */
int frame_table_drain(struct domain *d);

/*
 * A foreign operation on d's memory (a privileged domain's mmu_update,
 * mmuext_op or update_va_mapping_otherdomain naming d) runs between these:
 * false if d is dying (then nothing of d may be used).  The teardown of d's
 * memory starts only once no such operation is in progress.
 */
bool domain_mm_enter(struct domain *d);
void domain_mm_exit(struct domain *d);

/*
 * Teardown of a dying domain's memory: unpin everything, devalidate every
 * table (cycles included), then drop d's ownership of every page; pages
 * others still reference go when they let go.  Works in steps under the
 * work budget: 0 when done, -ERESTART to be called again.  The progress is
 * kept in d (relinquish_phase, relinquish_next).  It starts once no foreign
 * operation is in progress on d (domain_mm_enter), and no vCPU of d may run
 * meanwhile; two CPUs calling it for one domain take turns (-ERESTART).
 */
int domain_relinquish_memory(struct domain *d);
enum relinquish_phase {
    RELINQUISH_UNPIN, RELINQUISH_FORCE, RELINQUISH_DRAIN, RELINQUISH_DROP, RELINQUISH_DONE
};
/* Or'ed into relinquish_phase while a CPU is running the teardown (never DONE then). */
#define RELINQUISH_RUNNING 0x80000000u

/*
 * A hypervisor frame that privileged guests may map read-only with
 * DOMID_XEN as page owner (Xen shares the M2P this way): owned by
 * DOMID_XEN, one reference, and a permanent "none" type reference so that
 * it can never be typed writable.
 */
static inline void frame_table_share_readonly(mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);

    pg->count = 1;
    atomic_store64(&pg->type_info, PGI_OWNER(DOMID_XEN) | PGI_FLAG(PGF_allocated) |
                                   PGI_TYPE(PGT_none) | 1);
}

/* Hooks implemented by the hypervisor (or by unit-test fakes). */
/* Back to the allocator, M2P invalid; no CPU's stale TLB entry may reach it once reused. */
void frame_table_on_free(mfn_t mfn);
void frame_table_flush_tlb(void);           /* all CPUs, every non-global entry */
struct domain *domain_from_id(domid_t id);  /* NULL if no such live or dying domain */

#endif
