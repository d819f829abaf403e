// SPDX-License-Identifier: MIT
/*
 * Events of the delivery fuzzer (guest/fuzz_delivery.c): HYPERVISOR_iret
 * to random kernel- and user-mode frames, directly and from a multicall;
 * debug registers set to fire on our code, our data, our kernel stacks
 * where the hypervisor writes bounce frames, and hypercall buffers; LDT
 * selector loads through a page of random descriptors; a failsafe callback
 * after a selector goes stale.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/desc.h>
#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#include "fuzz_delivery.h"

#define HYPERCALL_IRET 23

extern char user_prog_hello[], user_prog_db[];

/* ---- iret frames ---------------------------------------------------------- */

static uint64_t rand_rflags(void)
{
	static const uint64_t bits[] = {
		0x100 /* TF */, 0x400 /* DF */, 0x40000 /* AC */,
		0x4000 /* NT */, 0x3000 /* IOPL */, 0x10000 /* RF */,
		0x20000 /* VM */, 0x8d5 /* arithmetic */, 0x200000 /* ID */,
	};
	uint64_t f = 0x2 | (fuzz_chance(70) ? 0x200 : 0);

	while (fuzz_chance(30))
		f |= FUZZ_PICK(bits);
	return fuzz_chance(3) ? fuzz_rnd() : f;
}

static uint64_t hostile_rip(void)
{
	static const uint64_t rips[] = {
		0, 0x10000, 0x0000800000000000UL, 0xffff830000000000UL,
		0xffff800000000000UL, USER_CODE_VA,
	};

	return FUZZ_PICK(rips);
}

/* A kernel-mode frame landing on fuzz_excursion_land (mostly). */
static void kernel_frame(struct cpu_regs *r)
{
	static const uint64_t cs[] = { 0xe030, 0xe030, 0xe030, 0xe031, 0xe032,
				       0x1230, 0xe008, 0x10, 0 };
	static const uint64_t ss[] = { 0xe02b, 0xe02b, 0xe02b, 0xe028, 0x1230,
				       0xe010, 0 };

	r->rip = fuzz_chance(80) ? (uint64_t)fuzz_excursion_land : hostile_rip();
	r->cs = FUZZ_PICK(cs);
	r->ss = FUZZ_PICK(ss);
	r->rsp = dl.landing_top - 8 * fuzz_below(64) - (fuzz_chance(10) ? 4 : 0);
	if (dl_crash_variant()) {
		/* 32-bit code: the stack pointer is cut to 32 bits, and no
		 * bounce frame can be written there. */
		guest_printf("fuzz-delivery: event %lu: iret to 32-bit kernel code: "
			     "the domain may be crashed\n", dl.event);
		r->cs = 0xe020;
	}
}

/* A user-mode frame running one of the user programs (mostly). */
static bool user_frame(struct cpu_regs *r)
{
	static const uint64_t cs[] = { 0xe033, 0xe033, 0xe033, 0x1233, 0x33,
				       0xe02b };
	static const uint64_t ss[] = { 0xe02b, 0xe02b, 0xe02b, 0x1233, 0x2b, 0 };
	bool crash = dl_crash_variant();

	r->rip = fuzz_chance(85) ? dl_user_prog() : hostile_rip();
	r->cs = FUZZ_PICK(cs);
	r->ss = FUZZ_PICK(ss);
	r->rsp = fuzz_chance(90) ? USER_STACK_TOP : fuzz_rnd();
	r->rdi = fuzz_rnd();
	if (crash && fuzz_chance(50)) {
		guest_printf("fuzz-delivery: event %lu: iret to user mode without "
			     "a user base pointer: the domain should be crashed\n",
			     dl.event);
		return true;
	}
	if (crash) {
		/* Its first syscall crashes the domain, as on Xen. */
		guest_printf("fuzz-delivery: event %lu: iret to 32-bit user code: the "
			     "domain may be crashed\n", dl.event);
		r->cs = 0xe023;
	}
	return !mmuext1(MMUEXT_NEW_USER_BASEPTR, user_procs[0].l4_mfn, 0) &&
	       !HYPERVISOR_stack_switch(FLAT_KERNEL_SS, dl.kstack_top);
}

