/* SPDX-License-Identifier: MIT */
/*
 * A domain's pages: the page list of the frames it owns (with tot_pages and
 * xen_pages), giving it a free frame, taking one back, freeing a frame whose
 * last reference went, and the teardown of a dying domain's memory
 * (include/hyp/frame_table.h).
 *
 * The list, the counters and the devalidation queue are under the domain's
 * page_lock, which is never held while taking another lock or waiting for
 * a busy frame (docs/memory.md, "Concurrency").
 */
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/spinlock.h>
#include <hyp/work_budget.h>

#include "frame_table_internal.h"

/* ---- the page list (under d->page_lock) ---- */

static void page_list_del(struct domain *d, struct page_info *pg)
{
    mfn_t mfn = page_to_mfn(pg);

    if (d->relinquish_next == mfn)
        d->relinquish_next = pg->next;   /* freed under the teardown's walk: it goes on after it */
    if (pg->prev == FT_NIL)
        d->page_list_head = pg->next;
    else
        frame_table[pg->prev].next = pg->next;
    if (pg->next == FT_NIL)
        d->page_list_tail = pg->prev;
    else
        frame_table[pg->next].prev = pg->prev;
    pg->next = pg->prev = FT_NIL;
}

static void page_list_add(struct domain *d, struct page_info *pg)
{
    mfn_t mfn = page_to_mfn(pg);

    pg->prev = d->page_list_tail;
    pg->next = FT_NIL;
    if (d->page_list_tail == FT_NIL)
        d->page_list_head = (uint32_t)mfn;
    else
        frame_table[d->page_list_tail].next = (uint32_t)mfn;
    d->page_list_tail = (uint32_t)mfn;
}

/*
 * tot_pages or xen_pages (under d->page_lock) by +1 or -1.  Stored
 * atomically: others read them without the lock, as a snapshot.
 */
static void count_pages(struct domain *d, bool xen_shared, int64_t by)
{
    uint64_t *n = xen_shared ? &d->xen_pages : &d->tot_pages;

    atomic_store64(n, *n + (uint64_t)by);
}

/* ---- a frame's life: assigned, released, freed ---- */

/* A frame nobody references any more, off every list: back to the allocator. */
static void frame_reset_free(struct page_info *pg)
{
    pg->linear = 0;
    pg->nr_valid = 0;
    /*
     * Owner, type, flags and type count go at once.  With no general
     * reference left, the only type reference can be the writable one a
     * shared hypervisor page holds by its flag.
     */
    atomic_store64(&pg->type_info, PGI_FREE);
    /* No flush here: frame_table_on_free stamps the free, and the frame is
     * flushed from every CPU before it is reused (hyp/mm/tlb.c). */
    frame_table_on_free(page_to_mfn(pg));
}

void free_domain_page(struct page_info *pg)
{
    /* Its count is 0: nobody else may touch the frame now. */
    uint64_t ti = page_type_info(pg);
    struct domain *d = domain_from_id(pgi_owner(ti));

    if (d) {
        spin_lock(&d->page_lock);
        page_list_del(d, pg);
        count_pages(d, pgi_flags(ti) & PGF_xen_shared, -1);
        spin_unlock(&d->page_lock);
    }
    frame_reset_free(pg);
    if (d)
        domain_check_gone(d);
}

int domain_assign_page(struct domain *d, mfn_t mfn, bool count_in_tot_pages)
{
    struct page_info *pg;
    uint64_t ti;
    int rc = 0;

    if (!mfn_valid(mfn))
        return -EINVAL;
    pg = mfn_to_page(mfn);
    ti = page_type_info(pg);
    if (pgi_owner(ti) != DOMID_INVALID || atomic_load32(&pg->count))
        return -EBUSY;
    uint64_t owned = PGI_OWNER(d->id) | PGI_TYPE(PGT_none) |
                     PGI_FLAG(PGF_allocated | (count_in_tot_pages ? 0 : PGF_xen_shared));
    spin_lock(&d->page_lock);
    /*
     * Under the lock, so that a teardown (whose walks start after the
     * domain was marked dying, and take the lock) sees every frame given
     * to a domain that was not dying yet.
     */
    if (!domain_running(d))
        rc = -EINVAL;   /* its teardown has begun: the frame would never come back */
    else if (count_in_tot_pages && d->tot_pages >= d->max_pages)
        rc = -ENOMEM;
    else if (atomic_cmpxchg64(&pg->type_info, ti, owned) != ti)
        rc = -EBUSY;    /* someone else took it meanwhile */
    if (rc == 0) {
        pg->linear = 0;
        pg->nr_valid = 0;
        atomic_store32(&pg->count, 1);   /* the ownership reference: get_page works from now */
        page_list_add(d, pg);
        count_pages(d, !count_in_tot_pages, 1);
    }
    spin_unlock(&d->page_lock);
    return rc;
}

