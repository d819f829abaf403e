// SPDX-License-Identifier: MIT
/*
 * mm suite, writable page tables (VMASST_TYPE_writable_pagetables): plain
 * instructions writing to a pinned L1 that is mapped read-only are
 * emulated by the hypervisor as validated entry updates.  One case per
 * instruction form Linux uses; each writes only valid entries (an invalid
 * one would be a #PF we have no handler for), then reads the entry back
 * through the read-only mapping and the data through the new mapping.
 */
#include <xen/errno.h>

#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

/* The L1 sits at this index of the scratch L2, away from its lazy L1s. */
#define PTWR_L2_INDEX 100
#define PTWR_WINDOW 3
#define PTE_CHECK_MASK (PTE_ADDR_MASK | PTE_P | PTE_RW | PTE_NX)

static struct {
	bool ready;
	unsigned long l1, a, b;	/* the table; two data frames (0xa, 0xb) */
	volatile uint64_t *e;	/* the table, mapped read-only */
	unsigned long va;	/* what entry 0 maps */
} pt;

static bool ptwr_setup(void)
{
	if (pt.ready)
		return true;
	if (!scratch_ensure(&mm_scratch, 0))
		return false;
	pt.l1 = pfn_mfn(pool_alloc(true));
	pt.a = pfn_mfn(pool_alloc(false));
	pt.b = pfn_mfn(pool_alloc(false));
	if (!frame_fill(pt.a, 0xa) || !frame_fill(pt.b, 0xb))
		return false;
	if (pin_table(1, pt.l1)) {
		test_fail("pinning the ptwr L1 failed");
		return false;
	}
	if (mmu_update1(pt_entry_ma(mm_scratch.l2_mfn, PTWR_L2_INDEX),
			pte_make(pt.l1, PT_FLAGS))) {
		test_fail("hooking the ptwr L1 failed");
		return false;
	}
	pt.e = win_map(PTWR_WINDOW, pt.l1, DATA_RO);
	if (!pt.e)
		return false;
	pt.va = scratch_va(&mm_scratch, PTWR_L2_INDEX * 512UL);
	pt.ready = true;
	return true;
}

#define PTWR_BEGIN()                                                         \
	do {                                                                 \
		if (!mm_init() || !ptwr_setup())                             \
			return;                                              \
	} while (0)

/* Which data frame page i maps now (0xa, 0xb, 0 = neither); flushes it. */
static unsigned int seen(unsigned int i)
{
	unsigned long va = pt.va + i * GUEST_PAGE_SIZE;
	uint64_t w;

	mmuext1(MMUEXT_INVLPG_LOCAL, va, 0);
	w = *(const volatile uint64_t *)(va + 8);
	return w == pattern_word(0xa, 1) ? 0xa : w == pattern_word(0xb, 1) ? 0xb : 0;
}

static bool entry_is(unsigned int i, uint64_t want)
{
	return (pt.e[i] & PTE_CHECK_MASK) == (want & PTE_CHECK_MASK);
}

/* Clear entry i through mmu_update and drop its TLB entry. */
static void entry_clear(unsigned int i)
{
	mmu_update1(pt_entry_ma(pt.l1, i), 0);
	mmuext1(MMUEXT_INVLPG_LOCAL, pt.va + i * GUEST_PAGE_SIZE, 0);
}

static inline void pt_mov8(volatile uint64_t *p, uint64_t v)
{
	__asm__ volatile("movq %1, %0" : "=m"(*p) : "r"(v) : "memory");
}

static inline void pt_mov4(volatile uint32_t *p, uint32_t v)
{
	__asm__ volatile("movl %1, %0" : "=m"(*p) : "r"(v) : "memory");
}

