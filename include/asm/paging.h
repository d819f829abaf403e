/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's own page tables: the idle L4 (image, direct map, fixmap,
 * M2P), whose slots 256-271 every guest L4 shares.
 */
#ifndef KOAN_ASM_PAGING_H
#define KOAN_ASM_PAGING_H

#include <asm/page.h>
#include <asm/percpu.h>

#define FIXMAP_START   0xffff838000000000UL   /* slot 263: MMIO windows */
/*
 * Fixmap pages.  The first 16 are shared by all CPUs (the local APIC: each
 * CPU sees its own at the same address).  From FIX_PERCPU_FIRST every CPU
 * has FIX_PERCPU_PAGES of its own: the window its GDT runs on (16 pages,
 * cpu.c) and the window of its running vCPU's LDT (16 pages, pv/ldt.c).
 * A CPU changes and flushes only its own windows.  CPU 0's are where the
 * one CPU's were before SMP: pages 16-31 and 32-47.
 */
enum fixmap_index { FIX_LAPIC = 0, FIX_PERCPU_FIRST = 16 };
#define FIX_PERCPU_PAGES 32
#define FIX_COUNT        (FIX_PERCPU_FIRST + NR_CPUS_MAX * FIX_PERCPU_PAGES)
static inline vaddr_t fixmap_va(unsigned i) { return FIXMAP_START + ((vaddr_t)i << PAGE_SHIFT); }
/* Page `page` of CPU cpu's GDT window, and of this CPU's LDT window. */
static inline unsigned fix_gdt(unsigned cpu, unsigned page)
{
    return FIX_PERCPU_FIRST + cpu * FIX_PERCPU_PAGES + page;
}
static inline unsigned fix_ldt(unsigned cpu, unsigned page)
{
    return FIX_PERCPU_FIRST + cpu * FIX_PERCPU_PAGES + 16 + page;
}
static inline unsigned fix_ldt_page(unsigned page)
{
    return fix_ldt(smp_processor_id(), page);
}
/* fixmap_va(fix_ldt_page(0)), kept in cpu_info: every guest #PF compares with it. */
static inline vaddr_t ldt_window_va(void)
{
    return get_cpu_info()->ldt_window;
}

/* Build the final tables for RAM below ram_end and switch to them. */
void paging_init(paddr_t ram_end);
/* The direct map covers [0, this); 0 before paging_init. */
paddr_t paging_directmap_end(void);
/* From now on new hypervisor tables come from the frame allocator. */
void paging_use_frame_allocator(void);
/* Map one uncached MMIO page at a fixmap slot. */
void paging_map_fixmap(unsigned i, paddr_t pa);
/* Map one RAM page (write-back, writable, never executable) at a fixmap slot. */
void paging_map_fixmap_ram(unsigned i, paddr_t pa);
void paging_unmap_fixmap(unsigned i);
/* Map [va, va+size) to [pa, ...) with 4 KiB pages, writable and NX (stack aliases). */
void paging_map_4k_range(vaddr_t va, paddr_t pa, uint64_t size);
/* Map [va, va+size) to [pa, ...) with 2 MiB pages in the idle tables. */
void paging_map_2m(vaddr_t va, paddr_t pa, uint64_t size, uint64_t flags);
/* Install the hypervisor's L4 slots 256-271 into a guest L4 page. */
void paging_copy_hypervisor_slots(pte_t *l4);
/* The idle L4's entry for `slot` (a hypervisor slot, for guest L4s). */
pte_t paging_idle_l4_entry(unsigned slot);
/* Physical address of the idle L4 (for CR3 when no guest runs). */
paddr_t paging_idle_cr3(void);
/* Set the flags of the L4 entry for `slot` in the idle table (M2P RO/RW views). */
void paging_set_l4_entry(unsigned slot, pte_t e);
paddr_t paging_alloc_table(void);

#endif
