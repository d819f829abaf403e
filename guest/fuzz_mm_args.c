// SPDX-License-Identifier: MIT
/*
 * The MM fuzzer's arguments (guest/fuzz_mm.h): frames from its pool and its
 * own tables, "garbage" frames that are not ours (only layout-independent
 * ones for the oracle), entry values, entry addresses with the command in
 * the low bits, VAs, hostile guest pointers, counts, foreign domain ids,
 * flush flags, and whole batches of requests and operations.
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#include "fuzz_mm.h"

#define below fuzz_below
#define chance fuzz_chance
#define rnd fuzz_rnd

struct fuzz_mm fz;

/* What a frame is to the fuzzer, for traces that must read alike on any
 * machine: "pN" pool frame N, "l1"/"l2"/"l3" its tables, else "other". */
const char *frame_role(unsigned long mfn)
{
	static char r[4][8];
	static unsigned int next;
	char *out = r[next++ % 4];
	unsigned int i;

	if (mfn == fz.sp.l1_mfn[0])
		return "l1";
	if (mfn == fz.sp.l2_mfn)
		return "l2";
	if (mfn == fz.sp.l3_mfn)
		return "l3";
	for (i = 0; i < FUZZ_FRAMES; i++)
		if (fz.mfn[i] == mfn) {
			snprintf(out, 8, "p%u", i);
			return out;
		}
	return "other";
}

bool is_fuzz_mfn(unsigned long mfn)
{
	unsigned int i;

	if (mfn == fz.sp.l3_mfn || mfn == fz.sp.l2_mfn || mfn == fz.sp.l1_mfn[0])
		return true;
	for (i = 0; i < FUZZ_FRAMES; i++)
		if (fz.mfn[i] == mfn)
			return true;
	return false;
}

/* A frame that is not ours (and not the fuzzer's): refusals expected. */
unsigned long garbage_mfn(void)
{
	for (;;) {
		unsigned long mfn;

		/* The oracle's garbage answers the same on any machine. */
		switch (below(fz.oracle ? 3 : 8)) {
		case 0:
			mfn = below(0x100);	/* the first MiB: DOMID_IO */
			break;
		case 1:
			mfn = mm.max_ram_page + below(0x100);
			break;
		case 2:
			mfn = (1UL << 40) - 1 - below(4);
			break;
		default:
			mfn = below(mm.max_ram_page);
		}
		if (!mm_mfn_is_ours(mfn) && !is_fuzz_mfn(mfn))
			return mfn;
	}
}

unsigned long pool_mfn(void)
{
	unsigned long mfn = fz.mfn[below(FUZZ_FRAMES)];

	return mfn == NO_MFN ? fz.sp.l1_mfn[0] : mfn;
}

unsigned long rand_mfn(void)
{
	unsigned int r = below(100);

	if (r < 60)
		return pool_mfn();
	if (r < 72) {
		unsigned long t[3] = { fz.sp.l1_mfn[0], fz.sp.l2_mfn, fz.sp.l3_mfn };

		return t[below(3)];
	}
	return garbage_mfn();
}

static uint64_t rand_flags(void)
{
	static const uint64_t rare[] = { PTE_PWT, PTE_PCD, PTE_PAT, PTE_G,
					 0xe00, 1UL << 52, 1UL << 62, PTE_NX,
					 1UL << 51 };
	uint64_t f = 0;

	if (chance(85))
		f |= PTE_P;
	if (chance(50))
		f |= PTE_RW;
	if (chance(50))
		f |= PTE_US;
	if (chance(50))
		f |= PTE_A | PTE_D;
	if (chance(25))
		f |= rare[below(sizeof(rare) / sizeof(rare[0]))];
	return f;
}

uint64_t rand_pte(void)
{
	if (chance(5))
		return 0;
	if (chance(3))
		return rnd() & ~PTE_P;	/* garbage, but not present */
	return pte_make(rand_mfn(), rand_flags());
}

/* An entry address: the fuzz L1 mostly, any fuzz table, or garbage. */
uint64_t rand_entry_ptr(void)
{
	unsigned int r = below(100);
	uint64_t ma;

	if (r < 55)
		ma = pt_entry_ma(fz.sp.l1_mfn[0], below(512));
	else if (r < 65)
		ma = pt_entry_ma(below(2) ? fz.sp.l2_mfn : fz.sp.l3_mfn,
				 below(512));
	else if (r < 90)
		ma = pt_entry_ma(pool_mfn(), below(512));
	else
		ma = pt_entry_ma(garbage_mfn(), below(512));
	r = below(100);
	if (r < 8)
		ma |= MMU_MACHPHYS_UPDATE;
	else if (r < 20)
		ma |= MMU_PT_UPDATE_PRESERVE_AD;
	else if (r < 24)
		ma |= MMU_PT_UPDATE_NO_TRANSLATE;
	else if (r < 27)
		ma |= 4 + below(4);	/* misaligned / no such command */
	return ma;
}

