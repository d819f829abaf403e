/* SPDX-License-Identifier: MIT */
/*
 * Hypercall entry.  `syscall` from the guest kernel lands here (entry.S)
 * with the number in rax and arguments in rdi, rsi, rdx, r10, r8, r9.  One
 * table maps numbers to handlers; holes answer -ENOSYS, logged once per
 * number so a guest probing the interface cannot flood the console.
 */
#include <asm/percpu.h>
#include <asm/traps.h>
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/pv.h>
#include <hyp/sched.h>

#define NR_HYPERCALLS 64

typedef long (*hypercall_fn_t)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

struct hypercall_desc {
    hypercall_fn_t fn;
    const char *name;
};

/*
 * Handlers declare only the arguments they use; the SysV calling convention
 * makes the extra register arguments harmless (Xen relies on the same).  The
 * cast through void (*)(void) says so to the compiler.
 */
#define HYPERCALL(nr, handler) [nr] = { (hypercall_fn_t)(void (*)(void))(handler), #handler }

static const struct hypercall_desc hypercall_table[NR_HYPERCALLS] = {
    HYPERCALL(__HYPERVISOR_console_io, do_console_io),
    HYPERCALL(__HYPERVISOR_xen_version, do_xen_version),
    HYPERCALL(__HYPERVISOR_sched_op, do_sched_op),
};

static void report_unimplemented(uint64_t nr)
{
    static uint64_t reported[NR_HYPERCALLS / 64 + 1];

    if (nr < NR_HYPERCALLS) {
        if (reported[nr / 64] & (1UL << (nr % 64)))
            return;
        reported[nr / 64] |= 1UL << (nr % 64);
    }
    log_debug("domain %s: hypercall %lu not implemented (-ENOSYS)\n",
              current_domain()->name, nr);
}

static long hypercall_dispatch(struct cpu_user_regs *regs)
{
    uint64_t nr = regs->rax;

    if (nr >= NR_HYPERCALLS || !hypercall_table[nr].fn) {
        report_unimplemented(nr);
        return -ENOSYS;
    }
    /* Clamp the index under speculation as well. */
    nr &= NR_HYPERCALLS - 1;
    return hypercall_table[nr].fn(regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8,
                                  regs->r9);
}

void do_syscall_entry(struct cpu_user_regs *regs)
{
    /* Guest user mode does not exist yet: every syscall is a hypercall. */
    regs->rax = (uint64_t)hypercall_dispatch(regs);
}

void do_compat_syscall_entry(struct cpu_user_regs *regs)
{
    domain_crash(current_domain(), "syscall from 32-bit code at rip %#lx", regs->rip);
}

void prepare_return_to_guest(struct cpu_user_regs *regs)
{
    (void)regs;
    sched_maybe_switch();
}
