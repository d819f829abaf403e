// SPDX-License-Identifier: MIT
/*
 * Memory-management infrastructure for the mm and fuzz suites: find the
 * builder's mapped region, hand out the frames above it, look at any frame
 * through a window page, and build scratch address spaces in the lower
 * half.  Everything here goes through the hypercalls under test, so every
 * helper reports failure instead of touching memory it could not map.
 */
#include <xen/errno.h>

#include <guest/gnttab.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

struct mm_state mm;
struct scratch mm_scratch = { .slot = 1 };

#define POOL_STACK 4096
static unsigned long pool_stack[POOL_STACK];
static unsigned int pool_top;

static unsigned int pt_index(unsigned long va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

/*
 * The boot-region L1 entry of va, or 0 if any level is not present.  The
 * boot tables are read through their (read-only) place in the region:
 * VIRT_BASE + M2P[mfn] * 4096.
 */
static uint64_t boot_l1e(unsigned long va)
{
	const uint64_t *table = (const uint64_t *)guest_start_info->pt_base;
	unsigned long pt_pfn = guest_va_to_pfn(table);
	int level;

	for (level = 4; level >= 2; level--) {
		uint64_t e = table[pt_index(va, level)];
		unsigned long pfn;

		if (!(e & PTE_P))
			return 0;
		pfn = m2p_read(pte_mfn(e));
		if (pfn < pt_pfn || pfn >= pt_pfn + guest_start_info->nr_pt_frames)
			return 0;	/* the builder's tables are all there */
		table = (const uint64_t *)(GUEST_VIRT_BASE + pfn * GUEST_PAGE_SIZE);
	}
	return table[pt_index(va, 1)];
}

/* The first pfn whose page the builder did not map at VIRT_BASE + pfn. */
static unsigned long find_region_end(void)
{
	unsigned long pfn;

	for (pfn = 0; pfn < mm.nr_pages; pfn++) {
		uint64_t e = boot_l1e(GUEST_VIRT_BASE + pfn * GUEST_PAGE_SIZE);
		if (!(e & PTE_P) || pte_mfn(e) != pfn_mfn(pfn))
			return pfn;
	}
	return pfn;
}

bool mm_init(void)
{
	const start_info_t *si = guest_start_info;
	unsigned long stack_end;
	long rc;

	if (mm.ready)
		return true;
	mm.nr_pages = si->nr_pages;
	mm.l4_mfn = pfn_mfn(guest_va_to_pfn((void *)si->pt_base));
	mm.region_end_pfn = find_region_end();
	mm.window_pfn = mm.region_end_pfn - MM_NR_WINDOWS;
	mm.pool_next = mm.region_end_pfn;
	/* The windows must be slack: after the tables and the boot stack. */
	stack_end = guest_va_to_pfn((void *)si->pt_base) + si->nr_pt_frames + 1;
	if (mm.region_end_pfn < stack_end + MM_NR_WINDOWS) {
		test_fail("region end pfn %lu leaves no slack after pfn %lu",
			  mm.region_end_pfn, stack_end);
		return false;
	}
	rc = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	if (rc <= 0) {
		test_fail("XENMEM_maximum_ram_page: %ld", rc);
		return false;
	}
	mm.max_ram_page = (unsigned long)rc;
	rc = HYPERVISOR_vm_assist(VMASST_CMD_enable,
				  VMASST_TYPE_writable_pagetables);
	if (rc) {
		test_fail("vm_assist(enable, writable_pagetables): %ld", rc);
		return false;
	}
	mm.ready = true;
	TEST_NOTE("mm: builder region ends at pfn 0x%lx, pool of %lu frames, "
		  "L4 mfn 0x%lx, max_ram_page 0x%lx\n", mm.region_end_pfn,
		  mm.nr_pages - mm.region_end_pfn, mm.l4_mfn, mm.max_ram_page);
	return true;
}

bool mm_mfn_is_ours(unsigned long mfn)
{
	unsigned long pfn;

	/* shared_info is ours too, although outside the p2m (its M2P entry is invalid). */
	if (mfn == guest_start_info->shared_info >> 12)
		return true;
	/* So are our grant-table frames (Koan allocates them at setup_table, anywhere). */
	if (gt_is_table_frame(mfn))
		return true;
	if (mfn >= mm.max_ram_page)
		return false;
	pfn = m2p_read(mfn);
	return pfn < mm.nr_pages && pfn_mfn(pfn) == mfn;
}

unsigned long win_va(unsigned int i)
{
	return GUEST_VIRT_BASE + (mm.window_pfn + i) * GUEST_PAGE_SIZE;
}

long win_map_rc(unsigned int i, unsigned long mfn, uint64_t flags)
{
	return HYPERVISOR_update_va_mapping(win_va(i), pte_make(mfn, flags),
					    UVMF_INVLPG | UVMF_LOCAL);
}

void *win_map(unsigned int i, unsigned long mfn, uint64_t flags)
{
	long rc = win_map_rc(i, mfn, flags);

	if (rc) {
		test_fail("window %u -> mfn 0x%lx flags 0x%lx: %ld", i, mfn,
			  (unsigned long)flags, rc);
		return NULL;
	}
	return (void *)win_va(i);
}

long win_unmap(unsigned int i)
{
	return win_map_rc(i, pfn_mfn(mm.window_pfn + i), DATA_RW);
}

uint64_t table_read(unsigned long mfn, unsigned int idx)
{
	const volatile uint64_t *t = win_map(1, mfn, DATA_RO);
	uint64_t e;

	if (!t)
		return ~0UL;
	e = t[idx];
	win_unmap(1);
	return e;
}

unsigned long pool_alloc(bool zero)
{
	unsigned long pfn;
	void *p;

	if (pool_top)
		pfn = pool_stack[--pool_top];
	else if (mm.pool_next < mm.nr_pages)
		pfn = mm.pool_next++;
	else {
		test_fail("frame pool exhausted");
		return 0;
	}
	if (!zero)
		return pfn;
	p = win_map(0, pfn_mfn(pfn), DATA_RW);
	if (!p)
		return 0;
	memset(p, 0, GUEST_PAGE_SIZE);
	win_unmap(0);
	return pfn;
}

unsigned long pool_alloc_run(unsigned long n)
{
	unsigned long pfn = mm.pool_next;

	if (n > mm.nr_pages - mm.pool_next) {
		test_fail("frame pool: no run of %lu pfns left", n);
		return 0;
	}
	mm.pool_next += n;
	return pfn;
}

void pool_free(unsigned long pfn)
{
	if (pool_top < POOL_STACK)
		pool_stack[pool_top++] = pfn;
}

unsigned long pool_free_count(void)
{
	return pool_top + (mm.nr_pages - mm.pool_next);
}

long mmu_update1_as(uint64_t ptr, uint64_t val, unsigned long foreigndom)
{
	struct mmu_update req = { .ptr = ptr, .val = val };

	return HYPERVISOR_mmu_update(&req, 1, NULL, foreigndom);
}

long mmu_update1(uint64_t ptr, uint64_t val)
{
	return mmu_update1_as(ptr, val, DOMID_SELF);
}

long mmuext1_as(domid_t owner, unsigned int cmd, unsigned long mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, owner);
}

