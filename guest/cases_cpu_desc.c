// SPDX-License-Identifier: MIT
/*
 * cpu suite: descriptor tables.  set_gdt with frames of our own (what
 * Xen's descriptor validation accepts, refuses and rewrites), the limits
 * of set_gdt, update_descriptor on a GDT frame and on ordinary pages,
 * selectors of our GDT loaded into data segment registers and used as
 * user CS/SS for an iret to user mode, a loaded selector whose descriptor
 * becomes not-present (does a failsafe callback come?), and MMUEXT_SET_LDT
 * with a lazily mapped LDT.  Expected values are Xen 4.17's
 * (docs/test-guest.md, "The cpu suite").
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/desc.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

extern char user_prog_hello[], user_prog_selectors[];
extern unsigned long user_cs_override, user_ss_override;

#define GATE_OFF 0xffffffff80001234UL
#define GATE_HI (GATE_OFF >> 32)	/* upper half of a 16-byte gate */
#define NOT_PRESENT_GARBAGE 0x1234567800001234UL	/* P (bit 47) clear */

static bool frame_zero(unsigned long mfn)
{
	uint64_t *p = win_map(2, mfn, DATA_RW);

	if (!p)
		return false;
	memset(p, 0, GUEST_PAGE_SIZE);
	win_unmap(2);
	return true;
}

static uint64_t desc_ma(unsigned long mfn, unsigned int idx)
{
	return pt_entry_ma(mfn, idx);
}

/* The first mfn from 0x1000 up that is not ours, below max_ram_page. */
static unsigned long unowned_mfn(void)
{
	unsigned long mfn;

	for (mfn = 0x1000; mfn < mm.max_ram_page; mfn++)
		if (!mm_mfn_is_ours(mfn))
			return mfn;
	return mm.max_ram_page - 1;
}

#define LOADED 0UL
#define FAULT(vec, err) (((unsigned long)(vec) << 16) | (err))

static bool check_load(enum desc_seg seg, unsigned long sel, unsigned long want,
		       const char *what)
{
	unsigned long got = desc_seg_load(seg, sel);

	if (got != want)
		TEST_NOTE("%s: loading 0x%lx gave 0x%lx (vector << 16 | error), "
			  "expected 0x%lx\n", what, sel, got, want);
	return test_check((long)got, (long)want, what);
}

/* What the boot left in ds/es/fs, put back at the end of each case. */
static struct desc_segs boot_segs;

static void segs_save(void)
{
	desc_segs_save(&boot_segs);
}

static void segs_restore(void)
{
	desc_segs_restore(&boot_segs);
}

/* ---- set_gdt: validation and limits ---------------------------------- */

struct desc_case {
	const char *what;
	uint64_t lo, hi;	/* hi written at the next entry */
	bool two;		/* a 16-byte descriptor */
};

