// SPDX-License-Identifier: MIT
/*
 * The fuzz suite's MM hypercall fuzzer: cases fuzz_mm and fuzz_oracle.  A
 * seeded PRNG (guest/fuzz_core.c) drives random but not suicidal
 * arguments to mmu_update, mmuext_op, update_va_mapping(_otherdomain),
 * multicall and memory_op, and (two in nine calls, guest/fuzz_cpu.c) the
 * CPU hypercalls: frames from a private pool of FUZZ_FRAMES frames and its
 * own L3/L2/L1 (L4 slot 4), "garbage" frames that are not ours, and
 * hostile pointers and VAs.  It never names a frame or address the guest
 * runs on (boot region, current L4, stack), never loads another base
 * pointer, and never touches memory through the mappings it makes.  Every
 * fuzz-check-every calls Koan checks its invariants (dom0 only; elsewhere
 * skipped) and must find nothing.
 *
 * fuzz_oracle is the same generator with garbage limited to frames whose
 * answer cannot depend on the machine's memory layout (the first MiB,
 * beyond RAM, beyond the physical address width) and with every call's
 * result logged (fuzz_log): the system tests run it on Koan and on Xen
 * 4.17 with the same seed and compare the logs call by call.
 * Command line: fuzz-seed=N (1), fuzz-calls=N (100000), fuzz-oracle=N
 * (2000), fuzz-check-every=N (1).
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

/* The CPU calls (guest/fuzz_cpu.c). */
long fuzz_cpu_call(void);
bool fuzz_cpu_setup(void);
unsigned long fuzz_cpu_cleanup(void);

#define below fuzz_below
#define chance fuzz_chance
#define rnd fuzz_rnd

#define FUZZ_FRAMES 48
#define FUZZ_SLOT 4
#define FUZZ_PAGES 512		/* the VA range its one L1 maps */
#define PROGRESS_EVERY 10000
#define NO_MFN (~0UL)

static struct {
	bool oracle;		/* layout-independent garbage only */
	unsigned int peer;	/* peer-domid=N (only named unprivileged), or DOMID_SELF */
	struct scratch sp;
	unsigned long pfn[FUZZ_FRAMES], mfn[FUZZ_FRAMES];	/* NO_MFN: given back */
	unsigned long calls, failed_calls, checks;
	/* Buffers the calls point into. */
	struct mmu_update req[8];
	struct mmuext_op op[4];
	multicall_entry_t mc[6];
	uint32_t mc_done[6];
	bool mc_asked[6];		/* the entry has a done pointer */
	unsigned long mc_domid[6];
	struct mmu_update mc_req[6][2];
	struct mmuext_op mc_op[6][2];
	xen_pfn_t list[4];
	struct xen_memory_reservation res;
	unsigned int done;
	unsigned long mask;
	domid_t domid;
} fz;

/* What a frame is to the fuzzer, for traces that must read alike on any
 * machine: "pN" pool frame N, "l1"/"l2"/"l3" its tables, else "other". */
static const char *role(unsigned long mfn)
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

	if (fz.peer != DOMID_SELF && chance(3))
		return fz.peer;
	return chance(90) ? DOMID_SELF : ids[below(guest_privileged() ? 5 : 4)];
}

/*
 * mmu_update's foreigndom: the page owner in the low 16 bits and, now
 * and then, a table owner + 1 in the high 16 (our own id, a peer's, or
 * nobody's).
 */
static unsigned long rand_foreigndom(void)
{
	unsigned long fd = rand_domid(), pt;

	if (!chance(8))
		return fd;
	pt = chance(50) && fz.peer != DOMID_SELF ? fz.peer : chance(50) ? 0 : 0x7fe0;
	return fd | (pt + 1) << 16;
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

/*
 * A foreigndom in one letter, for the log: S DOMID_SELF, I DOMID_IO,
 * X DOMID_XEN, N a domain that does not exist, 0 dom0, P the peer,
 * ? anything else; lower case when a table owner is named too.
 */
static char domid_letter(unsigned long fd)
{
	unsigned int low = fd & 0xffff;
	char c = low == DOMID_SELF ? 'S' : low == DOMID_IO ? 'I' :
		 low == DOMID_XEN ? 'X' : low == 0x7fe0 || low == 0x7ff4 ? 'N' :
		 low == 0 ? '0' : low == fz.peer ? 'P' : '?';

	return (fd >> 16) && c >= 'A' ? (char)(c - 'A' + 'a') : c;
}

/* `done` and the foreigndom as a detail for the log: "3:S". */
static const char *done_detail(unsigned long fd)
{
	static char d[16];

	snprintf(d, sizeof(d), "%u:%c", fz.done, domid_letter(fd));
	return d;
}

static void trace_reqs(const struct mmu_update *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; fuzz_tracing() && i < n; i++)
		fuzz_trace("  req %u: ptr %s+0x%lx val %s|0x%lx", i,
			   role(r[i].ptr >> 12), (unsigned long)(r[i].ptr & 0xfff),
			   role(pte_mfn(r[i].val)),
			   (unsigned long)(r[i].val & ~PTE_ADDR_MASK));
}

