// SPDX-License-Identifier: MIT
/*
 * The calls of the concurrent fuzz mode (guest/fuzz_smp.h), made by every
 * vCPU at once on the shared pool of FSMP_FRAMES frames and the shared
 * tables: the L3, L2 and FSMP_L1S L1s under L4 slot FSMP_SLOT, two copies
 * of our L4 (kernel slots and slot FSMP_SLOT) that any vCPU may load, and
 * slot FSMP_HOOK_SLOT of our own, loaded L4.  mmu_update writes entries of
 * all of those and of pool frames (any level, linear maps, the M2P);
 * mmuext_op pins and unpins, switches base pointers, flushes (LOCAL, MULTI
 * with a mask of our vCPUs, ALL), clears and copies pool frames, loads an
 * LDT; update_va_mapping with every flush target; decrease_reservation and
 * populate_physmap give pool frames back and take new ones; multicalls mix
 * them; a write probe stores an entry-like value through one of the shared
 * VAs, and a fault there is fine (smp_traps.S resumes) -- but a store that
 * lands in a frame after it became a page table (a stale TLB entry: the
 * hypervisor must flush every CPU before it retypes or reuses a frame)
 * leaves counts the frame check cannot explain.  Nothing here names a frame
 * or VA the guest runs on: the shared L4s are never cleared, copied over,
 * mapped writable or given back, our L4 is only ever written at
 * FSMP_HOOK_SLOT, and pool frames are never loaded as a base pointer.
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>

#include "fuzz_smp.h"

#define below fuzz_below
#define chance fuzz_chance

enum kind {
	K_MMU_UPDATE, K_MACHPHYS, K_PIN_L1, K_PIN_L2, K_PIN_L3, K_PIN_L4, K_UNPIN,
	K_BASEPTR, K_USER_BASEPTR, K_FLUSH_LOCAL, K_INVLPG_LOCAL, K_FLUSH_MULTI,
	K_INVLPG_MULTI, K_FLUSH_ALL, K_INVLPG_ALL, K_SET_LDT, K_CLEAR_PAGE,
	K_COPY_PAGE, K_UVM_LOCAL, K_UVM_MULTI, K_UVM_ALL, K_DECREASE, K_POPULATE,
	K_MULTICALL, K_WRITE_PROBE, K_STEAL, K_YIELD, K_NR
};

const char *const fsmp_kind_names[] = {
	"mmu_update", "machphys_update", "pin_l1", "pin_l2", "pin_l3", "pin_l4",
	"unpin", "new_baseptr", "new_user_baseptr", "flush_local", "invlpg_local",
	"flush_multi", "invlpg_multi", "flush_all", "invlpg_all", "set_ldt",
	"clear_page", "copy_page", "uvm_local", "uvm_multi", "uvm_all",
	"decrease_reservation", "populate_physmap", "multicall", "write_probe",
	"steal_retype", "yield",
};
const unsigned int fsmp_nr_kinds = K_NR;

_Static_assert(sizeof(fsmp_kind_names) / sizeof(fsmp_kind_names[0]) == K_NR,
	       "a name per kind");
_Static_assert(K_NR <= FSMP_MAX_KINDS, "the tally has room");

/* The kind of each mmuext command we make (indexed by command). */
static const uint8_t cmd_kind[] = {
	[MMUEXT_PIN_L1_TABLE] = K_PIN_L1, [MMUEXT_PIN_L2_TABLE] = K_PIN_L2,
	[MMUEXT_PIN_L3_TABLE] = K_PIN_L3, [MMUEXT_PIN_L4_TABLE] = K_PIN_L4,
	[MMUEXT_UNPIN_TABLE] = K_UNPIN, [MMUEXT_NEW_BASEPTR] = K_BASEPTR,
	[MMUEXT_TLB_FLUSH_LOCAL] = K_FLUSH_LOCAL, [MMUEXT_INVLPG_LOCAL] = K_INVLPG_LOCAL,
	[MMUEXT_TLB_FLUSH_MULTI] = K_FLUSH_MULTI, [MMUEXT_INVLPG_MULTI] = K_INVLPG_MULTI,
	[MMUEXT_TLB_FLUSH_ALL] = K_FLUSH_ALL, [MMUEXT_INVLPG_ALL] = K_INVLPG_ALL,
	[MMUEXT_SET_LDT] = K_SET_LDT, [MMUEXT_NEW_USER_BASEPTR] = K_USER_BASEPTR,
	[MMUEXT_CLEAR_PAGE] = K_CLEAR_PAGE, [MMUEXT_COPY_PAGE] = K_COPY_PAGE,
};