int domain_release_page(struct domain *d, mfn_t mfn)
{
    struct page_info *pg;

    if (!mfn_valid(mfn))
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if (!get_page(pg, d))
        return -EINVAL;
    /* The ownership reference goes once, whoever else releases the frame at the same time. */
    if ((page_flags(pg) & PGF_xen_shared) ||
        !(page_flags_clear(pg, PGF_allocated) & PGF_allocated)) {
        put_page(pg);
        return -EINVAL;
    }
    /*
     * A pinned table keeps its pin (as on Xen): the frame stays the domain's,
     * counted in tot_pages, until it is unpinned or the domain goes away.
     */
    put_page(pg);   /* the ownership reference */
    put_page(pg);   /* ours: may free it now, or when the last user lets go */
    return 0;
}

/* ---- frames given up: XENMEM_exchange and GNTTABOP_transfer ---- */

/*
 * Take the sole reference to d's frame mfn: only a plain frame that nobody
 * else holds, our reference and the ownership one exactly (Xen's
 * steal_page).  A mapping, a pin, a type reference, a partial table or the
 * devalidation queue would hold one more.  From count 0 on nobody can take
 * a reference (get_page refuses it), and the teardown's walks pass it by.
 */
static int take_sole_reference(struct domain *d, mfn_t mfn, struct page_info **out)
{
    struct page_info *pg;
    uint64_t ti;

    if (!mfn_valid(mfn))
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if (!get_page(pg, d))
        return -EINVAL;
    ti = page_type_info(pg);
    if ((pgi_flags(ti) & (PGF_xen_shared | PGF_busy | PGF_pinned)) ||
        !(pgi_flags(ti) & PGF_allocated) || pgi_count(ti) ||
        atomic_cmpxchg32(&pg->count, 2, 0) != 2) {
        put_page(pg);
        return -EINVAL;
    }
    *out = pg;
    return 0;
}

int domain_steal_page(struct domain *d, mfn_t mfn)
{
    struct page_info *pg;
    int rc = take_sole_reference(d, mfn, &pg);

    if (!rc)
        page_flags_clear(pg, PGF_allocated);
    return rc;
}

int domain_give_up_page(struct domain *d, mfn_t mfn)
{
    struct page_info *pg;
    int rc = take_sole_reference(d, mfn, &pg);

    if (rc)
        return rc;
    spin_lock(&d->page_lock);
    page_list_del(d, pg);
    count_pages(d, false, -1);
    spin_unlock(&d->page_lock);
    pg->linear = 0;
    pg->nr_valid = 0;
    atomic_store64(&pg->type_info, PGI_FREE);   /* no owner: for domain_assign_page */
    return 0;
}

void domain_unsteal_page(mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);

    page_flags_set(pg, PGF_allocated);
    atomic_store32(&pg->count, 1);   /* the ownership reference, as before */
}

void domain_swap_page(struct domain *d, mfn_t stolen, mfn_t fresh)
{
    struct page_info *old = mfn_to_page(stolen), *pg = mfn_to_page(fresh);

    /*
     * One out, one in under one hold: tot_pages never moves, max_pages never
     * matters.  The fresh frame is ours alone until its count is published,
     * last and under the lock: from then on another CPU may take it (a
     * guest can name any frame), even steal it, whose removal from the list
     * must find it there.
     */
    spin_lock(&d->page_lock);
    page_list_del(d, old);
    pg->linear = 0;
    pg->nr_valid = 0;
    atomic_store64(&pg->type_info, PGI_OWNER(d->id) | PGI_TYPE(PGT_none) |
                                   PGI_FLAG(PGF_allocated));
    page_list_add(d, pg);
    atomic_store32(&pg->count, 1);
    spin_unlock(&d->page_lock);
    frame_reset_free(old);
}

