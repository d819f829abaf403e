/* SPDX-License-Identifier: MIT */
/*
 * Frame table: ownership, general references and type references of every
 * machine frame (rules in include/hyp/frame_table.h).  Page-table validation
 * itself is in pt.c; this file decides *when* it happens.
 */
#include <hyp/descriptor.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/pt.h>
#include <hyp/string.h>
#include <hyp/work_budget.h>

struct page_info *frame_table;
mfn_t frame_table_frames;

void frame_table_setup(struct page_info *table, mfn_t nr)
{
    frame_table = table;
    frame_table_frames = nr;
    for (mfn_t m = 0; m < nr; m++) {
        memset(&table[m], 0, sizeof(table[m]));
        table[m].owner = DOMID_INVALID;
        table[m].next = table[m].prev = table[m].queue_next = FT_NIL;
    }
}

void frame_table_set_io(mfn_t first, mfn_t count)
{
    for (mfn_t m = first; m < first + count && mfn_valid(m); m++)
        frame_table[m].owner = DOMID_IO;
}

bool get_page(struct page_info *pg, const struct domain *d)
{
    /* No new references to a dying domain's frames: its teardown only goes down. */
    if (!d || d->state != DOMAIN_RUNNING || pg->owner != d->id || !(pg->count) ||
        pg->count >= PAGE_COUNT_MAX)
        return false;
    pg->count++;
    return true;
}

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

/* The last reference is gone: the frame leaves its owner and is freed. */
static void free_domain_page(struct page_info *pg)
{
    struct domain *d = domain_from_id(pg->owner);

    if (d) {
        page_list_del(d, pg);
        if (pg->flags & PGF_xen_shared)
            d->xen_pages--;
        else
            d->tot_pages--;
    }
    pg->owner = DOMID_INVALID;
    pg->type = PGT_none;
    /* With no general reference left, the only type reference can be the
     * writable one a shared hypervisor page holds by its flag. */
    pg->type_count = 0;
    pg->flags = 0;
    pg->linear = 0;
    pg->nr_valid = 0;
    /* No stale translation may reach the frame once someone else has it (on_free). */
    frame_table_on_free(page_to_mfn(pg));
    if (d)
        domain_check_gone(d);
}

void put_page(struct page_info *pg)
{
    if (pg->count == 0)
        return;   /* a hypervisor bug; the invariant checker reports it */
    if (--pg->count == 0)
        free_domain_page(pg);
}

/* ---- partial tables and the devalidation queue ---- */

/* pg becomes partial, holding a reference on itself while it is. */
static void partial_begin(struct page_info *pg, uint16_t nr_valid)
{
    pg->flags |= PGF_partial;
    pg->nr_valid = nr_valid;
    pg->count++;
}

/* pg is whole again (validated, or with no entry holding anything). */
static void partial_end(struct page_info *pg)
{
    pg->flags &= ~(PGF_partial | PGF_devalidating);
    put_page(pg);
}

static void queue_push(struct domain *d, struct page_info *pg)
{
    if (pg->flags & PGF_queued)
        return;
    pg->flags |= PGF_queued;
    pg->count++;   /* the queue's reference: never freed while queued */
    pg->queue_next = d->devalidate_head;
    d->devalidate_head = (uint32_t)page_to_mfn(pg);
}

static struct page_info *queue_pop(struct domain *d)
{
    struct page_info *pg = mfn_to_page(d->devalidate_head);

    d->devalidate_head = pg->queue_next;
    pg->queue_next = FT_NIL;
    pg->flags &= ~PGF_queued;
    return pg;
}

/* A validated table loses its validation: its entries are given back later, by the drain. */
static void devalidate_later(struct page_info *pg)
{
    struct domain *owner = domain_from_id(pg->owner);

    pg->flags &= ~PGF_validated;
    /* A former L4 must not show the hypervisor's entries once it is writable. */
    pt_clear_hypervisor_slots(pg);
    if (!(pg->flags & PGF_partial))
        partial_begin(pg, 512);
    pg->flags |= PGF_devalidating;
    if (owner)
        queue_push(owner, pg);
}

/* Give back every reference of a partial table now: at most 512 entries. */
static void devalidate_now(struct page_info *pg)
{
    pt_devalidate(pg, pg->type, false);
    partial_end(pg);
}