void case_cpu_desc_set_gdt(void)
{
	/* Accepted, and what Xen leaves in the frame. */
	static const struct {
		const char *what;
		uint64_t in, out;
	} ok[] = {
		{ "64-bit code DPL 0", DESC_CODE64, DESC_CODE64 | DESC_DPL(3) },
		{ "data DPL 0", DESC_DATA, DESC_DATA | DESC_DPL(3) },
		{ "data DPL 3", DESC_DATA | DESC_DPL(3), DESC_DATA | DESC_DPL(3) },
		{ "64-bit code DPL 1", DESC_CODE64 | DESC_DPL(1),
		  DESC_CODE64 | DESC_DPL(3) },
		{ "32-bit code DPL 0", DESC_CODE32, DESC_CODE32 | DESC_DPL(3) },
		{ "not-present garbage", NOT_PRESENT_GARBAGE,
		  NOT_PRESENT_GARBAGE },
		{ "not-present data DPL 0", DESC_DATA & ~DESC_P,
		  DESC_DATA & ~DESC_P },
		{ "present system type 0", DESC_SYS(0), DESC_SYS(0) },
	};
	/* Call gates (16 bytes): target selector in, stored selector out. */
	static const struct {
		const char *what;
		uint16_t sel_in, sel_out;
		unsigned int dpl;
	} gates[] = {
		{ "call gate DPL 3 to GDT 0x08", 0x08, 0x0b, 3 },
		{ "call gate DPL 0 to GDT 0x10", 0x10, 0x13, 0 },
		{ "call gate to LDT 0x0c", 0x0c, 0x0f, 3 },
		{ "call gate to FLAT_KERNEL_CS", 0xe033, 0xe033, 3 },
	};
	static const struct desc_case bad[] = {
		{ "64-bit TSS", DESC_TSS64, 0, true },
		{ "busy 64-bit TSS", DESC_TSS64 | (2UL << 40), 0, true },
		{ "LDT", DESC_LDT64, 0, true },
		{ "interrupt gate", DESC_SYS(0xe) | DESC_DPL(3), GATE_HI, true },
		{ "trap gate", DESC_SYS(0xf) | DESC_DPL(3), GATE_HI, true },
		{ "16-bit call gate type 4", DESC_SYS(0x4) | (0x08UL << 16), 0,
		  false },
		{ "call gate to Xen's CS 0xe008", 0, GATE_HI, true },
		{ "call gate to reserved 0xe02b", 0, GATE_HI, true },
		{ "call gate with a parameter count", 0, GATE_HI, true },
	};
	uint64_t d[32];
	xen_pfn_t frames[2];
	unsigned long a = 0, b = 0, i, n;
	long rc;

	if (!cpu_init())
		return;
	a = frame_new();
	b = frame_new();
	if (!a || !b)
		goto out;

	/* One frame holding every accepted kind. */
	memset(d, 0, sizeof(d));
	n = sizeof(ok) / sizeof(ok[0]);
	for (i = 0; i < n; i++)
		d[1 + i] = ok[i].in;
	for (i = 0; i < sizeof(gates) / sizeof(gates[0]); i++) {
		d[16 + 2 * i] = desc_call_gate(gates[i].sel_in, GATE_OFF,
					       gates[i].dpl);
		d[17 + 2 * i] = GATE_HI;
	}
	if (!frame_write(a, 0, d, 32))
		goto out;
	frames[0] = a;
	rc = HYPERVISOR_set_gdt(frames, 32);
	if (!test_check(rc, 0, "set_gdt of the accepted kinds"))
		goto out;
	for (i = 0; i < n; i++) {
		uint64_t got = table_read(a, 1 + i);

		if (got != ok[i].out)
			TEST_NOTE("%s: read back 0x%lx\n", ok[i].what,
				  (unsigned long)got);
		test_check((long)got, (long)ok[i].out, ok[i].what);
	}
	for (i = 0; i < sizeof(gates) / sizeof(gates[0]); i++) {
		uint64_t got = table_read(a, 16 + 2 * i);
		uint64_t want = desc_call_gate(gates[i].sel_out, GATE_OFF, 0);

		if (got != want)
			TEST_NOTE("%s: read back 0x%lx\n", gates[i].what,
				  (unsigned long)got);
		test_check((long)got, (long)want, gates[i].what);
		test_check((long)table_read(a, 17 + 2 * i), (long)GATE_HI,
			   "upper half of the gate");
	}

	/* Each refused kind alone in frame b: -EINVAL, the GDT unchanged. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t two[2] = { bad[i].lo, bad[i].hi };

		if (!bad[i].lo) {	/* the gates with a bad target or bits */
			uint16_t sel = i == 6 ? 0xe008 : i == 7 ? 0xe02b : 0x08;

			two[0] = desc_call_gate(sel, GATE_OFF, 3);
			if (i == 8)
				two[0] |= 1UL << 32;	/* parameter count 1 */
		}
		if (!frame_zero(b) || !frame_write(b, 4, two, bad[i].two ? 2 : 1))
			goto out;
		frames[0] = b;
		rc = HYPERVISOR_set_gdt(frames, 16);
		if (rc != -XEN_EINVAL)
			TEST_NOTE("set_gdt with %s: %ld\n", bad[i].what, rc);
		test_check(rc, -XEN_EINVAL, bad[i].what);
		if (!rc)
			HYPERVISOR_set_gdt(frames, 0);
	}
	if (!frame_zero(b))
		goto out;

	/* Limits and bad frames. */
	frames[0] = a;
	test_check(HYPERVISOR_set_gdt(frames, 7169), -XEN_EINVAL,
		   "7169 entries");
	test_check(HYPERVISOR_set_gdt(frames, 0x100000010UL), 0,
		   "entries 2^32 + 16 (32-bit count)");
	test_check(HYPERVISOR_set_gdt((void *)0x10000, 16), -XEN_EFAULT,
		   "frame list unmapped");
	test_check(HYPERVISOR_set_gdt((void *)0xffff830000000000UL, 16),
		   -XEN_EFAULT, "frame list in the hypervisor range");
	frames[0] = unowned_mfn();
	test_check(HYPERVISOR_set_gdt(frames, 16), -XEN_EINVAL,
		   "a frame not ours");
	frames[0] = mm.max_ram_page + 16;
	test_check(HYPERVISOR_set_gdt(frames, 16), -XEN_EINVAL,
		   "a frame beyond RAM");
	frames[0] = mm.l4_mfn;
	test_check(HYPERVISOR_set_gdt(frames, 16), -XEN_EINVAL, "our L4");
	rc = win_map_rc(3, b, DATA_RW);
	test_check(rc, 0, "mapping frame b writable");
	frames[0] = b;
	test_check(HYPERVISOR_set_gdt(frames, 16), -XEN_EINVAL,
		   "a frame mapped writable");
	win_unmap(3);
	/* A good frame after a bad one: nothing installed, -EINVAL. */
	frames[0] = a;
	frames[1] = unowned_mfn();
	test_check(HYPERVISOR_set_gdt(frames, 1024), -XEN_EINVAL,
		   "second frame not ours");

	/* Two frames: a and b, a descriptor in b used through a selector. */
	d[0] = DESC_DATA;
	if (!frame_write(b, 8, d, 1))
		goto out;
	frames[0] = a;
	frames[1] = b;
	test_check(HYPERVISOR_set_gdt(frames, 1024), 0, "set_gdt of two frames");
	test_check((long)table_read(b, 8), (long)(DESC_DATA | DESC_DPL(3)),
		   "entry 520 read back");
	segs_save();
	check_load(SEG_DS, (520 << 3) | 3, LOADED, "%ds = entry 520");
	test_check((long)SEG_READ(ds), (520 << 3) | 3, "%ds read back");
	segs_restore();

	/* An installed GDT frame cannot be mapped writable ... */
	test_check(win_map_rc(3, a, DATA_RW), -XEN_EBUSY,
		   "GDT frame mapped writable while installed");
	win_unmap(3);
	test_check(win_map_rc(3, a, DATA_RO), 0, "... read-only it can");
	win_unmap(3);
	/* ... but can once set_gdt moved to another frame. */
	frames[0] = b;
	test_check(HYPERVISOR_set_gdt(frames, 16), 0, "set_gdt to frame b only");
	test_check(win_map_rc(3, a, DATA_RW), 0,
		   "old GDT frame mapped writable after set_gdt moved on");
	win_unmap(3);
	test_check(win_map_rc(3, b, DATA_RW), -XEN_EBUSY,
		   "new GDT frame mapped writable");
	win_unmap(3);
