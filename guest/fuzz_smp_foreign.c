// SPDX-License-Identifier: MIT
/*
 * dom0's calls at a domU's frames in the two-domain concurrent mode
 * (guest/fuzz_smp.h, word fuzz-smp-watch), made by every vCPU of dom0 at
 * once while the domU's own vCPUs fire at the same frames: the ideas of
 * guest/fuzz_foreign.c, with a hold table per vCPU.  The frames are the
 * domU's shared pool and tables as its rendezvous page names them now
 * (so dom0's pins and mappings race with its pins, retypes and
 * reservation changes), and a sample of its other frames found through the
 * M2P.  A vCPU maps them into its own entries of dom0's L1 (read-only or
 * writable, with the page owner in `foreigndom`, or by
 * update_va_mapping_otherdomain), pins them as the domU (L1 to L4), keeps
 * what it got for up to FW_HOLD_MAX steps, writes back into the domU's
 * pool tables the entry it reads there (table owner in the high half),
 * rewrites M2P entries with their value, and tries mixed `foreigndom`
 * halves that must be refused.  Nothing here changes what the domU runs
 * on: same-value writes only go to its pool and shared scratch tables,
 * never to its L4s; dom0 never stores through a mapping.  A refused pin
 * leaves its slot free (a pinned mark on a mapping would never unmap it).
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>

#include "fuzz_smp.h"

#define below fuzz_below
#define chance fuzz_chance

#define FW_HOLDS 48		/* per vCPU: entries id * FW_HOLDS + h */
#define FW_HOLD_MAX 200
#define FW_SAMPLE 256

enum fkind {
	F_MAP_RO, F_MAP_RW, F_UVM_OTHER, F_PIN_L1, F_PIN_L2, F_PIN_L3, F_PIN_L4,
	F_UNPIN, F_UNMAP, F_OWNER_WRITE, F_MACHPHYS_SAME, F_MIXED_HALVES,
	F_FLUSH_ALL, F_INVLPG_ALL, F_YIELD, F_NR
};

static const char *const names[] = {
	"foreign_map_ro", "foreign_map_rw", "foreign_uvm_otherdomain",
	"foreign_pin_l1", "foreign_pin_l2", "foreign_pin_l3", "foreign_pin_l4",
	"foreign_unpin", "foreign_unmap", "foreign_table_owner_write",
	"foreign_machphys_same", "foreign_mixed_halves", "flush_all",
	"invlpg_all", "yield",
};

_Static_assert(sizeof(names) / sizeof(names[0]) == F_NR, "a name per kind");

struct hold {
	bool used, pinned, table;	/* table: one of its pool tables */
	unsigned long mfn, expire;
};

static struct fw_vcpu {
	struct hold hold[FW_HOLDS];
	unsigned long steps, failures;
	struct fsmp_tally tally;
} __attribute__((aligned(64))) fw[SMP_MAX_VCPUS];

static struct {
	domid_t peer;
	struct fsmp_rendezvous *rv;
	struct scratch *sp;
	unsigned long sample[FW_SAMPLE];
	unsigned int nr_sample;
} ft;

void fsmp_foreign_setup(domid_t peer, struct fsmp_rendezvous *rv, struct scratch *sp)
{
	unsigned long mfn, stride = mm.max_ram_page / (4 * FW_SAMPLE) + 1;

	ft.peer = peer;
	ft.rv = rv;
	ft.sp = sp;
	for (mfn = 0x100; mfn < mm.max_ram_page && ft.nr_sample < FW_SAMPLE;
	     mfn += 1 + below(stride))
		if (!mm_mfn_is_ours(mfn) && m2p_read(mfn) < mm.max_ram_page)
			ft.sample[ft.nr_sample++] = mfn;
}

/* ---- calls ---- */

static unsigned int entry(unsigned int id, unsigned int h)
{
	return id * FW_HOLDS + h;
}

/* A frame of the domU (FSMP_NO_MFN: it gave that one back); `table`: only
 * from its pool and scratch tables, and says which it is. */
static unsigned long target(bool tables_only, bool *table)
{
	*table = tables_only || ft.nr_sample == 0 || chance(80);
	if (!*table)
		return ft.sample[below(ft.nr_sample)];
	return fsmp_load(&ft.rv->frame[below(tables_only ? FSMP_RV_TABLES :
							   FSMP_RV_FRAMES)]);
}

static void drop(struct fw_vcpu *f, unsigned int id, unsigned int h)
{
	struct hold *hd = &f->hold[h];
	long rc;

	if (hd->pinned) {
		/* Refused if the domU unpinned it itself, or it is dead. */
		fsmp_count(&f->tally, F_UNPIN, mmuext1_as(ft.peer, MMUEXT_UNPIN_TABLE, hd->mfn));
	} else {
		rc = fsmp_count(&f->tally, F_UNMAP,
				mmu_update1_as(scratch_pte_ma(ft.sp, entry(id, h)), 0, DOMID_SELF));
		f->failures += rc != 0;	/* our own entry: must always work */
		mmuext1(MMUEXT_INVLPG_LOCAL, scratch_va(ft.sp, entry(id, h)), 0);
	}
	memset(hd, 0, sizeof(*hd));
}