unsigned long rand_va(void)
{
	static const unsigned long hostile[] = {
		0, 0x1000, 9UL << 39, 0xffff830000000000UL,
		0x0000800000000000UL, 0xffffffffc0000000UL,
		MACH2PHYS_VIRT_START,
	};

	if (chance(85))
		return scratch_va(&fz.sp, below(FUZZ_PAGES));
	return hostile[below(sizeof(hostile) / sizeof(hostile[0]))];
}

/* A guest pointer: mostly the real buffer, sometimes a hostile one. */
unsigned long rand_buf(const void *real)
{
	static const unsigned long bad[] = { 0, 0x10000, 0xffff830000000000UL,
					     0x0000800000000000UL };

	if (chance(95))
		return (unsigned long)real;
	return bad[below(4)];
}

/*
 * A count for n entries: sometimes 0, or n with bit 32 set (the ABI's
 * count is 32 bits).  `preempt`: mmu_update and mmuext_op also get bit 31
 * (their continuation flag, still n entries); never for multicall, which
 * would read past the buffer and run whatever our memory holds.
 */
unsigned long rand_count(unsigned long n, bool preempt)
{
	unsigned int r = below(100);

	if (r < 94)
		return n;
	if (r < 97)
		return 0;
	/* The oracle reads `done` as an index: no continuation flag there. */
	return r < 99 || !preempt || fz.oracle ? (1UL << 32) | n : 0x80000000UL | n;
}

/*
 * Foreign domain ids.  Never a real other domain (a privileged caller may
 * really change another domain's memory); 0 is dom0's own id or, for a
 * domU, a domain it has no rights over.
 */
unsigned int rand_domid(void)
{
	static const unsigned int ids[] = { DOMID_IO, DOMID_XEN, 0x7fe0,
					    0x7ff4, 0 };

	if (fz.peer != DOMID_SELF && chance(3))
		return fz.peer;
	return chance(90) ? DOMID_SELF : ids[below(guest_privileged() ? 5 : 4)];
}

/*
 * mmu_update's foreigndom: the page owner in the low 16 bits and, now
 * and then, a table owner + 1 in the high 16 (our own id, a peer's, or
 * nobody's).
 */
unsigned long rand_foreigndom(void)
{
	unsigned long fd = rand_domid(), pt;

	if (!chance(8))
		return fd;
	pt = chance(50) && fz.peer != DOMID_SELF ? fz.peer : chance(50) ? 0 : 0x7fe0;
	return fd | (pt + 1) << 16;
}

void fill_req(struct mmu_update *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		r[i].ptr = rand_entry_ptr();
		if ((r[i].ptr & 7) == MMU_MACHPHYS_UPDATE)
			r[i].val = below(1UL << 20);	/* cleanup restores */
		else
			r[i].val = rand_pte();
	}
}

void fill_op(struct mmuext_op *o, unsigned int n)
{
	unsigned int i;

	memset(o, 0, n * sizeof(*o));
	for (i = 0; i < n; i++) {
		unsigned int cmd = below(22);

		if (cmd == MMUEXT_NEW_BASEPTR) {
			/* Ours, or frames that can never be an L4 (0, beyond
			 * RAM): refused, and must not take the hypervisor down. */
			unsigned long pick[3] = { mm.l4_mfn, 0,
						  mm.max_ram_page + below(1UL << 20) };
			o[i].arg1.mfn = pick[below(3)];
		}
		else if (cmd == MMUEXT_INVLPG_LOCAL || cmd == MMUEXT_INVLPG_MULTI ||
			 cmd == MMUEXT_INVLPG_ALL || cmd == MMUEXT_SET_LDT)
			o[i].arg1.linear_addr = rand_va() + (chance(5) ? 8 : 0);
		else
			o[i].arg1.mfn = chance(5) ? 0 : rand_mfn();
		if (cmd == MMUEXT_SET_LDT)
			o[i].arg2.nr_ents = below(3) ? below(16) : 8193;
		else if (cmd == MMUEXT_TLB_FLUSH_MULTI || cmd == MMUEXT_INVLPG_MULTI)
			o[i].arg2.vcpumask.p = (void *)rand_buf(&fz.mask);
		else if (cmd == MMUEXT_COPY_PAGE)
			o[i].arg2.src_mfn = rand_mfn();
		if (cmd == 21)
			cmd = below(2) ? 99 : 0xffffffffu;
		o[i].cmd = cmd;
	}
}

unsigned long rand_uvmf(void)
{
	unsigned long f = below(4) & UVMF_FLUSHTYPE_MASK;

	switch (below(3)) {
	case 0:
		return f | UVMF_LOCAL;
	case 1:
		return f | UVMF_ALL;
	default:
		return f | rand_buf(&fz.mask);	/* UVMF_MULTI */
	}
}
