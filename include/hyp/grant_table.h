/* SPDX-License-Identifier: MIT */
/*
 * Grant tables, version 1 (docs/grants.md): how a domain lets another map,
 * copy or receive one of its frames.  Each domain has
 *
 *  - shared frames (the guest's grant_entry_v1 array): hypervisor pages
 *    shared writable with the domain like shared_info, set up on demand by
 *    GNTTABOP_setup_table up to max_frames.  The guest writes frame, domid
 *    and flags; the hypervisor sets GTF_reading/GTF_writing while an entry is
 *    pinned, and the transfer bits, with atomic operations (the guest may
 *    write the same word at any time);
 *  - an active entry per shared entry: the pin counts of the mappings and
 *    copies using it (Xen's four byte-wide counters), the domain that pinned
 *    it and the frame pinned -- read from the shared entry at the first pin
 *    and kept until the last unpin, whatever the guest writes meanwhile;
 *  - map handles (the maptrack) for the grants of others it maps: one entry
 *    per handle, added a page at a time on demand up to
 *    max_maptrack_frames pages, free handles reused first in, first out.
 *
 * Memory comes as it is used (docs/grants.md, "Memory"): the structure
 * lives in the domain's record; a new table has no shared frame, although
 * query_size says it has GNTTAB_INITIAL_FRAMES as on Xen (their entries
 * read as zero: nothing is granted, and a guest reaches them only through
 * setup_table, which allocates them); the directory (frames[], active[])
 * comes with the first frame; a page of 256 active entries at the first
 * pin of one of its refs; handle pages at the mapper's first maps (their
 * pointers in the structure up to GNTTAB_MAPTRACK_INLINE pages).  A
 * domain that never uses grants holds nothing for them.
 *
 * References.  A host mapping is a PTE written through the page-table
 * code (pt_update_entry, with the granter as page owner): the entry holds
 * a general and, if writable, a writable type reference to the frame,
 * exactly as any mapping does, and they go when the entry is cleared --
 * by unmap_grant_ref, by the guest overwriting it, or by the mapper's
 * teardown.  A device mapping's references are held by its map handle.
 * The pins keep the granter from ending its grant (it sees the flags),
 * not the frame alive.
 *
 * Locks (docs/grants.md, "Locks"):
 *  - gt->lock: nr_frames, the directory (frames[], active[] and its
 *    pages, dir_pages, active_pages), the active entries, and the
 *    hypervisor's changes to the shared entries' flags;
 *  - gt->maptrack_lock: the map handles (limit, pages, free list, each
 *    entry's state);
 * never two of these at once, and neither is held while waiting for a
 * busy frame.  Under gt->lock the frame-table work is references only
 * (get_page/put_page), which may free a frame and so take a domain's
 * page_lock or the allocator's lock after it: that is the order.
 *
 * Another domain's table is used only between domain_mm_enter and
 * domain_mm_exit of that domain, which fail once it is dying; so the
 * teardown of a dying domain's table (grant_table_teardown, before its
 * memory's) has it to itself.  Mappers of a dying granter skip its table
 * when they unmap: their references are theirs.
 */
#ifndef KOAN_HYP_GRANT_TABLE_H
#define KOAN_HYP_GRANT_TABLE_H

#include <hyp/spinlock.h>
#include <hyp/types.h>
#include <hyp/xen_public.h>
#include <xen/grant_table.h>

/* Xen's defaults (its gnttab_max_frames and gnttab_max_maptrack_frames). */
#define GNTTAB_DEFAULT_MAX_FRAMES          64u
#define GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES 1024u
/*
 * Frames a new table has as the guest sees it (query_size says 1 before
 * any setup_table, as Xen); Koan allocates them at the first setup_table.
 */
#define GNTTAB_INITIAL_FRAMES              1u

#define GNTTAB_ENTRIES_PER_FRAME 512u   /* PAGE_SIZE / sizeof(grant_entry_v1_t) */

/*
 * The pin counts of an active entry: host writable, host read-only, device
 * writable, device read-only mappings (a copy pins as a host mapping for
 * its duration), a byte each.
 */
#define GNTPIN_HSTW 0x00000001u
#define GNTPIN_HSTR 0x00000100u
#define GNTPIN_DEVW 0x00010000u
#define GNTPIN_DEVR 0x01000000u
#define GNTPIN_WRITERS (0xffu * (GNTPIN_HSTW | GNTPIN_DEVW))

struct active_grant {
    uint32_t pin;        /* GNTPIN_* counts; 0: not pinned */
    domid_t domid;       /* who pinned it (only that domain may pin it more) */
    uint16_t pad;
    mfn_t mfn;           /* the frame pinned */
};
#define GNTTAB_ACTIVE_PER_PAGE 256u      /* PAGE_SIZE / sizeof(struct active_grant) */

struct grant_mapping {
    uint32_t ref;        /* the granter's entry; while free: the next free handle */
    uint16_t flags;      /* GNTMAP_* still mapped, GNTMAP_BUSY; 0: free */
    domid_t domid;       /* the granter */
    mfn_t mfn;           /* the frame mapped */
};
#define GNTTAB_MAPTRACK_PER_PAGE 256u    /* PAGE_SIZE / sizeof(struct grant_mapping) */
/* Pages of handles whose pointers fit in the structure (1024 handles: a backend's usual). */
#define GNTTAB_MAPTRACK_INLINE 4u
/* A map or unmap is at work on the handle: nobody else may use it meanwhile. */
#define GNTMAP_BUSY 0x8000u
/* The GNTMAP_* a handle keeps. */
#define GNTMAP_KEPT (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly | \
                     GNTMAP_application_map | GNTMAP_contains_pte)
