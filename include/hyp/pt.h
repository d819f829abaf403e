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

/* Validate every entry of the table pg as `level` for its owner d. 0 or -errno. */
int pt_validate(struct page_info *pg, unsigned level, struct domain *d);
/* Drop the references the entries of a validated table hold. */
void pt_devalidate(struct page_info *pg, unsigned level);

/*
 * Replace entry `index` of the validated table pg (level 1-4) with `val`,
 * for a guest of domain d (the table's owner); L1 targets must belong to
 * pg_owner.  preserve_ad keeps the accessed/dirty bits the entry has.
 * 0 or -errno; on error the entry is unchanged.
 */
int pt_update_entry(struct page_info *pg, unsigned index, uint64_t val, bool preserve_ad,
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
