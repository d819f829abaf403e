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
#include <xen/memory.h>

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

/* Up to five arguments (rdi, rsi, rdx, r10, r8); the others are zero. */
static inline long guest_hypercall5(unsigned long nr, unsigned long a1,
				    unsigned long a2, unsigned long a3,
				    unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
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

/*
 * Memory-management hypercalls (docs/test-guest.md, "mm suite").  The
 * pointer arguments are unsigned long so hostile cases can pass any value;
 * `count` is unsigned long too, so the upper half can be tested.
 */
static inline long HYPERVISOR_mmu_update(const void *req, unsigned long count,
					 void *done, unsigned long foreigndom)
{
	return guest_hypercall5(__HYPERVISOR_mmu_update, (unsigned long)req,
				count, (unsigned long)done, foreigndom, 0);
}

static inline long HYPERVISOR_mmuext_op(const void *op, unsigned long count,
					void *done, unsigned long foreigndom)
{
	return guest_hypercall5(__HYPERVISOR_mmuext_op, (unsigned long)op,
				count, (unsigned long)done, foreigndom, 0);
}

static inline long HYPERVISOR_update_va_mapping(unsigned long va,
						uint64_t pte,
						unsigned long flags)
{
	return guest_hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags);
}

static inline long HYPERVISOR_update_va_mapping_otherdomain(
	unsigned long va, uint64_t pte, unsigned long flags,
	unsigned long domid)
{
	return guest_hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, va,
				pte, flags, domid, 0);
}

static inline long HYPERVISOR_multicall(const void *calls, unsigned long nr)
{
	return guest_hypercall3(__HYPERVISOR_multicall, (unsigned long)calls,
				nr, 0);
}

static inline long HYPERVISOR_memory_op(unsigned long cmd, const void *arg)
{
	return guest_hypercall3(__HYPERVISOR_memory_op, cmd,
				(unsigned long)arg, 0);
}

static inline long HYPERVISOR_vm_assist(unsigned long cmd, unsigned long type)
{
	return guest_hypercall3(__HYPERVISOR_vm_assist, cmd, type, 0);
}

/*
 * Koan's debug hypercall, number 55 (__HYPERVISOR_arch_7, unused by Xen,
 * which answers -ENOSYS).  Sub-op 0 checks the frame table's invariants:
 * 0 = consistent, > 0 = number of problems found, < 0 = -errno.
 */
#define KOAN_HYPERCALL_DEBUG 55
#define KOAN_DEBUG_CHECK_FRAMES 0

static inline long HYPERVISOR_koan_debug(unsigned long subop)
{
	return guest_hypercall3(KOAN_HYPERCALL_DEBUG, subop, 0, 0);
}

/*
 * Koan's scheduler operation, number 54 (__HYPERVISOR_arch_6, unused by
 * Xen, which answers -ENOSYS): dom0 reads and sets a domain's BVT
 * parameters and the context-switch allowance; any other domain gets
 * -EPERM.  The ABI is Koan's include/hyp/koan_sched.h (docs/scheduler.md).
 */
#define KOAN_HYPERCALL_SCHED 54
#define KOAN_SCHED_GET_BVT 0
#define KOAN_SCHED_SET_BVT 1
#define KOAN_SCHED_GET_CTX_ALLOW 2
#define KOAN_SCHED_SET_CTX_ALLOW 3

struct koan_sched_bvt {
	uint16_t domid;			/* the domain, or DOMID_SELF */
	uint16_t pad;			/* must be 0 */
	uint32_t mcu_advance;		/* 1 to 1000: the inverse of a weight */
	uint64_t warp;
	uint64_t warp_limit_ns;
	uint64_t unwarp_ns;
};

/* arg: a pointer, passed unchanged (hostile values included). */
static inline long HYPERVISOR_koan_sched(unsigned long cmd, unsigned long arg)
{
	return guest_hypercall3(KOAN_HYPERCALL_SCHED, cmd, arg, 0);
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
