/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's page tables.  The boot tables (boot.S) map the first GiB
 * twice with large, writable, executable pages; paging_init replaces them by
 * tables with least privilege: image text read-only and executable, rodata
 * read-only NX, data and bss writable NX, the direct map of RAM writable NX,
 * MMIO uncached in the fixmap.  Nothing here has the user bit except the M2P
 * (mm/m2p.c).  Early tables come from a static pool; later ones from the
 * frame allocator.
 */
#include <asm/paging.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/frame.h>
#include <hyp/machine.h>
#include <hyp/string.h>

#define EARLY_POOL_PAGES 80
static uint8_t early_pool[EARLY_POOL_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned early_pool_used;
static bool directmap_live, use_frame_allocator;
static pte_t *idle_l4;
static paddr_t directmap_end;

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __image_virt_end[];

void *phys_to_virt(paddr_t pa)
{
    if (directmap_live)
        return (void *)(DIRECTMAP_START + pa);
    return (void *)(HYP_VIRT_OFFSET + pa);   /* boot tables: first GiB */
}

paddr_t virt_to_phys(const void *p)
{
    vaddr_t va = (vaddr_t)p;

    if (va >= DIRECTMAP_START && va < DIRECTMAP_START + DIRECTMAP_MAX_BYTES)
        return va - DIRECTMAP_START;
    return va - HYP_VIRT_OFFSET;
}

paddr_t paging_alloc_table(void)
{
    paddr_t pa;

    if (use_frame_allocator) {
        mfn_t mfn;
        if (machine_frame_alloc(&mfn) < 0)
            panic("out of memory for hypervisor page tables\n");
        pa = mfn << PAGE_SHIFT;
    } else {
        if (early_pool_used == EARLY_POOL_PAGES)
            panic("early page-table pool exhausted\n");
        pa = virt_to_phys(early_pool[early_pool_used++]);
    }
    memset(phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

/* The entry at `level` for va, allocating intermediate tables on the way. */
static pte_t *walk_create(vaddr_t va, unsigned level)
{
    pte_t *table = idle_l4;

    for (unsigned l = 4; l > level; l--) {
        pte_t *e = &table[pt_index(va, l)];
        if (!pte_present(*e))
            *e = pte_make(paging_alloc_table(), _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED);
        BUG_ON(*e & _PAGE_PSE);
        table = phys_to_virt(pte_addr(*e));
    }
    return &table[pt_index(va, level)];
}

static void map_4k(vaddr_t va, paddr_t pa, uint64_t flags)
{
    *walk_create(va, 1) = pte_make(pa, flags | _PAGE_PRESENT | _PAGE_ACCESSED);
}

void paging_map_2m(vaddr_t va, paddr_t pa, uint64_t size, uint64_t flags)
{
    for (uint64_t off = 0; off < size; off += L2_PAGE_SIZE)
        *walk_create(va + off, 2) = pte_make(pa + off, flags | _PAGE_PRESENT | _PAGE_PSE |
                                                       _PAGE_ACCESSED | _PAGE_DIRTY);
}

static void map_image_range(const char *start, const char *end, uint64_t flags)
{
    for (vaddr_t va = (vaddr_t)start; va < (vaddr_t)end; va += PAGE_SIZE)
        map_4k(va, virt_to_phys((void *)va), flags);
}

void paging_map_fixmap(enum fixmap_index i, paddr_t pa)
{
    map_4k(fixmap_va(i), pa, _PAGE_RW | _PAGE_PCD | _PAGE_PWT | _PAGE_NX | _PAGE_DIRTY);
    invlpg(fixmap_va(i));
}

void paging_map_fixmap_ram(unsigned i, paddr_t pa)
{
    map_4k(FIXMAP_START + ((vaddr_t)i << PAGE_SHIFT), pa, _PAGE_RW | _PAGE_NX | _PAGE_DIRTY);
    invlpg(FIXMAP_START + ((vaddr_t)i << PAGE_SHIFT));
}

void paging_unmap_fixmap(unsigned i)
{
    *walk_create(FIXMAP_START + ((vaddr_t)i << PAGE_SHIFT), 1) = 0;
    invlpg(FIXMAP_START + ((vaddr_t)i << PAGE_SHIFT));
}

void paging_init(paddr_t ram_end)
{
    idle_l4 = phys_to_virt(paging_alloc_table());

    map_image_range(__text_start, __text_end, 0);
    map_image_range(__rodata_start, __rodata_end, _PAGE_NX);
    map_image_range(__data_start, __image_virt_end, _PAGE_RW | _PAGE_NX | _PAGE_DIRTY);

    ram_end = ALIGN_UP(ram_end, L2_PAGE_SIZE);
    if (ram_end > DIRECTMAP_MAX_BYTES)
        ram_end = DIRECTMAP_MAX_BYTES;
    paging_map_2m(DIRECTMAP_START, 0, ram_end, _PAGE_RW | _PAGE_NX);
    directmap_end = ram_end;
    /* Pre-create the fixmap's tables so later MMIO mappings never allocate. */
    walk_create(FIXMAP_START, 1);

    write_cr3(virt_to_phys(idle_l4));
    idle_l4 = (pte_t *)(DIRECTMAP_START + virt_to_phys(idle_l4));
    directmap_live = true;
    log_info("paging: direct map of %lu MiB at %#lx, image at %#lx\n",
             ram_end >> 20, DIRECTMAP_START, (vaddr_t)__text_start);
}

paddr_t paging_directmap_end(void)
{
    return directmap_end;
}

void paging_use_frame_allocator(void)
{
    use_frame_allocator = true;
}

void paging_copy_hypervisor_slots(pte_t *l4)
{
    for (unsigned s = HYP_SLOT_FIRST; s <= HYP_SLOT_LAST; s++)
        l4[s] = idle_l4[s];
}

pte_t paging_idle_l4_entry(unsigned slot)
{
    return idle_l4[slot];
}

paddr_t paging_idle_cr3(void)
{
    return virt_to_phys(idle_l4);
}

void paging_set_l4_entry(unsigned slot, pte_t e)
{
    idle_l4[slot] = e;
}