/* ---- what the write probes aim at ---- */

/* A VA this vCPU just mapped writable: the others may be changing it. */
static void note_mapped(struct fsmp_vcpu *v, unsigned long va, uint64_t pte)
{
	unsigned int k = v->next_mapped++ % 8;

	if ((pte & (PTE_P | PTE_RW)) != (PTE_P | PTE_RW))
		return;
	__atomic_store_n(&v->mapped[k], va, __ATOMIC_RELAXED);
	__atomic_store_n(&v->mapped_mfn[k], pte_mfn(pte), __ATOMIC_RELAXED);
}

/* The VA a successful write to a shared L1's entry maps, or 0. */
static unsigned long l1_entry_va(uint64_t ptr)
{
	for (unsigned int i = 0; i < FSMP_L1S; i++)
		if (ptr >> 12 == fs.sp.l1_mfn[i])
			return scratch_va(&fs.sp, i * 512UL + (ptr & 0xfff) / 8);
	return 0;
}

/* ---- the calls ---- */

static long call_mmu_update(struct fsmp_vcpu *v)
{
	unsigned int n = 1 + (unsigned int)below(4), i;
	unsigned long va;
	bool m2p = false;
	long rc;

	for (i = 0; i < n; i++) {
		v->req[i].ptr = fsmp_rand_ptr(&v->req[i].val);
		m2p |= (v->req[i].ptr & 7) == MMU_MACHPHYS_UPDATE;
	}
	rc = HYPERVISOR_mmu_update(v->req, n, &v->done, DOMID_SELF);
	for (i = 0; rc == 0 && i < n; i++)
		if ((va = l1_entry_va(v->req[i].ptr)))
			note_mapped(v, va, v->req[i].val);
	return fsmp_count(&v->tally, m2p ? K_MACHPHYS : K_MMU_UPDATE, rc);
}

/* A batch: the ops before `done` went through, op `done` was refused. */
static long call_mmuext_op(struct fsmp_vcpu *v)
{
	unsigned int n = 1 + (unsigned int)below(3), i;
	long rc;

	for (i = 0; i < n; i++)
		fsmp_fill_op(v, &v->op[i]);
	v->done = 0;
	rc = HYPERVISOR_mmuext_op(v->op, n, &v->done, DOMID_SELF);
	for (i = 0; i < n && i <= v->done; i++)
		fsmp_count(&v->tally, cmd_kind[v->op[i].cmd], i < v->done ? 0 : rc);
	return rc;
}

static long call_update_va_mapping(struct fsmp_vcpu *v)
{
	unsigned long va = chance(97) ? fsmp_rand_va() : 0x0000800000000000UL;
	unsigned long flags = below(3);	/* UVMF_NONE, TLB_FLUSH, INVLPG */
	unsigned int kind;
	uint64_t pte;
	long rc;

	switch (below(3)) {
	case 0:
		flags |= UVMF_LOCAL;
		kind = K_UVM_LOCAL;
		break;
	case 1:
		flags |= UVMF_ALL;
		kind = K_UVM_ALL;
		break;
	default:
		flags |= (unsigned long)fsmp_rand_mask(v);	/* UVMF_MULTI */
		kind = K_UVM_MULTI;
	}
	pte = fsmp_rand_value();
	rc = HYPERVISOR_update_va_mapping(va, pte, flags);
	if (rc == 0)
		note_mapped(v, va, pte);
	return fsmp_count(&v->tally, kind, rc);
}

/* Take frame i for a reservation change, if nobody else has it. */
static bool claim(unsigned int i)
{
	return !__atomic_exchange_n(&fs.f[i].busy, 1, __ATOMIC_ACQUIRE);
}

static void unclaim(unsigned int i)
{
	__atomic_store_n(&fs.f[i].busy, 0, __ATOMIC_RELEASE);
}

/* Frame i is now mfn (FSMP_NO_MFN: given back): ours, the p2m's, dom0's view. */
static void set_frame(unsigned int i, unsigned long mfn)
{
	struct fsmp_frame *f = &fs.f[i];

	if (mfn != FSMP_NO_MFN)
		__atomic_store_n(&f->last_mfn, mfn, __ATOMIC_RELAXED);
	__atomic_store_n(&f->mfn, mfn, __ATOMIC_RELEASE);
	mm_p2m()[f->pfn] = mfn == FSMP_NO_MFN ? P2M_INVALID : mfn;
	fsmp_store(&fsmp_rendezvous_page()->frame[i], mfn);
}