long mmuext1(unsigned int cmd, unsigned long arg1, unsigned long arg2)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = arg1;
	op.arg2.src_mfn = arg2;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

long pin_table(unsigned int level, unsigned long mfn)
{
	return mmuext1(MMUEXT_PIN_L1_TABLE + level - 1, mfn, 0);
}

long unpin_table(unsigned long mfn)
{
	return mmuext1(MMUEXT_UNPIN_TABLE, mfn, 0);
}

/* A zeroed pool frame hooked in at entry idx of table `parent`. */
static unsigned long hook_new_table(unsigned long parent, unsigned int idx,
				    const char *what)
{
	unsigned long pfn = pool_alloc(true);
	long rc;

	if (!pfn)
		return 0;
	rc = mmu_update1(pt_entry_ma(parent, idx), pte_make(pfn_mfn(pfn),
							    PT_FLAGS));
	if (rc) {
		test_fail("hooking a new %s into mfn 0x%lx[%u]: %ld", what,
			  parent, idx, rc);
		return 0;
	}
	return pfn_mfn(pfn);
}

bool scratch_ensure(struct scratch *s, unsigned long idx)
{
	unsigned int l1 = idx / 512;

	if (!mm_init())
		return false;
	if (idx >= SCRATCH_PAGES) {
		test_fail("scratch page %lu out of range", idx);
		return false;
	}
	if (!s->l3_mfn && !(s->l3_mfn = hook_new_table(mm.l4_mfn, s->slot, "L3")))
		return false;
	if (!s->l2_mfn && !(s->l2_mfn = hook_new_table(s->l3_mfn, 0, "L2")))
		return false;
	if (!s->l1_mfn[l1] &&
	    !(s->l1_mfn[l1] = hook_new_table(s->l2_mfn, l1, "L1")))
		return false;
	return true;
}

