/* SPDX-License-Identifier: MIT */
/*
 * Map handles (include/hyp/grant_table.h): one entry per handle, in pages
 * of 256 added when the free handles run out, up to max_maptrack_frames
 * pages; their pointers in the structure for the first four pages, then
 * in pages of their own.  Free handles wait in a list, oldest first, as
 * Xen's; like Xen's, the list never gives out its last entry, so a
 * domain gets at most 256 * max_maptrack_frames - 1 handles at once.
 * Everything here is under gt->maptrack_lock; a handle being mapped or
 * unmapped is marked busy, so that another vCPU naming it meanwhile gets
 * GNTST_bad_handle.
 */
#include <asm/page.h>
#include <hyp/frame.h>
#include <hyp/spinlock.h>

#include "grant_table_internal.h"

static uint32_t pointer_pages(const struct grant_table *gt)
{
    return (uint32_t)ALIGN_UP(gt->max_maptrack_frames * sizeof(void *), PAGE_SIZE) / PAGE_SIZE;
}

/* Are the pointers to the handle pages in pages of their own? */
static bool pointers_allocated(const struct grant_table *gt)
{
    struct grant_mapping **p = __atomic_load_n(&gt->maptrack, __ATOMIC_RELAXED);

    return p && p != gt->maptrack_inline;
}

uint32_t maptrack_pages(const struct grant_table *gt)
{
    return __atomic_load_n(&gt->maptrack_limit, __ATOMIC_RELAXED) / GNTTAB_MAPTRACK_PER_PAGE +
           (pointers_allocated(gt) ? pointer_pages(gt) : 0);
}

/*
 * Room for the pointer to handle page `page` (under the lock): the inline
 * array first, then pages for max_maptrack_frames pointers, the inline
 * ones copied over before the array is published.
 */
static bool pointer_room(struct grant_table *gt, uint32_t page)
{
    struct grant_mapping **p;

    if (!gt->maptrack)
        gt->maptrack = gt->maptrack_inline;
    if (page < GNTTAB_MAPTRACK_INLINE || pointers_allocated(gt))
        return true;
    if (!(p = hyp_alloc_pages(pointer_pages(gt))))
        return false;
    for (uint32_t i = 0; i < GNTTAB_MAPTRACK_INLINE; i++)
        p[i] = gt->maptrack_inline[i];
    __atomic_store_n(&gt->maptrack, p, __ATOMIC_RELEASE);
    return true;
}

/* One more page of handles: the first is returned (busy), the rest go first in the list. */
static uint32_t add_page(struct grant_table *gt)
{
    uint32_t page = gt->maptrack_limit / GNTTAB_MAPTRACK_PER_PAGE, first = gt->maptrack_limit;
    struct grant_mapping *m;

    if (page >= gt->max_maptrack_frames)
        return GNTTAB_HANDLE_NIL;
    if (!pointer_room(gt, page))
        return GNTTAB_HANDLE_NIL;
    if (!(m = hyp_alloc_pages(1)))
        return GNTTAB_HANDLE_NIL;
    m[0].flags = GNTMAP_BUSY;
    for (uint32_t i = 1; i < GNTTAB_MAPTRACK_PER_PAGE; i++)
        m[i].ref = i + 1 < GNTTAB_MAPTRACK_PER_PAGE ? first + i + 1 : gt->free_head;
    if (gt->free_head == GNTTAB_HANDLE_NIL)
        gt->free_tail = first + GNTTAB_MAPTRACK_PER_PAGE - 1;
    gt->free_head = first + 1;
    gt->nr_free += GNTTAB_MAPTRACK_PER_PAGE - 1;
    gt->maptrack[page] = m;
    gt->maptrack_limit += GNTTAB_MAPTRACK_PER_PAGE;
    return first;
}

uint32_t maptrack_get(struct grant_table *gt)
{
    uint32_t h;

    spin_lock(&gt->maptrack_lock);
    if (gt->nr_free > 1) {
        h = gt->free_head;
        struct grant_mapping *m = maptrack_entry(gt, h);
        gt->free_head = m->ref;
        gt->nr_free--;
        m->flags = GNTMAP_BUSY;
    } else {
        h = add_page(gt);
    }
    spin_unlock(&gt->maptrack_lock);
    return h;
}

/* h joins the end of the free list (under the lock). */
static void put_locked(struct grant_table *gt, uint32_t h)
{
    struct grant_mapping *m = maptrack_entry(gt, h);

    m->flags = 0;
    m->ref = GNTTAB_HANDLE_NIL;
    if (gt->free_head == GNTTAB_HANDLE_NIL)
        gt->free_head = h;
    else
        maptrack_entry(gt, gt->free_tail)->ref = h;
    gt->free_tail = h;
    gt->nr_free++;
}

void maptrack_put(struct grant_table *gt, uint32_t h)
{
    spin_lock(&gt->maptrack_lock);
    put_locked(gt, h);
    spin_unlock(&gt->maptrack_lock);
}

void maptrack_install(struct grant_table *gt, uint32_t h, const struct grant_mapping *m)
{
    spin_lock(&gt->maptrack_lock);
    *maptrack_entry(gt, h) = *m;   /* its flags: mapped, not busy */
    spin_unlock(&gt->maptrack_lock);
}

bool maptrack_claim(struct grant_table *gt, uint32_t h, struct grant_mapping *m)
{
    bool ok = false;

    spin_lock(&gt->maptrack_lock);
    if (h < gt->maptrack_limit) {
        struct grant_mapping *e = maptrack_entry(gt, h);
        if (e->flags & (GNTMAP_device_map | GNTMAP_host_map) && !(e->flags & GNTMAP_BUSY)) {
            *m = *e;
            e->flags |= GNTMAP_BUSY;
            ok = true;
        }
    }
    spin_unlock(&gt->maptrack_lock);
    return ok;
}

void maptrack_release(struct grant_table *gt, uint32_t h, uint16_t left)
{
    spin_lock(&gt->maptrack_lock);
    if (left & (GNTMAP_device_map | GNTMAP_host_map))
        maptrack_entry(gt, h)->flags = left;
    else
        put_locked(gt, h);
    spin_unlock(&gt->maptrack_lock);
}

void maptrack_free(struct grant_table *gt)
{
    if (!gt->maptrack)
        return;
    for (uint32_t p = 0; p < gt->maptrack_limit / GNTTAB_MAPTRACK_PER_PAGE; p++)
        hyp_free_pages(gt->maptrack[p], 1);
    if (pointers_allocated(gt))
        hyp_free_pages(gt->maptrack, pointer_pages(gt));
    gt->maptrack = NULL;
    gt->maptrack_limit = 0;
    gt->free_head = gt->free_tail = GNTTAB_HANDLE_NIL;
    gt->nr_free = 0;
}
