/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the cpu suite's privileged-instruction cases
 * (guest/cases_cpu_dr.c, guest/cases_cpu_priv.c; guest/cpu_priv.c): the
 * debug-register and CR4 bits they use, mov to and from %cr4, and one user
 * program run that must end in a given trap.
 */
#ifndef GUEST_CPU_PRIV_H
#define GUEST_CPU_PRIV_H

#include <guest/cpu.h>

/* The vector the last CPU_FAULT instruction trapped with, or -1. */
#define CPU_TRAPPED() (cpu_last.count ? (long)cpu_last.regs.vector : -1L)

#define DR6_CLEAR 0xffff0ff0UL
#define DR7_CLEAR 0x400UL
#define DR7_L0 0x1UL
#define DR7_L1 0x4UL
#define DR7_IO0 (2UL << 16)		/* R/W0 = 10: I/O */
#define DR7_IO1 (2UL << 20)		/* R/W1 = 10: I/O */
#define DR7_LEN4_1 (3UL << 22)		/* LEN1 = 11: 4 bytes */

#define CR4_TSD (1UL << 2)
#define CR4_DE (1UL << 3)
#define CR4_PAE (1UL << 5)
#define CR4_MCE (1UL << 6)
#define CR4_PGE (1UL << 7)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_FSGSBASE (1UL << 16)
#define CR4_OSXSAVE (1UL << 18)

/* mov from/to %cr4: the vector it trapped with, or -1. */
long cpu_read_cr4(unsigned long *v);
long cpu_write_cr4(unsigned long v);

/*
 * Run user program `prog` (process 0) and check it was killed by `vector`
 * at `insn` with error code 0 (for #GP); events are masked again after.
 */
void cpu_user_expect_trap(const char *what, const char *prog, const char *insn,
			  unsigned long vector);
/* Run user program `prog` and return its exit value (0x7fffffff: it did not run). */
long cpu_user_exit_value(const char *prog);

#endif /* GUEST_CPU_PRIV_H */