static long reservation(struct fsmp_vcpu *v, unsigned int cmd, unsigned int n)
{
	memset(&v->res, 0, sizeof(v->res));
	v->res.domid = DOMID_SELF;
	v->res.nr_extents = n;
	set_xen_guest_handle(v->res.extent_start, v->list);
	return HYPERVISOR_memory_op(cmd, &v->res);
}

/* Give back one or two live pool frames (wherever they are in use), and
 * now and then a frame that is not ours after them. */
static long call_decrease(struct fsmp_vcpu *v)
{
	unsigned int slot[2], n = 0, want = 1 + (unsigned int)below(2), tries, i;
	bool garbage;
	long rc;

	for (tries = 0; tries < 8 && n < want; tries++) {
		i = (unsigned int)below(FSMP_FRAMES);
		if (!claim(i))
			continue;
		if (fs.f[i].mfn == FSMP_NO_MFN) {
			unclaim(i);
			continue;
		}
		slot[n] = i;
		v->list[n++] = fs.f[i].mfn;
	}
	garbage = n == 0 || (n < 2 && chance(10));
	if (garbage)
		v->list[n] = fsmp_garbage_mfn();	/* last: the others go first */
	rc = reservation(v, XENMEM_decrease_reservation, n + garbage);
	for (i = 0; i < n; i++) {
		if ((long)i < rc)
			set_frame(slot[i], FSMP_NO_MFN);
		unclaim(slot[i]);
	}
	return fsmp_count(&v->tally, K_DECREASE, rc);
}

/* A new frame for a pfn we gave back; else give back instead. */
static long call_populate(struct fsmp_vcpu *v)
{
	for (unsigned int tries = 0; tries < 8; tries++) {
		unsigned int i = (unsigned int)below(FSMP_FRAMES);
		long rc;

		if (!claim(i))
			continue;
		if (fs.f[i].mfn != FSMP_NO_MFN) {
			unclaim(i);
			continue;
		}
		v->list[0] = fs.f[i].pfn;
		rc = reservation(v, XENMEM_populate_physmap, 1);
		if (rc == 1)
			set_frame(i, v->list[0]);
		unclaim(i);
		return fsmp_count(&v->tally, K_POPULATE, rc);
	}
	return call_decrease(v);
}

/* Two to four single mmu_update, mmuext_op and update_va_mapping entries. */
static long call_multicall(struct fsmp_vcpu *v)
{
	unsigned int n = 2 + (unsigned int)below(3), i;

	memset(v->mc, 0, sizeof(v->mc));
	for (i = 0; i < n; i++) {
		multicall_entry_t *m = &v->mc[i];

		switch (below(3)) {
		case 0:
			m->op = __HYPERVISOR_mmu_update;
			v->mc_req[i].ptr = fsmp_rand_ptr(&v->mc_req[i].val);
			m->args[0] = (unsigned long)&v->mc_req[i];
			m->args[1] = 1;
			m->args[3] = DOMID_SELF;
			break;
		case 1:
			m->op = __HYPERVISOR_mmuext_op;
			fsmp_fill_op(v, &v->mc_op[i]);
			m->args[0] = (unsigned long)&v->mc_op[i];
			m->args[1] = 1;
			m->args[3] = DOMID_SELF;
			break;
		default:
			m->op = __HYPERVISOR_update_va_mapping;
			m->args[0] = fsmp_rand_va();
			m->args[1] = fsmp_rand_value();
			m->args[2] = (unsigned long)below(3) | (chance(50) ? UVMF_ALL : UVMF_LOCAL);
		}
	}
	return fsmp_count(&v->tally, K_MULTICALL, HYPERVISOR_multicall(v->mc, n));
}

/* One store through va; false if it faulted (the stub resumed after it). */
static bool store(unsigned int self, unsigned long va, uint64_t val)
{
	unsigned long traps = smp_traps[self].count;

	__asm__ volatile(SMP_FAULT("movq %[val], (%[va])")
			 : SMP_FAULT_OUT(self)
			 : [val] "r"(val), [va] "r"(va)
			 : "rax", "memory");
	smp_resume[self] = 0;
	return smp_traps[self].count == traps;
}