static void trace_ops(const struct mmuext_op *o, unsigned int n)
{
	unsigned int i;

	for (i = 0; fuzz_tracing() && i < n; i++)
		fuzz_trace("  op %u: cmd %u arg1 0x%lx (%s) arg2 0x%lx (%s)", i,
			   o[i].cmd, (unsigned long)o[i].arg1.mfn,
			   role(o[i].arg1.mfn), (unsigned long)o[i].arg2.src_mfn,
			   role(o[i].arg2.src_mfn));
}

static long call_mmu_update(void)
{
	unsigned int n = 1 + below(8);
	unsigned long buf, count, pdone, domid;
	long rc;

	fill_req(fz.req, n);
	fz.done = below(8);	/* read back with a continuation-flagged count */
	buf = rand_buf(fz.req);
	count = rand_count(n, true);
	/* The oracle always reads `done`: equal results must mean equal state. */
	pdone = chance(80) || fz.oracle ? (unsigned long)&fz.done : rand_buf(NULL);
	domid = rand_foreigndom();
	fuzz_trace("mmu_update(0x%lx, 0x%lx, 0x%lx (done %u), 0x%lx)", buf, count,
		   pdone, fz.done, domid);
	trace_reqs(fz.req, n);
	rc = HYPERVISOR_mmu_update((void *)buf, count, (void *)pdone, domid);
	return fuzz_done("mmu_update", rc, done_detail(domid));
}

/* `done`, the foreigndom and the commands, for the log: "2:S:18,9". */
static const char *ops_detail(unsigned int n, unsigned long fd)
{
	static char d[48];
	unsigned int i, len;

	len = (unsigned int)snprintf(d, sizeof(d), "%u:%c:", fz.done, domid_letter(fd));
	for (i = 0; i < n && len < sizeof(d) - 1; i++)
		len += (unsigned int)snprintf(d + len, sizeof(d) - len, i ? ",%u" : "%u",
					      fz.op[i].cmd);
	return d;
}

static const char *const mmuext_names[] = {
	"pin_l1", "pin_l2", "pin_l3", "pin_l4", "unpin", "new_baseptr",
	"flush_local", "invlpg_local", "flush_multi", "invlpg_multi",
	"flush_all", "invlpg_all", "flush_cache", "set_ldt", "cmd14",
	"new_user_baseptr", "clear_page", "copy_page", "cache_global",
	"mark_super", "unmark_super",
};

