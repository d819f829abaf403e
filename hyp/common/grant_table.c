/* SPDX-License-Identifier: MIT */
/*
 * A domain's grant table from creation to teardown (include/hyp/grant_table.h):
 * the structure and its arrays, growing by shared frames (each with its
 * active entries), and the budgeted teardown of a dying domain's table.
 *
 * Sizes come from memory: the structure holds arrays for max_frames
 * frames (Xen's default 64, the builder may choose), frames and active
 * entries are allocated as the guest asks for them, map handles a page at
 * a time as it maps (grant_table_maptrack.c).
 */
#include <asm/atomic.h>
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/work_budget.h>

#include "grant_table_internal.h"

/* Active entries of one shared frame: 512 of 16 bytes. */
#define ACTIVE_PAGES_PER_FRAME (GNTTAB_ENTRIES_PER_FRAME / GNTTAB_ACTIVE_PER_PAGE)

static uint32_t table_pages(unsigned max_frames)
{
    uint64_t bytes = sizeof(struct grant_table) + max_frames * sizeof(mfn_t) +
                     max_frames * ACTIVE_PAGES_PER_FRAME * sizeof(struct active_grant *);

    return (uint32_t)(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
}

/*
 * One more shared frame (under gt->lock): a hypervisor page shared writable
 * with d for good, as shared_info (its M2P entry stays invalid), and its
 * active entries.
 */
static int add_frame(struct domain *d, struct grant_table *gt)
{
    uint32_t i = gt->nr_frames;
    struct active_grant *act = hyp_alloc_pages(ACTIVE_PAGES_PER_FRAME);
    mfn_t mfn;

    if (!act)
        return -ENOMEM;
    if (domain_give_frames(d, 0, false, &mfn)) {
        hyp_free_pages(act, ACTIVE_PAGES_PER_FRAME);
        return -ENOMEM;
    }
    /* A fresh frame of d's: its writable type reference is the share's. */
    (void)get_page_type(mfn_to_page(mfn), PGT_writable, d);
    gt->frames[i] = mfn;
    for (uint32_t p = 0; p < ACTIVE_PAGES_PER_FRAME; p++)
        gt->active[i * ACTIVE_PAGES_PER_FRAME + p] = act + p * GNTTAB_ACTIVE_PER_PAGE;
    /* The entries are in place before anyone can see the larger size. */
    atomic_write(&gt->nr_frames, i + 1);
    return 0;
}

int grant_table_grow(struct domain *d, unsigned nr)
{
    struct grant_table *gt = d->grant_table;
    int rc = 0;

    if (nr > gt->max_frames)
        return -EINVAL;
    spin_lock(&gt->lock);
    while (gt->nr_frames < nr && rc == 0)
        rc = add_frame(d, gt);
    spin_unlock(&gt->lock);
    return rc;
}

static void table_free(struct domain *d, struct grant_table *gt)
{
    for (uint32_t i = 0; i < gt->nr_frames; i++)
        hyp_free_pages(gt->active[i * ACTIVE_PAGES_PER_FRAME], ACTIVE_PAGES_PER_FRAME);
    maptrack_free(gt);
    d->grant_table = NULL;
    hyp_free_pages(gt, gt->alloc_pages);
}

int grant_table_create(struct domain *d, unsigned max_frames, unsigned max_maptrack_frames)
{
    uint32_t pages = table_pages(max_frames);
    struct grant_table *gt = hyp_alloc_pages(pages);   /* zeroed: locks free */

    if (!gt)
        return -ENOMEM;
    gt->alloc_pages = pages;
    gt->max_frames = max_frames;
    gt->max_maptrack_frames = max_maptrack_frames;
    gt->frames = (mfn_t *)(gt + 1);
    gt->active = (struct active_grant **)(gt->frames + max_frames);
    gt->free_head = gt->free_tail = GNTTAB_HANDLE_NIL;
    gt->teardown_next = GNTTAB_HANDLE_NIL;
    d->grant_table = gt;
    if (grant_table_grow(d, GNTTAB_INITIAL_FRAMES)) {
        table_free(d, gt);   /* the frames given so far go with the domain */
        return -ENOMEM;
    }
    return 0;
}

uint64_t grant_table_pages(const struct domain *d)
{
    const struct grant_table *gt = d->grant_table;

    if (!gt)
        return 0;
    uint32_t frames = __atomic_load_n(&gt->nr_frames, __ATOMIC_ACQUIRE);
    return gt->alloc_pages + frames * (1 + ACTIVE_PAGES_PER_FRAME) + maptrack_pages(gt);
}

/*
 * The teardown: the first call waits for the foreign operations in d (no
 * new one starts once d is dying); then each handle, from the top, under
 * the budget; then the table itself.
 */
int grant_table_teardown(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    if (!gt)
        return 0;
    if (gt->teardown_next == GNTTAB_HANDLE_NIL) {
        smp_mb();   /* d is dying: now count who is in it */
        if (atomic_load32(&d->mm_foreign))
            return -ERESTART;
        gt->teardown_next = gt->maptrack_limit;
    }
    while (gt->teardown_next) {
        if (work_budget_charge(1))
            return -ERESTART;
        struct grant_mapping *m = maptrack_entry(gt, --gt->teardown_next);
        if (m->flags & (GNTMAP_device_map | GNTMAP_host_map)) {
            grant_release_mapping(d, m);
            m->flags = 0;
        }
    }
    table_free(d, gt);
    return 0;
}
