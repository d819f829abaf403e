// SPDX-License-Identifier: MIT
/*
 * The delivery fuzzer (word `fuzz-delivery=N`, run instead of the suite in
 * a domU): N seeded events that make the hypervisor deliver something --
 * exceptions from guest kernel and user mode, HYPERVISOR_iret to random
 * frames (directly and as a multicall entry), debug registers that really
 * fire (instruction and data breakpoints, one on the kernel stack exactly
 * where the hypervisor writes the next bounce frame), LDT selector loads,
 * a failsafe callback after a stale selector, yields.  With probability
 * fuzz-crash-pct (2) percent an event runs without the handler it needs
 * (no trap table, no failsafe callback, a 32-bit syscall, a user frame
 * without a user base pointer): the hypervisor must then crash this domain
 * and nothing else.  The system tests run it beside a dom0 that must
 * finish (fuzz-watch, guest/fuzz_watch.c).  Every event puts back the
 * trap table, callbacks, debug registers, LDT, selectors and TS.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/desc.h>
#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#include "fuzz_delivery.h"

struct dl_state dl;
static unsigned long landing_stack[512] __attribute__((aligned(16)));
static unsigned long kernel_stack[1024] __attribute__((aligned(16)));

/* ---- the hook that sees every bounce ---------------------------------- */

static void resume_excursion(long value)
{
	dl.in_excursion = false;
	fuzz_excursion_end(value);
}

/* User mode during an excursion: syscalls are served, traps end it. */
static bool excursion_user_trap(struct cpu_regs *r)
{
	if (r->vector != CPU_VEC_SYSCALL)
		resume_excursion(-1000 - (long)r->vector);
	if (r->rax == SYS_EXIT)
		resume_excursion((long)r->rdi);
	r->rax = 0;	/* getpid, report, yield: nothing to do here */
	return true;
}

static bool dl_hook(struct cpu_regs *r)
{
	dl.bounces++;
	if (r->vector == 1) {
		/* Breakpoints off, or the same one fires again at once. */
		HYPERVISOR_set_debugreg(7, 0);
		dl.debug_traps++;
	}
	if (r->vector == CPU_VEC_FAILSAFE) {
		dl.failsafes++;
		return true;	/* go on where the failed reload was */
	}
	if (dl.in_excursion) {
		if ((r->cs & 3) == 3)
			return excursion_user_trap(r);
		if (r->vector == 1)
			return true;	/* single step or breakpoint at the landing */
		resume_excursion(-1000 - (long)r->vector);
	}
	/* A #DB in kernel mode goes on (the instruction or after it). */
	return r->vector == 1 && (r->cs & 3) != 3;
}

/* ---- putting things back ---------------------------------------------- */

void dl_restore(void)
{
	if (cpu_load_trap_table() || cpu_register_callbacks())
		dl.restore_failures++;
	HYPERVISOR_set_debugreg(7, 0);
	HYPERVISOR_set_debugreg(6, 0xffff0ff0UL);
	HYPERVISOR_fpu_taskswitch(0);
	mmuext1(MMUEXT_SET_LDT, 0, 0);
	mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0);
	dl_segs_restore();
	cpu_trap_reset();
	user_cs_override = user_ss_override = 0;
	user_kstack_override = 0;
	cpu_vcpu()->evtchn_upcall_mask = 1;
}

/* Before an event that needs no handler to go wrong: say so, then drop them. */
void dl_without_handlers(const char *what)
{
	guest_printf("fuzz-delivery: event %lu: %s without a trap table: the "
		     "domain should be crashed\n", dl.event, what);
	HYPERVISOR_set_trap_table(NULL);
}

bool dl_crash_variant(void)
{
	return fuzz_chance((unsigned int)dl.crash_pct);
}

/* ---- kernel-mode exceptions ------------------------------------------- */

