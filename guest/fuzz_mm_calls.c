// SPDX-License-Identifier: MIT
/*
 * The MM fuzzer's calls (guest/fuzz_mm.h): mmu_update, mmuext_op,
 * update_va_mapping(_otherdomain), memory_op and multicall, each counted,
 * logged for the oracle (with `done`, the foreigndom as a letter, and the
 * commands or entries' results as details) and, with fuzz-trace, described.
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
			   frame_role(r[i].ptr >> 12), (unsigned long)(r[i].ptr & 0xfff),
			   frame_role(pte_mfn(r[i].val)),
			   (unsigned long)(r[i].val & ~PTE_ADDR_MASK));
}

static void trace_ops(const struct mmuext_op *o, unsigned int n)
{
	unsigned int i;

	for (i = 0; fuzz_tracing() && i < n; i++)
		fuzz_trace("  op %u: cmd %u arg1 0x%lx (%s) arg2 0x%lx (%s)", i,
			   o[i].cmd, (unsigned long)o[i].arg1.mfn,
			   frame_role(o[i].arg1.mfn), (unsigned long)o[i].arg2.src_mfn,
			   frame_role(o[i].arg2.src_mfn));
}

/*
 * `done` before a batch: random, read back with a continuation-flagged
 * count (never in the oracle, whose `done` is then where a batch stopped,
 * or 99: not written).  The draw is made either way: one sequence per seed.
 */
static void done_reset(void)
{
	unsigned int v = (unsigned int)below(8);

	fz.done = fz.oracle ? 99 : v;
}

long call_mmu_update(void)
{
	unsigned int n = 1 + below(8);
	unsigned long buf, count, pdone, domid;
	long rc;

	fill_req(fz.req, n);
	done_reset();
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

long call_mmuext_op(void)
{
	unsigned int n = 1 + below(4), i;
	long rc;

	unsigned long buf, count, domid;
	void *pdone;

	fill_op(fz.op, n);
	done_reset();
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


long call_update_va_mapping(void)
{
	bool other = chance(10);
	unsigned long va = rand_va(), flags;
	uint64_t pte = rand_pte();
	unsigned int domid;

	flags = rand_uvmf();
	domid = other ? rand_domid() : DOMID_SELF;
	fuzz_trace("update_va_mapping%s(0x%lx, %s|0x%lx, 0x%lx, 0x%x)",
		   other ? "_otherdomain" : "", va, frame_role(pte_mfn(pte)),
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

long call_memory_op(void)
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

long call_multicall(void)
{
	unsigned int n = 1 + below(6), i;
	long rc;

	memset(fz.mc, 0, sizeof(fz.mc));
	memset(fz.mc_done, 0, sizeof(fz.mc_done));
	for (i = 0; fz.oracle && i < 6; i++)
		fz.mc_done[i] = 99;	/* as for the calls themselves: never written */
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
