/* SPDX-License-Identifier: MIT */
/*
 * What the grant-table files share and nobody else should use: reaching
 * an entry (shared and active), the status-flag protocol of the shared
 * entries, pinning for a mapping, the map handles, and entering another
 * domain's table.  The rules are in include/hyp/grant_table.h.
 */
#ifndef KOAN_HYP_GRANT_TABLE_INTERNAL_H
#define KOAN_HYP_GRANT_TABLE_INTERNAL_H

#include <asm/nospec.h>
#include <hyp/domain.h>
#include <hyp/frame_table.h>
#include <hyp/grant_table.h>
#include <hyp/pt.h>

/* Entries of the table (under gt->lock, or a snapshot). */
static inline uint32_t gt_nr_entries(const struct grant_table *gt)
{
    return gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME;
}

/*
 * Active entry ref (< gt_nr_entries, checked by the caller; clamped
 * against Spectre v1), or NULL while its page was never needed (no pin
 * yet: every entry of it would be unpinned).  Under gt->lock.
 */
static inline struct active_grant *gt_active_or_null(struct grant_table *gt, uint32_t ref)
{
    ref = (uint32_t)array_index_nospec(ref, gt_nr_entries(gt));
    struct active_grant *page = gt->active[ref / GNTTAB_ACTIVE_PER_PAGE];
    return page ? &page[ref % GNTTAB_ACTIVE_PER_PAGE] : NULL;
}

/* Active entry ref of a page that exists (a pinned entry's, say). */
static inline struct active_grant *gt_active(struct grant_table *gt, uint32_t ref)
{
    ref = (uint32_t)array_index_nospec(ref, gt_nr_entries(gt));
    return &gt->active[ref / GNTTAB_ACTIVE_PER_PAGE][ref % GNTTAB_ACTIVE_PER_PAGE];
}

/* Is entry ref pinned?  (Under gt->lock; a missing page pins nothing.) */
static inline bool gt_pinned(struct grant_table *gt, uint32_t ref)
{
    const struct active_grant *act = gt_active_or_null(gt, ref);
    return act && act->pin;
}

/* A zeroed page of active entries at gt->active[page] (grant_table.c): false if none is free. */
bool gt_active_alloc(struct grant_table *gt, uint32_t page);

/*
 * Active entry ref (< gt_nr_entries), its page allocated first if it has
 * none (under gt->lock): NULL when the allocator has no page.
 */
static inline struct active_grant *gt_active_get(struct grant_table *gt, uint32_t ref)
{
    ref = (uint32_t)array_index_nospec(ref, gt_nr_entries(gt));
    uint32_t page = ref / GNTTAB_ACTIVE_PER_PAGE;
    if (unlikely(!gt->active[page]) && !gt_active_alloc(gt, page))
        return NULL;
    return &gt->active[page][ref % GNTTAB_ACTIVE_PER_PAGE];
}

static inline grant_entry_v1_t *gt_shared(struct grant_table *gt, uint32_t ref)
{
    ref = (uint32_t)array_index_nospec(ref, gt_nr_entries(gt));
    return (grant_entry_v1_t *)pt_map_frame(gt->frames[ref / GNTTAB_ENTRIES_PER_FRAME]) +
           ref % GNTTAB_ENTRIES_PER_FRAME;
}

/* ---- the shared entry's flags (grant_table_pin.c; pure) ---- */

/*
 * Set GTF_reading (and GTF_writing unless readonly) in the guest's entry,
 * by compare-and-swap of its flags and domid together.  The first pin
 * also checks the grant: permit_access (and no sub_page, for a mapping)
 * for ldom.  A read-only grant refuses writing.  A guest changing the
 * entry under us five times running is refused too (as on Xen: it could
 * otherwise keep us here).  GNTST_okay or GNTST_general_error.
 */
int16_t grant_status_pin(grant_entry_v1_t *e, bool first, bool readonly, bool for_map,
                         domid_t ldom);
