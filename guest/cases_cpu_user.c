// SPDX-License-Identifier: MIT
/*
 * cpu suite: guest user mode (guest/user.c, guest/user.S).  Processes with
 * their own user L4s, entered with HYPERVISOR_iret; syscalls, exceptions
 * and software interrupts from user mode with their exact bounce frames;
 * demand-zero and copy-on-write page faults handled by our kernel; a
 * context switch between two processes.  Expected values are Xen 4.17's.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

extern char user_prog_hello[], user_prog_sysframe[], user_f_syscall_after[];
extern char user_prog_de[], user_f_de[], user_prog_db[], user_f_db_after[];
extern char user_prog_bp[], user_f_bp_after[], user_prog_int4[],
	user_f_int4_after[], user_prog_int5[], user_f_int5_after[];
extern char user_prog_ud[], user_f_ud[], user_prog_nm[], user_f_nm[];
extern char user_prog_gp[], user_f_gp[], user_prog_pf_kernel[],
	user_f_pf_kernel[], user_prog_pf_code[], user_f_pf_code[];
extern char user_prog_int80[], user_f_int80_after[], user_prog_int81[],
	user_f_int81[], user_prog_int82[], user_f_int82[];
extern char user_prog_in80[], user_f_in80[], user_prog_hlt[], user_f_hlt[];
extern char user_prog_switch[], user_prog_cow[];

/* Run one process; afterwards events are masked again, as at boot. */
static bool run1(const char *entry, uint64_t arg)
{
	unsigned long e = user_va(entry);
	bool ok = user_run(1, &e, &arg);

	cpu_vcpu()->evtchn_upcall_mask = 1;
	return ok;
}

static bool run2(const char *e0, const char *e1, uint64_t a0, uint64_t a1)
{
	unsigned long e[2] = { user_va(e0), user_va(e1) };
	uint64_t a[2] = { a0, a1 };
	bool ok = user_run(2, e, a);

	cpu_vcpu()->evtchn_upcall_mask = 1;
	return ok;
}

void case_cpu_user_enter_exit(void)
{
	struct user_proc *p = &user_procs[0];

	if (!cpu_init() || !run1(user_prog_hello, 0x1234))
		return;
	EXPECT_EQ(p->exit_value, 0x1234, "exit value");
	EXPECT_EQ(p->faults, 0, "faults");
	EXPECT_EQ(p->nr_reports, 5, "reports");
	test_check((long)p->reports[0], 0, "getpid");
	test_check((long)p->reports[1], FLAT_USER_CS_, "user cs");
	test_check((long)p->reports[2], FLAT_USER_SS_, "user ss");
	test_check((long)p->reports[3], (long)USER_STACK_TOP, "user rsp");
	EXPECT(p->reports[4] > 0 && p->reports[4] < (1UL << 40),
	       "rdtsc in user mode: delta %lu", (unsigned long)p->reports[4]);
	/* Again: a second entry into the same address space. */
	if (!run1(user_prog_hello, 0x5678))
		return;
	EXPECT_EQ(p->exit_value, 0x5678, "exit value, second run");
}

static struct cpu_regs sys_frame;
static unsigned long sys_frame_addr, sys_live_rflags;
static unsigned int sys_mask;

static bool grab_syscall(struct cpu_regs *r)
{
	if (r->vector == CPU_VEC_SYSCALL && r->rdi == 0x5ca11 &&
	    !sys_frame_addr) {
		sys_frame = *r;
		sys_frame_addr = cpu_last.frame;
		sys_mask = cpu_last.mask_at_entry;
		__asm__ volatile("pushfq; popq %0" : "=r"(sys_live_rflags));
	}
	return false;
}

