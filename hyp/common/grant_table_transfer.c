/* SPDX-License-Identifier: MIT */
/*
 * GNTTABOP_transfer, the paper's page flipping (docs/grants.md): a domain
 * gives up one of its frames and it becomes another domain's, through an
 * entry in which the receiver offered GTF_accept_transfer to the giver.
 * As on Xen, the frame leaves the giver first (only a frame nobody else
 * references can: domain_give_up_page), and every refusal after that costs
 * the giver the frame, which goes back to the allocator.  The receiver
 * gets the frame counted in its reservation (there must be room), its
 * M2P entry set to the pfn the entry offered, the entry's frame set to
 * the frame, and GTF_transfer_committed then _completed.
 */
#include <asm/atomic.h>
#include <hyp/domain.h>
#include <hyp/frame_table.h>
#include <hyp/m2p.h>

#include "grant_table_internal.h"

#define COMMIT_RETRIES 5

/* Entry ref offers ld a transfer: mark it committed (under e's table lock). */
static bool commit_entry(struct grant_table *gt, uint32_t ref, domid_t ld)
{
    uint32_t *word;
    uint32_t x;

    if (ref >= gt_nr_entries(gt))
        return false;
    word = (uint32_t *)gt_shared(gt, ref);
    x = atomic_load32(word);
    for (unsigned tries = 1;; tries++) {
        if ((uint16_t)x != GTF_accept_transfer || (domid_t)(x >> 16) != ld)
            return false;
        uint32_t seen = atomic_cmpxchg32(word, x, x | GTF_transfer_committed);
        if (seen == x)
            return true;
        if (tries == COMMIT_RETRIES)
            return false;   /* the guest keeps changing it */
        x = seen;
    }
}

/* The frame is e's now: tell e where it is. */
static void complete_entry(struct grant_table *gt, uint32_t ref, mfn_t mfn)
{
    spin_lock(&gt->lock);
    grant_entry_v1_t *e = gt_shared(gt, ref);
    m2p_set(mfn, __atomic_load_n(&e->frame, __ATOMIC_RELAXED));
    __atomic_store_n(&e->frame, (uint32_t)mfn, __ATOMIC_SEQ_CST);
    (void)__atomic_fetch_or(&e->flags, (uint16_t)GTF_transfer_completed, __ATOMIC_SEQ_CST);
    spin_unlock(&gt->lock);
}

/* Give the ownerless frame mfn to e through its entry ref. */
static int16_t give(struct domain *ld, struct domain *e, uint32_t ref, mfn_t mfn)
{
    struct grant_table *gt = e->grant_table;
    bool committed;

    /* Room first, as Xen: a full receiver's entry is left alone. */
    if (!gt || atomic_load64(&e->tot_pages) >= e->max_pages)
        return GNTST_general_error;
    spin_lock(&gt->lock);
    committed = commit_entry(gt, ref, ld->id);
    spin_unlock(&gt->lock);
    if (!committed || domain_assign_page(e, mfn, true))
        return GNTST_general_error;
    complete_entry(gt, ref, mfn);
    return GNTST_okay;
}

int16_t grant_transfer_one(struct domain *ld, const struct gnttab_transfer *op)
{
    mfn_t mfn = op->mfn;
    struct domain *e;
    int16_t rc;

    if (!mfn_valid(mfn) || domain_give_up_page(ld, mfn))
        return GNTST_bad_page;
    m2p_set(mfn, M2P_INVALID);
    /* ld's stale translations of it, and anyone else's, go before it has a new owner. */
    grant_flush_for_transfer();
    if (!(e = domain_from_id(op->domid)))
        rc = GNTST_bad_domain;
    else if (!grant_enter(ld, e))
        rc = GNTST_general_error;   /* the receiver is dying */
    else {
        rc = give(ld, e, op->ref, mfn);
        grant_leave(ld, e);
    }
    if (rc)
        frame_table_on_free(mfn);   /* lost to the giver, as on Xen */
    return rc;
}
