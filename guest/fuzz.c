// SPDX-License-Identifier: MIT
/*
 * The fuzz suite: one case, fuzz_mm.  A seeded PRNG (splitmix64) drives
 * random but not suicidal arguments to mmu_update, mmuext_op,
 * update_va_mapping(_otherdomain), multicall and memory_op, and (two in
 * nine calls, guest/fuzz_cpu.c) the CPU hypercalls: frames from a
 * private pool of FUZZ_FRAMES frames and its own L3/L2/L1 (L4 slot 4),
 * "garbage" frames that are not ours, and hostile pointers and VAs.  It
 * never names a frame or address the guest runs on (boot region, current
 * L4, stack), never loads another base pointer, and never touches memory
 * through the mappings it makes.  After every call it asks Koan's debug
 * hypercall to check the frame table (Xen: -ENOSYS, skipped) and requires
 * 0.  Command line: fuzz-seed=N (1), fuzz-calls=N (100000),
 * fuzz-check-every=N (1: the check after every call).
 */
#include <xen/errno.h>

#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

/* The CPU calls (guest/fuzz_cpu.c). */
long fuzz_cpu_call(void);
bool fuzz_cpu_setup(void);
unsigned long fuzz_cpu_cleanup(void);

#define FUZZ_FRAMES 48
#define FUZZ_SLOT 4
#define FUZZ_PAGES 512		/* the VA range its one L1 maps */
#define PROGRESS_EVERY 10000
#define NO_MFN (~0UL)

static struct {
	uint64_t rng;
	struct scratch sp;
	unsigned long pfn[FUZZ_FRAMES], mfn[FUZZ_FRAMES];	/* NO_MFN: given back */
	unsigned long calls, failed_calls, checks;
	/* Buffers the calls point into. */
	struct mmu_update req[8];
	struct mmuext_op op[4];
	multicall_entry_t mc[6];
	struct mmu_update mc_req[6][2];
	struct mmuext_op mc_op[6][2];
	xen_pfn_t list[4];
	struct xen_memory_reservation res;
	unsigned int done;
	unsigned long mask;
	domid_t domid;
} fz;