void case_cpu_user_syscall_frame(void)
{
	struct user_proc *p = &user_procs[0];
	unsigned long after;

	if (!cpu_init())
		return;
	sys_frame_addr = 0;
	cpu_hook = grab_syscall;
	run1(user_prog_sysframe, 0);
	cpu_hook = NULL;
	if (test_failed())
		return;
	EXPECT(sys_frame_addr, "no syscall seen");
	after = user_va(user_f_syscall_after);
	test_check((long)sys_frame.rip, (long)after, "frame rip");
	test_check((long)sys_frame.rcx, (long)after, "frame rcx (= rip)");
	test_check((long)sys_frame.cs, FLAT_USER_CS_, "frame cs");
	/* User rflags: IF (events were unmasked), DF (std), bit 1. */
	test_check((long)(sys_frame.rflags & ~0x8d5UL), 0x602, "frame rflags");
	test_check((long)sys_frame.r11, (long)sys_frame.rflags,
		   "frame r11 (= rflags)");
	test_check((long)sys_frame.rsp, (long)USER_STACK_TOP, "frame rsp");
	test_check((long)sys_frame.ss, FLAT_USER_SS_, "frame ss");
	test_check((long)sys_frame_addr, (long)(p->kstack_top - 7 * 8),
		   "frame on the stack_switch stack");
	test_check(sys_frame.r12, 0x3333, "r12 preserved");
	test_check(sys_mask, 1, "events masked (CALLBACKF_mask_events)");
	test_check((long)(sys_live_rflags & RFLAGS_DF), 0, "DF in the callback");
	/* syscall 17 from user mode is ours: -ENOSYS, not xen_version. */
	test_check(p->nr_reports, 2, "reports");
	test_check((long)p->reports[1], -XEN_ENOSYS, "user-mode syscall 17");
	test_check(p->exit_value, 0, "exit value");
}

/*
 * A trap from user mode: cs 0xe033 (RPL 3 kept; mask 0 in bits 32-39),
 * rflags with IF and RF as for a fault (RF), ss 0xe02b, rsp the user's,
 * the frame at the top of the stack_switch stack, rcx/r11 marked.
 */
struct ucase {
	const char *name;
	const char *prog, *rip;
	unsigned long vector;
	bool has_error;
	uint64_t error_code;
	bool rf, tf;
	uint64_t cr2;
};

static void check_user_trap(const struct ucase *c)
{
	struct user_proc *p = &user_procs[0];
	const struct cpu_regs *r = &cpu_last.regs;
	char what[64];
	uint64_t flags = 0x202 | (c->rf ? RFLAGS_RF : 0) |
			 (c->tf ? RFLAGS_TF : 0);

	cpu_trap_reset();
	if (!run1(c->prog, 0))
		return;
#define CHK(a, e, field)                                                     \
	do {                                                                 \
		snprintf(what, sizeof(what), "%s: %s", c->name, field);      \
		test_check((long)(a), (long)(e), what);                      \
	} while (0)
	CHK(p->exit_value, -1000 - (long)c->vector, "killed by vector");
	CHK(cpu_last.count, 1, "bounces");
	CHK(r->vector, c->vector, "vector");
	CHK(cpu_last.has_error, c->has_error, "has error code");
	if (c->has_error)
		CHK(r->error_code, c->error_code, "error code");
	CHK(r->rip, user_va(c->rip), "frame rip");
	CHK(r->cs, FLAT_USER_CS_, "frame cs");
	CHK(r->rflags & ~0x8d5UL, flags, "frame rflags");
	CHK(r->rsp, USER_STACK_TOP, "frame rsp");
	CHK(r->ss, FLAT_USER_SS_, "frame ss");
	CHK(cpu_last.frame, p->kstack_top - 8 * (c->has_error ? 8 : 7),
	    "frame address");
	CHK(r->rcx, CPU_RCX, "frame rcx");
	CHK(r->r11, CPU_R11, "frame r11");
	if (c->vector == 14)
		CHK(cpu_last.cr2, c->cr2, "cr2");
#undef CHK
}

