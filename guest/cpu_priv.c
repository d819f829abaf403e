// SPDX-License-Identifier: MIT
/*
 * Helpers of the cpu suite's privileged-instruction cases
 * (guest/include/guest/cpu_priv.h).
 */
#include <guest/cpu_priv.h>
#include <guest/lib.h>
#include <guest/test.h>

long cpu_read_cr4(unsigned long *v)
{
	*v = 0x5a5a;
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("mov %%cr4, %0") : "+r"(*v) :: "memory");
	return CPU_TRAPPED();
}

long cpu_write_cr4(unsigned long v)
{
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("mov %0, %%cr4") :: "r"(v) : "memory");
	return CPU_TRAPPED();
}

long cpu_user_exit_value(const char *prog)
{
	unsigned long e = user_va(prog);
	bool ok;

	cpu_trap_reset();
	ok = user_run(1, &e, NULL);
	cpu_vcpu()->evtchn_upcall_mask = 1;
	return ok ? user_procs[0].exit_value : 0x7fffffff;
}

void cpu_user_expect_trap(const char *what, const char *prog, const char *insn,
			  unsigned long vector)
{
	long exit_value = cpu_user_exit_value(prog);
	char w[96];

	snprintf(w, sizeof(w), "%s: killed by vector", what);
	if (!test_check(exit_value, -1000 - (long)vector, w))
		return;
	snprintf(w, sizeof(w), "%s: at", what);
	test_check((long)cpu_last.regs.rip, (long)user_va(insn), w);
	snprintf(w, sizeof(w), "%s: from user cs", what);
	test_check((long)cpu_last.regs.cs, FLAT_USER_CS_, w);
	if (vector == 13) {
		snprintf(w, sizeof(w), "%s: error code", what);
		test_check((long)cpu_last.regs.error_code, 0, w);
	}
}