/* Map or pin a frame of the domU in free slot h, held until a later step. */
static void take(struct fw_vcpu *f, unsigned int id, unsigned int h)
{
	struct hold *hd = &f->hold[h];
	unsigned int r = (unsigned int)below(100), level;
	unsigned long va = scratch_va(ft.sp, entry(id, h));
	bool table, rw = chance(25);
	unsigned long mfn = target(false, &table);
	long rc;

	if (mfn == FSMP_NO_MFN)
		return;
	if (r < 15) {
		level = (unsigned int)below(4);
		rc = fsmp_count(&f->tally, F_PIN_L1 + level,
				mmuext1_as(ft.peer, MMUEXT_PIN_L1_TABLE + level, mfn));
	} else if (r < 30) {
		rc = fsmp_count(&f->tally, F_UVM_OTHER,
				HYPERVISOR_update_va_mapping_otherdomain(
					va, pte_make(mfn, rw ? DATA_RW : DATA_RO),
					UVMF_INVLPG | UVMF_LOCAL, ft.peer));
	} else {
		rc = fsmp_count(&f->tally, rw ? F_MAP_RW : F_MAP_RO,
				mmu_update1_as(scratch_pte_ma(ft.sp, entry(id, h)),
					pte_make(mfn, rw ? DATA_RW : DATA_RO), ft.peer));
	}
	if (rc == 0) {
		hd->used = true;
		hd->pinned = r < 15;
		hd->table = table;
		hd->mfn = mfn;
		hd->expire = f->steps + 1 + below(FW_HOLD_MAX);
	}
}

/* Write back what a held mapping of one of its tables shows: as the table
 * owner, or into the M2P. */
static void same_value(struct fw_vcpu *f, unsigned int id, unsigned int h)
{
	struct hold *hd = &f->hold[h];
	unsigned int off = (unsigned int)below(512) * 8;
	const volatile uint64_t *p;

	if (!hd->used || hd->pinned || !hd->table)
		return;
	p = (const volatile uint64_t *)(scratch_va(ft.sp, entry(id, h)) + off);
	if (chance(70))
		fsmp_count(&f->tally, F_OWNER_WRITE,
			   mmu_update1_as(((uint64_t)hd->mfn << 12) + off, *p,
				   ((unsigned long)(ft.peer + 1) << 16) | ft.peer));
	else
		fsmp_count(&f->tally, F_MACHPHYS_SAME,
			   mmu_update1_as(((uint64_t)hd->mfn << 12) | MMU_MACHPHYS_UPDATE,
				   m2p_read(hd->mfn), ft.peer));
}

/* Both halves of foreigndom in combinations that must be refused. */
static void mixed_halves(struct fw_vcpu *f, unsigned int id, unsigned int h)
{
	static const unsigned long low[] = { DOMID_SELF, DOMID_IO, DOMID_XEN, 0x7fe0, 0 };
	unsigned long fd = low[below(5)];
	uint64_t ptr = scratch_pte_ma(ft.sp, entry(id, h));
	bool table;
	unsigned long mfn = target(false, &table);

	if (f->hold[h].used || mfn == FSMP_NO_MFN)
		return;
	fd |= (chance(50) ? (unsigned long)ft.peer + 1 : below(0x8000)) << 16;
	fsmp_count(&f->tally, F_MIXED_HALVES, mmu_update1_as(ptr, pte_make(mfn, DATA_RO), fd));
	mmu_update1_as(ptr, 0, DOMID_SELF);	/* if it went through after all */
}

void fsmp_foreign_step(unsigned int id, bool may_take)
{
	struct fw_vcpu *f = &fw[id];
	unsigned int h, r;

	f->steps++;
	for (h = 0; h < FW_HOLDS; h++)
		if (f->hold[h].used && f->hold[h].expire <= f->steps)
			drop(f, id, h);
	h = (unsigned int)below(FW_HOLDS);
	r = (unsigned int)below(100);
	if (r < 45) {
		if (may_take && !f->hold[h].used)
			take(f, id, h);
	} else if (r < 70) {
		same_value(f, id, h);
	} else if (r < 80) {
		if (may_take)
			mixed_halves(f, id, h);
	} else if (r < 90) {
		bool all = chance(50);

		fsmp_count(&f->tally, all ? F_FLUSH_ALL : F_INVLPG_ALL,
			   mmuext1(all ? MMUEXT_TLB_FLUSH_ALL : MMUEXT_INVLPG_ALL,
				   scratch_va(ft.sp, entry(id, h)), 0));
	} else {
		fsmp_count(&f->tally, F_YIELD, HYPERVISOR_sched_op(SCHEDOP_yield, NULL));
	}
}

void fsmp_foreign_release(unsigned int id)
{
	for (unsigned int h = 0; h < FW_HOLDS; h++)
		if (fw[id].hold[h].used)
			drop(&fw[id], id, h);
}

unsigned long fsmp_foreign_calls(unsigned int nr_vcpus)
{
	unsigned long sum = 0;

	for (unsigned int i = 0; i < nr_vcpus; i++)
		for (unsigned int k = 0; k < F_NR; k++)
			sum += fw[i].tally.calls[k];
	return sum;
}

unsigned long fsmp_foreign_failures(unsigned int nr_vcpus)
{
	unsigned long sum = 0;

	for (unsigned int i = 0; i < nr_vcpus; i++)
		sum += fw[i].failures;
	return sum;
}

void fsmp_foreign_coverage(unsigned int nr_vcpus)
{
	fsmp_coverage("smp-foreign", names, F_NR, &fw[0].tally, sizeof(fw[0]), nr_vcpus);
}