#define GNTTAB_HANDLE_NIL 0xffffffffu

/* The structure sits in struct domain (its `gnttab`); its arrays come as used. */
struct grant_table {
    spinlock_t lock;                 /* the table (see above) */
    uint32_t nr_frames, max_frames;  /* nr_frames: allocated (atomic for readers without lock) */
    mfn_t *frames;                   /* [max_frames]: the shared frames (NULL: no directory) */
    struct active_grant **active;    /* [2 * max_frames] pages of active entries (NULL: none yet) */
    uint32_t dir_pages;              /* the directory's pages (0: not allocated) */
    uint32_t active_pages;           /* pages of active entries allocated */

    spinlock_t maptrack_lock;        /* the map handles */
    uint32_t maptrack_limit;         /* handles [0, limit) exist */
    uint32_t max_maptrack_frames;
    uint32_t free_head, free_tail;   /* free handles, oldest first (NIL: none) */
    uint32_t nr_free;
    /*
     * Pages of handles: maptrack_inline while there are at most
     * GNTTAB_MAPTRACK_INLINE, then an allocated array for
     * max_maptrack_frames (the inline one is left as it was: a reader
     * without the lock -- the teardown, the checker -- sees either).
     */
    struct grant_mapping **maptrack;
    struct grant_mapping *maptrack_inline[GNTTAB_MAPTRACK_INLINE];

    uint32_t teardown_next;          /* dying: handles below it still to release */
};

struct domain;

/*
 * The table of a new domain (d->grant_table points at d->gnttab from
 * now until its teardown): its limits only, nothing is allocated.
 * max_frames >= 1.
 */
void grant_table_create(struct domain *d, unsigned max_frames, unsigned max_maptrack_frames);
/*
 * A dying domain's table, under the work budget, before its memory is
 * released: each mapping it holds of others' grants is released (pins,
 * device references; its PTEs go with its page tables), then the table is
 * freed (the shared frames go with the domain's memory).  Waits until no
 * other CPU is in the domain (domain_mm_enter).  0 when done, -ERESTART.
 */
int grant_table_teardown(struct domain *d);

/*
 * Hypervisor pages d's table holds now -- its directory, the shared
 * frames, the pages of active entries, the map handles -- for the memory
 * report (a snapshot, no lock; the structure is in the domain's record).
 */
uint64_t grant_table_pages(const struct domain *d);

/* Hypercall 20. */
long do_grant_table_op(uint64_t cmd, uint64_t uop, uint64_t count);

/* ---- the core operations (guest memory already copied in) ---- */

/* Grow d's table to nr frames (if smaller): 0, -EINVAL (beyond its limit), -ENOMEM. */
int grant_table_grow(struct domain *d, unsigned nr);
/* Frames the guest sees (query_size): the allocated ones, at least GNTTAB_INITIAL_FRAMES. */
uint32_t grant_table_visible_frames(const struct grant_table *gt);
int16_t grant_map_one(struct domain *ld, struct gnttab_map_grant_ref *op);
/*
 * An unmap in two halves, as Xen's: the first takes the mappings away
 * (and the handle, once nothing is left of it), the second -- after the
 * caller flushed the mapper's TLBs -- releases the device references and
 * the granter's pins, so that the granter cannot see its grant unused
 * while a stale translation may still reach the frame.
 */
struct grant_unmap_done {
    uint16_t flags;      /* GNTMAP_* taken away (0: nothing to finish) */
    domid_t domid;
    uint32_t ref;
    mfn_t mfn;
};
int16_t grant_unmap_begin(struct domain *ld, uint32_t handle, uint64_t host_addr,
                          uint64_t dev_bus_addr, uint64_t new_addr,
                          struct grant_unmap_done *done);
void grant_unmap_finish(struct domain *ld, const struct grant_unmap_done *done);
int16_t grant_copy_one(struct domain *ld, const struct gnttab_copy *op);
int16_t grant_transfer_one(struct domain *ld, const struct gnttab_transfer *op);

/*
 * May d's tables map mfn, another domain's frame?  Yes if one of its
 * handles maps it (or d is dying and its handles are gone already: they
 * go before its tables).
 */
bool grant_table_maps_frame(const struct domain *d, mfn_t mfn);
/* Every reference a map handle holds (device mappings), for the invariant checker. */
void grant_table_each_ref(const struct domain *d, void (*fn)(void *ctx, mfn_t mfn, bool writable),
                          void *ctx);

/* ---- hooks implemented by the hypervisor (hyp/common/grant_table_hooks.c) or unit tests ---- */

/* The L1 table that maps guest address va in ld's current page tables (its vCPU running now). */
bool grant_find_l1(struct domain *ld, uint64_t va, mfn_t *l1);
/* Flush every CPU that may hold a translation of d. */
void grant_flush_domain_tlb(struct domain *d);
/* A frame leaves one domain for another without the allocator: flush whoever may still reach it. */
void grant_flush_for_transfer(void);

#endif
