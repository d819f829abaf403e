// SPDX-License-Identifier: MIT
/*
 * cpu suite: `mov` to and from %dr0-%dr7 in guest kernel mode, emulated
 * with set_debugreg's rules; DR4/DR5 as DR6/DR7 or (virtual CR4.DE) #UD;
 * I/O breakpoints under CR4.DE, hit by emulated port I/O; and from guest
 * user mode, #GP.  Expected values are Xen 4.17's.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#include <guest/cpu_priv.h>

/* One reader and one writer per register: the number is in the opcode. */
#define DR_READ(n)                                                           \
	static long dr_read##n(unsigned long *v)                             \
	{                                                                    \
		*v = 0x5a5a;                                                 \
		cpu_trap_reset();                                            \
		__asm__ volatile(CPU_FAULT("mov %%db" #n ", %0")             \
				 : "+r"(*v) :: "memory");                    \
		return CPU_TRAPPED();                                        \
	}
#define DR_WRITE(n)                                                          \
	static long dr_write##n(unsigned long v)                             \
	{                                                                    \
		cpu_trap_reset();                                            \
		__asm__ volatile(CPU_FAULT("mov %0, %%db" #n)                \
				 :: "r"(v) : "memory");                      \
		return CPU_TRAPPED();                                        \
	}
DR_READ(0) DR_READ(1) DR_READ(2) DR_READ(3)
DR_READ(4) DR_READ(5) DR_READ(6) DR_READ(7)
DR_WRITE(0) DR_WRITE(1) DR_WRITE(2) DR_WRITE(3)
DR_WRITE(4) DR_WRITE(5) DR_WRITE(6) DR_WRITE(7)

static long (*const dr_read[8])(unsigned long *) = {
	dr_read0, dr_read1, dr_read2, dr_read3,
	dr_read4, dr_read5, dr_read6, dr_read7,
};
static long (*const dr_write[8])(unsigned long) = {
	dr_write0, dr_write1, dr_write2, dr_write3,
	dr_write4, dr_write5, dr_write6, dr_write7,
};

/* %dr8 (REX.R): no such register. */
static long dr_read8(unsigned long *v)
{
	*v = 0x5a5a;
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT(".byte 0x44, 0x0f, 0x21, 0xc0") /* mov %dr8, %rax */
			 : "+a"(*v) :: "memory");
	return CPU_TRAPPED();
}

/* mov to %drN: the vector it trapped with (-1: none) and, if none, the value read back. */
static void check_write(unsigned int n, unsigned long val, long vector,
			unsigned long expect, const char *what)
{
	unsigned long v;
	char w[96];

	snprintf(w, sizeof(w), "mov 0x%lx to %%dr%u (%s)", val, n, what);
	if (!test_check(dr_write[n](val), vector, w))
		return;
	if (vector >= 0) {
		snprintf(w, sizeof(w), "%%dr%u %s: error code", n, what);
		test_check((long)cpu_last.regs.error_code, 0, w);
		return;
	}
	dr_read[n](&v);
	snprintf(w, sizeof(w), "%%dr%u after %s", n, what);
	test_check((long)v, (long)expect, w);
	snprintf(w, sizeof(w), "get_debugreg(%u) after %s", n, what);
	test_check(HYPERVISOR_get_debugreg(n), (long)expect, w);
}

static void dr_restore(void)
{
	unsigned int i;

	HYPERVISOR_set_debugreg(7, DR7_CLEAR);
	HYPERVISOR_set_debugreg(6, DR6_CLEAR);
	for (i = 0; i < 4; i++)
		HYPERVISOR_set_debugreg(i, 0);
}

static unsigned long dr_target[4];

/* Reads and writes of every register, and the values Xen refuses or fixes up. */
void case_cpu_dr_mov(void)
{
	static const unsigned long reset[8] = { 0, 0, 0, 0, DR6_CLEAR, DR7_CLEAR,
						DR6_CLEAR, DR7_CLEAR };
	unsigned long v;
	unsigned int i;
	char w[64];

	if (!cpu_init())
		return;
	for (i = 0; i < 8; i++) {
		snprintf(w, sizeof(w), "mov from %%dr%u traps", i);
		test_check(dr_read[i](&v), -1, w);
		snprintf(w, sizeof(w), "%%dr%u at reset", i);
		test_check((long)v, (long)reset[i], w);
	}
	for (i = 0; i < 4; i++)
		check_write(i, (unsigned long)&dr_target[i], -1,
			    (unsigned long)&dr_target[i], "a kernel address");
	/* Breakpoint addresses: guest addresses only. */
	check_write(1, 0xffff830000000000UL, 13, 0, "the hypervisor's range");
	check_write(1, 0x8000000000000000UL, 13, 0, "non-canonical");
	test_check(HYPERVISOR_get_debugreg(1), (long)&dr_target[1],
		   "%dr1 unchanged after refusals");
	check_write(2, 0x00007ffffffffff8UL, -1, 0x00007ffffffffff8UL,
		    "the top of the lower half");
	check_write(3, 0xffff880000000000UL, -1, 0xffff880000000000UL,
		    "just above the hypervisor's range");
	check_write(0, ~0UL, -1, ~0UL, "~0");
	/* DR6: 32 bits; only B0-B3, BD, BS, BT are kept. */
	check_write(6, 0, -1, DR6_CLEAR, "0");
	check_write(6, 0xffffffffUL, -1, 0xffffefffUL, "all 32 bits");
	check_write(6, 1UL << 32, 13, 0, "bit 32");
	test_check(HYPERVISOR_set_debugreg(6, 1UL << 32), -XEN_EINVAL,
		   "set_debugreg(6, bit 32)");
	/* DR7: reserved bits forced, GD and 64-bit values refused. */
	check_write(7, 0, -1, DR7_CLEAR, "0");
	check_write(7, 0xdfffUL, -1, 0x7ffUL, "0xdfff (reserved bits)");
	check_write(7, DR7_CLEAR | (1UL << 13), 13, 0, "GD");
	check_write(7, 1UL << 32, 13, 0, "bit 32");
	test_check(HYPERVISOR_set_debugreg(7, 1UL << 32), -XEN_EINVAL,
		   "set_debugreg(7, bit 32)");
	check_write(7, 0xffffffffUL, 13, 0, "all 32 bits");
	/* An I/O breakpoint needs CR4.DE, but only once it is enabled. */
	check_write(7, DR7_CLEAR | DR7_L0 | DR7_IO0, 13, 0, "an enabled I/O breakpoint");
	check_write(7, DR7_CLEAR | DR7_IO0, -1, DR7_CLEAR | DR7_IO0,
		    "a disabled I/O breakpoint");
	/* Without CR4.DE, DR4 and DR5 are DR6 and DR7. */
	test_check(dr_write4(DR6_CLEAR | 1), -1, "mov to %dr4");
	test_check(HYPERVISOR_get_debugreg(6), DR6_CLEAR | 1, "DR6 after mov to %dr4");
	dr_read4(&v);
	test_check((long)v, DR6_CLEAR | 1, "%dr4 reads DR6");
	test_check(HYPERVISOR_get_debugreg(4), DR6_CLEAR | 1, "get_debugreg(4)");
	test_check(dr_write5(DR7_CLEAR | 2), -1, "mov to %dr5");
	test_check(HYPERVISOR_get_debugreg(7), DR7_CLEAR | 2, "DR7 after mov to %dr5");
	dr_read5(&v);
	test_check((long)v, DR7_CLEAR | 2, "%dr5 reads DR7");
	test_check(HYPERVISOR_set_debugreg(5, DR7_CLEAR), 0, "set_debugreg(5)");
	test_check(HYPERVISOR_get_debugreg(7), DR7_CLEAR, "DR7 after set_debugreg(5)");
	/* No DR8 and beyond. */
	test_check(dr_read8(&v), 6, "mov from %dr8");
	test_check(HYPERVISOR_get_debugreg(8), -XEN_ENODEV, "get_debugreg(8)");
	test_check(HYPERVISOR_set_debugreg(8, 0), -XEN_ENODEV, "set_debugreg(8)");
	dr_restore();
}

/* port I/O with the IOPL the case set; the vector it trapped with, or -1. */
static long inb_port(unsigned int port)
{
	uint8_t v = 0;

	cpu_trap_reset();
	switch (port) {
	case 0x80:
		__asm__ volatile(CPU_FAULT("inb $0x80, %0") : "+a"(v) :: "memory");
		break;
	case 0x81:
		__asm__ volatile(CPU_FAULT("inb $0x81, %0") : "+a"(v) :: "memory");
		break;
	default:
		__asm__ volatile(CPU_FAULT("inb $0x85, %0") : "+a"(v) :: "memory");
		break;
	}
	return CPU_TRAPPED();
}

/*
 * With the virtual CR4.DE: DR4 and DR5 are #UD, and DR7 takes I/O
 * breakpoints, which the emulated port I/O reports as a #DB trap after the
 * instruction.  Without DE again, DR4 and DR5 alias and the I/O
 * breakpoints stay in DR7 but no longer fire.
 */
void case_cpu_dr_cr4_de(void)
{
	unsigned long cr4, v;

	if (!cpu_init())
		return;
	EXPECT((cpu_cpuid(1, 0).edx >> 2) & 1, "CPUID shows no DE");
	EXPECT_EQ(cpu_read_cr4(&cr4), -1, "mov from %cr4");
	EXPECT_EQ(cpu_write_cr4(cr4 | CR4_DE), -1, "mov to %cr4 setting DE");
	cpu_read_cr4(&v);
	EXPECT_EQ((long)v, (long)(cr4 | CR4_DE), "CR4 with DE");
	test_check(dr_read4(&v), 6, "mov from %dr4 with DE");
	test_check(dr_write5(DR7_CLEAR), 6, "mov to %dr5 with DE");
	test_check(HYPERVISOR_get_debugreg(4), -XEN_ENODEV, "get_debugreg(4) with DE");
	test_check(HYPERVISOR_set_debugreg(5, DR7_CLEAR), -XEN_ENODEV,
		   "set_debugreg(5) with DE");
	/* Breakpoint 0: port 0x80, 1 byte; 1: ports 0x84-0x87 (4 bytes at 0x86, aligned). */
	test_check(dr_write0(0x80), -1, "mov 0x80 to %dr0");
	test_check(dr_write1(0x86), -1, "mov 0x86 to %dr1");
	test_check(dr_write7(DR7_CLEAR | DR7_L0 | DR7_IO0 | DR7_L1 | DR7_IO1 | DR7_LEN4_1),
		   -1, "mov to %dr7: two I/O breakpoints");
	dr_read7(&v);
	test_check((long)v, (long)(DR7_CLEAR | DR7_L0 | DR7_IO0 | DR7_L1 | DR7_IO1 |
				   DR7_LEN4_1), "%dr7 reads the I/O breakpoints");
	test_check(cpu_set_iopl(1), 0, "set_iopl(1)");
	test_check(inb_port(0x81), -1, "inb 0x81 (no breakpoint)");
	test_check(inb_port(0x80), 1, "inb 0x80 (breakpoint 0)");
	test_check((long)cpu_last.regs.rip, (long)(cpu_fault_rip + 2), "#DB after the inb");
	test_check(HYPERVISOR_get_debugreg(6), DR6_CLEAR | 1, "DR6: B0");
	HYPERVISOR_set_debugreg(6, DR6_CLEAR);
	test_check(inb_port(0x85), 1, "inb 0x85 (breakpoint 1)");
	test_check(HYPERVISOR_get_debugreg(6), DR6_CLEAR | 2, "DR6: B1");
	HYPERVISOR_set_debugreg(6, DR6_CLEAR);
	/* DE off: the aliases are back, the I/O breakpoints stay but do not fire. */
	cpu_write_cr4(cr4);
	test_check(inb_port(0x80), -1, "inb 0x80 without DE");
	test_check(dr_read5(&v), -1, "mov from %dr5 without DE");
	test_check((long)v, (long)(DR7_CLEAR | DR7_L0 | DR7_IO0 | DR7_L1 | DR7_IO1 |
				   DR7_LEN4_1), "%dr5 without DE");
	test_check(dr_write7(DR7_CLEAR | DR7_L0 | DR7_IO0), 13,
		   "mov to %dr7: an I/O breakpoint without DE");
	cpu_set_iopl(0);
	dr_restore();
}

/* From guest user mode every mov to or from a debug register is #GP(0). */
void case_cpu_dr_user(void)
{
	extern char user_prog_mov_from_dr[], user_f_mov_from_dr[],
		user_prog_mov_to_dr[], user_f_mov_to_dr[];

	if (!cpu_init())
		return;
	cpu_user_expect_trap("mov from %dr7", user_prog_mov_from_dr,
			     user_f_mov_from_dr, 13);
	cpu_user_expect_trap("mov to %dr0", user_prog_mov_to_dr,
			     user_f_mov_to_dr, 13);
	test_check(HYPERVISOR_get_debugreg(0), 0, "DR0 unchanged");
}
