/* SPDX-License-Identifier: MIT */
/*
 * Pinning grant entries (include/hyp/grant_table.h): the status-flag
 * protocol on the guest's shared entry -- which the guest may rewrite at
 * any moment, so the hypervisor changes it only by compare-and-swap or
 * atomic and -- and the active entry's pin counts, under the table's lock.
 * A mapping pins by its GNTMAP_* kind; a copy pins as a host mapping for
 * the length of the copy and holds a reference to the frame meanwhile.
 */
#include <asm/atomic.h>
#include <hyp/domain.h>
#include <hyp/frame_table.h>

#include "grant_table_internal.h"

/* The guest may rewrite the entry under us this many times before we give up. */
#define STATUS_RETRIES 5

int16_t grant_status_pin(grant_entry_v1_t *e, bool first, bool readonly, bool for_map,
                         domid_t ldom)
{
    /* flags (low half) and domid (high half) change together. */
    uint32_t *word = (uint32_t *)e;
    uint16_t mask = GTF_type_mask | (for_map ? GTF_sub_page : 0);
    uint32_t x = atomic_load32(word);

    for (unsigned tries = 1;; tries++) {
        uint16_t flags = (uint16_t)x;
        uint32_t nx = x | GTF_reading;

        if (first && ((flags & mask) != GTF_permit_access || (domid_t)(x >> 16) != ldom))
            return GNTST_general_error;
        if (!readonly) {
            if (flags & GTF_readonly)
                return GNTST_general_error;
            nx |= GTF_writing;
        }
        uint32_t seen = atomic_cmpxchg32(word, x, nx);
        if (seen == x)
            return GNTST_okay;
        if (tries == STATUS_RETRIES)
            return GNTST_general_error;   /* the guest keeps changing it */
        x = seen;
    }
}

void grant_status_reduce(grant_entry_v1_t *e, uint32_t pin, bool readonly)
{
    uint16_t clear = pin ? 0 : GTF_reading;

    if (!readonly && !(pin & GNTPIN_WRITERS))
        clear |= GTF_writing;
    if (clear)
        (void)__atomic_fetch_and(&e->flags, (uint16_t)~clear, __ATOMIC_SEQ_CST);
}

/*
 * The first pin, or the first writable one: the guest's entry says yes
 * (grant_status_pin) and, for a first pin, names a frame rd owns, which
 * the active entry records.  A copy also wants the frame of a later pin
 * to be the one recorded, and keeps a reference (*page).
 */
static int16_t pin_from_entry(struct domain *rd, grant_entry_v1_t *e, struct active_grant *act,
                              domid_t ldom, bool readonly, bool for_copy,
                              struct page_info **page)
{
    mfn_t frame;
    int16_t rc = grant_status_pin(e, !act->pin, readonly, !for_copy, ldom);

    if (rc)
        return rc;
    if (!act->pin || for_copy) {
        frame = __atomic_load_n(&e->frame, __ATOMIC_RELAXED);
        if (!mfn_valid(frame) || !get_page(mfn_to_page(frame), rd)) {
            grant_status_reduce(e, act->pin, readonly);
            return GNTST_bad_page;
        }
        if (act->pin && frame != act->mfn) {
            put_page(mfn_to_page(frame));
            grant_status_reduce(e, act->pin, readonly);
            return GNTST_general_error;
        }
        if (!act->pin) {
            act->domid = ldom;
            act->mfn = frame;
        }
        if (for_copy)
            *page = mfn_to_page(frame);
        else
            put_page(mfn_to_page(frame));   /* the mapping takes its own */
    }
    return GNTST_okay;
}

int16_t grant_pin(struct domain *rd, uint32_t ref, domid_t ldom, uint32_t incr, bool for_copy,
                  mfn_t *mfn)
{
    struct grant_table *gt = rd->grant_table;
    bool readonly = !(incr & GNTPIN_WRITERS);
    struct page_info *page = NULL;
    int16_t rc = GNTST_okay;

    spin_lock(&gt->lock);
    if (ref >= gt_nr_entries(gt)) {
        /* Before its first frame a table's entries (query_size's) are empty, as a new frame's. */
        rc = ref < grant_table_visible_frames(gt) * GNTTAB_ENTRIES_PER_FRAME
                 ? GNTST_general_error : GNTST_bad_gntref;
        goto out;
    }
    struct active_grant *act = gt_active_get(gt, ref);
    if (unlikely(!act)) {
        rc = GNTST_general_error;   /* no page for its active entries (docs/grants.md) */
        goto out;
    }
    grant_entry_v1_t *e = gt_shared(gt, ref);
    if (act->pin && (act->domid != ldom || grant_pin_overflows(act->pin, incr))) {
        rc = GNTST_general_error;
        goto out;
    }
    if (!act->pin || (!readonly && !(act->pin & GNTPIN_WRITERS))) {
        if ((rc = pin_from_entry(rd, e, act, ldom, readonly, for_copy, &page)))
            goto out;
    } else if (for_copy) {
        /* Pinned already: the frame recorded, while its owner keeps it. */
        page = mfn_to_page(act->mfn);
        if (!get_page(page, rd)) {
            rc = GNTST_bad_domain;
            goto out;
        }
    }
    act->pin += incr;
    *mfn = act->mfn;
out:
    spin_unlock(&gt->lock);
    return rc;
}

void grant_unpin(struct domain *rd, uint32_t ref, uint32_t incr)
{
    struct grant_table *gt = rd->grant_table;

    spin_lock(&gt->lock);
    struct active_grant *act = gt_active(gt, ref);
    act->pin -= incr;
    grant_status_reduce(gt_shared(gt, ref), act->pin, !(incr & GNTPIN_WRITERS));
    spin_unlock(&gt->lock);
}
