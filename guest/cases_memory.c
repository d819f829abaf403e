// SPDX-License-Identifier: MIT
/*
 * Test cases on the initial memory layout: walk the bootstrap page tables
 * from pt_base through the read-only M2P, and check the p2m list against
 * the M2P for every page of the domain.
 */
#include <stdbool.h>
#include <stdint.h>

#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/test.h>

#define PTE_PRESENT 0x1UL
#define PTE_RW 0x2UL
#define PTE_MFN_MASK 0x000ffffffffff000UL
#define M2P_L4_SLOT 256

static const unsigned long *const m2p =
	(const unsigned long *)MACH2PHYS_VIRT_START;

/* A kernel variable the walk looks for; its page is ordinary RW data. */
static volatile unsigned long walk_target = 0x77616c6b;

static unsigned int pt_index(unsigned long va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

/*
 * The bootstrap table an entry points to, found by MFN -> M2P -> PFN ->
 * VIRT_BASE + PFN * 4096.  It must be one of the nr_pt_frames pages at
 * pt_base, as start_info promises.
 */
static const uint64_t *next_table(uint64_t entry, const char **why)
{
	const start_info_t *si = guest_start_info;
	unsigned long pfn = m2p[(entry & PTE_MFN_MASK) >> 12];
	unsigned long va = GUEST_VIRT_BASE + pfn * GUEST_PAGE_SIZE;

	if (va < si->pt_base ||
	    va >= si->pt_base + si->nr_pt_frames * GUEST_PAGE_SIZE) {
		*why = "a table outside pt_base..pt_base+nr_pt_frames";
		return NULL;
	}
	return (const uint64_t *)va;
}

/* Walk L4..L2 for va; returns the L1 entry, or 0 with *why set. */
static uint64_t walk_to_l1e(unsigned long va, const char **why)
{
	const uint64_t *table = (const uint64_t *)guest_start_info->pt_base;
	int level;

	for (level = 4; level >= 2; level--) {
		uint64_t e = table[pt_index(va, level)];

		if (!(e & PTE_PRESENT)) {
			*why = "a non-present entry above L1";
			return 0;
		}
		table = next_table(e, why);
		if (!table)
			return 0;
	}
	if (!(table[pt_index(va, 1)] & PTE_PRESENT))
		*why = "a non-present L1 entry";
	return table[pt_index(va, 1)];
}

void case_page_tables_walk(void)
{
	const start_info_t *si = guest_start_info;
	const uint64_t *l4 = (const uint64_t *)si->pt_base;
	const unsigned long *p2m = (const unsigned long *)si->mfn_list;
	unsigned long target = (unsigned long)&walk_target;
	const char *why = NULL;
	uint64_t l1e;

	EXPECT(l4[M2P_L4_SLOT] & PTE_PRESENT,
	       "L4 slot 256 (the M2P) is not present");
	l1e = walk_to_l1e(target, &why);
	EXPECT(why == NULL, "walk to 0x%lx met %s", target, why);
	EXPECT_EQ((l1e & PTE_MFN_MASK) >> 12, p2m[guest_va_to_pfn(&walk_target)],
		  "L1 mfn of a kernel variable vs p2m");
	EXPECT(l1e & PTE_RW, "kernel data mapped read-only (l1e 0x%lx)",
	       (unsigned long)l1e);
	l1e = walk_to_l1e(si->pt_base, &why);
	EXPECT(why == NULL, "walk to pt_base met %s", why);
	EXPECT_EQ((l1e & PTE_MFN_MASK) >> 12,
		  p2m[guest_va_to_pfn((void *)si->pt_base)], "L1 mfn of pt_base");
	EXPECT(!(l1e & PTE_RW), "pt_base is mapped writable (l1e 0x%lx)",
	       (unsigned long)l1e);
}

void case_p2m_m2p_agree(void)
{
	const start_info_t *si = guest_start_info;
	const unsigned long *p2m = (const unsigned long *)si->mfn_list;
	unsigned long pfn;

	EXPECT(si->mfn_list >= GUEST_VIRT_BASE, "mfn_list 0x%lx not mapped",
	       (unsigned long)si->mfn_list);
	for (pfn = 0; pfn < si->nr_pages; pfn++)
		EXPECT(m2p[p2m[pfn]] == pfn,
		       "pfn %lu -> mfn 0x%lx -> m2p says pfn %lu", pfn, p2m[pfn],
		       m2p[p2m[pfn]]);
}
