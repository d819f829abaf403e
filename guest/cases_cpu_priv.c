// SPDX-License-Identifier: MIT
/*
 * cpu suite: the virtual CR4 (the four bits a PV guest controls: TSD, DE,
 * FSGSBASE, OSXSAVE, and what it may not change), rdtsc under CR4.TSD,
 * {rd,wr}{fs,gs}base under CR4.FSGSBASE, cli/sti under the virtual IOPL,
 * and VMASST_TYPE_architectural_iopl.  Expected values are Xen 4.17's.
 */
#include <xen/errno.h>

#include <guest/cpu_priv.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

extern char user_prog_cli_sti[], user_f_cli[], user_prog_rdtsc[], user_f_rdtsc[],
	user_prog_rdfsbase[], user_f_rdfsbase[], user_prog_in80[], user_f_in80[];
extern unsigned long user_rflags_extra;

#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u

static uint64_t rdmsr_(uint32_t msr)
{
	uint32_t lo = 0, hi = 0;

	__asm__ volatile(CPU_FAULT("rdmsr") : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * CR4 reads show PAE, OSFXSR, OSXMMEXCPT (and the host's MCE) and the
 * guest's own bits, all clear at start; writes change only TSD, DE,
 * FSGSBASE and OSXSAVE (as CPUID offers them), everything else is ignored
 * without a fault; xsetbv needs the guest's own CR4.OSXSAVE.
 */
void case_cpu_cr4(void)
{
	static const struct { unsigned long bit; const char *name; } bits[] = {
		{ CR4_TSD, "TSD" }, { CR4_DE, "DE" },
		{ CR4_FSGSBASE, "FSGSBASE" }, { CR4_OSXSAVE, "OSXSAVE" },
	};
	unsigned long cr4, v;
	uint32_t lo, hi;
	unsigned int i;
	char w[64];

	if (!cpu_init())
		return;
	EXPECT_EQ(cpu_read_cr4(&cr4), -1, "mov from %cr4 traps");
	TEST_NOTE("cr4 0x%lx\n", cr4);
	test_check((long)(cr4 & ~CR4_MCE), CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT,
		   "CR4 at start (MCE aside)");
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		snprintf(w, sizeof(w), "mov to %%cr4 setting %s", bits[i].name);
		test_check(cpu_write_cr4(cr4 | bits[i].bit), -1, w);
		cpu_read_cr4(&v);
		snprintf(w, sizeof(w), "CR4 with %s", bits[i].name);
		test_check((long)v, (long)(cr4 | bits[i].bit), w);
		cpu_write_cr4(cr4);
	}
	test_check(cpu_write_cr4((cr4 & ~CR4_PAE) | CR4_PGE), -1,
		   "mov to %cr4 clearing PAE, setting PGE");
	cpu_read_cr4(&v);
	test_check((long)v, (long)cr4, "CR4 unchanged");
	test_check(cpu_write_cr4(0), -1, "mov 0 to %cr4");
	cpu_read_cr4(&v);
	test_check((long)v, (long)cr4, "CR4 after 0: the host's bits stay");
	/* xsetbv of the current XCR0: #UD without the guest's OSXSAVE. */
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("xsetbv") :: "a"(lo), "d"(hi), "c"(0) : "memory");
	test_check(CPU_TRAPPED(), 6, "xsetbv without CR4.OSXSAVE");
	cpu_write_cr4(cr4 | CR4_OSXSAVE);
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("xsetbv") :: "a"(lo), "d"(hi), "c"(0) : "memory");
	test_check(CPU_TRAPPED(), -1, "xsetbv with CR4.OSXSAVE");
	cpu_write_cr4(cr4);
}

static long rdtsc_kernel(uint64_t *t)
{
	uint32_t lo = 0, hi = 0;

	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("rdtsc") : "+a"(lo), "+d"(hi) :: "memory");
	*t = ((uint64_t)hi << 32) | lo;
	return CPU_TRAPPED();
}