static long call_mmuext_op(void)
{
	unsigned int n = 1 + below(4), i;
	long rc;

	unsigned long buf, count, domid;
	void *pdone;

	fill_op(fz.op, n);
	fz.done = below(8);
	buf = rand_buf(fz.op);
	count = rand_count(n, true);
	pdone = chance(80) || fz.oracle ? &fz.done : NULL;
	domid = rand_domid();
	fuzz_trace("mmuext_op(0x%lx, 0x%lx, %p (done %u), 0x%lx)", buf, count, pdone,
		   fz.done, domid);
	trace_ops(fz.op, n);
	rc = HYPERVISOR_mmuext_op((void *)buf, count, pdone, domid);
	for (i = 0; i < n; i++)
		fuzz_count(fz.op[i].cmd < 21 ? mmuext_names[fz.op[i].cmd] :
			   "mmuext_bad_cmd", rc);
	return fuzz_done("mmuext_op", rc, ops_detail(n, domid));
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
	bool other = chance(10);
	unsigned long va = rand_va(), flags;
	uint64_t pte = rand_pte();
	unsigned int domid;

	flags = rand_uvmf();
	domid = other ? rand_domid() : DOMID_SELF;
	fuzz_trace("update_va_mapping%s(0x%lx, %s|0x%lx, 0x%lx, 0x%x)",
		   other ? "_otherdomain" : "", va, role(pte_mfn(pte)),
		   (unsigned long)(pte & ~PTE_ADDR_MASK), flags, domid);
	if (other)
		return fuzz_done("uvm_otherdomain",
				 HYPERVISOR_update_va_mapping_otherdomain(
					 va, pte, flags, domid), NULL);
	return fuzz_done("update_va_mapping",
			 HYPERVISOR_update_va_mapping(va, pte, flags), NULL);
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
		return fuzz_done("decrease_reservation", rc, NULL);
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
		return fuzz_done("populate_physmap", rc, NULL);
	case 2: /* hostile list or argument pointers (never for increase) */
		fz.res.extent_start.p = (xen_pfn_t *)(chance(50) ?
			0xffff830000000000UL : 0x0000800000000000UL);
		fz.res.nr_extents = chance(50) ? n : ~0UL;
		return fuzz_done("reservation_hostile", HYPERVISOR_memory_op(
			below(3) == 0 ? XENMEM_increase_reservation :
					XENMEM_decrease_reservation,
			chance(80) ? (void *)&fz.res : (void *)rand_buf(NULL)),
			NULL);
	case 3: /* an order too big, beyond RAM */
		fz.list[0] = (mm.max_ram_page + 511) & ~511UL;
		fz.res.nr_extents = 1;
		fz.res.extent_order = below(2) ? 9 : 20;
		return fuzz_done("decrease_order", HYPERVISOR_memory_op(
			XENMEM_decrease_reservation, &fz.res), NULL);
	default: /* the queries: the sizes differ between machines */
		fz.domid = chance(80) ? DOMID_SELF : rand_domid();
		rc = HYPERVISOR_memory_op(XENMEM_current_reservation + below(2),
					  (void *)rand_buf(&fz.domid));
		fuzz_count("reservation_query", rc);
		if (rc > 0)
			fuzz_log_uncomparable("reservation_query");
		else
			fuzz_log("reservation_query", rc, NULL);
		return rc;
	}
}

/*
 * The entries' results, for the log: "r0,r1:done:F,..." (batches with
 * their done count and foreigndom letter), from what we asked, not from
 * the arguments the hypervisor may have rewritten.
 */
static const char *multicall_detail(unsigned int n)
{
	static char d[96];
	unsigned int i, len = 0;

	d[0] = '\0';
	for (i = 0; i < n && len < sizeof(d) - 1; i++) {
		len += snprintf(d + len, sizeof(d) - len, i ? ",%ld" : "%ld",
				(long)fz.mc[i].result);
		if (fz.mc_asked[i] && len < sizeof(d) - 1)
			len += snprintf(d + len, sizeof(d) - len, ":%u:%c",
					fz.mc_done[i], domid_letter(fz.mc_domid[i]));
	}
	return d;
}