/* ---- foreign operations and the teardown ---- */

bool domain_mm_enter(struct domain *d)
{
    atomic_inc32(&d->mm_foreign);
    /* After the increment: a teardown that has not seen it has made d dying before. */
    if (domain_running(d))
        return true;
    atomic_dec32(&d->mm_foreign);
    return false;
}

void domain_mm_exit(struct domain *d)
{
    atomic_dec32(&d->mm_foreign);
}

/*
 * Visit d's pages from d->relinquish_next on, under the work budget:
 * -ERESTART if it ran out (the walk resumes there).  The cursor moves under
 * the lock, and each page is held by a reference of ours while fn works on
 * it (fn may drop the others); a page whose count is already 0 is being
 * freed by another CPU, which takes it off the list.  page_list_del moves
 * the cursor past a page it removes.
 */
static int walk_domain_pages(struct domain *d, void (*fn)(struct domain *, struct page_info *))
{
    for (;;) {
        spin_lock(&d->page_lock);
        uint32_t m = d->relinquish_next;
        if (m == FT_NIL || work_budget_charge(1)) {
            spin_unlock(&d->page_lock);
            return m == FT_NIL ? 0 : -ERESTART;
        }
        struct page_info *pg = &frame_table[m];
        d->relinquish_next = pg->next;
        bool held = page_get_ref_if_live(pg);
        spin_unlock(&d->page_lock);
        if (held) {
            fn(d, pg);
            put_page(pg);
        }
    }
}

static void unpin_page(struct domain *d, struct page_info *pg)
{
    if (page_flags_clear(pg, PGF_pinned) & PGF_pinned)
        put_page_and_type(pg);
}

/* Every table queued whoever uses it: this breaks cycles.  (Local: walks take local functions.) */
static void force_devalidate(struct domain *d, struct page_info *pg)
{
    frame_table_force_devalidate(d, pg);
}

static void drop_ownership(struct domain *d, struct page_info *pg)
{
    if (page_flags_clear(pg, PGF_allocated) & PGF_allocated)
        put_page(pg);
}

static void walk_from_head(struct domain *d)
{
    spin_lock(&d->page_lock);
    d->relinquish_next = d->page_list_head;
    spin_unlock(&d->page_lock);
}

/* The phases from *phase on, as far as the budget goes; *phase says where it stopped. */
static int relinquish_phases(struct domain *d, unsigned *phase)
{
    int rc = 0;

    while (rc == 0 && *phase != RELINQUISH_DONE) {
        switch (*phase) {
        case RELINQUISH_UNPIN:
            rc = walk_domain_pages(d, unpin_page);
            break;
        case RELINQUISH_FORCE:
            rc = walk_domain_pages(d, force_devalidate);
            break;
        case RELINQUISH_DRAIN:
            rc = frame_table_drain(d);
            break;
        default:   /* RELINQUISH_DROP: nothing is validated any more, so a drop frees one page at most */
            rc = walk_domain_pages(d, drop_ownership);
            break;
        }
        if (rc == 0) {
            ++*phase;
            walk_from_head(d);
        }
    }
    return rc;
}

int domain_relinquish_memory(struct domain *d)
{
    unsigned phase = atomic_read(&d->relinquish_phase);
    int rc = 0;

    if (phase == RELINQUISH_DONE) {
        domain_check_gone(d);
        return 0;
    }
    /* One CPU at a time: the phase, marked running, is ours until we store it back. */
    if ((phase & RELINQUISH_RUNNING) ||
        atomic_cmpxchg32(&d->relinquish_phase, phase, phase | RELINQUISH_RUNNING) != phase)
        return -ERESTART;
    if (phase == RELINQUISH_UNPIN && d->relinquish_next == FT_NIL) {   /* the first call */
        smp_mb();   /* d is dying (we were called for that): now count the foreign operations */
        if (atomic_load32(&d->mm_foreign))
            rc = -ERESTART;   /* they end soon (one hypercall's budget); then we start */
        else
            walk_from_head(d);
    }
    if (rc == 0)
        rc = relinquish_phases(d, &phase);
    /* The last write to d: once DONE is visible, d may be freed (domain_check_gone). */
    atomic_write(&d->relinquish_phase, phase);
    if (rc == 0)
        domain_check_gone(d);
    return rc;
}
