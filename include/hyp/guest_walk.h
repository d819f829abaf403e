/* SPDX-License-Identifier: MIT */
/*
 * Walking a guest's page tables (in the hypervisor's direct map) down to
 * the L1 entry that maps a virtual address.  The upper levels must be
 * present, not superpages, and point at real frames; the walk stops
 * otherwise.  Used by update_va_mapping, ptwr, the LDT fault path and the
 * spurious-fault check: one walk, one set of rules.
 */
#ifndef KOAN_HYP_GUEST_WALK_H
#define KOAN_HYP_GUEST_WALK_H

#include <asm/page.h>
#include <hyp/frame_table.h>

struct guest_walk {
    mfn_t l1_table;    /* the L1 table reached, 0 if the walk stopped above it */
    pte_t l1e;         /* its entry for va, 0 if none */
    uint64_t eff;      /* over all four levels: RW and USER ANDed, NX ORed */
};

void guest_walk(mfn_t l4, uint64_t va, struct guest_walk *w);

/* The walk reached a present L1 entry that names a real frame. */
static inline bool guest_walk_mapped(const struct guest_walk *w)
{
    return pte_present(w->l1e) && mfn_valid(pte_mfn(w->l1e));
}

#endif