long scratch_map(struct scratch *s, unsigned long idx, unsigned long mfn,
		 uint64_t flags)
{
	if (!scratch_ensure(s, idx))
		return -XEN_ENOMEM;
	return mmu_update1(scratch_pte_ma(s, idx), pte_make(mfn, flags));
}

long scratch_unmap(struct scratch *s, unsigned long idx)
{
	if (!scratch_ensure(s, idx))
		return -XEN_ENOMEM;
	return mmu_update1(scratch_pte_ma(s, idx), 0);
}

uint64_t scratch_pte(const struct scratch *s, unsigned long idx)
{
	return table_read(s->l1_mfn[idx / 512], idx % 512);
}

long mm_check_frames(void)
{
	long rc = HYPERVISOR_koan_debug(KOAN_DEBUG_CHECK_FRAMES);

	/* Xen has no such call; Koan lets only dom0 run it. */
	return rc == -XEN_ENOSYS || rc == -XEN_EPERM ? 0 : rc;
}

unsigned long scratch_take(unsigned long n)
{
	static unsigned long next = 1;	/* page 0 stays unmapped */
	unsigned long idx = next;

	if (next + n > SCRATCH_PAGES) {
		test_fail("scratch range exhausted");
		return 0;
	}
	next += n;
	return idx;
}

bool frame_fill(unsigned long mfn, uint64_t seed)
{
	uint64_t *p = win_map(0, mfn, DATA_RW);
	unsigned int i;

	if (!p)
		return false;
	for (i = 0; i < GUEST_PAGE_SIZE / 8; i++)
		p[i] = pattern_word(seed, i);
	win_unmap(0);
	return true;
}

bool va_has_pattern(uint64_t va, uint64_t seed)
{
	const volatile uint64_t *p = (const volatile uint64_t *)va;
	unsigned int i;

	for (i = 0; i < GUEST_PAGE_SIZE / 8; i++)
		if (p[i] != pattern_word(seed, i))
			return false;
	return true;
}

bool frame_has(unsigned long mfn, uint64_t seed)
{
	const uint64_t *p = win_map(0, mfn, DATA_RO);
	bool same;

	if (!p)
		return false;
	same = va_has_pattern((uint64_t)p, seed);
	win_unmap(0);
	return same;
}

bool frame_is_zero(unsigned long mfn)
{
	const uint64_t *p = win_map(0, mfn, DATA_RO);
	unsigned int i;
	bool zero = true;

	if (!p)
		return false;
	for (i = 0; i < GUEST_PAGE_SIZE / 8 && zero; i++)
		zero = p[i] == 0;
	win_unmap(0);
	return zero;
}

long mm_reservation(unsigned int cmd)
{
	static domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(cmd, &self);
}

long mm_reservation_op(unsigned int cmd, xen_pfn_t *list, unsigned long n,
		       unsigned int order)
{
	struct xen_memory_reservation r = {
		.nr_extents = n, .extent_order = order, .domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, list);
	return HYPERVISOR_memory_op(cmd, &r);
}

unsigned long mm_new_l4(unsigned int slot, uint64_t extra)
{
	const uint64_t *boot = (const uint64_t *)guest_start_info->pt_base;
	unsigned long pfn = pool_alloc(true);
	uint64_t *l4;
	unsigned int i;

	if (!pfn || !(l4 = win_map(2, pfn_mfn(pfn), DATA_RW)))
		return 0;
	for (i = 272; i < 512; i++)
		l4[i] = boot[i];
	if (slot)
		l4[slot] = extra;
	win_unmap(2);
	return pfn_mfn(pfn);
}
