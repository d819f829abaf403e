/* SPDX-License-Identifier: MIT */
/*
 * Bounce frames (include/hyp/bounce.h).  The frame is written through the
 * guest's own page tables with CR0.WP on (copy_to_guest), never through the
 * direct map: a kernel stack that is unmapped, read-only, or a page table
 * itself cannot be written, and the domain is crashed instead.
 */
#include <asm/layout.h>
#include <asm/page.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/bounce.h>
#include <hyp/domain.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>

struct vcpu_info *pv_vcpu_info_slow(struct vcpu *v)
{
    struct vcpu_info *vi;
    shared_info_t *si;

    if (v->vcpu_info_mfn)
        vi = (struct vcpu_info *)((uint8_t *)mfn_to_virt(v->vcpu_info_mfn) + v->vcpu_info_offset);
    else if (v->id >= XEN_LEGACY_MAX_VCPUS)
        vi = &v->dummy_vcpu_info;
    else if (v->domain->shared_info_mfn) {
        si = mfn_to_virt(v->domain->shared_info_mfn);
        vi = &si->vcpu_info[v->id];
    } else
        return &v->dummy_vcpu_info;   /* a domain still being built: not kept */
    /* Kept unless a registration got there first (it stores its own pointer). */
    struct vcpu_info *none = NULL;
    __atomic_compare_exchange_n(&v->vcpu_info, &none, vi, false, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
    return __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);
}

void pv_toggle_guest_mode(struct vcpu *v)
{
    v->pv.kernel_mode = !v->pv.kernel_mode;
    /* The live GS base is the current mode's; the other waits in the shadow MSR. */
    asm volatile("swapgs");
    write_cr3((v->pv.kernel_mode ? v->kernel_l4 : v->user_l4) << PAGE_SHIFT);
}

bool pv_bounce(struct vcpu *v, struct cpu_user_regs *regs, const struct bounce *b)
{
    struct vcpu_info *vi = pv_vcpu_info(v);
    uint8_t old_mask = vi->evtchn_upcall_mask;
    uint64_t cs = regs->cs, rsp;
    uint64_t frame[8], *lowest = &frame[3];

    if (!v->pv.kernel_mode) {
        pv_toggle_guest_mode(v);
        rsp = v->pv.kernel_sp;
    } else {
        rsp = regs->rsp;
        cs &= ~3UL;   /* tells the guest it interrupted its own kernel */
    }
    rsp &= ~15UL;
    /* As the CPU pushed it (RF too, as Xen shows it), IF = the event mask. */
    uint64_t rflags = (regs->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) |
                      (old_mask ? 0 : X86_EFLAGS_IF);
    /* The virtual IOPL shows in the frame only with the architectural-IOPL assist. */
    if (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
        rflags |= (uint64_t)v->pv.iopl << 12;
    /* From the top down, each word at a fixed place but the last two or three. */
    frame[3] = regs->rip;
    frame[4] = cs | ((uint64_t)old_mask << 32);
    frame[5] = rflags;
    frame[6] = regs->rsp;
    frame[7] = regs->ss;
    if (b->has_error_code)
        *--lowest = b->error_code;
    *--lowest = regs->r11;
    *--lowest = regs->rcx;
    size_t size = (size_t)(&frame[8] - lowest) * sizeof(uint64_t);
    uint64_t new_rsp = rsp - size;
    if (copy_to_guest(new_rsp, lowest, size)) {
        domain_crash(v->domain, "cannot write a bounce frame at %#lx (kernel stack bad)",
                     new_rsp);
        return false;
    }
    if (b->mask_events)
        vi->evtchn_upcall_mask = 1;
    regs->rip = b->handler;
    regs->cs = FLAT_KERNEL_CS;
    regs->ss = FLAT_KERNEL_SS;
    regs->rsp = new_rsp;
    regs->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM |
                      X86_EFLAGS_AC);
    regs->rflags |= X86_EFLAGS_IF;
    return true;
}

void pv_inject_exception(struct vcpu *v, struct cpu_user_regs *regs, unsigned vector,
                         bool has_error_code, uint64_t error_code)
{
    const trap_info_t *t = &v->pv.traps[vector & 0xff];

    if (!t->address) {
        domain_crash(v->domain, "unhandled %s at rip %#lx, error %#lx (no handler registered)",
                     exception_name(vector), regs->rip, error_code);
        return;
    }
    struct bounce b = {
        .handler = t->address,
        .has_error_code = has_error_code,
        .error_code = error_code,
        .mask_events = t->flags & 4,   /* "interrupt gate" */
    };
    pv_bounce(v, regs, &b);
}

/*
 * A data selector of the guest could not be reloaded (null was loaded): the
 * failsafe callback gets the usual frame with the four selectors it had
 * (ds, es, fs, gs) between r11 and rip.  Without a callback the domain is
 * crashed.
 */
void pv_bounce_failsafe(struct vcpu *v, struct cpu_user_regs *regs)
{
    const struct pv_callback *cb = &v->pv.failsafe;
    uint64_t sels[4] = { v->pv.ds, v->pv.es, v->pv.fs, v->pv.gs };

    v->pv.ds = v->pv.es = v->pv.fs = v->pv.gs = 0;
    if (!cb->address) {
        domain_crash(v->domain, "a data segment selector no longer loads, and no failsafe callback");
        return;
    }
    /* Push the selectors the way a second error code would go: below rip. */
    struct bounce b = { .handler = cb->address, .mask_events = cb->mask_events };
    uint64_t rcx = regs->rcx, r11 = regs->r11;
    if (!pv_bounce(v, regs, &b))
        return;
    /* pv_bounce wrote rcx, r11, rip, ...; rebuild with the selectors in between. */
    uint64_t frame[11];
    uint64_t top = regs->rsp + 7 * sizeof(uint64_t);
    if (copy_from_guest(&frame[6], regs->rsp + 2 * sizeof(uint64_t), 5 * sizeof(uint64_t))) {
        domain_crash(v->domain, "failsafe frame unreadable");
        return;
    }
    frame[0] = rcx;
    frame[1] = r11;
    for (unsigned i = 0; i < 4; i++)
        frame[2 + i] = sels[i];
    uint64_t new_rsp = top - sizeof(frame);
    if (copy_to_guest(new_rsp, frame, sizeof(frame))) {
        domain_crash(v->domain, "cannot write the failsafe frame at %#lx", new_rsp);
        return;
    }
    regs->rsp = new_rsp;
}