static inline uint64_t pt_xchg(volatile uint64_t *p, uint64_t v)
{
	__asm__ volatile("xchgq %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

static inline bool pt_cmpxchg(volatile uint64_t *p, uint64_t *old, uint64_t v)
{
	bool ok;

	__asm__ volatile("cmpxchgq %3, %1; sete %2"
			 : "+a"(*old), "+m"(*p), "=q"(ok)
			 : "r"(v)
			 : "memory", "cc");
	return ok;
}

static inline bool pt_lock_cmpxchg(volatile uint64_t *p, uint64_t *old,
				   uint64_t v)
{
	bool ok;

	__asm__ volatile("lock cmpxchgq %3, %1; sete %2"
			 : "+a"(*old), "+m"(*p), "=q"(ok)
			 : "r"(v)
			 : "memory", "cc");
	return ok;
}

static inline void pt_lock_andb(volatile uint8_t *p, uint8_t m)
{
	__asm__ volatile("lock andb %1, %0" : "+m"(*p) : "q"(m) : "memory", "cc");
}

static inline void pt_lock_orb(volatile uint8_t *p, uint8_t m)
{
	__asm__ volatile("lock orb %1, %0" : "+m"(*p) : "q"(m) : "memory", "cc");
}

static inline bool pt_lock_btr(volatile uint64_t *p, long bit)
{
	bool c;

	__asm__ volatile("lock btrq %2, %0; setc %1"
			 : "+m"(*p), "=q"(c)
			 : "Jr"(bit)
			 : "memory", "cc");
	return c;
}

static inline bool pt_lock_bts(volatile uint64_t *p, long bit)
{
	bool c;

	__asm__ volatile("lock btsq %2, %0; setc %1"
			 : "+m"(*p), "=q"(c)
			 : "Jr"(bit)
			 : "memory", "cc");
	return c;
}

/* The writes go to the read-only mapping: cast away only the const. */
#define W64(i) ((volatile uint64_t *)&pt.e[i])

void case_mm_ptwr_mov(void)
{
	PTWR_BEGIN();
	pt_mov8(W64(0), pte_make(pt.a, DATA_RW));
	EXPECT(entry_is(0, pte_make(pt.a, DATA_RW)), "entry after mov: 0x%lx",
	       (unsigned long)pt.e[0]);
	EXPECT_EQ(seen(0), 0xa, "data through entry 0");
	pt_mov8(W64(0), pte_make(pt.b, DATA_RO));
	EXPECT(entry_is(0, pte_make(pt.b, DATA_RO)), "entry after 2nd mov: 0x%lx",
	       (unsigned long)pt.e[0]);
	EXPECT_EQ(seen(0), 0xb, "data through entry 0 after the 2nd mov");
	pt_mov8(W64(0), 0);
	EXPECT_EQ(pt.e[0], 0, "entry after mov 0");
	mmuext1(MMUEXT_INVLPG_LOCAL, pt.va, 0);
}

void case_mm_ptwr_xchg(void)
{
	uint64_t old;

	PTWR_BEGIN();
	old = pt_xchg(W64(1), pte_make(pt.b, DATA_RW));
	EXPECT_EQ(old, 0, "xchg returned (old entry)");
	EXPECT(entry_is(1, pte_make(pt.b, DATA_RW)), "entry after xchg: 0x%lx",
	       (unsigned long)pt.e[1]);
	EXPECT_EQ(seen(1), 0xb, "data through entry 1");
	old = pt_xchg(W64(1), 0);	/* ptep_get_and_clear */
	EXPECT((old & PTE_CHECK_MASK) == pte_make(pt.b, DATA_RW & PTE_CHECK_MASK),
	       "xchg 0 returned 0x%lx", (unsigned long)old);
	EXPECT_EQ(pt.e[1], 0, "entry after xchg 0");
	mmuext1(MMUEXT_INVLPG_LOCAL, pt.va + GUEST_PAGE_SIZE, 0);
}

static void cmpxchg_case(unsigned int i, bool lock)
{
	bool (*op)(volatile uint64_t *, uint64_t *, uint64_t) =
		lock ? pt_lock_cmpxchg : pt_cmpxchg;
	uint64_t old = 0, now;

	EXPECT(op(W64(i), &old, pte_make(pt.a, DATA_RW)),
	       "cmpxchg 0 -> a failed, saw 0x%lx", (unsigned long)old);
	EXPECT(entry_is(i, pte_make(pt.a, DATA_RW)), "entry: 0x%lx",
	       (unsigned long)pt.e[i]);
	EXPECT_EQ(seen(i), 0xa, "data through the entry");
	/* A compare that fails: no change, ZF clear, rax = the entry. */
	old = pte_make(pt.b, DATA_RW);
	EXPECT(!op(W64(i), &old, 0), "cmpxchg with a wrong old value succeeded");
	now = pt.e[i];
	EXPECT_EQ(old, now, "rax after the failed cmpxchg");
	EXPECT(entry_is(i, pte_make(pt.a, DATA_RW)), "failed cmpxchg changed it");
	EXPECT(op(W64(i), &old, pte_make(pt.b, DATA_RO)), "cmpxchg a -> b");
	EXPECT_EQ(seen(i), 0xb, "data after cmpxchg to b");
	old = pt.e[i];
	EXPECT(op(W64(i), &old, 0), "cmpxchg b -> 0");
	EXPECT_EQ(pt.e[i], 0, "entry after cmpxchg to 0");
	mmuext1(MMUEXT_INVLPG_LOCAL, pt.va + i * GUEST_PAGE_SIZE, 0);
}

void case_mm_ptwr_cmpxchg(void)
{
	PTWR_BEGIN();
	cmpxchg_case(2, false);
}

void case_mm_ptwr_lock_cmpxchg(void)
{
	PTWR_BEGIN();
	cmpxchg_case(3, true);
}

void case_mm_ptwr_lock_and_or_byte(void)
{
	volatile uint8_t *b = (volatile uint8_t *)W64(4);

	PTWR_BEGIN();
	pt_mov8(W64(4), pte_make(pt.a, DATA_RW));
	pt_lock_andb(b, (uint8_t)~PTE_RW);	/* ptep_set_wrprotect */
	EXPECT(entry_is(4, pte_make(pt.a, DATA_RO)), "after lock and: 0x%lx",
	       (unsigned long)pt.e[4]);
	EXPECT_EQ(seen(4), 0xa, "data after lock and");
	pt_lock_orb(b, PTE_RW);
	EXPECT(entry_is(4, pte_make(pt.a, DATA_RW)), "after lock or: 0x%lx",
	       (unsigned long)pt.e[4]);
	/* A byte above the flags: address bits 12..15 via byte 1. */
	pt_lock_andb(b, (uint8_t)~PTE_P);
	EXPECT(!(pt.e[4] & PTE_P), "lock and of P: 0x%lx", (unsigned long)pt.e[4]);
	pt_lock_orb(b, PTE_P);
	EXPECT(entry_is(4, pte_make(pt.a, DATA_RW)), "lock or of P: 0x%lx",
	       (unsigned long)pt.e[4]);
	EXPECT_EQ(seen(4), 0xa, "data after lock or");
	entry_clear(4);
}

void case_mm_ptwr_lock_btr_bts(void)
{
	PTWR_BEGIN();
	pt_mov8(W64(5), pte_make(pt.a, DATA_RW));
	EXPECT(pt_lock_btr(W64(5), 1), "lock btr RW: CF clear");
	EXPECT(!(pt.e[5] & PTE_RW), "RW still set: 0x%lx", (unsigned long)pt.e[5]);
	EXPECT(!pt_lock_btr(W64(5), 1), "2nd lock btr RW: CF set");
	EXPECT(!pt_lock_bts(W64(5), 1), "lock bts RW: CF set");
	EXPECT(pt.e[5] & PTE_RW, "RW not set: 0x%lx", (unsigned long)pt.e[5]);
	EXPECT(pt_lock_bts(W64(5), 1), "2nd lock bts RW: CF clear");
	/* ptep_test_and_clear_young: A was set when we wrote it. */
	EXPECT(pt_lock_btr(W64(5), 5), "lock btr A: CF clear");
	EXPECT(!(pt.e[5] & PTE_A), "A still set: 0x%lx", (unsigned long)pt.e[5]);
	EXPECT(entry_is(5, pte_make(pt.a, DATA_RW)), "entry: 0x%lx",
	       (unsigned long)pt.e[5]);
	EXPECT_EQ(seen(5), 0xa, "data after the bit operations");
	entry_clear(5);
}

void case_mm_ptwr_half_stores(void)
{
	volatile uint32_t *h = (volatile uint32_t *)W64(6);
	uint64_t want = pte_make(pt.b, DATA_RW);

	PTWR_BEGIN();
	pt_mov4(&h[1], (uint32_t)(want >> 32));	/* high half of an empty entry */
	pt_mov4(&h[0], (uint32_t)want);		/* low half: now present */
	EXPECT(entry_is(6, want), "after two 4-byte stores: 0x%lx",
	       (unsigned long)pt.e[6]);
	EXPECT_EQ(seen(6), 0xb, "data after the 4-byte stores");
	pt_mov4(&h[1], (uint32_t)((want | PTE_NX) >> 32));	/* set NX */
	EXPECT(entry_is(6, want | PTE_NX), "after setting NX: 0x%lx",
	       (unsigned long)pt.e[6]);
	pt_mov4(&h[0], 0);	/* low half: not present */
	EXPECT(!(pt.e[6] & PTE_P), "after clearing the low half: 0x%lx",
	       (unsigned long)pt.e[6]);
	pt_mov4(&h[1], 0);
	EXPECT_EQ(pt.e[6], 0, "entry after clearing both halves");
	mmuext1(MMUEXT_INVLPG_LOCAL, pt.va + 6 * GUEST_PAGE_SIZE, 0);
}