static void kernel_probe(unsigned int which)
{
	cpu_trap_reset();
	switch (which) {
	case 0:
		__asm__ volatile(CPU_FAULT("div %%rcx")
				 :: "a"(1UL), "d"(0UL), "c"(0UL) : "memory");
		break;
	case 1: __asm__ volatile(CPU_FAULT("int3") ::: "memory"); break;
	case 2: __asm__ volatile(CPU_FAULT("int $4") ::: "memory"); break;
	case 3: __asm__ volatile(CPU_FAULT("int $5") ::: "memory"); break;
	case 4: __asm__ volatile(CPU_FAULT("ud2") ::: "memory"); break;
	case 5:
		__asm__ volatile(CPU_FAULT("mov (%0), %%rax")
				 :: "r"(0x8000000000000000UL) : "rax", "memory");
		break;
	case 6: __asm__ volatile(CPU_FAULT("hlt") ::: "memory"); break;
	case 7:
		__asm__ volatile(CPU_FAULT("mov (%0), %%rax")
				 :: "r"(0x10008UL) : "rax", "memory");
		break;
	case 8:
		__asm__ volatile(CPU_FAULT("mov %%rax, (%0)")
				 :: "r"(MACH2PHYS_VIRT_START) : "memory");
		break;
	case 9: __asm__ volatile(CPU_FAULT("int $0x80") ::: "memory"); break;
	case 10: __asm__ volatile(CPU_FAULT("int $0x81") ::: "memory"); break;
	case 11: __asm__ volatile(CPU_FAULT("int $0x82") ::: "memory"); break;
	case 12: __asm__ volatile(CPU_FAULT("int $0x90") ::: "memory"); break;
	case 13: __asm__ volatile(CPU_FAULT(".byte 0xf1") ::: "memory"); break;
	case 14:
		__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
				 CPU_FAULT("nop") ::: "memory");
		break;
	case 15:
		HYPERVISOR_fpu_taskswitch(1);
		__asm__ volatile(CPU_FAULT("xorps %%xmm0, %%xmm0") ::: "memory");
		break;
	case 16: __asm__ volatile(CPU_FAULT("inb $0x80, %%al") ::: "rax", "memory"); break;
	default:
		__asm__ volatile(CPU_FAULT("rdmsr")
				 :: "c"(0x12345678U) : "rax", "rdx", "memory");
	}
	cpu_resume_rip = 0;
}

#define KERNEL_PROBES 18

static long ev_kernel_trap(void)
{
	unsigned int which = (unsigned int)fuzz_below(KERNEL_PROBES);

	if (dl_crash_variant())
		dl_without_handlers("a kernel-mode exception");
	kernel_probe(which);
	fuzz_count("kernel_trap", cpu_last.count ? (long)cpu_last.regs.vector : -1);
	return 0;
}

/* ---- user mode ---------------------------------------------------------- */

extern char user_prog_hello[], user_prog_sysframe[], user_prog_de[],
	user_prog_db[], user_prog_bp[], user_prog_int4[], user_prog_int5[],
	user_prog_ud[], user_prog_nm[], user_prog_gp[], user_prog_pf_kernel[],
	user_prog_pf_code[], user_prog_int80[], user_prog_int81[],
	user_prog_int82[], user_prog_in80[], user_prog_hlt[],
	user_prog_switch[], user_prog_syscall_only[];

static const char *const user_progs[] = {
	user_prog_hello, user_prog_sysframe, user_prog_de, user_prog_db,
	user_prog_bp, user_prog_int4, user_prog_int5, user_prog_ud,
	user_prog_nm, user_prog_gp, user_prog_pf_kernel, user_prog_pf_code,
	user_prog_int80, user_prog_int81, user_prog_int82, user_prog_in80,
	user_prog_hlt, user_prog_switch,
};

unsigned long dl_user_prog(void)
{
	return user_va(FUZZ_PICK(user_progs));
}

