/* SPDX-License-Identifier: MIT */
/*
 * Memory-management infrastructure of the test guest's mm and fuzz suites
 * (docs/test-guest.md, "The mm suite"): page-table entry bits, the p2m and
 * the read-only M2P, a pool of free frames, "windows" (boot-region slack
 * pages remapped with update_va_mapping to look at any frame), and scratch
 * address spaces of our own L3/L2/L1 tables in the lower half.
 */
#ifndef GUEST_MM_H
#define GUEST_MM_H

#include <stdbool.h>
#include <stdint.h>

#include <guest/guest.h>
#include <guest/hypercall.h>

#define PTE_P 0x1UL
#define PTE_RW 0x2UL
#define PTE_US 0x4UL
#define PTE_PWT 0x8UL
#define PTE_PCD 0x10UL
#define PTE_A 0x20UL
#define PTE_D 0x40UL
#define PTE_PSE 0x80UL /* at L2/L3; at L1 the same bit is PAT */
#define PTE_PAT 0x80UL
#define PTE_G 0x100UL
#define PTE_NX (1UL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000UL

/* What our tables point to their children with, and data mappings. */
#define PT_FLAGS (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)
#define DATA_RW (PTE_P | PTE_RW | PTE_A | PTE_D)
#define DATA_RO (PTE_P | PTE_A)

/* Xen's invalid M2P entry (what given-back frames read as). */
#define M2P_INVALID (~0UL)
#define P2M_INVALID (~0UL)

static inline uint64_t pte_make(unsigned long mfn, uint64_t flags)
{
	return ((uint64_t)mfn << 12) | flags;
}

static inline unsigned long pte_mfn(uint64_t pte)
{
	return (pte & PTE_ADDR_MASK) >> 12;
}

/* Machine address of entry idx of the table in frame mfn. */
static inline uint64_t pt_entry_ma(unsigned long mfn, unsigned int idx)
{
	return ((uint64_t)mfn << 12) + idx * 8UL;
}

struct mm_state {
	bool ready;
	unsigned long nr_pages;
	unsigned long region_end_pfn;	/* first pfn the builder left unmapped */
	unsigned long l4_mfn;		/* the boot L4, our current base */
	unsigned long max_ram_page;	/* XENMEM_maximum_ram_page */
	unsigned long pool_next;	/* bump pointer over free pfns */
	unsigned long window_pfn;	/* first of the window pages */
};

extern struct mm_state mm;

/* The p2m list (pfn -> mfn) the builder gave us; the guest keeps it. */
static inline unsigned long *mm_p2m(void)
{
	return (unsigned long *)guest_start_info->mfn_list;
}

static inline unsigned long m2p_read(unsigned long mfn)
{
	return ((const volatile unsigned long *)MACH2PHYS_VIRT_START)[mfn];
}

/*
 * Set up once per boot: find the builder's mapped region by walking our
 * tables, read maximum_ram_page, enable writable page tables.  On failure
 * it records why (test_fail) and returns false.
 */
bool mm_init(void);
/* A case's first step: mm_init, or end the case (its reason is recorded). */
#define MM_BEGIN()                                                           \
	do {                                                                 \
		if (!mm_init())                                              \
			return;                                              \
	} while (0)

/* Is mfn (whose M2P may be read when < max_ram_page) one of our frames? */
bool mm_mfn_is_ours(unsigned long mfn);

/*
 * The pool: pfns above the builder's mapped region, mapped nowhere, so free
 * to become page tables.  pool_alloc() returns a pfn (0 when exhausted,
 * after test_fail) whose frame is zeroed when `zero`; pool_free() takes
 * back a frame that is plain again (unmapped, unpinned, untyped).
 */
unsigned long pool_alloc(bool zero);
/* n consecutive pfns never handed out before (0 when too few are left, after test_fail). */
unsigned long pool_alloc_run(unsigned long n);
void pool_free(unsigned long pfn);
unsigned long pool_free_count(void);

static inline unsigned long pfn_mfn(unsigned long pfn)
{
	return mm_p2m()[pfn];
}

/*
 * Windows: MM_NR_WINDOWS slack pages at the end of the boot region whose L1
 * entries we rewrite with update_va_mapping (INVLPG|LOCAL) to look at any
 * frame.  win_map returns the window's address or NULL (reason recorded);
 * win_unmap puts the slack page back.  Window 0 is used by pool_alloc and
 * window 1 by table_read; cases use 2 and up.
 */