int frame_table_drain(struct domain *d)
{
    while (d->devalidate_head != FT_NIL) {
        struct page_info *pg = queue_pop(d);
        if (pg->flags & PGF_devalidating) {
            if (pt_devalidate(pg, pg->type, true)) {
                queue_push(d, pg);   /* before dropping the popped reference */
                put_page(pg);
                return -ERESTART;
            }
            partial_end(pg);
        }
        put_page(pg);   /* the queue's reference: may free the frame now */
    }
    return 0;
}

/* ---- type references ---- */

/* The type count is zero: the frame may take a new type. */
static void page_change_type(struct page_info *pg, unsigned type)
{
    if (pg->type == type)
        return;
    /* A half-done table is finished off first: its entries still hold references. */
    if (pg->flags & PGF_partial)
        devalidate_now(pg);
    pg->type = (uint8_t)type;
    pg->flags &= ~PGF_validated;
    /*
     * A frame becoming a table or descriptor page may still be reachable
     * through stale writable TLB entries; one becoming writable may be
     * cached as a table by the walker.  Flush on every type change.
     */
    frame_table_flush_tlb();
}

/* Validate (or go on validating) table pg; 0, -ERESTART (stays partial) or an error. */
static int validate_table(struct page_info *pg, unsigned level, struct domain *d)
{
    if (!(pg->flags & PGF_partial))
        partial_begin(pg, 0);
    /* Taken up again: the drain leaves it to us now. */
    pg->flags &= ~PGF_devalidating;
    int rc = pt_validate(pg, level, d);
    if (rc == -ERESTART)
        return rc;
    if (rc == 0)
        pg->flags |= PGF_validated;
    partial_end(pg);   /* on failure pt_validate has given every entry back */
    return rc;
}

int get_page_type(struct page_info *pg, unsigned type, struct domain *d)
{
    if (pg->type_count == 0)
        page_change_type(pg, type);
    else if (pg->type != type)
        return -EINVAL;
    if (pg->type_count >= PAGE_COUNT_MAX)
        return -EBUSY;
    pg->type_count++;
    if (type == PGT_seg_desc && !(pg->flags & PGF_validated)) {
        if (!descriptor_check_page(pt_map_frame(page_to_mfn(pg)))) {
            pg->type_count--;
            return -EINVAL;
        }
        pg->flags |= PGF_validated;
    }
    if (page_type_is_table(type) && !(pg->flags & PGF_validated)) {
        int rc = validate_table(pg, type, d);
        if (rc) {
            pg->type_count--;
            return rc;
        }
    }
    return 0;
}

void put_page_type(struct page_info *pg)
{
    if (pg->type_count == 0)
        return;   /* a hypervisor bug; the invariant checker reports it */
    if (--pg->type_count == 0 && page_type_is_table(pg->type) &&
        (pg->flags & PGF_validated))
        devalidate_later(pg);
}

int get_page_and_type(struct page_info *pg, struct domain *d, unsigned type)
{
    if (!get_page(pg, d))
        return -EINVAL;
    int rc = get_page_type(pg, type, d);
    if (rc)
        put_page(pg);
    return rc;
}

void put_page_and_type(struct page_info *pg)
{
    put_page_type(pg);
    put_page(pg);
}

int page_pin(struct domain *owner, mfn_t mfn, unsigned type)
{
    struct page_info *pg;
    int rc;

    if (!mfn_valid(mfn))
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if ((rc = get_page_and_type(pg, owner, type)))
        return rc;
    if (pg->flags & PGF_pinned) {
        put_page_and_type(pg);
        return -EINVAL;
    }
    pg->flags |= PGF_pinned;
    return 0;
}

int page_unpin(struct domain *owner, mfn_t mfn)
{
    struct page_info *pg;

    if (!mfn_valid(mfn) || !get_page(pg = mfn_to_page(mfn), owner))
        return -EINVAL;
    if (!(pg->flags & PGF_pinned)) {
        put_page(pg);
        return -EINVAL;
    }
    pg->flags &= ~PGF_pinned;
    put_page_and_type(pg);
    put_page(pg);
    return 0;
}