void case_cpu_user_exceptions(void)
{
	static const struct ucase cases[] = {
		{ "#DE", user_prog_de, user_f_de, 0, false, 0, true, false, 0 },
		{ "#DB", user_prog_db, user_f_db_after, 1, false, 0, false, true, 0 },
		{ "#BP", user_prog_bp, user_f_bp_after, 3, false, 0, false, false, 0 },
		{ "int $4", user_prog_int4, user_f_int4_after, 4, false, 0, false, false, 0 },
		{ "int $5", user_prog_int5, user_f_int5_after, 5, false, 0, true, false, 0 },
		{ "#UD", user_prog_ud, user_f_ud, 6, false, 0, true, false, 0 },
		{ "#GP", user_prog_gp, user_f_gp, 13, true, 0, true, false, 0 },
		{ "hlt", user_prog_hlt, user_f_hlt, 13, true, 0, true, false, 0 },
		{ "in", user_prog_in80, user_f_in80, 13, true, 0, true, false, 0 },
		/* U set: the fault came from guest user mode. */
		{ "#PF kernel address", user_prog_pf_kernel, user_f_pf_kernel,
		  14, true, 4, true, false, 0xffffffff80001000UL },
		{ "#PF write code", user_prog_pf_code, user_f_pf_code,
		  14, true, 7, true, false, USER_CODE_VA },
	};
	unsigned int i;

	if (!cpu_init())
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_user_trap(&cases[i]);
	test_check(HYPERVISOR_get_debugreg(6), 0xffff4ff0, "DR6 after #DB");
	HYPERVISOR_set_debugreg(6, 0xffff0ff0);
}

void case_cpu_user_nm(void)
{
	static const struct ucase c = { "#NM", user_prog_nm, user_f_nm, 7,
					false, 0, true, false, 0 };
	unsigned long cr0 = 0;

	if (!cpu_init())
		return;
	EXPECT_EQ(HYPERVISOR_fpu_taskswitch(1), 0, "fpu_taskswitch(1)");
	check_user_trap(&c);
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("mov %%cr0, %0") : "+r"(cr0) :: "memory");
	test_check((long)(cr0 & 8), 0, "CR0.TS after #NM from user mode");
}

void case_cpu_user_soft_int(void)
{
	static const struct ucase cases[] = {
		{ "int $0x80 (DPL 3)", user_prog_int80, user_f_int80_after,
		  0x80, false, 0, false, false, 0 },
		{ "int $0x81 (DPL 1)", user_prog_int81, user_f_int81,
		  13, true, (0x81 << 3) | 2, true, false, 0 },
		{ "int $0x82 (DPL 0)", user_prog_int82, user_f_int82,
		  13, true, (0x82 << 3) | 2, true, false, 0 },
	};
	unsigned int i;

	if (!cpu_init())
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_user_trap(&cases[i]);
}

void case_cpu_user_demand_zero_cow(void)
{
	static const uint64_t v[2] = { 0xa0a0a0a0a0a0a0a0UL,
				       0xb0b0b0b0b0b0b0b0UL };
	unsigned int i, j;

	if (!cpu_init() || !run2(user_prog_cow, user_prog_cow, v[0], v[1]))
		return;
	for (i = 0; i < 2; i++) {
		struct user_proc *p = &user_procs[i];
		const uint64_t want[6] = { pattern_word(77, 0), v[i],
					   pattern_word(77, 1), v[i], 0, v[i] };
		char what[48];

		snprintf(what, sizeof(what), "process %u exit", i);
		test_check(p->exit_value, 0, what);
		snprintf(what, sizeof(what), "process %u reports", i);
		if (!test_check(p->nr_reports, 6, what))
			continue;
		for (j = 0; j < 6; j++) {
			snprintf(what, sizeof(what), "process %u report %u", i, j);
			test_check((long)p->reports[j], (long)want[j], what);
		}
		snprintf(what, sizeof(what), "process %u cow faults", i);
		test_check(p->cow_faults, 1, what);
		snprintf(what, sizeof(what), "process %u demand-zero faults", i);
		test_check(p->dz_faults, 2, what);
	}
	EXPECT(frame_has(pfn_mfn(user_shared_pfn), 77),
	       "the shared page changed");
}

void case_cpu_user_context_switch(void)
{
	static const uint64_t v[2] = { 0x1111aaaa, 0x2222bbbb };

	if (!cpu_init() || !run2(user_prog_switch, user_prog_switch, v[0], v[1]))
		return;
	test_check(user_procs[0].exit_value, (long)v[0], "process 0 exit");
	test_check(user_procs[1].exit_value, (long)v[1], "process 1 exit");
}