#define MM_NR_WINDOWS 16
void *win_map(unsigned int i, unsigned long mfn, uint64_t flags);
long win_map_rc(unsigned int i, unsigned long mfn, uint64_t flags);
long win_unmap(unsigned int i);
unsigned long win_va(unsigned int i);

/* Entry idx of the table in frame mfn, read through window 1 (read-only). */
uint64_t table_read(unsigned long mfn, unsigned int idx);

/* One request through the batched calls, DOMID_SELF, no done pointer. */
long mmu_update1(uint64_t ptr, uint64_t val);
long mmuext1(unsigned int cmd, unsigned long arg1, unsigned long arg2);
/* The same for another domain's frames (foreigndom: a domain id, or the
 * mmu_update's split form); the mmuext one takes only arg1. */
long mmu_update1_as(uint64_t ptr, uint64_t val, unsigned long foreigndom);
long mmuext1_as(domid_t owner, unsigned int cmd, unsigned long mfn);
long pin_table(unsigned int level, unsigned long mfn);
long unpin_table(unsigned long mfn);

/*
 * A scratch address space: L4 slot `slot` of the current L4 -> our L3 ->
 * our L2 -> up to SCRATCH_NR_L1 L1 tables, made on demand.  Page idx maps
 * at scratch_va(s, idx).  Cases share the mm suite's (slot 1); the fuzzer
 * has its own (slot 2).
 */
#define SCRATCH_NR_L1 16
#define SCRATCH_PAGES (SCRATCH_NR_L1 * 512)
struct scratch {
	unsigned int slot;
	unsigned long l3_mfn, l2_mfn;
	unsigned long l1_mfn[SCRATCH_NR_L1];
};

extern struct scratch mm_scratch;	/* slot 1, the mm suite's */

static inline unsigned long scratch_va(const struct scratch *s,
				       unsigned long idx)
{
	return ((unsigned long)s->slot << 39) + idx * GUEST_PAGE_SIZE;
}

/* Make the tables down to the L1 holding idx; false (reason recorded). */
bool scratch_ensure(struct scratch *s, unsigned long idx);

/* Machine address of the L1 entry of page idx (scratch_ensure first). */
static inline uint64_t scratch_pte_ma(const struct scratch *s,
				      unsigned long idx)
{
	return pt_entry_ma(s->l1_mfn[idx / 512], idx % 512);
}

/* Map frame mfn at page idx with flags (mmu_update); returns its result. */
long scratch_map(struct scratch *s, unsigned long idx, unsigned long mfn,
		 uint64_t flags);
long scratch_unmap(struct scratch *s, unsigned long idx);
uint64_t scratch_pte(const struct scratch *s, unsigned long idx);

/* A fresh range of n pages of mm_scratch no case has used (0 if none). */
unsigned long scratch_take(unsigned long n);

/* A fresh, unpinned L4 (a pool frame) holding our kernel slots 272..511 and,
 * if slot is nonzero, `extra` at `slot`; its mfn, or 0. */
unsigned long mm_new_l4(unsigned int slot, uint64_t extra);

/* Word i of a test pattern. */
static inline uint64_t pattern_word(uint64_t seed, unsigned int i)
{
	return (seed * 0x9e3779b97f4a7c15UL) ^ ((uint64_t)i << 32) ^ i;
}

/* Fill frame mfn with pattern seed / check it (through window 0). */
bool frame_fill(unsigned long mfn, uint64_t seed);
bool frame_has(unsigned long mfn, uint64_t seed);
/* Does the page mapped at va hold pattern seed? */
bool va_has_pattern(uint64_t va, uint64_t seed);
/* Is the frame all zero (through window 0)? */
bool frame_is_zero(unsigned long mfn);

/* XENMEM_current_reservation / maximum_reservation of DOMID_SELF. */
long mm_reservation(unsigned int cmd);
/* increase/decrease_reservation, populate_physmap on DOMID_SELF. */
long mm_reservation_op(unsigned int cmd, xen_pfn_t *list, unsigned long n,
		       unsigned int order);

/* The debug hypercall's frame check: its answer, or 0 where it does not exist
 * (Xen: -ENOSYS) or is not ours to ask (Koan's domUs: -EPERM). */
long mm_check_frames(void);

#endif /* GUEST_MM_H */
