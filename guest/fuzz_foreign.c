// SPDX-License-Identifier: MIT
/*
 * dom0's foreign calls (guest/fuzz_foreign.h): on frames of the other
 * domains, found through the M2P (frames that are not ours and have a
 * pseudo-physical number), mmu_update with both halves of `foreigndom` --
 * the page owner (low 16 bits) and the table owner + 1 (high 16 bits) --
 * update_va_mapping_otherdomain, MMU_MACHPHYS_UPDATE, and pins made as
 * the other domain.  Mappings and pins are held for a while (up to
 * HOLD_MAX beats), so some outlive the domain they belong to: its frames
 * must stay until we let go, then be freed.  Nothing here changes another
 * domain's memory: table-owner writes put back the value that is there,
 * M2P updates the value it has.  Once a domain looks dead (its
 * reservation fell below half) nothing new is taken from it.
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>

#include "fuzz_foreign.h"

#define MAX_PEERS 8
#define MAX_FRAMES 256
#define HOLDS 64
#define HOLD_MAX 300
#define FOREIGN_SLOT 5

struct hold {
	bool used, pinned;
	domid_t owner;
	unsigned long mfn, expire;
};

static struct {
	bool ready;
	struct scratch sp;	/* our L3/L2/L1 in L4 slot FOREIGN_SLOT */
	domid_t peer[MAX_PEERS];
	long initial[MAX_PEERS];
	unsigned int nr_peers;
	unsigned long frame[MAX_FRAMES];
	unsigned int nr_frames;
	struct hold hold[HOLDS];
	unsigned long calls;
} ff;

unsigned long fuzz_foreign_calls(void)
{
	return ff.calls;
}

static long reservation_of(domid_t id)
{
	domid_t arg = id;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &arg);
}

/* Frames with a pseudo-physical number that are not ours: the others'. */
static void find_frames(void)
{
	unsigned long mfn, stride = mm.max_ram_page / (4 * MAX_FRAMES) + 1;

	for (mfn = 0x100; mfn < mm.max_ram_page && ff.nr_frames < MAX_FRAMES;
	     mfn += 1 + fuzz_below(stride))
		if (!mm_mfn_is_ours(mfn) && m2p_read(mfn) < mm.max_ram_page)
			ff.frame[ff.nr_frames++] = mfn;
}

bool fuzz_foreign_setup(const domid_t *ids, unsigned int nr)
{
	unsigned int i;

	memset(&ff, 0, sizeof(ff));
	ff.sp.slot = FOREIGN_SLOT;
	if (!mm_init() || !scratch_ensure(&ff.sp, 0))
		return false;
	for (i = 0; i < nr && i < MAX_PEERS; i++) {
		ff.peer[ff.nr_peers] = ids[i];
		ff.initial[ff.nr_peers++] = reservation_of(ids[i]);
	}
	find_frames();
	ff.ready = ff.nr_peers && ff.nr_frames;
	guest_printf("fuzz-foreign: %u domains, %u of their frames\n", ff.nr_peers,
		     ff.nr_frames);
	return ff.ready;
}

/* A peer that still looks alive, or DOMID_INVALID. */
static domid_t live_peer(void)
{
	unsigned int i = (unsigned int)fuzz_below(ff.nr_peers);
	long now = reservation_of(ff.peer[i]);

	return now >= 0 && now * 2 >= ff.initial[i] ? ff.peer[i] : DOMID_INVALID;
}

static void drop(struct hold *h, unsigned int slot)
{
	if (h->pinned)
		fuzz_done("foreign_unpin", mmuext1_as(h->owner, MMUEXT_UNPIN_TABLE,
							       h->mfn), NULL);
	else
		fuzz_done("foreign_unmap", mmu_update1_as(scratch_pte_ma(&ff.sp, slot), 0,
						   DOMID_SELF), NULL);
	mmuext1(MMUEXT_INVLPG_LOCAL, scratch_va(&ff.sp, slot), 0);
	memset(h, 0, sizeof(*h));
}