/* Under CR4.TSD the kernel's rdtsc is emulated and user mode's is #GP(0). */
void case_cpu_tsd(void)
{
	unsigned long cr4;
	uint64_t a, b;

	if (!cpu_init())
		return;
	EXPECT_EQ(cpu_read_cr4(&cr4), -1, "mov from %cr4");
	EXPECT_EQ(cpu_user_exit_value(user_prog_rdtsc), 1, "user rdtsc without TSD");
	EXPECT_EQ(cpu_write_cr4(cr4 | CR4_TSD), -1, "mov to %cr4 setting TSD");
	test_check(rdtsc_kernel(&a), -1, "kernel rdtsc under TSD: no bounce");
	test_check(rdtsc_kernel(&b), -1, "again");
	EXPECT(b > a, "rdtsc under TSD went from 0x%lx to 0x%lx", (unsigned long)a,
	       (unsigned long)b);
	cpu_user_expect_trap("user rdtsc under TSD", user_prog_rdtsc, user_f_rdtsc, 13);
	cpu_write_cr4(cr4);
	test_check(cpu_user_exit_value(user_prog_rdtsc), 1, "user rdtsc after TSD");
}

static long rdfsbase_(unsigned long *v)
{
	*v = 0x5a5a;
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("rdfsbase %0") : "+r"(*v) :: "memory");
	return CPU_TRAPPED();
}

static long wrfsbase_(unsigned long v)
{
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("wrfsbase %0") :: "r"(v) : "memory");
	return CPU_TRAPPED();
}

static long wrgsbase_(unsigned long v)
{
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("wrgsbase %0") :: "r"(v) : "memory");
	return CPU_TRAPPED();
}

static uint64_t fsgs_buf[2] = { 0xf5f5f5f5f5f5f5f5UL, 0x6565656565656565UL };

/*
 * FSGSBASE is offered (CPUID 7.0 EBX bit 0, where the CPU has it) and works
 * once the guest sets CR4.FSGSBASE, in kernel and user mode: the bases it
 * writes are the ones rdmsr, segment loads and set_segment_base see, also
 * across a yield.  Without the bit the instructions are #UD.
 */
void case_cpu_fsgsbase(void)
{
	unsigned long cr4, v;
	uint64_t fs0;

	if (!cpu_init())
		return;
	if (!(cpu_cpuid(7, 0).ebx & 1)) {
		TEST_NOTE("the CPU has no FSGSBASE: nothing to check\n");
		return;
	}
	EXPECT_EQ(cpu_read_cr4(&cr4), -1, "mov from %cr4");
	test_check(rdfsbase_(&v), 6, "rdfsbase without CR4.FSGSBASE");
	cpu_user_expect_trap("user rdfsbase without CR4.FSGSBASE", user_prog_rdfsbase,
			     user_f_rdfsbase, 6);
	EXPECT_EQ(cpu_write_cr4(cr4 | CR4_FSGSBASE), -1, "mov to %cr4 setting FSGSBASE");
	test_check(wrfsbase_((unsigned long)&fsgs_buf[0]), -1, "wrfsbase");
	test_check(rdfsbase_(&v), -1, "rdfsbase");
	test_check((long)v, (long)&fsgs_buf[0], "rdfsbase reads what wrfsbase wrote");
	test_check((long)rdmsr_(MSR_FS_BASE), (long)&fsgs_buf[0], "rdmsr FS_BASE");
	__asm__ volatile("mov %%fs:0, %0" : "=r"(fs0));
	test_check((long)fs0, (long)fsgs_buf[0], "%fs:0");
	test_check(wrgsbase_((unsigned long)&fsgs_buf[1]), -1, "wrgsbase");
	test_check((long)rdmsr_(MSR_GS_BASE), (long)&fsgs_buf[1], "rdmsr GS_BASE");
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	rdfsbase_(&v);
	test_check((long)v, (long)&fsgs_buf[0], "FS base after a yield");
	test_check((long)rdmsr_(MSR_GS_BASE), (long)&fsgs_buf[1], "GS base after a yield");
	test_check(HYPERVISOR_set_segment_base(SEGBASE_FS, 0x12345000), 0,
		   "set_segment_base(FS)");
	rdfsbase_(&v);
	test_check((long)v, 0x12345000, "rdfsbase after set_segment_base");
	/* User mode: its FS base is the same register. */
	test_check(cpu_user_exit_value(user_prog_rdfsbase), 2, "user rdfsbase");
	if (test_check(user_procs[0].nr_reports, 1, "user reports"))
		test_check((long)user_procs[0].reports[0], 0x12345000, "user FS base");
	cpu_write_cr4(cr4);
	test_check(rdfsbase_(&v), 6, "rdfsbase after clearing CR4.FSGSBASE");
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
	HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0);
}

static long cli_(void)
{
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("cli") ::: "memory");
	return CPU_TRAPPED();
}

