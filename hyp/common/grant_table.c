/* SPDX-License-Identifier: MIT */
/*
 * A domain's grant table from creation to teardown (include/hyp/grant_table.h):
 * the structure in the domain's record, its directory, growing by shared
 * frames, pages of active entries at first pin, and the budgeted teardown
 * of a dying domain's table.
 *
 * Sizes come from memory and memory comes as used: the directory holds
 * arrays for max_frames frames (Xen's default 64, the builder may choose)
 * and is allocated with the first frame; frames as the guest asks for
 * them (setup_table); a page of active entries when one of its refs is
 * first pinned; map handles a page at a time as the domain maps
 * (grant_table_maptrack.c).  A table nobody used holds no page.
 */
#include <asm/atomic.h>
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/string.h>
#include <hyp/work_budget.h>

#include "grant_table_internal.h"

/* Pages of active entries per shared frame: 512 of 16 bytes. */
#define ACTIVE_PAGES_PER_FRAME (GNTTAB_ENTRIES_PER_FRAME / GNTTAB_ACTIVE_PER_PAGE)

static uint32_t dir_pages(unsigned max_frames)
{
    uint64_t bytes = max_frames * sizeof(mfn_t) +
                     max_frames * ACTIVE_PAGES_PER_FRAME * sizeof(struct active_grant *);

    return (uint32_t)(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
}

/* The directory, before the first frame (under gt->lock): 0 or -ENOMEM. */
static int add_directory(struct grant_table *gt)
{
    uint32_t pages = dir_pages(gt->max_frames);
    mfn_t *dir = hyp_alloc_pages(pages);   /* zeroed: no page of active entries */

    if (!dir)
        return -ENOMEM;
    gt->active = (struct active_grant **)(dir + gt->max_frames);
    gt->dir_pages = pages;
    gt->frames = dir;   /* published by the nr_frames store that follows it */
    return 0;
}

/*
 * One more shared frame (under gt->lock): a hypervisor page shared writable
 * with d for good, as shared_info (its M2P entry stays invalid).  Its
 * active entries come at their first pin.
 */
static int add_frame(struct domain *d, struct grant_table *gt)
{
    uint32_t i = gt->nr_frames;
    mfn_t mfn;

    if (!gt->frames && add_directory(gt))
        return -ENOMEM;
    if (domain_give_frames(d, 0, false, &mfn))
        return -ENOMEM;
    /* A fresh frame of d's: its writable type reference is the share's. */
    (void)get_page_type(mfn_to_page(mfn), PGT_writable, d);
    gt->frames[i] = mfn;
    /* The entry is in place before anyone can see the larger size. */
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

uint32_t grant_table_visible_frames(const struct grant_table *gt)
{
    uint32_t n = atomic_read(&gt->nr_frames);

    return n > GNTTAB_INITIAL_FRAMES ? n : GNTTAB_INITIAL_FRAMES;
}

bool gt_active_alloc(struct grant_table *gt, uint32_t page)
{
    struct active_grant *act = hyp_alloc_pages(1);   /* zeroed: nothing pinned */

    if (!act)
        return false;
    gt->active[page] = act;
    gt->active_pages++;
    return true;
}

static void table_free(struct domain *d, struct grant_table *gt)
{
    if (gt->frames) {
        for (uint32_t p = 0; p < gt->nr_frames * ACTIVE_PAGES_PER_FRAME; p++)
            if (gt->active[p])
                hyp_free_pages(gt->active[p], 1);
        hyp_free_pages(gt->frames, gt->dir_pages);   /* the frames go with the domain */
    }
    maptrack_free(gt);
    d->grant_table = NULL;
}

void grant_table_create(struct domain *d, unsigned max_frames, unsigned max_maptrack_frames)
{
    struct grant_table *gt = &d->gnttab;

    memset(gt, 0, sizeof(*gt));   /* locks free, nothing allocated */
    gt->max_frames = max_frames;
    gt->max_maptrack_frames = max_maptrack_frames;
    gt->free_head = gt->free_tail = GNTTAB_HANDLE_NIL;
    gt->teardown_next = GNTTAB_HANDLE_NIL;
    d->grant_table = gt;
}

uint64_t grant_table_pages(const struct domain *d)
{
    const struct grant_table *gt = d->grant_table;

    if (!gt)
        return 0;
    uint32_t frames = __atomic_load_n(&gt->nr_frames, __ATOMIC_ACQUIRE);
    return __atomic_load_n(&gt->dir_pages, __ATOMIC_RELAXED) + frames +
           __atomic_load_n(&gt->active_pages, __ATOMIC_RELAXED) + maptrack_pages(gt);
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