static uint64_t rnd(void)
{
	uint64_t z = (fz.rng += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

static unsigned long below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

/* For the CPU calls (guest/fuzz_cpu.c). */
uint64_t fuzz_rnd(void);
uint64_t fuzz_rnd(void)
{
	return rnd();
}

/* True with probability pct percent. */
static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

static bool is_fuzz_mfn(unsigned long mfn)
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
static unsigned long garbage_mfn(void)
{
	for (;;) {
		unsigned long mfn;

		switch (below(8)) {
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

static unsigned long pool_mfn(void)
{
	unsigned long mfn = fz.mfn[below(FUZZ_FRAMES)];

	return mfn == NO_MFN ? fz.sp.l1_mfn[0] : mfn;
}

unsigned long fuzz_pool_mfn(void);
unsigned long fuzz_pool_mfn(void)
{
	return pool_mfn();
}

unsigned long fuzz_garbage_mfn(void);
unsigned long fuzz_garbage_mfn(void)
{
	return garbage_mfn();
}

static unsigned long rand_mfn(void)
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

static uint64_t rand_pte(void)
{
	if (chance(5))
		return 0;
	if (chance(3))
		return rnd() & ~PTE_P;	/* garbage, but not present */
	return pte_make(rand_mfn(), rand_flags());
}

/* An entry address: the fuzz L1 mostly, any fuzz table, or garbage. */
static uint64_t rand_ptr(void)
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

static unsigned long rand_va(void)
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
static unsigned long rand_buf(const void *real)
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
static unsigned long rand_count(unsigned long n, bool preempt)
{
	unsigned int r = below(100);

	if (r < 94)
		return n;
	if (r < 97)
		return 0;
	return r < 99 || !preempt ? (1UL << 32) | n : 0x80000000UL | n;
}

/*
 * Foreign domain ids.  Never a real other domain (a privileged caller may
 * really change another domain's memory); 0 is dom0's own id or, for a
 * domU, a domain it has no rights over.
 */
static unsigned int rand_domid(void)
{
	static const unsigned int ids[] = { DOMID_IO, DOMID_XEN, 0x7fe0,
					    0x7ff4, 0 };

	return chance(90) ? DOMID_SELF : ids[below(guest_privileged() ? 5 : 4)];
}

static void fill_req(struct mmu_update *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		r[i].ptr = rand_ptr();
		if ((r[i].ptr & 7) == MMU_MACHPHYS_UPDATE)
			r[i].val = below(1UL << 20);	/* cleanup restores */
		else
			r[i].val = rand_pte();
	}
}

static void fill_op(struct mmuext_op *o, unsigned int n)
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

static long call_mmu_update(void)
{
	unsigned int n = 1 + below(8);

	fill_req(fz.req, n);
	return HYPERVISOR_mmu_update((void *)rand_buf(fz.req), rand_count(n, true),
				     chance(80) ? &fz.done : (void *)rand_buf(NULL),
				     rand_domid());
}

static long call_mmuext_op(void)
{
	unsigned int n = 1 + below(4);

	fill_op(fz.op, n);
	return HYPERVISOR_mmuext_op((void *)rand_buf(fz.op), rand_count(n, true),
				    chance(80) ? &fz.done : NULL, rand_domid());
}

static unsigned long rand_uvmf(void)
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

static long call_update_va_mapping(void)
{
	if (chance(10))
		return HYPERVISOR_update_va_mapping_otherdomain(
			rand_va(), rand_pte(), rand_uvmf(), rand_domid());
	return HYPERVISOR_update_va_mapping(rand_va(), rand_pte(), rand_uvmf());
}

/* Mark extents done by a decrease as given back; fix our p2m. */
static void note_given_back(const unsigned int *slot, long done)
{
	long i;

	for (i = 0; i < done; i++) {
		fz.mfn[slot[i]] = NO_MFN;
		mm_p2m()[fz.pfn[slot[i]]] = P2M_INVALID;
	}
}

static long call_memory_op(void)
{
	unsigned int slot[4], n = 1 + below(3), i;
	long rc;

	memset(&fz.res, 0, sizeof(fz.res));
	fz.res.domid = chance(95) ? DOMID_SELF : rand_domid();
	fz.res.nr_extents = n;
	set_xen_guest_handle(fz.res.extent_start, fz.list);
	switch (below(6)) {
	case 0: /* give back pool frames, or garbage */
		for (i = 0; i < n; i++) {
			slot[i] = below(FUZZ_FRAMES);
			fz.list[i] = fz.mfn[slot[i]] != NO_MFN && chance(80) ?
					     fz.mfn[slot[i]] : garbage_mfn();
			if (i && fz.list[i] == fz.list[i - 1])
				fz.list[i] = garbage_mfn();
		}
		rc = HYPERVISOR_memory_op(XENMEM_decrease_reservation, &fz.res);
		for (i = 0; rc > 0 && i < (unsigned long)rc; i++)
			if (fz.list[i] != fz.mfn[slot[i]])
				break;	/* garbage accepted?  stop marking */
		note_given_back(slot, i);
		return rc;
	case 1: /* put given-back pfns back */
		for (i = n = 0; i < FUZZ_FRAMES && n < 3; i++)
			if (fz.mfn[i] == NO_MFN) {
				slot[n] = i;
				fz.list[n++] = fz.pfn[i];
			}
		fz.res.nr_extents = n;
		rc = HYPERVISOR_memory_op(XENMEM_populate_physmap, &fz.res);
		for (i = 0; rc > 0 && i < (unsigned long)rc && i < n; i++) {
			fz.mfn[slot[i]] = fz.list[i];
			mm_p2m()[fz.pfn[slot[i]]] = fz.list[i];
		}
		return rc;
	case 2: /* hostile list or argument pointers (never for increase) */
		fz.res.extent_start.p = (xen_pfn_t *)(chance(50) ?
			0xffff830000000000UL : 0x0000800000000000UL);
		fz.res.nr_extents = chance(50) ? n : ~0UL;
		return HYPERVISOR_memory_op(below(3) == 0 ?
			XENMEM_increase_reservation : XENMEM_decrease_reservation,
			chance(80) ? (void *)&fz.res : (void *)rand_buf(NULL));
	case 3: /* an order too big, beyond RAM */
		fz.list[0] = (mm.max_ram_page + 511) & ~511UL;
		fz.res.nr_extents = 1;
		fz.res.extent_order = below(2) ? 9 : 20;
		return HYPERVISOR_memory_op(XENMEM_decrease_reservation, &fz.res);
	default: /* the queries */
		fz.domid = chance(80) ? DOMID_SELF : rand_domid();
		return HYPERVISOR_memory_op(XENMEM_current_reservation + below(2),
					    (void *)rand_buf(&fz.domid));
	}
}

static long call_multicall(void)
{
	unsigned int n = 1 + below(6), i;

	memset(fz.mc, 0, sizeof(fz.mc));
	for (i = 0; i < n; i++) {
		multicall_entry_t *m = &fz.mc[i];

		switch (below(6)) {
		case 0:
		case 1:
			fill_req(fz.mc_req[i], 2);
			m->op = __HYPERVISOR_mmu_update;
			m->args[0] = rand_buf(fz.mc_req[i]);
			m->args[1] = 1 + below(2);
			m->args[2] = chance(50) ? (unsigned long)&fz.done : 0;
			m->args[3] = rand_domid();
			break;
		case 2:
			fill_op(fz.mc_op[i], 2);
			m->op = __HYPERVISOR_mmuext_op;
			m->args[0] = rand_buf(fz.mc_op[i]);
			m->args[1] = 1 + below(2);
			m->args[3] = rand_domid();
			break;
		case 3:
			m->op = __HYPERVISOR_update_va_mapping;
			m->args[0] = rand_va();
			m->args[1] = rand_pte();
			m->args[2] = rand_uvmf();
			break;
		case 4:
			m->op = __HYPERVISOR_xen_version;
			break;
		default: /* nested multicall, or a number with nothing behind it */
			m->op = chance(50) ? __HYPERVISOR_multicall : 60 + below(4);
			m->args[0] = (unsigned long)fz.mc;
			m->args[1] = 1;
		}
	}
	return HYPERVISOR_multicall((void *)rand_buf(fz.mc), rand_count(n, false));
}

static bool fuzz_setup(unsigned long seed)
{
	unsigned int i;

	memset(&fz, 0, sizeof(fz));
	fz.rng = seed;
	fz.mask = 1;
	fz.sp.slot = FUZZ_SLOT;
	if (!mm_init() || !scratch_ensure(&fz.sp, 0))
		return false;
	for (i = 0; i < FUZZ_FRAMES; i++) {
		fz.pfn[i] = pool_alloc(true);
		if (!fz.pfn[i])
			return false;
		fz.mfn[i] = pfn_mfn(fz.pfn[i]);
		if (fz.pfn[i] < mm.region_end_pfn || fz.pfn[i] >= mm.nr_pages ||
		    m2p_read(fz.mfn[i]) != fz.pfn[i]) {
			test_fail("pool gave pfn 0x%lx (mfn 0x%lx, M2P 0x%lx)",
				  fz.pfn[i], fz.mfn[i], m2p_read(fz.mfn[i]));
			return false;
		}
	}
	return fuzz_cpu_setup();
}

/* Undo what could outlive the case: LDT, user base, M2P of our frames. */
static void fuzz_cleanup(void)
{
	unsigned int i;

	mmuext1(MMUEXT_SET_LDT, 0, 0);
	mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0);
	unsigned long t[3] = { fz.sp.l3_mfn, fz.sp.l2_mfn, fz.sp.l1_mfn[0] };
	unsigned long pfn;

	for (i = 0; i < FUZZ_FRAMES; i++)
		if (fz.mfn[i] != NO_MFN)
			mmu_update1(((uint64_t)fz.mfn[i] << 12) | MMU_MACHPHYS_UPDATE,
				    fz.pfn[i]);
	/* Our tables' M2P entries too: their pfns are where p2m has them. */
	for (pfn = mm.region_end_pfn; pfn < mm.nr_pages; pfn++)
		for (i = 0; i < 3; i++)
			if (pfn_mfn(pfn) == t[i])
				mmu_update1(((uint64_t)t[i] << 12) |
						    MMU_MACHPHYS_UPDATE, pfn);
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
}

static unsigned long cmdline_ulong(const char *key, unsigned long dflt)
{
	char value[24];
	unsigned long v = 0;
	const char *p;

	if (!guest_cmdline_value(key, value, sizeof(value)))
		return dflt;
	for (p = value; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	return v;
}

void case_fuzz_mm(void)
{
	static long (*const calls[])(void) = {
		call_mmu_update, call_mmu_update, call_mmuext_op,
		call_update_va_mapping, call_update_va_mapping, call_multicall,
		call_memory_op, fuzz_cpu_call, fuzz_cpu_call,
	};
	unsigned long seed = cmdline_ulong("fuzz-seed", 1);
	unsigned long n = cmdline_ulong("fuzz-calls", 100000);
	unsigned long every = cmdline_ulong("fuzz-check-every", 1);
	unsigned long i;

	EXPECT(fuzz_setup(seed), "fuzz setup");
	if (!every)
		every = 1;
	guest_printf("fuzz: seed %lu, %lu calls\n", seed, n);
	for (i = 1; i <= n; i++) {
		long rc = calls[below(sizeof(calls) / sizeof(calls[0]))]();

		if (rc < 0)
			fz.failed_calls++;
		if (i % every == 0 || i == n) {
			long check = HYPERVISOR_koan_debug(KOAN_DEBUG_CHECK_FRAMES);

			if (check != -XEN_ENOSYS)
				fz.checks++;
			EXPECT(check == 0 || check == -XEN_ENOSYS,
			       "seed %lu call %lu: frame check says %ld", seed, i,
			       check);
		}
		if (i % PROGRESS_EVERY == 0)
			guest_printf("fuzz: seed %lu: %lu/%lu calls, %lu refused, "
				     "%lu checks\n", seed, i, n, fz.failed_calls,
				     fz.checks);
	}
	fuzz_cleanup();
	EXPECT_EQ(fuzz_cpu_cleanup(), 0, "CPU state restore failures");
	guest_printf("fuzz: seed %lu done: %lu calls, %lu refused, %lu checks\n",
		     seed, n, fz.failed_calls, fz.checks);
	EXPECT_EQ(mm_check_frames(), 0, "frame check after cleanup");
	/* Our own frames came through untouched: M2P still agrees with p2m. */
	for (i = 0; i < mm.nr_pages; i++) {
		unsigned long mfn = pfn_mfn(i);

		EXPECT(mfn == P2M_INVALID || m2p_read(mfn) == i,
		       "after fuzzing, pfn 0x%lx -> mfn 0x%lx -> M2P 0x%lx", i,
		       mfn, m2p_read(mfn));
	}
}
