/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's side of the frame table and page-table hooks: where
 * frames go when freed, how the TLB is flushed, what the hypervisor's L4
 * slots hold, and which frames count as I/O memory.  (Unit tests provide
 * fakes of these instead.)
 */
#include <asm/paging.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/boot_info.h>
#include <hyp/domain.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/io_reserved.h>
#include <hyp/m2p.h>
#include <hyp/machine.h>
#include <hyp/pt.h>
#include <hyp/tlb.h>

static mfn_t io_mfn_limit;   /* machine frames below 2^physical-address-bits */

void frame_table_on_free(mfn_t mfn)
{
    m2p_set(mfn, M2P_INVALID);
    tlb_frame_freed();   /* the flush waits for the frame's reuse (machine_frame_alloc) */
    machine_frame_free(mfn);
}

void frame_table_flush_tlb(void)
{
    /* A retyped frame, a changed upper-level entry: no CPU may keep a stale entry. */
    tlb_flush_for_frame();
}

uint64_t pt_hypervisor_l4_entry(unsigned slot)
{
    return paging_idle_l4_entry(slot);
}

bool pt_io_access_permitted(const struct domain *d, mfn_t mfn)
{
    /* Domains with I/O rights reach device memory, never what Koan keeps (io_reserved.h). */
    return d->privileged && mfn < io_mfn_limit && !io_mfn_reserved(mfn);
}

void *pt_map_frame(mfn_t mfn)
{
    return mfn_to_virt(mfn);
}

/* Frame table for every frame below the end of RAM; holes and the first MiB are I/O. */
void frame_table_init(const struct boot_info *bi)
{
    mfn_t nr = machine_max_mfn();
    uint64_t pages = ALIGN_UP(nr * sizeof(struct page_info), PAGE_SIZE) >> PAGE_SHIFT;
    uint32_t a, b, c, d;

    struct page_info *table = hyp_alloc_pages(pages);
    if (!table)
        panic("no memory for the frame table\n");
    frame_table_setup(table, nr);
    frame_table_set_io(0, (1UL << 20) >> PAGE_SHIFT);
    paddr_t prev_end = 0;
    for (unsigned i = 0; i < bi->nr_regions; i++) {
        const struct mem_region *r = &bi->regions[i];
        if (r->type != 1)
            continue;
        if (r->start > prev_end)
            frame_table_set_io(prev_end >> PAGE_SHIFT, (r->start - prev_end) >> PAGE_SHIFT);
        prev_end = MAX(prev_end, r->end);
    }
    cpuid_count(0x80000008, 0, &a, &b, &c, &d);
    io_mfn_limit = 1UL << ((a & 0xff) - PAGE_SHIFT);
    log_info("frame table: %lu frames, %lu KiB\n", nr, pages * 4);
}
