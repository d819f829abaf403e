/* SPDX-License-Identifier: MIT */
/*
 * Hypercall entry.  `syscall` from the guest kernel lands here (entry.S)
 * with the number in rax and arguments in rdi, rsi, rdx, r10, r8, r9.  One
 * table maps numbers to handlers; holes answer -ENOSYS, logged once per
 * number so a guest probing the interface cannot flood the console.
 */
#include <asm/nospec.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/bounce.h>
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/guest_range.h>
#include <hyp/errno.h>
#include <hyp/event.h>
#include <hyp/grant_table.h>
#include <hyp/vcpu_timer.h>
#include <hyp/hypercall.h>
#include <hyp/pv.h>
#include <hyp/sched.h>
#include <hyp/vcpu_op.h>

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
    HYPERCALL(__HYPERVISOR_set_trap_table, do_set_trap_table),
    HYPERCALL(__HYPERVISOR_mmu_update, do_mmu_update),
    HYPERCALL(__HYPERVISOR_set_gdt, do_set_gdt),
    HYPERCALL(__HYPERVISOR_stack_switch, do_stack_switch),
    HYPERCALL(__HYPERVISOR_set_callbacks, do_set_callbacks),
    HYPERCALL(__HYPERVISOR_fpu_taskswitch, do_fpu_taskswitch),
    HYPERCALL(__HYPERVISOR_set_debugreg, do_set_debugreg),
    HYPERCALL(__HYPERVISOR_get_debugreg, do_get_debugreg),
    HYPERCALL(__HYPERVISOR_update_descriptor, do_update_descriptor),
    HYPERCALL(__HYPERVISOR_memory_op, do_memory_op),
    HYPERCALL(__HYPERVISOR_multicall, do_multicall),
    HYPERCALL(__HYPERVISOR_update_va_mapping, do_update_va_mapping),
    HYPERCALL(__HYPERVISOR_xen_version, do_xen_version),
    HYPERCALL(__HYPERVISOR_console_io, do_console_io),
    HYPERCALL(__HYPERVISOR_vm_assist, do_vm_assist),
    HYPERCALL(__HYPERVISOR_update_va_mapping_otherdomain, do_update_va_mapping_otherdomain),
    HYPERCALL(__HYPERVISOR_iret, do_iret),
    HYPERCALL(__HYPERVISOR_grant_table_op, do_grant_table_op),
    HYPERCALL(__HYPERVISOR_vcpu_op, do_vcpu_op),
    HYPERCALL(__HYPERVISOR_set_timer_op, do_set_timer_op),
    HYPERCALL(__HYPERVISOR_set_segment_base, do_set_segment_base),
    HYPERCALL(__HYPERVISOR_mmuext_op, do_mmuext_op),
    HYPERCALL(__HYPERVISOR_sched_op, do_sched_op),
    HYPERCALL(__HYPERVISOR_callback_op, do_callback_op),
    HYPERCALL(__HYPERVISOR_physdev_op, do_physdev_op),
    HYPERCALL(__HYPERVISOR_event_channel_op_compat, do_event_channel_op_compat),
    HYPERCALL(__HYPERVISOR_event_channel_op, do_event_channel_op),
    HYPERCALL(__HYPERVISOR_xenpmu_op, do_xenpmu_op),
    HYPERCALL(KOAN_HYPERCALL_sched, do_koan_sched_op),
    HYPERCALL(KOAN_HYPERCALL_debug, do_koan_debug_op),
};

static void report_unimplemented(uint64_t nr)
{
    static uint64_t reported[NR_HYPERCALLS / 64 + 1];
    static bool reported_out_of_range;

    if (nr >= NR_HYPERCALLS) {
        if (reported_out_of_range)
            return;
        reported_out_of_range = true;
    } else {
        if (reported[nr / 64] & (1UL << (nr % 64)))
            return;
        reported[nr / 64] |= 1UL << (nr % 64);
    }
    log_debug("domain %s: hypercall %lu not implemented (-ENOSYS)\n",
              current_domain()->name, nr);
}

/*
 * Once per (hypercall, sub-op) pair, at debug level: guests probe for what
 * a hypervisor has, and the log says what they asked for.  Sub-ops 0..62
 * have a bit each; every larger one shares bit 63 (a guest cannot flood
 * the log with made-up numbers).
 */
