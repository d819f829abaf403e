/* SPDX-License-Identifier: MIT */
/*
 * The iret hypercall: the guest kernel returns to an interrupted context
 * described by the struct iret_context on its stack: to its own kernel
 * (CS with RPL 0-2) or to guest user mode (RPL 3), which switches page
 * tables and GS bases.  Events are re-enabled atomically with the return:
 * the event mask becomes the inverse of the frame's IF.
 */
#include <asm/percpu.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/bounce.h>
#include <hyp/domain.h>
#include <hyp/guest_range.h>
#include <hyp/gdt.h>
#include <hyp/guest_access.h>
#include <hyp/options.h>
#include <hyp/pv.h>

/* CF PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID: bits the CPU defines. */
#define RFLAGS_DEFINED 0x3f7fd5UL

/*
 * Only selectors that the CPU's iretq will accept for ring 3: anything else
 * would fault inside the hypervisor's own iretq.  Xen's flat selectors are
 * in every GDT; guest GDT entries were validated by set_gdt.
 */
static bool code_selector_ok(const struct vcpu *v, uint64_t cs)
{
    return (cs | 3) == FLAT_RING3_CS64 || (cs | 3) == FLAT_RING3_CS32 ||
           gdt_selector_ok(v, (uint16_t)(cs | 3), true);
}

static bool stack_selector_ok(const struct vcpu *v, uint64_t ss)
{
    return (ss | 3) == FLAT_RING3_SS64 || gdt_selector_ok(v, (uint16_t)(ss | 3), false);
}

#define DESC_L (1UL << 53)   /* 64-bit code */
#define DESC_D (1UL << 54)   /* 32-bit default size */
#define DESC_G (1UL << 55)   /* limit in pages */

/* The byte limit of a code descriptor (compatibility mode checks rip against it). */
static uint64_t code_limit(uint64_t desc)
{
    uint64_t limit = (desc & 0xffff) | ((desc >> 32) & 0xf0000);

    return desc & DESC_G ? (limit << 12) | 0xfff : limit;
}

/*
 * Where the code segment says rip may be, as the CPU checks it: canonical in
 * 64-bit mode, within the limit in compatibility mode.  L=1 with D=1 is
 * reserved, and refused by the CPU as a bad selector.
 */
static long rip_fault(uint64_t cs, uint64_t rip, bool *bad)
{
    uint64_t desc = *cpu_gdt_entry((uint16_t)(cs | 3));

    *bad = true;
    if ((desc & DESC_L) && (desc & DESC_D))
        return cs & 0xfffc;
    if (desc & DESC_L ? !is_canonical_address(rip) : rip > code_limit(desc))
        return 0;
    *bad = false;
    return 0;
}

/*
 * What the CPU's iretq would say about a frame: 0 if it loads, else the #GP
 * error code (the bad selector, or 0 for a rip outside the code segment).
 */
static long frame_fault(const struct vcpu *v, const struct iret_context *f, bool *bad)
{
    *bad = true;
    if (!code_selector_ok(v, f->cs))
        return f->cs & 0xfffc;
    if (!stack_selector_ok(v, f->ss))
        return f->ss & 0xfffc;
    return rip_fault(f->cs, f->rip, bad);
}

long do_iret(void)
{
    struct vcpu *v = current_vcpu();
    struct cpu_user_regs *regs = guest_cpu_regs();
    struct iret_context f;
    bool bad;

    if (copy_from_guest(&f, regs->rsp, sizeof(f))) {
        domain_crash(v->domain, "iret: cannot read the frame at %#lx", regs->rsp);
        return 0;
    }
    if ((f.cs & 3) == 3) {
        if (!v->user_l4) {
            domain_crash(v->domain, "iret to user mode without a user page table");
            return 0;
        }
        if (v->pv.kernel_mode)
            pv_toggle_guest_mode(v);
    }
    long error = frame_fault(v, &f, &bad);
    if (koan_options.selftest_iret_unchecked)
        bad = false;   /* the CPU's iretq decides (entry.S fix-up) */
    regs->rip = f.rip;
    regs->cs = f.cs | 3;
    regs->rsp = f.rsp;
    regs->ss = f.ss | 3;
    /* Only architectural flags, never IOPL or VM; IF always (events are the mask). */
    regs->rflags = (f.rflags & RFLAGS_DEFINED & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) |
                   X86_EFLAGS_IF | 2;
    /* With the architectural-IOPL assist the frame's IOPL is the virtual one. */
    if (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
        v->pv.iopl = (f.rflags & X86_EFLAGS_IOPL) >> 12;
    if (!(f.flags & VGCF_in_syscall)) {
        regs->r11 = f.r11;
        regs->rcx = f.rcx;
    }
    pv_vcpu_info(v)->evtchn_upcall_mask = !(f.rflags & X86_EFLAGS_IF);
    if (bad) {
        /*
         * Never let the hypervisor's own iretq fault: the guest gets the #GP
         * the CPU would raise, with this frame as the interrupted context,
         * as on Xen.  A bad rip faults at the fetch, which sets RF.
         */
        if (!error && !is_canonical_address(f.rip))
            regs->rflags |= X86_EFLAGS_RF;
        pv_inject_exception(v, regs, X86_EXC_GP, true, (uint64_t)error);
    }
    return (long)f.rax;   /* the hypercall "returns" the interrupted rax */
}

void pv_iret_to_guest_faulted(struct cpu_user_regs *regs)
{
    struct cpu_info *ci = get_cpu_info();
    struct vcpu *v = current_vcpu();

    log_warn("domain %s: the CPU refused the frame at %04lx:%#lx (%s, error %#x): "
             "delivered to the guest\n", v->domain->name, (unsigned long)regs->cs, regs->rip,
             exception_name(ci->iret_fault_vector), ci->iret_fault_error);
    pv_inject_exception(v, regs, ci->iret_fault_vector, true, ci->iret_fault_error);
}