out:
	test_check(HYPERVISOR_set_gdt(frames, 0), 0, "set_gdt of 0 entries");
	frame_put(a);
	frame_put(b);
}

/* ---- using selectors of our GDT ------------------------------------- */

/*
 * A Linux-like GDT: 0x10 kernel CS (64-bit, DPL 0), 0x18 kernel DS,
 * 0x23 user CS32, 0x2b __USER_DS, 0x33 __USER_CS, 0x40 not present
 * (DPL 3), 0x48 not present (DPL 0: Xen leaves a not-present descriptor's
 * DPL alone), 0x50 null, 0x68 data beyond the 12 entries installed (same
 * frame).
 */
static unsigned long linux_gdt(unsigned long entries)
{
	uint64_t d[16];
	xen_pfn_t frames[1];
	unsigned long g = frame_new();
	long rc;

	if (!g)
		return 0;
	memset(d, 0, sizeof(d));
	d[2] = DESC_CODE64;
	d[3] = DESC_DATA;
	d[4] = DESC_CODE32 | DESC_DPL(3);
	d[5] = DESC_DATA | DESC_DPL(3);
	d[6] = DESC_CODE64 | DESC_DPL(3);
	d[8] = (DESC_DATA | DESC_DPL(3)) & ~DESC_P;
	d[9] = DESC_DATA & ~DESC_P;
	d[13] = DESC_DATA;
	if (!frame_write(g, 0, d, 16)) {
		frame_put(g);
		return 0;
	}
	frames[0] = g;
	rc = HYPERVISOR_set_gdt(frames, entries);
	if (rc) {
		test_fail("set_gdt of the Linux-like GDT: %ld", rc);
		frame_put(g);
		return 0;
	}
	return g;
}