/* An iret entry somewhere in a multicall of harmless ones. */
static long multicall_iret(const struct cpu_regs *r)
{
	static multicall_entry_t list[4];
	static uint64_t frame[16] __attribute__((aligned(16)));
	unsigned int n = 1 + (unsigned int)fuzz_below(4), at = (unsigned int)fuzz_below(n), i;
	struct iret_context *f = (struct iret_context *)frame;

	memset(list, 0, sizeof(list));
	for (i = 0; i < n; i++)
		list[i].op = i == at ? HYPERCALL_IRET : __HYPERVISOR_xen_version;
	f->rax = r->rax;
	f->r11 = r->r11;
	f->rcx = r->rcx;
	f->flags = fuzz_chance(30) ? VGCF_in_syscall : 0;
	f->rip = r->rip;
	f->cs = r->cs;
	f->rflags = r->rflags;
	f->rsp = r->rsp;
	f->ss = r->ss;
	return fuzz_excursion_multicall(list, n, frame);
}

long dl_ev_iret(void)
{
	struct cpu_regs r;
	bool user = fuzz_chance(40), direct = fuzz_chance(60);
	long v;

	memset(&r, 0, sizeof(r));
	r.rax = fuzz_rnd();
	r.rcx = fuzz_rnd();
	r.r11 = fuzz_rnd();
	r.rflags = rand_rflags();
	if (user) {
		if (!user_frame(&r))
			return fuzz_done("iret_setup_failed", -1, NULL);
	} else {
		kernel_frame(&r);
	}
	dl.in_excursion = true;
	v = direct ? fuzz_excursion(&r) : multicall_iret(&r);
	dl.in_excursion = false;
	fuzz_count(user ? (direct ? "iret_user" : "multicall_iret_user") :
		   (direct ? "iret_kernel" : "multicall_iret_kernel"), v);
	return v;
}

/* ---- debug registers that fire ----------------------------------------------- */

/* The breakpoint fires on its first instruction. */
__attribute__((noinline)) static void bp_target(void)
{
	__asm__ volatile("nop" ::: "memory");
}

/* Enable breakpoint `reg` at addr: type 0 execute, 1 write, 3 read/write. */
static void arm(unsigned int reg, uint64_t addr, unsigned int type,
		unsigned int len)
{
	uint64_t dr7 = (1UL << (2 * reg)) | ((uint64_t)type << (16 + 4 * reg)) |
		       ((uint64_t)len << (18 + 4 * reg));

	if (fuzz_chance(30))
		dr7 |= 3UL << 8;	/* LE, GE */
	HYPERVISOR_set_debugreg(reg, addr);
	HYPERVISOR_set_debugreg(7, dr7);
}

static unsigned int rand_len(void)
{
	static const unsigned int lens[] = { 0, 1, 3, 2 };	/* 1, 2, 4, 8 bytes */

	return FUZZ_PICK(lens);
}

static unsigned long current_rsp(void)
{
	unsigned long sp;

	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	return sp;
}

/*
 * Something the hypervisor bounces onto the current kernel stack: a
 * breakpoint, or a #DB (an IST exception in the hypervisor) from icebp or
 * a single step, whose own bounce frame then hits the data breakpoint.
 */
static void stack_trigger(unsigned int how)
{
	cpu_trap_reset();
	if (how == 0)
		__asm__ volatile(CPU_FAULT("int3") ::: "memory");
	else if (how == 1)
		__asm__ volatile(CPU_FAULT(".byte 0xf1") ::: "memory");
	else
		__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
				 CPU_FAULT("nop") ::: "memory");
	cpu_resume_rip = 0;
}

static unsigned long user_run_one(unsigned long entry)
{
	uint64_t arg = fuzz_rnd();

	user_run(1, &entry, &arg);
	return (unsigned long)user_procs[0].exit_value;
}