static long sti_(void)
{
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("sti") ::: "memory");
	return CPU_TRAPPED();
}

/* cli and sti in kernel mode with the event mask at `mask`: they must leave it alone. */
static void kernel_cli_sti(unsigned int iopl, long vector)
{
	struct vcpu_info *vi = cpu_vcpu();
	unsigned int mask;
	char w[64];

	for (mask = 0; mask < 2; mask++) {
		vi->evtchn_upcall_mask = mask;
		snprintf(w, sizeof(w), "cli, IOPL %u, mask %u", iopl, mask);
		test_check(cli_(), vector, w);
		if (vector == 13) {
			snprintf(w, sizeof(w), "cli, IOPL %u: error code", iopl);
			test_check((long)cpu_last.regs.error_code, 0, w);
		}
		snprintf(w, sizeof(w), "sti, IOPL %u, mask %u", iopl, mask);
		test_check(sti_(), vector, w);
		snprintf(w, sizeof(w), "event mask after cli/sti, IOPL %u", iopl);
		test_check(vi->evtchn_upcall_mask, mask, w);
	}
	vi->evtchn_upcall_mask = 1;
}

/*
 * cli/sti: #GP(0) unless the virtual IOPL allows them (kernel: IOPL >= 1,
 * user: 3); allowed, they do nothing at all (Xen 4.17 does not touch the
 * event mask).
 */
void case_cpu_cli_sti(void)
{
	if (!cpu_init())
		return;
	kernel_cli_sti(0, 13);
	EXPECT_EQ(cpu_set_iopl(1), 0, "set_iopl(1)");
	kernel_cli_sti(1, -1);
	cpu_user_expect_trap("user cli, IOPL 1", user_prog_cli_sti, user_f_cli, 13);
	EXPECT_EQ(cpu_set_iopl(3), 0, "set_iopl(3)");
	kernel_cli_sti(3, -1);
	test_check(cpu_user_exit_value(user_prog_cli_sti), 0x5717, "user cli/sti, IOPL 3");
	cpu_set_iopl(0);
	cpu_user_expect_trap("user cli, IOPL 0", user_prog_cli_sti, user_f_cli, 13);
}

static long inb80(void)
{
	uint8_t v = 0;

	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("inb $0x80, %0") : "+a"(v) :: "memory");
	return CPU_TRAPPED();
}

/*
 * VMASST_TYPE_architectural_iopl: the kernel counts as ring 0, so port I/O
 * and cli/sti need no IOPL at all; user mode still needs IOPL 3, which now
 * comes from the rflags of the guest's iret frames, and bounce frames show
 * the virtual IOPL.
 */
void case_cpu_architectural_iopl(void)
{
	if (!cpu_init())
		return;
	EXPECT_EQ(cpu_set_iopl(0), 0, "set_iopl(0)");
	test_check(inb80(), 13, "inb, IOPL 0");
	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl),
		  0, "enable architectural_iopl");
	test_check(inb80(), -1, "inb, IOPL 0, architectural");
	test_check(cli_(), -1, "cli, IOPL 0, architectural");
	test_check(sti_(), -1, "sti, IOPL 0, architectural");
	/* User mode entered with IOPL 0 in its iret frame: no port I/O. */
	cpu_user_expect_trap("user inb, frame IOPL 0", user_prog_in80, user_f_in80, 13);
	test_check((long)(cpu_last.regs.rflags & RFLAGS_IOPL), 0,
		   "IOPL in the bounce frame, IOPL 0");
	/* ... and with IOPL 3 in it, port I/O and cli/sti are allowed. */
	user_rflags_extra = RFLAGS_IOPL;
	test_check(cpu_user_exit_value(user_prog_cli_sti), 0x5717,
		   "user cli/sti, frame IOPL 3");
	test_check((long)(cpu_last.regs.rflags & RFLAGS_IOPL), (long)RFLAGS_IOPL,
		   "IOPL in the exit syscall's frame");
	user_rflags_extra = 0;
	/* The kernel's own traps show the IOPL it set. */
	EXPECT_EQ(cpu_set_iopl(2), 0, "set_iopl(2)");
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("int3") ::: "memory");
	test_check((long)(cpu_last.regs.rflags & RFLAGS_IOPL), 2L << 12,
		   "IOPL in a kernel bounce frame");
	HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl);
	cpu_set_iopl(0);
	test_check(inb80(), 13, "inb, IOPL 0, architectural_iopl off");
}
