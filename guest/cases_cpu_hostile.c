// SPDX-License-Identifier: MIT
/*
 * cpu suite: deliveries a hostile guest can make hard for the hypervisor.
 *   cpu_db_on_bounce_frame  a data breakpoint on the very stack slot where
 *                           the hypervisor writes the bounce frame of a #DB
 *                           that the guest raised itself: the hypervisor
 *                           hits the guest's breakpoint in the middle of
 *                           delivering the first #DB (issue 8, break 2).
 * Expected values are Xen 4.17's.
 */
#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/test.h>

#define DR6_CLEAR 0xffff0ff0UL
#define DR7_CLEAR 0x400UL
/* L0 and L1; for both, R/W 01 (data writes) and LEN 11 (8 bytes). */
#define DR7_WATCH_0_1 (DR7_CLEAR | 0x5UL | (0xdUL << 16) | (0xdUL << 20))
#define BOUNCE_WORDS 7	/* rcx, r11, rip, cs, rflags, rsp, ss: no error code */

static volatile uint64_t db_target __attribute__((aligned(8)));

/* Our handler would write the frame's rip slot itself: disarm first. */
static bool disarm_then_resume(struct cpu_regs *r)
{
	HYPERVISOR_set_debugreg(7, DR7_CLEAR);
	r->rip = cpu_resume_rip;
	cpu_resume_rip = 0;
	return true;
}

void case_cpu_db_on_bounce_frame(void)
{
	unsigned long rsp, top, dr6;
	long armed;

	if (!cpu_init())
		return;
	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	top = rsp & ~15UL;	/* the frame ends here */
	/*
	 * Its rip slot (word 2): the probe's pushfq writes only at rsp - 8, and
	 * our handler's entry stub rewrites the rcx and r11 slots, not this one.
	 */
	EXPECT_EQ(HYPERVISOR_set_debugreg(0, top - (BOUNCE_WORDS - 2) * 8), 0,
		  "DR0: the frame's rip slot");
	EXPECT_EQ(HYPERVISOR_set_debugreg(1, (unsigned long)&db_target), 0,
		  "DR1: a variable");
	cpu_trap_reset();
	cpu_hook = disarm_then_resume;
	/*
	 * Arm both, write db_target: #DB (DR1) from guest kernel mode, whose
	 * bounce frame the hypervisor then writes over DR0; disarm.  DR7 is
	 * set by direct hypercalls, because a call would push onto the watched
	 * slot.
	 */
	__asm__ volatile("mov $7, %%edi\n\t"
			 "mov %[watch], %%rsi\n\t"
			 "mov %[nr], %%eax\n\t"
			 "syscall\n\t"
			 "mov %%rax, %[armed]\n\t"
			 CPU_PROBE("movq %%rsp, db_target(%%rip)")
			 "mov $7, %%edi\n\t"
			 "mov %[clear], %%esi\n\t"
			 "mov %[nr], %%eax\n\t"
			 "syscall\n\t"
			 : [armed] "=m"(armed)
			 : [nr] "i"(__HYPERVISOR_set_debugreg), [clear] "i"(DR7_CLEAR),
			   [watch] "i"(DR7_WATCH_0_1)
			 : "rax", "rcx", "r11", "rdi", "rsi", "memory");
	EXPECT_EQ(armed, 0, "DR7: both armed");
	cpu_hook = NULL;
	dr6 = (unsigned long)HYPERVISOR_get_debugreg(6);
	EXPECT_EQ(cpu_probe_rsp, rsp, "rsp inside the asm as read before it");
	test_check((long)cpu_last.count, 1, "exactly one #DB delivered");
	test_check((long)cpu_last.regs.vector, 1, "vector");
	/* A trap: rip after the 7-byte movq %rsp, disp32(%rip). */
	test_check((long)cpu_last.regs.rip, (long)(cpu_fault_rip + 7), "rip after the write");
	test_check((long)cpu_last.frame, (long)(top - BOUNCE_WORDS * 8), "frame where watched");
	/*
	 * B1: the guest's own write.  Koan also notes B0, the hit in the
	 * middle of delivery, in the guest's DR6; Xen 4.17 only logs "Hit #DB
	 * in Xen context" and drops it (a deliberate difference,
	 * docs/cpu.md).
	 */
	test_check((long)(dr6 & 0xf), cpu_on_koan() ? 0x3 : 0x2,
		   "DR6: B1 (the guest's write), and on Koan B0 (the frame)");
	test_check(HYPERVISOR_set_debugreg(6, DR6_CLEAR), 0, "DR6 reset");
	test_check(HYPERVISOR_get_debugreg(7), (long)DR7_CLEAR, "DR7 cleared");
	HYPERVISOR_set_debugreg(0, 0);
	HYPERVISOR_set_debugreg(1, 0);
}