static void gdt_drop(unsigned long g)
{
	test_check(HYPERVISOR_set_gdt(NULL, 0), 0, "set_gdt of 0 entries");
	frame_put(g);
}

void case_cpu_desc_gdt_selectors(void)
{
	struct user_proc *p = &user_procs[0];
	unsigned long g, e, i;
	bool ok;

	if (!cpu_init())
		return;
	segs_save();
	g = linux_gdt(12);
	if (!g)
		return;
	check_load(SEG_DS, 0x2b, LOADED, "%ds = 0x2b");
	check_load(SEG_ES, 0x18, LOADED, "%es = 0x18 (RPL 0, DPL raised to 3)");
	check_load(SEG_FS, 0x2b, LOADED, "%fs = 0x2b");
	test_check((long)SEG_READ(ds), 0x2b, "%ds read back");
	test_check((long)SEG_READ(es), 0x18, "%es read back");
	test_check((long)SEG_READ(fs), 0x2b, "%fs read back");
	for (i = 0; i < 5; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	test_check((long)SEG_READ(ds), 0x2b, "%ds after 5 yields");
	test_check((long)SEG_READ(es), 0x18, "%es after 5 yields");
	check_load(SEG_DS, 0x13, LOADED, "%ds = 0x13 (readable code)");
	check_load(SEG_DS, 0x53, FAULT(13, 0x50), "%ds = 0x53 (null entry)");
	check_load(SEG_DS, 0x43, FAULT(11, 0x40),
		   "%ds = 0x43 (not present, DPL 3): #NP");
	check_load(SEG_DS, 0x4b, FAULT(13, 0x48),
		   "%ds = 0x4b (not present, DPL 0): #GP");
	check_load(SEG_DS, 0x6b, LOADED,
		   "%ds = 0x6b (beyond the entries, inside the frame)");
	check_load(SEG_DS, 0x7b, FAULT(13, 0x78),
		   "%ds = 0x7b (beyond the entries, zero)");
	check_load(SEG_DS, 0xe013, FAULT(13, 0xe010),
		   "%ds = 0xe013 (Xen's reserved data, DPL 0)");
	check_load(SEG_DS, 0xe02b, LOADED, "%ds = 0xe02b (flat)");
	check_load(SEG_DS, 0x2b, LOADED, "%ds = 0x2b again");

	/* iret to user mode with __USER_CS/__USER_DS of our GDT, and back. */
	user_cs_override = 0x33;
	user_ss_override = 0x2b;
	e = user_va(user_prog_selectors);
	ok = user_run(1, &e, NULL);
	user_cs_override = user_ss_override = 0;
	cpu_vcpu()->evtchn_upcall_mask = 1;
	if (ok && test_check(p->nr_reports, 4, "reports")) {
		test_check((long)p->reports[0], 0x33, "user %cs");
		test_check((long)p->reports[1], 0x2b, "user %ss");
		test_check((long)p->reports[2], 0x2b, "user %ds (the kernel's)");
		test_check((long)p->reports[3], 0x18, "user %es (the kernel's)");
		test_check(p->exit_value, 0, "exit value");
	}
	test_check((long)SEG_READ(ds), 0x2b, "%ds after the user run");
	segs_restore();
	gdt_drop(g);
}

/* ---- update_descriptor ---------------------------------------------- */

void case_cpu_desc_update_descriptor(void)
{
	unsigned long g, pg = 0, pt = 0;
	uint64_t *w;

	if (!cpu_init())
		return;
	segs_save();
	g = linux_gdt(16);
	if (!g)
		return;
	/* On the GDT frame in use. */
	test_check(HYPERVISOR_update_descriptor(desc_ma(g, 7), DESC_DATA), 0,
		   "GDT frame: data DPL 0");
	test_check((long)table_read(g, 7), (long)(DESC_DATA | DESC_DPL(3)),
		   "read back with DPL 3");
	check_load(SEG_DS, 0x3b, LOADED, "%ds = the updated 0x3b");
	test_check(HYPERVISOR_update_descriptor(desc_ma(g, 10),
						desc_call_gate(0x10, GATE_OFF, 3)),
		   0, "GDT frame: call gate");
	test_check(HYPERVISOR_update_descriptor(desc_ma(g, 11), GATE_HI), 0,
		   "GDT frame: upper half of the gate");
	test_check((long)table_read(g, 10),
		   (long)desc_call_gate(0x13, GATE_OFF, 0), "gate read back");
	test_check(HYPERVISOR_update_descriptor(desc_ma(g, 12), DESC_TSS64),
		   -XEN_EINVAL, "GDT frame: TSS");
	test_check(HYPERVISOR_update_descriptor(desc_ma(g, 12),
						DESC_SYS(0xe) | DESC_DPL(3)),
		   -XEN_EINVAL, "GDT frame: interrupt gate");
	test_check(HYPERVISOR_update_descriptor(desc_ma(g, 12),
						desc_call_gate(0xe008, GATE_OFF, 3)),
		   -XEN_EINVAL, "GDT frame: call gate to Xen's CS");
	test_check((long)table_read(g, 12), 0, "refused: entry unchanged");
	test_check(HYPERVISOR_update_descriptor(desc_ma(g, 12) + 4, DESC_DATA),
		   -XEN_EINVAL, "unaligned by 4");
	test_check(HYPERVISOR_update_descriptor(desc_ma(g, 12) + 1, DESC_DATA),
		   -XEN_EINVAL, "unaligned by 1");
	test_check((long)table_read(g, 12), 0, "unaligned: entry unchanged");

	/* On an ordinary page of ours, unmapped and mapped writable. */
	pg = frame_new();
	if (!pg)
		goto out;
	test_check(HYPERVISOR_update_descriptor(desc_ma(pg, 3), DESC_DATA), 0,
		   "plain page: data DPL 0");
	test_check((long)table_read(pg, 3), (long)(DESC_DATA | DESC_DPL(3)),
		   "plain page read back");
	test_check(HYPERVISOR_update_descriptor(desc_ma(pg, 4),
						NOT_PRESENT_GARBAGE),
		   0, "plain page: not-present garbage");
	test_check(HYPERVISOR_update_descriptor(desc_ma(pg, 5), DESC_TSS64),
		   -XEN_EINVAL, "plain page: TSS");
	w = win_map(3, pg, DATA_RW);
	if (w) {
		test_check(HYPERVISOR_update_descriptor(desc_ma(pg, 6),
							DESC_CODE64),
			   0, "page mapped writable");
		test_check((long)w[6], (long)(DESC_CODE64 | DESC_DPL(3)),
			   "seen through the writable mapping");
		test_check((long)w[4], (long)NOT_PRESENT_GARBAGE,
			   "garbage seen through the writable mapping");
		win_unmap(3);
	}
	/* A page table of ours, frames not ours. */
	pt = frame_new();
	if (pt && test_check(pin_table(1, pt), 0, "pin an L1")) {
		test_check(HYPERVISOR_update_descriptor(desc_ma(pt, 0),
							DESC_DATA),
			   -XEN_EINVAL, "a pinned L1");
		unpin_table(pt);
	}
	test_check(HYPERVISOR_update_descriptor(desc_ma(mm.l4_mfn, 300),
						DESC_DATA),
		   -XEN_EINVAL, "our L4");
	test_check(HYPERVISOR_update_descriptor(desc_ma(unowned_mfn(), 0),
						DESC_DATA),
		   -XEN_EINVAL, "a frame not ours");
	test_check(HYPERVISOR_update_descriptor(desc_ma(mm.max_ram_page + 16, 0),
						DESC_DATA),
		   -XEN_EINVAL, "a frame beyond RAM");
	test_check(HYPERVISOR_update_descriptor(0xffff830000000000UL,
						DESC_DATA),
		   -XEN_EINVAL, "a hypervisor virtual address as ma");
out:
	segs_restore();
	gdt_drop(g);
	frame_put(pg);
	frame_put(pt);
}

/*
 * A loaded %ds whose descriptor is made not-present with
 * update_descriptor: the segment register keeps working (its cache).  Xen
 * reloads data selectors only when it really switches vCPUs, so a lone
 * vCPU's yields and a round trip through user mode change nothing; with
 * another domain running (Koan only) the reload fails once and the
 * failsafe callback comes.  Then an explicit reload faults.
 */
static unsigned long failsafe_count;
static uint64_t failsafe_seg[4];

static bool failsafe_hook(struct cpu_regs *r)
{
	if (r->vector != CPU_VEC_FAILSAFE)
		return false;
	failsafe_count++;
	memcpy(failsafe_seg, cpu_last.failsafe_seg, sizeof(failsafe_seg));
	cpu_note_last("failsafe");
	TEST_NOTE("failsafe: ds 0x%lx es 0x%lx fs 0x%lx gs 0x%lx\n",
		  (unsigned long)failsafe_seg[0], (unsigned long)failsafe_seg[1],
		  (unsigned long)failsafe_seg[2], (unsigned long)failsafe_seg[3]);
	return true;	/* return to where the frame says */
}

void case_cpu_desc_stale_selector(void)
{
	unsigned long g, i, e;
	volatile unsigned long probe = 0x5a5a;

	if (!cpu_init())
		return;
	segs_save();
	g = linux_gdt(16);
	if (!g)
		return;
	failsafe_count = 0;
	cpu_hook = failsafe_hook;
	check_load(SEG_DS, 0x3b, FAULT(13, 0x38), "%ds = 0x3b (null yet)");
	test_check(HYPERVISOR_update_descriptor(desc_ma(g, 7), DESC_DATA), 0,
		   "entry 7: data");
	check_load(SEG_DS, 0x3b, LOADED, "%ds = 0x3b");
	check_load(SEG_ES, 0x3b, LOADED, "%es = 0x3b");
	test_check(HYPERVISOR_update_descriptor(desc_ma(g, 7),
				(DESC_DATA | DESC_DPL(3)) & ~DESC_P),
		   0, "entry 7 made not present while loaded");
	test_check((long)probe, 0x5a5a, "memory through the stale %ds");
	for (i = 0; i < 10; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	/* A round trip through user mode. */
	e = user_va(user_prog_hello);
	user_run(1, &e, NULL);
	cpu_vcpu()->evtchn_upcall_mask = 1;
	if (!failsafe_count) {
		/* Alone (Xen's dom0, Koan's lone dom0): nothing reloaded. */
		test_check((long)SEG_READ(ds), 0x3b, "%ds after yields, user mode");
		test_check((long)SEG_READ(es), 0x3b, "%es after yields, user mode");
	} else {
		/*
		 * Another vCPU ran in between (Koan with a second domain): the
		 * reload failed once, the failsafe frame has the selectors and
		 * the registers are null.  Not refereed: Xen's referee runs
		 * one vCPU.
		 */
		test_check((long)failsafe_count, 1, "failsafe callbacks");
		test_check((long)failsafe_seg[0], 0x3b, "failsafe frame ds");
		test_check((long)failsafe_seg[1], 0x3b, "failsafe frame es");
		test_check((long)SEG_READ(ds), 0, "%ds after the failsafe");
		test_check((long)SEG_READ(es), 0, "%es after the failsafe");
		desc_seg_load(SEG_DS, 0x3b);	/* #NP: leaves %ds alone */
	}
	/* An explicit reload faults: #NP with the selector. */
	check_load(SEG_DS, 0x3b, FAULT(11, 0x38), "%ds reloaded: #NP");
	cpu_hook = NULL;
	segs_restore();
	gdt_drop(g);
}

/* ---- MMUEXT_SET_LDT ------------------------------------------------- */

static long set_ldt(unsigned long base, unsigned long ents)
{
	struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };

	op.arg1.linear_addr = base;
	op.arg2.nr_ents = ents;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

void case_cpu_desc_ldt(void)
{
	uint64_t d[4] = { 0, DESC_DATA, DESC_DATA | DESC_DPL(3), 0 };
	unsigned long l = 0, idx, va;

	if (!cpu_init())
		return;
	segs_save();
	idx = scratch_take(2);
	if (!idx)
		return;
	va = scratch_va(&mm_scratch, idx);
	test_check(set_ldt(va + 8, 16), -XEN_EINVAL, "unaligned base");
	test_check(set_ldt(va, 8193), -XEN_EINVAL, "8193 entries");
	test_check(set_ldt(0xffff830000000000UL, 16), -XEN_EINVAL,
		   "base in the hypervisor range");
	/* Only the base is checked against the hypervisor range. */
	test_check(set_ldt(0x0000800000000000UL - 4096, 8192), 0,
		   "LDT running into the non-canonical hole");
	test_check(set_ldt(0, 0), 0, "SET_LDT 0/0");
	l = frame_new();
	if (!l || !frame_write(l, 0, d, 4))
		goto out;
	/* Mapped read-only: the first use maps it (lazily, on the fault). */
	if (!test_check(scratch_map(&mm_scratch, idx, l, DATA_RO), 0,
			"map the LDT page read-only"))
		goto out;
	test_check(set_ldt(va, 16), 0, "SET_LDT of 16 entries");
	check_load(SEG_DS, 0x0f, LOADED, "%ds = 0x0f (LDT entry 1)");
	test_check((long)SEG_READ(ds), 0x0f, "%ds read back");
	check_load(SEG_ES, 0x17, LOADED, "%es = 0x17 (LDT entry 2)");
	check_load(SEG_ES, 0x1f, FAULT(13, 0x1c), "%es = 0x1f (null entry)");
	check_load(SEG_ES, 0x87, FAULT(13, 0x84), "%es = 0x87 (beyond 16)");
	/* In use as an LDT page, it cannot be mapped writable. */
	test_check(win_map_rc(3, l, DATA_RW), -XEN_EBUSY,
		   "LDT page mapped writable while in use");
	win_unmap(3);
	segs_restore();
	test_check(set_ldt(0, 0), 0, "SET_LDT 0/0");
	test_check(win_map_rc(3, l, DATA_RW), 0,
		   "writable after the LDT is gone");
	win_unmap(3);
	/* An LDT whose page is also mapped writable: the load faults. */
	test_check(scratch_map(&mm_scratch, idx + 1, l, DATA_RW), 0,
		   "map the page writable too");
	test_check(set_ldt(va, 16), 0, "SET_LDT again");
	{
		unsigned long got = desc_seg_load(SEG_DS, 0x0f);

		cpu_note_last("LDT page mapped writable");
		test_check((long)got, FAULT(14, 0), "%ds = 0x0f: #PF, error 0");
		test_check((long)cpu_last.cr2, (long)(va + 8), "cr2: the descriptor");
	}
	segs_restore();
	test_check(set_ldt(0, 0), 0, "SET_LDT 0/0 again");
	scratch_unmap(&mm_scratch, idx + 1);
out:
	segs_restore();
	set_ldt(0, 0);
	scratch_unmap(&mm_scratch, idx);
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
	frame_put(l);
}