long dl_ev_debugreg(void)
{
	static const char *const kinds[] = {
		"dr_insn_kernel", "dr_data_kernel", "dr_bounce_frame_kernel",
		"dr_bounce_frame_user", "dr_insn_user", "dr_hypercall_buffer",
	};
	unsigned int reg = (unsigned int)fuzz_below(4), kind = (unsigned int)fuzz_below(6);
	unsigned long traps = dl.debug_traps;
	static domid_t self = DOMID_SELF;
	uint64_t a, dr6;

	if (guest_cmdline_has("fuzz-verbose"))
		guest_printf("fuzz-delivery: event %lu: %s on DR%u\n", dl.event,
			     kinds[kind], reg);

	switch (kind) {
	case 0:	/* our own code */
		arm(reg, (uint64_t)bp_target, 0, 0);
		bp_target();
		break;
	case 1:	/* our own data */
		a = (uint64_t)&dl.watched[fuzz_below(4)];
		arm(reg, a, fuzz_chance(50) ? 1 : 3, rand_len());
		*(volatile uint8_t *)a = (uint8_t)fuzz_rnd();
		(void)*(volatile uint64_t *)a;
		break;
	case 2:	/* the kernel stack where the next bounce frame goes */
		a = (current_rsp() & ~15UL) - 8 * (1 + fuzz_below(8));
		arm(reg, a & ~7UL, 1, 2);
		stack_trigger((unsigned int)fuzz_below(3));
		break;
	case 3:	/* the stack_switch stack a user-mode trap bounces to */
		a = user_procs[0].kstack_top - 8 * (1 + fuzz_below(7));
		arm(reg, a, 1, 2);
		user_run_one(user_va(fuzz_chance(50) ? user_prog_hello : user_prog_db));
		break;
	case 4:	/* user code */
		arm(reg, dl_user_prog(), 0, 0);
		user_run_one(dl_user_prog());
		break;
	default:	/* a buffer the hypervisor reads */
		memcpy((void *)dl.watched, &self, sizeof(self));
		arm(reg, (uint64_t)&dl.watched[0], 3, 0);
		HYPERVISOR_memory_op(XENMEM_current_reservation, (void *)dl.watched);
		break;
	}
	/* Counted as refused when it never fired: no #DB, no B0-B3 in DR6. */
	dr6 = (uint64_t)HYPERVISOR_get_debugreg(6);
	if (guest_cmdline_has("fuzz-verbose"))
		guest_printf("fuzz-delivery: event %lu: %s: DR%u at 0x%lx, DR6 0x%lx, "
			     "%lu #DB\n", dl.event, kinds[kind], reg,
			     (unsigned long)HYPERVISOR_get_debugreg(reg),
			     (unsigned long)dr6, dl.debug_traps - traps);
	fuzz_count(kinds[kind], (dr6 & 0xf) || dl.debug_traps != traps ? 0 : -1);
	return 0;
}

/* ---- LDT loads ------------------------------------------------------------- */

static struct desc_segs saved_segs;

void dl_segs_save(void)
{
	desc_segs_save(&saved_segs);
}

void dl_segs_restore(void)
{
	desc_segs_restore(&saved_segs);
	HYPERVISOR_set_gdt(NULL, 0);
}

bool dl_ldt_setup(void)
{
	unsigned long idx = scratch_take(2), pfn = pool_alloc(true);
	unsigned long gdt = pool_alloc(true);

	if (!idx || !pfn || !gdt)
		return false;
	dl.ldt_mfn = pfn_mfn(pfn);
	dl.gdt_mfn = pfn_mfn(gdt);
	dl.ldt_va = scratch_va(&mm_scratch, idx);
	return scratch_map(&mm_scratch, idx, dl.ldt_mfn, DATA_RO) == 0;
}

