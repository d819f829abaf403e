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

struct page_info *frame_table;
mfn_t frame_table_frames;

void frame_table_setup(struct page_info *table, mfn_t nr)
{
    frame_table = table;
    frame_table_frames = nr;
    for (mfn_t m = 0; m < nr; m++) {
        memset(&table[m], 0, sizeof(table[m]));
        table[m].owner = DOMID_INVALID;
        table[m].next = table[m].prev = FT_NIL;
    }
}

void frame_table_set_io(mfn_t first, mfn_t count)
{
    for (mfn_t m = first; m < first + count && mfn_valid(m); m++)
        frame_table[m].owner = DOMID_IO;
}

bool get_page(struct page_info *pg, const struct domain *d)
{
    if (!d || pg->owner != d->id || !(pg->count) || pg->count >= PAGE_COUNT_MAX)
        return false;
    pg->count++;
    return true;
}

/* The page a running for_each_domain_page visits next (FT_NIL: none). */
static uint32_t walk_next = FT_NIL;

static void page_list_del(struct domain *d, struct page_info *pg)
{
    mfn_t mfn = page_to_mfn(pg);

    if (walk_next == mfn)
        walk_next = pg->next;   /* freed under a walk: it goes on after it */
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
    /* No stale translation may reach the frame once someone else has it. */
    frame_table_flush_tlb();
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

/* The type count is zero: the frame may take a new type. */
static void page_change_type(struct page_info *pg, unsigned type)
{
    if (pg->type == type)
        return;
    pg->type = (uint8_t)type;
    pg->flags &= ~PGF_validated;
    /*
     * A frame becoming a table or descriptor page may still be reachable
     * through stale writable TLB entries; one becoming writable may be
     * cached as a table by the walker.  Flush on every type change.
     */
    frame_table_flush_tlb();
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
        int rc = pt_validate(pg, type, d);
        if (rc) {
            pg->type_count--;
            return rc;
        }
        pg->flags |= PGF_validated;
    }
    return 0;
}

void put_page_type(struct page_info *pg)
{
    if (pg->type_count == 0)
        return;   /* a hypervisor bug; the invariant checker reports it */
    if (--pg->type_count == 0 && page_type_is_table(pg->type) &&
        (pg->flags & PGF_validated)) {
        pg->flags &= ~PGF_validated;
        pt_devalidate(pg, pg->type);
    }
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
 * Iterate over d's pages.  The callback may free any of them (dropping a pin
 * or a table's references can free pages d released earlier that only those
 * references kept): page_list_del moves walk_next past a page it removes.
 */
static void for_each_domain_page(struct domain *d, void (*fn)(struct page_info *))
{
    uint32_t m = d->page_list_head;

    while (m != FT_NIL) {
        walk_next = frame_table[m].next;
        fn(&frame_table[m]);
        m = walk_next;
    }
    walk_next = FT_NIL;
}

static void unpin_page(struct page_info *pg)
{
    if (pg->flags & PGF_pinned) {
        pg->flags &= ~PGF_pinned;
        put_page_and_type(pg);
    }
}

/* Break every reference held by d's tables, cycles included. */
static void force_devalidate(struct page_info *pg)
{
    if (page_type_is_table(pg->type) && (pg->flags & PGF_validated)) {
        pg->flags &= ~PGF_validated;
        pt_devalidate(pg, pg->type);
    }
}

static void drop_ownership(struct page_info *pg)
{
    if (pg->flags & PGF_allocated) {
        pg->flags &= ~PGF_allocated;
        put_page(pg);
    }
}

void domain_relinquish_memory(struct domain *d)
{
    for_each_domain_page(d, unpin_page);
    for_each_domain_page(d, force_devalidate);
    /* drop_ownership may free the current page only: safe for the walk. */
    for_each_domain_page(d, drop_ownership);
}
