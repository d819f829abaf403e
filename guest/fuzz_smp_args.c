// SPDX-License-Identifier: MIT
/*
 * The arguments of the concurrent fuzz mode's calls (guest/fuzz_smp.h):
 * pool frames as a vCPU sees them now (or the frame a slot had before it
 * was given back), the shared tables, frames nobody owns, entry values,
 * entries to write (each level mostly getting a table of the right level
 * back, so that the shared VAs keep working), VAs under the shared tables,
 * vCPU masks, and single mmuext ops -- none aimed at what the guest runs
 * on (guest/fuzz_smp_ops.c says what that is).
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>

#include "fuzz_smp.h"

#define below fuzz_below
#define chance fuzz_chance

/* A pool frame as this vCPU sees it now: live, or the one it had before it
 * was given back (stale: it may be free, or someone else's by now). */
unsigned long fsmp_pool_mfn(void)
{
	struct fsmp_frame *f = &fs.f[below(FSMP_FRAMES)];
	unsigned long mfn = __atomic_load_n(&f->mfn, __ATOMIC_RELAXED);

	return mfn != FSMP_NO_MFN ? mfn : __atomic_load_n(&f->last_mfn, __ATOMIC_RELAXED);
}

/* One of the shared tables: an L1, the L2, the L3, a copy of our L4. */
static unsigned long table_mfn(void)
{
	unsigned int r = (unsigned int)below(FSMP_L1S + 2 + FSMP_L4S);

	if (r < FSMP_L1S)
		return fs.sp.l1_mfn[r];
	r -= FSMP_L1S;
	return r == 0 ? fs.sp.l2_mfn : r == 1 ? fs.sp.l3_mfn : fs.l4[r - 2];
}

static unsigned long shared_l4(void)
{
	return fs.l4[below(FSMP_L4S)];
}

static bool is_l4_copy(unsigned long mfn)
{
	for (unsigned int i = 0; i < FSMP_L4S; i++)
		if (fs.l4[i] == mfn)
			return true;
	return false;
}

/* Beyond RAM or beyond the physical address width: nobody's RAM. */
unsigned long fsmp_garbage_mfn(void)
{
	return chance(50) ? mm.max_ram_page + below(0x100) : (1UL << 40) - 1 - below(4);
}

/* Writable a third of the time: a frame mapped writable anywhere cannot
 * be pinned, and the races between the two need both to happen. */
uint64_t fsmp_rand_flags(void)
{
	uint64_t f = chance(92) ? PTE_P : 0;

	if (chance(33))
		f |= PTE_RW;
	if (chance(60))
		f |= PTE_US;
	if (chance(50))
		f |= PTE_A | PTE_D;
	return f;
}

/* An entry: a pool frame, a table (writable: only right one level up), 0. */
uint64_t fsmp_rand_value(void)
{
	unsigned int r = (unsigned int)below(100);

	if (r < 20)
		return 0;
	if (r < 68)
		return pte_make(fsmp_pool_mfn(), fsmp_rand_flags());
	if (r < 92) {
		unsigned long t = table_mfn();

		/*
		 * Never one of the L4 copies writable: mapped so while no vCPU
		 * has it loaded, a write probe would scribble over the kernel
		 * slots the next NEW_BASEPTR to it loads.
		 */
		return pte_make(t, chance(60) && !is_l4_copy(t) ? PT_FLAGS : DATA_RO);
	}
	if (r < 96)
		return pte_make(mm.l4_mfn, chance(50) ? PT_FLAGS : DATA_RO);
	return pte_make(fsmp_garbage_mfn(), fsmp_rand_flags());
}

/* A VA under the shared tables (now and then under our rewritten slot). */
unsigned long fsmp_rand_va(void)
{
	if (chance(3))
		return ((unsigned long)FSMP_HOOK_SLOT << 39) + below(512) * GUEST_PAGE_SIZE;
	return scratch_va(&fs.sp, below(FSMP_PAGES));
}

/* The vCPUs a *_MULTI flush names: any subset of ours, rarely one more. */
void *fsmp_rand_mask(struct fsmp_vcpu *v)
{
	v->mask = below(1UL << fs.nr_vcpus) | (chance(5) ? 1UL << fs.nr_vcpus : 0);
	return &v->mask;
}