/*
 * Store an entry-like value through a shared VA, mostly one this vCPU
 * mapped writable a moment ago, now and then 4096 times in a row (a
 * window long enough for another vCPU to retype the frame under it:
 * call_steal).  Whether
 * it lands or faults depends on the others; a fault ends the burst.
 */
static long write_probe(struct fsmp_vcpu *v)
{
	unsigned int self = smp_self(), n = chance(25) ? 4096 : 1;
	unsigned long va = v->mapped[below(8)];
	uint64_t val = chance(50) ? pte_make(fsmp_pool_mfn(), PTE_P | PTE_US | PTE_A) :
		       chance(50) ? 0 : pte_make(fsmp_pool_mfn(), fsmp_rand_flags());
	bool landed = true;

	if (!va || chance(20))
		va = scratch_va(&fs.sp, below(FSMP_PAGES));
	while (n-- && landed)
		landed = store(self, va + 8 * below(512), val);
	return fsmp_count(&v->tally, K_WRITE_PROBE, landed ? 0 : -1);
}

/*
 * Retype a frame some vCPU has just mapped writable, and may be storing
 * through at this moment: unmap its VA with no flush of that vCPU's TLB
 * (a guest may), clear the frame, pin it as an L1.  The hypervisor must
 * flush every CPU before the frame becomes an L1: a store through a stale
 * entry after that leaves an entry the frame check cannot account for.
 */
static long call_steal(struct fsmp_vcpu *v)
{
	const struct fsmp_vcpu *o = &fs.v[below(fs.nr_vcpus)];
	unsigned int k = (unsigned int)below(8);
	unsigned long va = __atomic_load_n(&o->mapped[k], __ATOMIC_RELAXED);
	unsigned long mfn = __atomic_load_n(&o->mapped_mfn[k], __ATOMIC_RELAXED);
	long rc;

	if (!va)
		return fsmp_count(&v->tally, K_STEAL, -XEN_EAGAIN);
	rc = HYPERVISOR_update_va_mapping(va, 0, chance(50) ? UVMF_INVLPG | UVMF_LOCAL : 0);
	if (!rc)
		rc = mmuext1(MMUEXT_CLEAR_PAGE, mfn, 0);
	if (!rc)
		rc = pin_table(1, mfn);
	return fsmp_count(&v->tally, K_STEAL, rc);
}

void fsmp_call(struct fsmp_vcpu *v)
{
	unsigned int r = (unsigned int)below(100);
	long rc;

	if (r < 24)
		rc = call_mmu_update(v);
	else if (r < 50)
		rc = call_mmuext_op(v);
	else if (r < 68)
		rc = call_update_va_mapping(v);
	else if (r < 74)
		rc = chance(50) ? call_decrease(v) : call_populate(v);
	else if (r < 82)
		rc = call_multicall(v);
	else if (r < 92)
		rc = write_probe(v);
	else if (r < 96)
		rc = call_steal(v);
	else
		rc = fsmp_count(&v->tally, K_YIELD, HYPERVISOR_sched_op(SCHEDOP_yield, NULL));
	v->made++;
	v->refused += rc < 0;
}

/*
 * vCPU 0 between rounds, the others stopped: hook the shared L2 and L1s
 * back in where the round unhooked them (unpinned first: pinned as
 * another level they could not be), so that the shared VAs work again.
 * Best effort: a table still in use as another level stays out.
 */
void fsmp_repair(void)
{
	unpin_table(fs.sp.l2_mfn);
	mmu_update1(pt_entry_ma(fs.sp.l3_mfn, 0), pte_make(fs.sp.l2_mfn, PT_FLAGS));
	for (unsigned int i = 0; i < FSMP_L1S; i++) {
		unpin_table(fs.sp.l1_mfn[i]);
		mmu_update1(pt_entry_ma(fs.sp.l2_mfn, i), pte_make(fs.sp.l1_mfn[i], PT_FLAGS));
	}
}

/* Our L4 again, no user L4, no LDT, a clean TLB: each must work. */
void fsmp_restore(struct fsmp_vcpu *v)
{
	long rc;

	if ((rc = mmuext1(MMUEXT_NEW_BASEPTR, mm.l4_mfn, 0)) ||
	    (rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0)) ||
	    (rc = mmuext1(MMUEXT_SET_LDT, 0, 0)) ||
	    (rc = mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0)))
		if (!v->restore_rc)
			v->restore_rc = rc;
}
