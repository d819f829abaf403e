/* SPDX-License-Identifier: MIT */
/*
 * Validation of guest page tables and of single entry updates.
 *
 * An entry at level N that is present must be acceptable for the domain that
 * owns the table: allowed flags only, and a target the domain may use — at
 * L1 a frame of the page owner (or I/O memory for a domain with I/O rights),
 * referenced, with a writable type reference if the entry is writable; at
 * L2-L4 a table of the next level down, validated on the spot if it was not
 * yet, or (read-only) a "linear" mapping of a table of the same level.  L4
 * slots 256-271 belong to the hypervisor: guests cannot write them, and
 * validation installs the hypervisor's own entries there.
 */
#ifndef KOAN_HYP_PT_H
#define KOAN_HYP_PT_H

#include <hyp/frame_table.h>

struct domain;

/*
 * Validate the entries of table pg as `level` for its owner d, from entry
 * pg->nr_valid on, charging the work budget one unit per entry.  0 when
 * all 512 hold their references (an L4 also gets the hypervisor's slots);
 * -ERESTART when the budget ran out (entries [0, nr_valid) hold theirs, and
 * the entry at nr_valid may have left a partial table below); another error
 * when an entry is refused (every entry has been given back, nr_valid 0).
 */
int pt_validate(struct page_info *pg, unsigned level, struct domain *d);
/*
 * Give back the references of entries [0, pg->nr_valid), from the top down.
 * Budgeted: -ERESTART when the budget ran out (nr_valid says how far it
 * got); otherwise to the end (at most 512 entries).  0 when done.
 */
int pt_devalidate(struct page_info *pg, unsigned level, bool budgeted);
/* An L4 that is no longer validated: remove the hypervisor's slots from it. */
void pt_clear_hypervisor_slots(struct page_info *pg);

/*
 * Replace entry `index` of the validated table pg (level 1-4) with `val`,
 * for a guest of domain d (the table's owner); L1 targets must belong to
 * pg_owner.  preserve_ad keeps the accessed/dirty bits the entry has.
 * 0 or -errno; on error the entry is unchanged.  The caller holds a type
 * reference on pg (get_page_type_in_use), so that it stays validated.
 */
int pt_update_entry(struct page_info *pg, unsigned index, uint64_t val, bool preserve_ad,
                    struct domain *d, struct domain *pg_owner);

/*
 * As pt_update_entry, but only if the entry still holds `expect` (compared
 * and swapped atomically): -EAGAIN, with nothing changed, if it does not.
 * For emulated writes that must apply to the entry they read (ptwr).
 */
int pt_update_entry_if(struct page_info *pg, unsigned index, uint64_t expect, uint64_t val,
                       struct domain *d, struct domain *pg_owner);

/* Is L4 slot i the guest's (not the hypervisor's)? */
static inline bool pt_is_guest_l4_slot(unsigned i) { return i < 256 || i > 271; }

/* Hook: the hypervisor's entry for one of its L4 slots. */
uint64_t pt_hypervisor_l4_entry(unsigned slot);
/* Hook: may d map machine frame mfn, which is not RAM it owns, as I/O memory? */
bool pt_io_access_permitted(const struct domain *d, mfn_t mfn);
/* Direct-map view of a frame (the hypervisor's, or a test fake). */
void *pt_map_frame(mfn_t mfn);

#endif
