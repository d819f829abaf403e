/* SPDX-License-Identifier: MIT */
/*
 * Exceptions raised by a guest.  Some are Koan's own business and never
 * reach the guest: writes to its read-only L1 tables (ptwr), privileged
 * instructions the guest kernel may execute and that Koan emulates, the
 * forced-emulation CPUID, and `int $n` that the guest's trap table allows.
 * Everything else is bounced to the handler the guest registered; without
 * one the domain is crashed with a message that says what and where.
 */
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/bounce.h>
#include <hyp/domain.h>
#include <hyp/emul.h>
#include <hyp/ldt.h>
#include <hyp/pv.h>
#include <hyp/ptwr.h>

#define PFEC_USER (1u << 2)

/* `int $n` through a DPL-0 gate faults with error code (n << 3) | 2. */
static bool software_interrupt(struct vcpu *v, struct cpu_user_regs *regs)
{
    unsigned ec = regs->error_code;

    if ((ec & 7) != 2)
        return false;
    unsigned n = ec >> 3;
    const trap_info_t *t = &v->pv.traps[n & 0xff];
    unsigned dpl = t->flags & 3;
    /* DPL 3: user and kernel may raise it; 1-2: kernel only; 0: nobody. */
    if (!t->address || dpl == 0 || (!v->pv.kernel_mode && dpl < 3))
        return false;
    regs->rip += 2;   /* resume after `int $n` (cd nn) */
    struct bounce b = { .handler = t->address, .mask_events = t->flags & 4 };
    pv_bounce(v, regs, &b);
    return true;
}

/* int $0x80 came through its DPL-3 gate: the guest's handler if its DPL allows. */
static void legacy_syscall(struct vcpu *v, struct cpu_user_regs *regs)
{
    const trap_info_t *t = &v->pv.traps[LEGACY_SYSCALL_VECTOR];
    unsigned dpl = t->flags & 3;

    if (t->address && dpl && (v->pv.kernel_mode || dpl == 3)) {
        struct bounce b = { .handler = t->address, .mask_events = t->flags & 4 };
        pv_bounce(v, regs, &b);
        return;
    }
    /* As if the gate had been DPL 0: #GP naming the vector, at the instruction. */
    regs->rip -= 2;
    pv_inject_exception(v, regs, X86_EXC_GP, true, (LEGACY_SYSCALL_VECTOR << 3) | 2);
}

static void deliver_page_fault(struct vcpu *v, struct cpu_user_regs *regs, uint64_t cr2)
{
    /* The CPU always sets the user bit (the guest kernel is in ring 3 too). */
    uint64_t ec = (regs->error_code & ~PFEC_USER) | (v->pv.kernel_mode ? 0 : PFEC_USER);

    pv_vcpu_info(v)->arch.cr2 = cr2;
    pv_inject_exception(v, regs, X86_EXC_PF, true, ec);
}

static void deliver_device_not_available(struct vcpu *v, struct cpu_user_regs *regs)
{
    if (!v->pv.fpu_ts) {
        domain_crash(v->domain, "#NM at rip %#lx without the virtual CR0.TS set", regs->rip);
        return;
    }
    /* The ABI clears the virtual TS as it delivers #NM. */
    pv_fpu_set_ts(v, false);
    pv_inject_exception(v, regs, X86_EXC_NM, false, 0);
}

/* An NMI while the guest ran: its NMI callback, else trap 2, else nobody's business. */
static void deliver_nmi(struct vcpu *v, struct cpu_user_regs *regs)
{
    if (v->pv.nmi.address) {
        struct bounce b = { .handler = v->pv.nmi.address, .mask_events = true };
        pv_bounce(v, regs, &b);
    } else if (v->pv.traps[X86_EXC_NMI].address) {
        pv_inject_exception(v, regs, X86_EXC_NMI, false, 0);
    }
}

void pv_guest_exception(struct cpu_user_regs *regs)
{
    struct vcpu *v = current_vcpu();
    unsigned vector = regs->entry_vector;
    /* First: a fault on a guest access while handling this would change CR2. */
    uint64_t cr2 = vector == X86_EXC_PF ? read_cr2() : 0;

    switch (vector) {
    case LEGACY_SYSCALL_VECTOR:
        legacy_syscall(v, regs);
        return;
    case X86_EXC_PF:
        if (ldt_page_fault(v, regs, cr2) || ptwr_do_page_fault(regs, cr2) ||
            pv_spurious_page_fault(v, regs, cr2))
            return;
        deliver_page_fault(v, regs, cr2);
        return;
    case X86_EXC_GP:
        if (software_interrupt(v, regs) || pv_emulate_privileged(v, regs))
            return;
        break;
    case X86_EXC_UD:
        if (pv_emulate_forced_cpuid(v, regs))
            return;
        break;
    case X86_EXC_NM:
        deliver_device_not_available(v, regs);
        return;
    case X86_EXC_DB:
        pv_debug_trap(v, regs);
        break;
    case X86_EXC_NMI:
        deliver_nmi(v, regs);
        return;
    }
    bool has_ec = pv_exception_has_error_code(vector);
    pv_inject_exception(v, regs, vector, has_ec, has_ec ? regs->error_code : 0);
}
