/* SPDX-License-Identifier: MIT */
/*
 * Hypercall wrappers of the test guest, one per hypercall it uses.
 *
 * A 64-bit PV hypercall is `syscall` from guest kernel mode, the way Linux
 * 6.1 issues them (no hypercall page): rax = number, arguments in rdi, rsi,
 * rdx, r10, r8, r9; the result comes back in rax.  syscall destroys rcx and
 * r11, and the hypervisor may clobber every argument register (debug Xen
 * poisons them), so all of them are outputs here.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/version.h>

static inline long guest_hypercall3(unsigned long nr, unsigned long a1,
				    unsigned long a2, unsigned long a3)
{
	register unsigned long r10 __asm__("r10") = 0;
	register unsigned long r8 __asm__("r8") = 0;
	register unsigned long r9 __asm__("r9") = 0;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3),
			   "+r"(r10), "+r"(r8), "+r"(r9)
			 : "0"(nr)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long HYPERVISOR_console_io(int cmd, unsigned int count,
					 const char *buf)
{
	return guest_hypercall3(__HYPERVISOR_console_io, (unsigned long)cmd,
				count, (unsigned long)buf);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return guest_hypercall3(__HYPERVISOR_xen_version, (unsigned long)cmd,
				(unsigned long)arg, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return guest_hypercall3(__HYPERVISOR_sched_op, (unsigned long)cmd,
				(unsigned long)arg, 0);
}

/* A number with no hypercall behind it (tests expect -ENOSYS). */
static inline long HYPERVISOR_unassigned(unsigned long nr)
{
	return guest_hypercall3(nr, 0, 0, 0);
}

/*
 * xen_version through the builder-filled hypercall page: `call` the stub at
 * hypercall_page + nr * 32.  The stub saves rcx/r11 itself; the argument
 * registers are still treated as clobbered.  Red zone is off (-mno-red-zone)
 * so the call may push onto our stack.
 */
extern char hypercall_page[4096];

static inline long HYPERVISOR_xen_version_via_page(int cmd, void *arg)
{
	register unsigned long a1 __asm__("rdi") = (unsigned long)cmd;
	register unsigned long a2 __asm__("rsi") = (unsigned long)arg;
	register unsigned long a3 __asm__("rdx") = 0;
	register unsigned long r10 __asm__("r10") = 0;
	register unsigned long r8 __asm__("r8") = 0;
	register unsigned long r9 __asm__("r9") = 0;
	long ret;

	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+r"(a1), "+r"(a2), "+r"(a3),
			   "+r"(r10), "+r"(r8), "+r"(r9)
			 : [stub] "r"(hypercall_page +
				      __HYPERVISOR_xen_version * 32)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif /* GUEST_HYPERCALL_H */