/* Mostly descriptors an LDT may hold; sometimes one that spoils the page. */
static uint64_t rand_descriptor(bool spoil)
{
	static const uint64_t kinds[] = {
		DESC_DATA | DESC_DPL(3), DESC_DATA | DESC_DPL(3), DESC_DATA,
		DESC_CODE64 | DESC_DPL(3), (DESC_DATA | DESC_DPL(3)) & ~DESC_P,
		DESC_CODE32 | DESC_DPL(3), 0,
	};

	if (spoil && fuzz_chance(20))
		return fuzz_chance(50) ? fuzz_rnd() : DESC_SYS(2);
	return FUZZ_PICK(kinds);
}

/* Fill the LDT page (not in use: SET_LDT 0 came first) with descriptors. */
static bool fill_descriptors(unsigned long mfn, unsigned int n)
{
	uint64_t *d = win_map(2, mfn, DATA_RW);
	bool spoil = fuzz_chance(20);
	unsigned int i;

	if (!d)
		return false;
	for (i = 0; i < n; i++)
		d[i] = rand_descriptor(spoil);
	win_unmap(2);
	return true;
}

long dl_ev_ldt(void)
{
	static const enum desc_seg segs[] = { SEG_DS, SEG_ES, SEG_FS };
	unsigned long ents = fuzz_chance(90) ? 1 + fuzz_below(32) : 8192;
	unsigned long writable_idx = 0, i, loads = 1 + fuzz_below(4);
	struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };

	if (!fill_descriptors(dl.ldt_mfn, 32))
		return fuzz_done("ldt_setup_failed", -1, NULL);
	if (fuzz_chance(10) && (writable_idx = scratch_take(1)))
		scratch_map(&mm_scratch, writable_idx, dl.ldt_mfn, DATA_RW);
	op.arg1.linear_addr = fuzz_chance(95) ? dl.ldt_va : hostile_rip();
	op.arg2.nr_ents = ents;
	fuzz_done("set_ldt", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), NULL);
	if (dl_crash_variant())
		dl_without_handlers("an LDT selector load");
	for (i = 0; i < loads; i++) {
		desc_seg_load(FUZZ_PICK(segs), (fuzz_below(40) << 3) | 4 | 3);
		fuzz_count("ldt_load", cpu_last.count ? -(long)cpu_last.regs.vector : 0);
	}
	if (writable_idx)
		scratch_unmap(&mm_scratch, writable_idx);
	return 0;
}

/* ---- a failsafe callback ---------------------------------------------------- */

long dl_ev_failsafe(void)
{
	uint64_t *g = win_map(2, dl.gdt_mfn, DATA_RW);
	xen_pfn_t frame = dl.gdt_mfn;
	unsigned long before = dl.failsafes;
	unsigned int i;

	if (!g)
		return fuzz_done("failsafe_setup_failed", -1, NULL);
	memset(g, 0, 4096);
	g[7] = DESC_DATA | DESC_DPL(3);
	win_unmap(2);
	if (HYPERVISOR_set_gdt(&frame, 16))
		return fuzz_done("failsafe_setup_failed", -1, NULL);
	desc_seg_load(SEG_DS, 0x3b);
	desc_seg_load(SEG_ES, 0x3b);
	HYPERVISOR_update_descriptor(((uint64_t)dl.gdt_mfn << 12) + 7 * 8,
				     (DESC_DATA | DESC_DPL(3)) & ~DESC_P);
	/* Without a failsafe callback the domain dies inside Koan's context
	 * switch to it (docs/testing.md, "What it found"). */
	if (dl_crash_variant()) {
		guest_printf("fuzz-delivery: event %lu: a stale selector without a "
			     "failsafe callback: the domain should be crashed if "
			     "another vCPU runs\n", dl.event);
		HYPERVISOR_set_callbacks((unsigned long)cpu_entry_event, 0,
					 (unsigned long)cpu_entry_syscall);
	}
	for (i = 0; i < 3; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	fuzz_count("failsafe", (long)(dl.failsafes - before));
	return 0;
}