static long call_multicall(void)
{
	unsigned int n = 1 + below(6), i;
	long rc;

	memset(fz.mc, 0, sizeof(fz.mc));
	memset(fz.mc_done, 0, sizeof(fz.mc_done));
	memset(fz.mc_asked, 0, sizeof(fz.mc_asked));
	for (i = 0; i < n; i++) {
		multicall_entry_t *m = &fz.mc[i];

		switch (below(6)) {
		case 0:
		case 1:
			fill_req(fz.mc_req[i], 2);
			m->op = __HYPERVISOR_mmu_update;
			m->args[0] = rand_buf(fz.mc_req[i]);
			m->args[1] = 1 + below(2);
			m->args[2] = chance(50) || fz.oracle ?
					     (unsigned long)&fz.mc_done[i] : 0;
			m->args[3] = fz.mc_domid[i] = rand_domid();
			fz.mc_asked[i] = m->args[2];
			break;
		case 2:
			fill_op(fz.mc_op[i], 2);
			m->op = __HYPERVISOR_mmuext_op;
			m->args[0] = rand_buf(fz.mc_op[i]);
			m->args[1] = 1 + below(2);
			if (fz.oracle)
				m->args[2] = (unsigned long)&fz.mc_done[i];
			m->args[3] = fz.mc_domid[i] = rand_domid();
			fz.mc_asked[i] = m->args[2];
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
	for (i = 0; fuzz_tracing() && i < n; i++) {
		fuzz_trace("  entry %u: op %lu args 0x%lx 0x%lx 0x%lx 0x%lx", i,
			   (unsigned long)fz.mc[i].op, (unsigned long)fz.mc[i].args[0],
			   (unsigned long)fz.mc[i].args[1],
			   (unsigned long)fz.mc[i].args[2],
			   (unsigned long)fz.mc[i].args[3]);
		if (fz.mc[i].op == __HYPERVISOR_mmu_update)
			trace_reqs(fz.mc_req[i], 2);
		if (fz.mc[i].op == __HYPERVISOR_mmuext_op)
			trace_ops(fz.mc_op[i], 2);
	}
	{
		unsigned long list = rand_buf(fz.mc), count = rand_count(n, false);

		fuzz_trace("multicall(0x%lx, 0x%lx)", list, count);
		rc = HYPERVISOR_multicall((void *)list, count);
	}
	return fuzz_done("multicall", rc, multicall_detail(n));
}

/*
 * Fresh frames and tables: a pool of FUZZ_FRAMES and a new L3/L2/L1 in L4
 * slot FUZZ_SLOT (the old ones, if any, are dropped from the slot and
 * left as they are, never named again).
 */
static bool fuzz_setup(bool oracle)
{
	unsigned int i;

	memset(&fz, 0, sizeof(fz));
	fz.oracle = oracle;
	/* Another domain's id only where it must be refused: a domU naming dom0. */
	fz.peer = guest_privileged() ? DOMID_SELF :
		  (unsigned int)fuzz_arg("peer-domid", DOMID_SELF);
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

/*
 * Undo what could outlive the case: LDT, user base, M2P of our frames.
 * The pool frames stay with the fuzzer (pinned, typed or given back as it
 * left them): the next case takes fresh ones.
 */
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

/*
 * The oracle starts an epoch every `epoch` calls: clean up, fresh frames.
 * A disagreement between two hypervisors then changes what follows only
 * up to the end of its epoch.
 */
static bool new_epoch(void)
{
	fuzz_cleanup();
	if (fuzz_cpu_cleanup())
		return false;
	return fuzz_setup(true);
}

/* n calls of the seeded sequence, with the frame check every `every`. */
static void fuzz_run(const char *mode, unsigned long seed, unsigned long n,
		     bool oracle)
{
	unsigned long epoch = oracle ? fuzz_arg("fuzz-oracle-epoch", 50) : 0;
	static long (*const calls[])(void) = {
		call_mmu_update, call_mmu_update, call_mmuext_op,
		call_update_va_mapping, call_update_va_mapping, call_multicall,
		call_memory_op, fuzz_cpu_call, fuzz_cpu_call,
	};
	unsigned long every = fuzz_arg("fuzz-check-every", 1);
	unsigned long i;

	fuzz_seed(seed);
	EXPECT(fuzz_setup(oracle), "fuzz setup");
	if (!every)
		every = 1;
	fuzz_checks_reset();
	if (oracle)
		fuzz_log_start(mode, seed);
	guest_printf("fuzz: seed %lu, %lu calls\n", seed, n);
	for (i = 1; i <= n; i++) {
		long rc;

		if (epoch && i > 1 && (i - 1) % epoch == 0)
			EXPECT(new_epoch(), "oracle epoch at call %lu", i);
		rc = calls[below(sizeof(calls) / sizeof(calls[0]))]();

		if (rc < 0)
			fz.failed_calls++;
		if (i % every == 0 || i == n) {
			long check = fuzz_check();

			EXPECT(check == 0, "seed %lu call %lu: frame check says %ld",
			       seed, i, check);
		}
		if (i % PROGRESS_EVERY == 0)
			guest_printf("fuzz: seed %lu: %lu/%lu calls, %lu refused, "
				     "%lu checks\n", seed, i, n, fz.failed_calls,
				     fuzz_checks());
	}
	fuzz_log_stop();
	fuzz_cleanup();
	EXPECT_EQ(fuzz_cpu_cleanup(), 0, "CPU state restore failures");
	guest_printf("fuzz: seed %lu done: %lu calls, %lu refused, %lu checks\n",
		     seed, n, fz.failed_calls, fuzz_checks());
	fuzz_coverage_print(mode);
	EXPECT_EQ(fuzz_check(), 0, "frame check after cleanup");
	/* Our own frames came through untouched: M2P still agrees with p2m. */
	for (i = 0; i < mm.nr_pages; i++) {
		unsigned long mfn = pfn_mfn(i);

		EXPECT(mfn == P2M_INVALID || m2p_read(mfn) == i,
		       "after fuzzing, pfn 0x%lx -> mfn 0x%lx -> M2P 0x%lx", i,
		       mfn, m2p_read(mfn));
	}
}

void case_fuzz_mm(void)
{
	fuzz_run("mm", fuzz_arg("fuzz-seed", 1), fuzz_arg("fuzz-calls", 100000),
		 false);
}

/*
 * The oracle runs first in the suite, from fresh frames: its log must not
 * depend on what another case left behind.
 */
void case_fuzz_oracle(void)
{
	fuzz_run("oracle", fuzz_arg("fuzz-seed", 1), fuzz_arg("fuzz-oracle", 2000),
		 true);
}