int domain_assign_page(struct domain *d, mfn_t mfn, bool count_in_tot_pages)
{
    struct page_info *pg;

    if (!mfn_valid(mfn))
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if (pg->owner != DOMID_INVALID || pg->count)
        return -EBUSY;
    if (domain_is_dying(d))
        return -EINVAL;   /* its teardown has begun: the frame would never come back */
    if (count_in_tot_pages && d->tot_pages >= d->max_pages)
        return -ENOMEM;
    pg->owner = d->id;
    pg->count = 1;
    pg->type_count = 0;
    pg->type = PGT_none;
    pg->flags = PGF_allocated | (count_in_tot_pages ? 0 : PGF_xen_shared);
    pg->linear = 0;
    page_list_add(d, pg);
    if (count_in_tot_pages)
        d->tot_pages++;
    else
        d->xen_pages++;
    return 0;
}

int domain_release_page(struct domain *d, mfn_t mfn)
{
    struct page_info *pg;

    if (!mfn_valid(mfn))
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if (!get_page(pg, d))
        return -EINVAL;
    if ((pg->flags & PGF_xen_shared) || !(pg->flags & PGF_allocated)) {
        put_page(pg);
        return -EINVAL;
    }
    /*
     * A pinned table keeps its pin (as on Xen): the frame stays the domain's,
     * counted in tot_pages, until it is unpinned or the domain goes away.
     */
    pg->flags &= ~PGF_allocated;
    put_page(pg);   /* the ownership reference */
    put_page(pg);   /* ours: may free it now, or when the last user lets go */
    return 0;
}

/*
 * Visit d's pages from d->relinquish_next on, under the work budget:
 * -ERESTART if it ran out (the walk resumes there).  fn may free the page
 * it is given: page_list_del moves relinquish_next past a page it removes.
 */
static int walk_domain_pages(struct domain *d, void (*fn)(struct domain *, struct page_info *))
{
    while (d->relinquish_next != FT_NIL) {
        if (work_budget_charge(1))
            return -ERESTART;
        struct page_info *pg = &frame_table[d->relinquish_next];
        d->relinquish_next = pg->next;
        fn(d, pg);
    }
    return 0;
}

static void unpin_page(struct domain *d, struct page_info *pg)
{
    if (pg->flags & PGF_pinned) {
        pg->flags &= ~PGF_pinned;
        put_page_and_type(pg);
    }
}

/* Queue every table for devalidation whoever still uses it: this breaks cycles. */
static void force_devalidate(struct domain *d, struct page_info *pg)
{
    if (!page_type_is_table(pg->type))
        return;
    if (pg->flags & PGF_validated) {
        devalidate_later(pg);
    } else if (pg->flags & PGF_partial) {
        pg->flags |= PGF_devalidating;   /* abandoned half-way up: down it goes */
        queue_push(d, pg);
    }
}

static void drop_ownership(struct domain *d, struct page_info *pg)
{
    if (pg->flags & PGF_allocated) {
        pg->flags &= ~PGF_allocated;
        put_page(pg);
    }
}

/* One walk over every page, then the next phase. */
static int relinquish_walk(struct domain *d, void (*fn)(struct domain *, struct page_info *))
{
    int rc = walk_domain_pages(d, fn);

    if (rc == 0) {
        d->relinquish_phase++;
        d->relinquish_next = d->page_list_head;
    }
    return rc;
}

int domain_relinquish_memory(struct domain *d)
{
    int rc = 0;

    if (d->relinquish_phase == RELINQUISH_UNPIN && d->relinquish_next == FT_NIL)
        d->relinquish_next = d->page_list_head;   /* the first call */
    while (rc == 0 && d->relinquish_phase != RELINQUISH_DONE) {
        switch (d->relinquish_phase) {
        case RELINQUISH_UNPIN:
            rc = relinquish_walk(d, unpin_page);
            break;
        case RELINQUISH_FORCE:
            rc = relinquish_walk(d, force_devalidate);
            break;
        case RELINQUISH_DRAIN:
            if ((rc = frame_table_drain(d)) == 0) {
                d->relinquish_phase++;
                d->relinquish_next = d->page_list_head;
            }
            break;
        default:   /* RELINQUISH_DROP: nothing is validated any more, so a drop frees one page at most */
            rc = relinquish_walk(d, drop_ownership);
            break;
        }
    }
    if (rc == 0)
        domain_check_gone(d);
    return rc;
}