static long ev_user_trap(void)
{
	unsigned long entry[2] = { dl_user_prog(), dl_user_prog() };
	uint64_t arg[2] = { fuzz_rnd(), fuzz_rnd() };
	unsigned int nr = fuzz_chance(20) ? 2 : 1;

	if (fuzz_chance(20))
		HYPERVISOR_fpu_taskswitch(1);	/* the first FPU use is #NM */
	if (dl_crash_variant()) {
		if (fuzz_chance(25)) {
			guest_printf("fuzz-delivery: event %lu: syscall from 32-bit "
				     "user code: the domain should be crashed\n",
				     dl.event);
			user_cs_override = 0xe023;	/* FLAT_RING3_CS32 */
			entry[0] = user_va(user_prog_syscall_only);
			nr = 1;
		} else {
			dl_without_handlers("a user-mode exception");
		}
	}
	if (!user_run(nr, entry, arg))
		dl.restore_failures++;
	fuzz_count("user_run", user_procs[0].exit_value);
	return 0;
}

/* ---- the event loop ----------------------------------------------------- */

static long ev_yield(void)
{
	return fuzz_done("sched_yield", HYPERVISOR_sched_op(SCHEDOP_yield, NULL),
			 NULL);
}

static bool setup(void)
{
	if (!cpu_init() || !user_proc_create(0) || !user_proc_create(1))
		return false;
	dl_segs_save();
	dl.landing_top = (unsigned long)&landing_stack[512];
	dl.kstack_top = (unsigned long)&kernel_stack[1024];
	cpu_hook = dl_hook;
	return dl_ldt_setup();
}

static const struct {
	const char *name;
	long (*run)(void);
	unsigned int weight;
} events[] = {
	{ "kernel exception", ev_kernel_trap, 4 },
	{ "user mode", ev_user_trap, 4 },
	{ "iret frame", dl_ev_iret, 4 },
	{ "debug registers", dl_ev_debugreg, 3 },
	{ "LDT load", dl_ev_ldt, 2 },
	{ "failsafe", dl_ev_failsafe, 1 },
	{ "yield", ev_yield, 1 },
};

static unsigned int pick_event(void)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		total += events[i].weight;
	r = (unsigned int)fuzz_below(total);
	for (i = 0; r >= events[i].weight; i++)
		r -= events[i].weight;
	return i;
}

void fuzz_delivery_word(void)
{
	unsigned long n = fuzz_arg("fuzz-delivery", 0);
	bool verbose = guest_cmdline_has("fuzz-verbose");

	if (!n)
		return;
	dl.seed = fuzz_arg("fuzz-seed", 1);
	dl.crash_pct = fuzz_arg("fuzz-crash-pct", 2);
	fuzz_seed(dl.seed);
	guest_printf("fuzz-delivery: seed %lu, %lu events, crash variants %lu%%\n",
		     dl.seed, n, dl.crash_pct);
	if (!setup()) {
		guest_printf("fuzz-delivery: setup failed\n");
		guest_shutdown(SHUTDOWN_crash);
	}
	for (dl.event = 1; dl.event <= n; dl.event++) {
		unsigned int e = pick_event();

		if (verbose)
			guest_printf("fuzz-delivery: event %lu: %s\n", dl.event,
				     events[e].name);
		events[e].run();
		dl_restore();
		if (dl.event % 100 == 0)
			guest_printf("fuzz-delivery: seed %lu: %lu/%lu events, %lu "
				     "bounces, %lu #DB, %lu failsafe\n", dl.seed,
				     dl.event, n, dl.bounces, dl.debug_traps,
				     dl.failsafes);
	}
	cpu_hook = NULL;
	guest_printf("fuzz-delivery: seed %lu done: %lu events, %lu bounces, %lu "
		     "#DB, %lu failsafe, %lu restore failures\n", dl.seed, n,
		     dl.bounces, dl.debug_traps, dl.failsafes,
		     dl.restore_failures);
	fuzz_coverage_print("delivery");
	guest_shutdown(dl.restore_failures ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}
