/* SPDX-License-Identifier: MIT */
/*
 * L1TF and the not-present entries of guest page tables (docs/security.md,
 * "L1TF").  On a CPU affected by L1 Terminal Fault, the address bits of an
 * entry whose present bit is clear are still looked up in the L1 data cache
 * while the walk is cut short, so a guest that can store any not-present
 * entry in a table the CPU walks can read any cached machine memory: other
 * domains' and the hypervisor's.  Present entries are safe (pt.c only lets
 * them name frames the guest may use).  A not-present entry is safe if its
 * address is 0 or at or above an address no cacheable byte reaches and,
 * above L1, it has no PSE bit (a speculative superpage covers up to 1 GiB
 * from a low address).  Linux (since 4.19) writes only such entries: it
 * inverts the address bits of its swap and PROT_NONE entries.
 *
 * Like Xen 4.17 without shadow paging, Koan crashes a checked domain that
 * stores an unsafe entry; it never rewrites the entry, because the guest
 * reads its page tables directly and keeps swap data in those bits.
 */
#ifndef KOAN_HYP_PTE_L1TF_H
#define KOAN_HYP_PTE_L1TF_H

#include <hyp/types.h>

struct domain;

struct l1tf_params {
    uint64_t addr_mask;    /* the address bits the L1D lookup uses */
    uint64_t safe_maddr;   /* nothing cacheable at or above this */
};

/*
 * The parameters for a CPU reporting `maxphysaddr` address bits (CPUID
 * 0x80000008): Xen's heuristic for an L1D as wide as CPUID says, that the
 * top quarter of the physical address space holds nothing cacheable.
 */
struct l1tf_params l1tf_params_for(unsigned maxphysaddr);

/* May the not-present entry pte be stored in a table at level (1-4)? */
bool pte_l1tf_safe(uint64_t pte, unsigned level, const struct l1tf_params *p);

/* Check from now on (spec_ctrl_init, on affected CPUs only): dom0, the others. */
void pte_l1tf_enable(const struct l1tf_params *p, bool dom0, bool domu);

/* pte_l1tf_check for a nonzero not-present entry. */
int pte_l1tf_check_not_present(struct domain *d, unsigned level, uint64_t pte);

/*
 * An entry about to be stored in a level-`level` table of domain d (the
 * table's owner): 0 if it is present, safe, or d is not checked; otherwise
 * d is crashed and the answer is -EINVAL, so that nothing is stored.
 * Inline, so that present and zero entries -- nearly all -- cost a test.
 */
static inline int pte_l1tf_check(struct domain *d, unsigned level, uint64_t pte)
{
    if (likely((pte & 1) || !pte))
        return 0;
    return pte_l1tf_check_not_present(d, level, pte);
}

#endif
