// SPDX-License-Identifier: MIT
/*
 * Command-line words of the cpu suite with hostile HYPERVISOR_iret frames.
 * Each runs instead of the suite, prints one line saying what it does, then
 * returns with HYPERVISOR_iret to a frame the CPU cannot load:
 *   iret-noncanonical-rip  kernel-mode frame, rip 0x0000800000000000
 *   iret-bad-cs            kernel-mode frame, cs 0x1230 (a null GDT entry)
 *   iret-bad-ss            kernel-mode frame, ss 0x1230
 *   iret-user-bad-cs       user-mode frame (user L4 installed), cs 0x1233
 *   iret-user-no-baseptr   user-mode frame (cs 0xe033) with no user L4
 * If the hypervisor bounces something to us instead of crashing the domain,
 * the line `WORD: bounced: vector V error E rip R cs C rflags F rsp S ss T`
 * (and the selectors of a failsafe frame) is printed and the domain powers
 * off; if the iret somehow lands, `WORD: the iret landed` and poweroff.
 * docs/test-guest.md has what Xen 4.17 does with each.
 */
#include <guest/cpu.h>
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

static const char *word;
static unsigned long iret_stack[512] __attribute__((aligned(16)));

static bool iret_hook(struct cpu_regs *r)
{
	guest_printf("%s: bounced: vector 0x%lx error 0x%lx rip 0x%lx cs 0x%lx "
		     "rflags 0x%lx rsp 0x%lx ss 0x%lx\n", word,
		     (unsigned long)r->vector, (unsigned long)r->error_code,
		     (unsigned long)r->rip, (unsigned long)r->cs,
		     (unsigned long)r->rflags, (unsigned long)r->rsp,
		     (unsigned long)r->ss);
	if (r->vector == CPU_VEC_FAILSAFE)
		guest_printf("%s: failsafe selectors ds 0x%lx es 0x%lx fs 0x%lx "
			     "gs 0x%lx\n", word,
			     (unsigned long)cpu_last.failsafe_seg[0],
			     (unsigned long)cpu_last.failsafe_seg[1],
			     (unsigned long)cpu_last.failsafe_seg[2],
			     (unsigned long)cpu_last.failsafe_seg[3]);
	guest_shutdown(SHUTDOWN_poweroff);
	return true;
}

static void iret_landed(void)
{
	guest_printf("%s: the iret landed\n", word);
	guest_shutdown(SHUTDOWN_poweroff);
}

void cpu_iret_words(void);
void cpu_iret_words(void)
{
	static const char *const words[] = {
		"iret-noncanonical-rip", "iret-bad-cs", "iret-bad-ss",
		"iret-user-bad-cs", "iret-user-no-baseptr",
	};
	struct cpu_regs regs;
	unsigned int i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (guest_cmdline_has(words[i]))
			break;
	if (i == sizeof(words) / sizeof(words[0]))
		return;
	word = words[i];
	if (!cpu_init()) {
		guest_printf("%s: setup failed\n", word);
		guest_shutdown(SHUTDOWN_crash);
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = (unsigned long)iret_landed;
	regs.cs = FLAT_KERNEL_CS & ~3UL;	/* RPL 0: stay in kernel mode */
	regs.rflags = 0x2;			/* IF clear: events stay masked */
	regs.rsp = (unsigned long)&iret_stack[512];
	regs.ss = FLAT_KERNEL_SS;
	switch (i) {
	case 0:
		regs.rip = 0x0000800000000000UL;
		break;
	case 1:
		regs.cs = 0x1230;
		break;
	case 2:
		regs.ss = 0x1230;
		break;
	case 3:
		/* A user address space and a kernel stack for the bounce. */
		if (!user_proc_create(0) ||
		    mmuext1(MMUEXT_NEW_USER_BASEPTR, user_procs[0].l4_mfn, 0) ||
		    HYPERVISOR_stack_switch(FLAT_KERNEL_SS,
					    user_procs[0].kstack_top)) {
			guest_printf("%s: setup failed\n", word);
			guest_shutdown(SHUTDOWN_crash);
		}
		regs.rip = USER_CODE_VA;
		regs.cs = 0x1233;
		regs.rflags = 0x202;
		regs.rsp = USER_STACK_TOP;
		regs.ss = FLAT_USER_SS_;
		break;
	default:
		mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0);
		regs.rip = USER_CODE_VA;
		regs.cs = FLAT_USER_CS_;
		regs.rflags = 0x202;
		regs.rsp = USER_STACK_TOP;
		regs.ss = FLAT_USER_SS_;
	}
	cpu_hook = iret_hook;
	guest_printf("%s: HYPERVISOR_iret to rip 0x%lx cs 0x%lx rsp 0x%lx ss 0x%lx\n",
		     word, (unsigned long)regs.rip, (unsigned long)regs.cs,
		     (unsigned long)regs.rsp, (unsigned long)regs.ss);
	cpu_enter_user(&regs);
	guest_printf("%s: came back without a bounce\n", word);
	guest_shutdown(SHUTDOWN_poweroff);
}
