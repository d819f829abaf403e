/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's own page tables: the idle L4 (image, direct map, fixmap,
 * M2P), whose slots 256-271 every guest L4 shares.
 */
#ifndef KOAN_ASM_PAGING_H
#define KOAN_ASM_PAGING_H

#include <asm/page.h>

#define FIXMAP_START   0xffff838000000000UL   /* slot 263: MMIO windows */
enum fixmap_index { FIX_LAPIC = 0, FIX_GDT_FIRST = 16, FIX_GDT_LAST = 31,
                    FIX_LDT_FIRST = 32, FIX_LDT_LAST = 47, FIX_COUNT };
static inline vaddr_t fixmap_va(enum fixmap_index i) { return FIXMAP_START + ((vaddr_t)i << PAGE_SHIFT); }

/* Build the final tables for RAM below ram_end and switch to them. */
void paging_init(paddr_t ram_end);
/* The direct map covers [0, this); 0 before paging_init. */
paddr_t paging_directmap_end(void);
/* From now on new hypervisor tables come from the frame allocator. */
void paging_use_frame_allocator(void);
/* Map one uncached MMIO page at a fixmap slot. */
void paging_map_fixmap(enum fixmap_index i, paddr_t pa);
/* Map one RAM page (write-back, writable, never executable) at a fixmap slot. */
void paging_map_fixmap_ram(unsigned i, paddr_t pa);
void paging_unmap_fixmap(unsigned i);
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