/* After an unpin (or a failed pin): clear the bits the pins left no longer need. */
void grant_status_reduce(grant_entry_v1_t *e, uint32_t pin, bool readonly);

/* The pin counts a mapping with these GNTMAP_* flags takes (0: neither host nor device). */
static inline uint32_t grant_pin_incr(uint32_t flags)
{
    bool ro = flags & GNTMAP_readonly;
    uint32_t incr = 0;

    if (flags & GNTMAP_device_map)
        incr += ro ? GNTPIN_DEVR : GNTPIN_DEVW;
    if (flags & GNTMAP_host_map)
        incr += ro ? GNTPIN_HSTR : GNTPIN_HSTW;
    return incr;
}

/* Would pin + incr carry out of a counter?  (Each stops at 128, as Xen's.) */
static inline bool grant_pin_overflows(uint32_t pin, uint32_t incr)
{
    return pin & (incr << 7);
}

/* ---- pins (grant_table_pin.c) ---- */

/*
 * Pin entry ref of rd's table for ldom by incr (a mapping's counts, or a
 * copy's), checking the grant the first time and recording its frame,
 * which *mfn returns.  A copy also holds a general reference to the frame
 * (put_page when done).  GNTST_okay, _bad_gntref, _general_error,
 * _bad_page, or (a copy of a frame whose owner let it go) _bad_domain.
 */
int16_t grant_pin(struct domain *rd, uint32_t ref, domid_t ldom, uint32_t incr, bool for_copy,
                  mfn_t *mfn);
/* Undo grant_pin's counts (the reference, if any, is the caller's to drop). */
void grant_unpin(struct domain *rd, uint32_t ref, uint32_t incr);

/* ---- map handles (grant_table_maptrack.c) ---- */

/* A handle marked busy, or GNTTAB_HANDLE_NIL when none is left (GNTST_no_space). */
uint32_t maptrack_get(struct grant_table *gt);
/* Back to the free list (a handle from maptrack_get never installed). */
void maptrack_put(struct grant_table *gt, uint32_t handle);
/* The mapping is in place: record it and end busy. */
void maptrack_install(struct grant_table *gt, uint32_t handle, const struct grant_mapping *m);
/* Take a mapped handle busy, its entry copied to *m: false if it is not one. */
bool maptrack_claim(struct grant_table *gt, uint32_t handle, struct grant_mapping *m);
/* End busy with the GNTMAP_* left mapped; none left: the handle is free again. */
void maptrack_release(struct grant_table *gt, uint32_t handle, uint16_t left);
/* The pages of handles (the domain's teardown, when no handle is used any more). */
void maptrack_free(struct grant_table *gt);
/* Pages of handles and of the pointers to them (a snapshot: no lock). */
uint32_t maptrack_pages(const struct grant_table *gt);
/* Entry of a handle below maptrack_limit (the teardown's walk, the checker). */
static inline struct grant_mapping *maptrack_entry(const struct grant_table *gt, uint32_t h)
{
    h = (uint32_t)array_index_nospec(h, gt->maptrack_limit);
    return &gt->maptrack[h / GNTTAB_MAPTRACK_PER_PAGE][h % GNTTAB_MAPTRACK_PER_PAGE];
}

/* ---- another domain's table ---- */

/*
 * Use rd's table from a hypercall of ld: rd == ld, or rd is not dying and
 * its teardown waits until grant_leave (domain_mm_enter).
 */
static inline bool grant_enter(struct domain *ld, struct domain *rd)
{
    return rd == ld || domain_mm_enter(rd);
}
static inline void grant_leave(struct domain *ld, struct domain *rd)
{
    if (rd != ld)
        domain_mm_exit(rd);
}

/* Release what a mapping of d's handle holds besides its PTE (the teardown's, grant_table_map.c). */
void grant_release_mapping(struct domain *d, const struct grant_mapping *m);

#endif
