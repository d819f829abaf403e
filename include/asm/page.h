/* SPDX-License-Identifier: MIT */
/* x86-64 4-level page-table entries: flags, accessors, index helpers. */
#ifndef KOAN_ASM_PAGE_H
#define KOAN_ASM_PAGE_H

#include <asm/layout.h>
#include <hyp/types.h>

#define _PAGE_PRESENT  (1UL << 0)
#define _PAGE_RW       (1UL << 1)
#define _PAGE_USER     (1UL << 2)
#define _PAGE_PWT      (1UL << 3)
#define _PAGE_PCD      (1UL << 4)
#define _PAGE_ACCESSED (1UL << 5)
#define _PAGE_DIRTY    (1UL << 6)
#define _PAGE_PSE      (1UL << 7)    /* L2/L3: a superpage */
#define _PAGE_PAT      (1UL << 7)    /* L1: the PAT index's high bit */
#define _PAGE_GLOBAL   (1UL << 8)
#define _PAGE_AVAIL    (7UL << 9)    /* ignored by the CPU; the guest's */
#define _PAGE_AVAIL_HIGH (0x7ffUL << 52)
/* Xen's marker of a guest-kernel L1 entry (one of the high available bits). */
#define _PAGE_GUEST_KERNEL (1UL << 52)
#define _PAGE_NX       (1UL << 63)
#define PTE_ADDR_MASK  0x000ffffffffff000UL

#define PT_ENTRIES     512
#define L1_SHIFT       12
#define L2_SHIFT       21
#define L3_SHIFT       30
#define L4_SHIFT       39
#define L2_PAGE_SIZE   (1UL << L2_SHIFT)

typedef uint64_t pte_t;

static inline pte_t pte_make(paddr_t pa, uint64_t flags) { return (pa & PTE_ADDR_MASK) | flags; }
static inline paddr_t pte_addr(pte_t e) { return e & PTE_ADDR_MASK; }
static inline mfn_t pte_mfn(pte_t e) { return pte_addr(e) >> PAGE_SHIFT; }
static inline bool pte_present(pte_t e) { return e & _PAGE_PRESENT; }

static inline unsigned pt_index(vaddr_t va, unsigned level)
{
    return (va >> (L1_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

/* The direct map: every machine frame of RAM at DIRECTMAP_START + address. */
void *phys_to_virt(paddr_t pa);
static inline void *mfn_to_virt(mfn_t mfn) { return phys_to_virt(mfn << PAGE_SHIFT); }
/* Physical address of a hypervisor image or direct-map address. */
paddr_t virt_to_phys(const void *va);

#endif