/* A table one level down, hooked in: ours at its place, or a pool frame. */
static uint64_t rand_hook(unsigned long ours)
{
	if (chance(60))
		return pte_make(ours, PT_FLAGS);
	return chance(70) ? pte_make(fsmp_pool_mfn(), PT_FLAGS) : fsmp_rand_value();
}

/*
 * An entry to write and its value, or an M2P entry of a pool frame (to a
 * pool pfn).  The shared L2 and L3 mostly get their own tables back, so
 * that the VAs keep working for the calls that need them.
 */
uint64_t fsmp_rand_ptr(uint64_t *val)
{
	unsigned int r = (unsigned int)below(100), i;
	uint64_t ma;

	if (r < 6) {
		*val = fs.f[below(FSMP_FRAMES)].pfn;
		return ((uint64_t)fsmp_pool_mfn() << 12) | MMU_MACHPHYS_UPDATE;
	}
	*val = fsmp_rand_value();
	if (r < 45) {
		ma = pt_entry_ma(fs.sp.l1_mfn[below(FSMP_L1S)], (unsigned int)below(512));
	} else if (r < 67) {
		ma = pt_entry_ma(fsmp_pool_mfn(), (unsigned int)below(512));
	} else if (r < 75) {
		i = (unsigned int)below(2 * FSMP_L1S);
		ma = pt_entry_ma(fs.sp.l2_mfn, i);
		*val = rand_hook(fs.sp.l1_mfn[i % FSMP_L1S]);
	} else if (r < 80) {
		ma = pt_entry_ma(fs.sp.l3_mfn, 1 + (unsigned int)below(3));
		*val = rand_hook(fs.sp.l2_mfn);
	} else if (r < 94) {
		i = chance(20) ? FSMP_SLOT : FSMP_L4_SLOT0 + (unsigned int)below(8);
		ma = pt_entry_ma(shared_l4(), i);
		*val = rand_hook(fs.sp.l3_mfn);
	} else {
		ma = pt_entry_ma(mm.l4_mfn, FSMP_HOOK_SLOT);
		*val = rand_hook(fs.sp.l3_mfn);
	}
	if (chance(10))
		ma |= MMU_PT_UPDATE_PRESERVE_AD;
	return ma;
}

/* One mmuext op of the kinds above, never aimed at what we run on. */
void fsmp_fill_op(struct fsmp_vcpu *v, struct mmuext_op *o)
{
	unsigned int r = (unsigned int)below(100);

	memset(o, 0, sizeof(*o));
	if (r < 28) {
		o->cmd = MMUEXT_PIN_L1_TABLE + (unsigned int)below(4);
		o->arg1.mfn = chance(80) ? fsmp_pool_mfn() : table_mfn();
	} else if (r < 44) {
		o->cmd = MMUEXT_UNPIN_TABLE;
		o->arg1.mfn = chance(80) ? fsmp_pool_mfn() : table_mfn();
	} else if (r < 52) {
		o->cmd = MMUEXT_NEW_BASEPTR;
		o->arg1.mfn = chance(75) ? shared_l4() : mm.l4_mfn;
	} else if (r < 56) {
		o->cmd = MMUEXT_NEW_USER_BASEPTR;
		o->arg1.mfn = chance(40) ? shared_l4() : chance(60) ? fsmp_pool_mfn() : 0;
	} else if (r < 68) {
		o->cmd = MMUEXT_TLB_FLUSH_LOCAL + 2 * (unsigned int)below(3);
		o->arg2.vcpumask.p = fsmp_rand_mask(v);
	} else if (r < 80) {
		o->cmd = MMUEXT_INVLPG_LOCAL + 2 * (unsigned int)below(3);
		o->arg1.linear_addr = fsmp_rand_va();
		o->arg2.vcpumask.p = fsmp_rand_mask(v);
	} else if (r < 88) {
		o->cmd = MMUEXT_CLEAR_PAGE;
		o->arg1.mfn = fsmp_pool_mfn();
	} else if (r < 94) {
		o->cmd = MMUEXT_COPY_PAGE;
		o->arg1.mfn = fsmp_pool_mfn();
		o->arg2.src_mfn = chance(85) ? fsmp_pool_mfn() : table_mfn();
	} else {
		o->cmd = MMUEXT_SET_LDT;
		o->arg1.linear_addr = chance(20) ? 0 : fsmp_rand_va();
		o->arg2.nr_ents = o->arg1.linear_addr ? 1 + (unsigned int)below(512) : 0;
	}
}
