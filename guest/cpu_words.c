// SPDX-License-Identifier: MIT
/*
 * Command-line words of the cpu suite that end the domain, so they run
 * instead of the suite (docs/test-guest.md):
 *   crash-on-bad-stack  stack_switch to an unmapped kernel stack, then a
 *                       syscall from user mode: the bounce cannot be
 *                       written and the hypervisor must crash the domain.
 */
#include <guest/cpu.h>
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/test.h>

extern char user_prog_syscall_only[];
extern unsigned long user_kstack_override;

void cpu_special_words(void);
void cpu_iret_words(void);	/* guest/cpu_iret_words.c */
void cpu_special_words(void)
{
	unsigned long entry;

	cpu_iret_words();
	if (!guest_cmdline_has("crash-on-bad-stack"))
		return;
	guest_printf("crash-on-bad-stack: syscall from user mode with the "
		     "kernel stack at unmapped 0x10000\n");
	if (!user_proc_create(0)) {
		guest_printf("crash-on-bad-stack: setup failed\n");
		guest_shutdown(SHUTDOWN_crash);
	}
	user_kstack_override = 0x10000;
	entry = user_va(user_prog_syscall_only);
	user_run(1, &entry, NULL);
	/* Not reached if the hypervisor crashed us, as it must. */
	guest_printf("crash-on-bad-stack: the bounce was delivered, which it "
		     "must not be\n");
	guest_shutdown(SHUTDOWN_poweroff);
}
