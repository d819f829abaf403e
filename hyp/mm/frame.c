/* SPDX-License-Identifier: MIT */
/*
 * The machine's frame allocator (a struct frame_allocator over a static
 * bitmap) and the page-granular hypervisor heap on top of it.
 */
#include <asm/page.h>
#include <hyp/console.h>
#include <hyp/frame.h>
#include <hyp/frame_alloc.h>
#include <hyp/machine.h>
#include <hyp/string.h>
#include <hyp/tlb.h>

static uint64_t frame_bitmap[MAX_MACHINE_FRAMES / 64];
static struct frame_allocator machine_frames;
static mfn_t max_mfn;

extern const paddr_t image_phys_start, image_phys_end;   /* boot.S */

static void reserve_range(paddr_t start, paddr_t end)
{
    if (end <= start)
        return;
    mfn_t first = start >> PAGE_SHIFT, last = ALIGN_UP(end, PAGE_SIZE) >> PAGE_SHIFT;

    if (first >= max_mfn)
        return;
    frame_alloc_reserve(&machine_frames, first, MIN(last, max_mfn) - first);
}

static void reserve_loader_range(void *ctx, paddr_t start, paddr_t end)
{
    reserve_range(start, end);
}

void machine_frames_init(const struct boot_info *bi)
{
    for (unsigned i = 0; i < bi->nr_regions; i++)
        if (bi->regions[i].type == 1)
            max_mfn = MAX(max_mfn, bi->regions[i].end >> PAGE_SHIFT);
    if (max_mfn > MAX_MACHINE_FRAMES) {
        log_warn("ignoring memory above %lu GiB\n", MAX_MACHINE_FRAMES >> 18);
        max_mfn = MAX_MACHINE_FRAMES;
    }
    frame_alloc_init(&machine_frames, frame_bitmap, max_mfn);
    for (unsigned i = 0; i < bi->nr_regions; i++) {
        const struct mem_region *r = &bi->regions[i];
        mfn_t first = ALIGN_UP(r->start, PAGE_SIZE) >> PAGE_SHIFT;
        mfn_t last = MIN(r->end >> PAGE_SHIFT, max_mfn);
        if (r->type == 1 && last > first)
            frame_alloc_add_free(&machine_frames, first, last - first);
    }
    reserve_range(0, 1UL << 20);   /* BIOS data, real-mode leftovers */
    reserve_range(image_phys_start, image_phys_end);
    boot_info_loader_ranges(bi, reserve_loader_range, NULL);   /* modules, their table and lines */
    log_info("frames: %lu free of %lu\n", machine_frames_free_count(), max_mfn);
}

/* Every allocation: a frame freed since the CPUs last flushed may still be in a TLB. */
int machine_frame_alloc(mfn_t *out)
{
    int rc = frame_alloc(&machine_frames, out);

    if (rc >= 0)
        tlb_flush_before_reuse();
    return rc;
}

int machine_frames_alloc_contig(uint64_t count, uint64_t align, mfn_t *out)
{
    int rc = frame_alloc_contig(&machine_frames, count, align, out);

    if (rc >= 0)
        tlb_flush_before_reuse();
    return rc;
}

void machine_frame_free(mfn_t mfn)
{
    BUG_ON(frame_free(&machine_frames, mfn) < 0);
}

void machine_frames_free(mfn_t first, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++)
        machine_frame_free(first + i);
}

uint64_t machine_frames_free_count(void)
{
    return frame_alloc_free_count(&machine_frames);
}

mfn_t machine_max_mfn(void)
{
    return max_mfn;
}

const struct frame_allocator *machine_frame_allocator(void)
{
    return &machine_frames;
}

void *hyp_alloc_pages(uint64_t count)
{
    mfn_t first;

    if (machine_frames_alloc_contig(count, 1, &first) < 0)
        return NULL;
    void *p = mfn_to_virt(first);
    memset(p, 0, count * PAGE_SIZE);
    return p;
}

void hyp_free_pages(void *p, uint64_t count)
{
    if (p)
        machine_frames_free(virt_to_phys(p) >> PAGE_SHIFT, count);
}