/* Map (or pin) a peer frame into a free hold slot, kept until `expire`. */
static void take(domid_t owner, unsigned long mfn, unsigned long beat)
{
	unsigned int slot = (unsigned int)fuzz_below(HOLDS);
	struct hold *h = &ff.hold[slot];
	bool pin = false;
	long rc;

	if (h->used)
		return;
	if (fuzz_chance(10)) {
		rc = fuzz_done("foreign_pin_l1", mmuext1_as(owner, MMUEXT_PIN_L1_TABLE,
							    mfn), NULL);
		pin = true;
	} else if (fuzz_chance(20)) {
		rc = fuzz_done("foreign_uvm_otherdomain",
			       HYPERVISOR_update_va_mapping_otherdomain(
				       scratch_va(&ff.sp, slot), pte_make(mfn, DATA_RO),
				       UVMF_INVLPG | UVMF_LOCAL, owner), NULL);
	} else {
		rc = fuzz_done(fuzz_chance(30) ? "foreign_map_rw" : "foreign_map_ro",
			       mmu_update1_as(scratch_pte_ma(&ff.sp, slot),
				       pte_make(mfn, fuzz_chance(30) ? DATA_RW : DATA_RO),
				       owner), NULL);
	}
	/* A refused pin leaves nothing to undo: the slot stays free and unmarked
	 * (marked, a later mapping in it would be "unpinned" and never unmapped). */
	if (rc == 0) {
		h->used = true;
		h->pinned = pin;
		h->owner = owner;
		h->mfn = mfn;
		h->expire = beat + 1 + fuzz_below(HOLD_MAX);
	}
}

/* Writes that name the peer but leave everything as it is. */
static void same_value_write(domid_t owner, unsigned long mfn)
{
	unsigned int slot = (unsigned int)fuzz_below(HOLDS), off;
	const volatile uint64_t *p;

	if (!ff.hold[slot].used || ff.hold[slot].pinned)
		return;
	mfn = ff.hold[slot].mfn;
	owner = ff.hold[slot].owner;
	off = (unsigned int)fuzz_below(512) * 8;
	p = (const volatile uint64_t *)(scratch_va(&ff.sp, slot) + off);
	if (fuzz_chance(50))
		fuzz_done("foreign_table_owner_write",
			  mmu_update1_as(((uint64_t)mfn << 12) + off, *p,
				  ((unsigned long)(owner + 1) << 16) | owner), NULL);
	else
		fuzz_done("foreign_machphys_same",
			  mmu_update1_as(((uint64_t)mfn << 12) | MMU_MACHPHYS_UPDATE,
				  m2p_read(mfn), owner), NULL);
}

/* Both halves of foreigndom, in combinations that must be refused. */
static void hostile_foreigndom(domid_t owner)
{
	static const unsigned long halves[] = {
		DOMID_SELF, DOMID_IO, DOMID_XEN, 0x7fe0, 0,
	};
	unsigned long fd = FUZZ_PICK(halves);
	unsigned int slot = (unsigned int)fuzz_below(HOLDS);

	if (ff.hold[slot].used)
		return;
	fd |= (fuzz_chance(50) ? (unsigned long)owner + 1 : fuzz_below(0x8000)) << 16;
	fuzz_done("foreign_mixed_halves",
		  mmu_update1_as(scratch_pte_ma(&ff.sp, slot),
			  pte_make(ff.frame[fuzz_below(ff.nr_frames)], DATA_RO), fd),
		  NULL);
	/* If it went through after all, do not keep it. */
	mmu_update1_as(scratch_pte_ma(&ff.sp, slot), 0, DOMID_SELF);
}

void fuzz_foreign_step(unsigned long beat)
{
	unsigned int i;
	domid_t owner;

	if (!ff.ready)
		return;
	for (i = 0; i < HOLDS; i++)
		if (ff.hold[i].used && ff.hold[i].expire <= beat)
			drop(&ff.hold[i], i);
	if (fuzz_chance(40) || (owner = live_peer()) == DOMID_INVALID)
		return;
	ff.calls++;
	switch (fuzz_below(4)) {
	case 0:
	case 1:
		take(owner, ff.frame[fuzz_below(ff.nr_frames)], beat);
		break;
	case 2:
		same_value_write(owner, 0);
		break;
	default:
		hostile_foreigndom(owner);
	}
}

void fuzz_foreign_release(void)
{
	unsigned int i;

	for (i = 0; ff.ready && i < HOLDS; i++)
		if (ff.hold[i].used)
			drop(&ff.hold[i], i);
}