long hypercall_subop_missing(unsigned nr, uint64_t subop)
{
    static uint64_t reported[NR_HYPERCALLS];
    uint64_t bit = 1UL << (subop < 63 ? subop : 63);

    if (nr < NR_HYPERCALLS &&
        !(__atomic_fetch_or(&reported[array_index_nospec(nr, NR_HYPERCALLS)], bit,
                            __ATOMIC_RELAXED) & bit))
        log_debug("domain %s: hypercall %u sub-op %lu not implemented (-ENOSYS)%s\n",
                  current_domain()->name, nr, (unsigned long)subop,
                  subop >= 63 ? " (and no other past 62 will be reported)" : "");
    return -ENOSYS;
}

/*
 * The handler of hypercall nr, or NULL.  The table is read only through an
 * index clamped without a branch (Spectre v1).
 */
static inline hypercall_fn_t hypercall_handler(uint64_t nr)
{
    hypercall_fn_t fn = hypercall_table[array_index_nospec(nr, NR_HYPERCALLS)].fn;

    return nr < NR_HYPERCALLS ? fn : NULL;
}

static long hypercall_missing(uint64_t nr)
{
    report_unimplemented(nr);
    return -ENOSYS;
}

long hypercall_call(uint64_t nr, const uint64_t a[6])
{
    hypercall_fn_t fn = hypercall_handler(nr);

    if (!fn)
        return hypercall_missing(nr);
    return fn(a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* The arguments straight from the saved registers: no copy on the way. */
static long hypercall_dispatch(struct cpu_user_regs *regs)
{
    hypercall_fn_t fn = hypercall_handler(regs->rax);

    hypercall_preempt_reset();
    if (!fn)
        return hypercall_missing(regs->rax);
    return fn(regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8, regs->r9);
}

/* `syscall` from guest user mode: a system call for the guest kernel. */
static void bounce_syscall(struct vcpu *v, struct cpu_user_regs *regs)
{
    const struct pv_callback *cb = &v->pv.syscall;

    if (!cb->address) {
        regs->rip -= 2;   /* as if `syscall` were an invalid opcode here */
        pv_inject_exception(v, regs, X86_EXC_UD, false, 0);
        return;
    }
    struct bounce b = { .handler = cb->address, .mask_events = cb->mask_events };
    /* The frame keeps the user's DF; the kernel's entry runs with it clear. */
    if (pv_bounce(v, regs, &b))
        regs->rflags &= ~X86_EFLAGS_DF;
}

void do_syscall_entry(struct cpu_user_regs *regs)
{
    struct vcpu *v = current_vcpu();

    if (!v->pv.kernel_mode) {
        bounce_syscall(v, regs);
        return;
    }
    regs->rax = (uint64_t)hypercall_dispatch(regs);
}

void do_compat_syscall_entry(struct cpu_user_regs *regs)
{
    domain_crash(current_domain(), "syscall from 32-bit code at rip %#lx", regs->rip);
}

/*
 * sysretq loads exactly what iretq would (entry.S): rcx = rip and r11 =
 * rflags (true after a hypercall), Xen's flat selectors, a canonical rip
 * (XSA-7), neither RF nor VM.
 */
static inline bool sysret_restores_same(const struct cpu_user_regs *regs)
{
    return regs->rcx == regs->rip && regs->r11 == regs->rflags &&
           regs->cs == FLAT_RING3_CS64 && regs->ss == FLAT_RING3_SS64 &&
           is_canonical_address(regs->rip) &&
           !(regs->rflags & (X86_EFLAGS_RF | X86_EFLAGS_VM));
}

/* Switch if asked to, deliver the upcall if one is due, write out the console. */
static __attribute__((noinline)) bool return_with_work(struct cpu_user_regs *regs)
{
    /* An upcall the vCPU cannot take crashes its domain: switch away again. */
    do
        sched_maybe_switch();
    while (!pv_upcall(current_vcpu(), regs));
    console_drain();
    return sysret_restores_same(regs);
}

/*
 * Called on every way back to a guest.  Returns true if `sysretq` restores
 * the same state as `iretq` would; the registers are read after any vCPU
 * switch and bounce, so they are the ones about to be loaded.  Nearly
 * always there is nothing to do, and the tests of that are inline; the
 * work is out of line, so that this stays a leaf without a stack frame.
 */
bool prepare_return_to_guest(struct cpu_user_regs *regs)
{
    if (unlikely(sched_switch_due() || pv_upcall_due(current_vcpu()) ||
                 console_ring_used(&console_out)))
        return return_with_work(regs);
    return sysret_restores_same(regs);
}
