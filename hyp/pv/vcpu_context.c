/* SPDX-License-Identifier: MIT */
/*
 * VCPUOP_initialise (include/hyp/vcpu_op.h): a vCPU that has never run gets
 * its first context from the guest's struct vcpu_guest_context, checked the
 * way Xen 4.17 checks it for a 64-bit PV guest:
 *  - rip, rsp, kernel_sp and the three segment bases must be canonical;
 *    the callbacks and every trap-table address must be guest addresses
 *    (Koan's rule for callbacks and trap tables everywhere; Xen only asks
 *    for canonical ones); the LDT base page-aligned and a guest address,
 *    at most 8192 entries; at most 7168 GDT entries; a vCPU starting in
 *    guest user mode needs a user L4 (ctrlreg[1]) -- each -EINVAL;
 *  - selectors are not refused but get RPL 3, as Xen fixes them up (cs, ss,
 *    kernel_ss); the data selectors are loaded when the vCPU first runs,
 *    with the failsafe callback if one does not load;
 *  - the GDT frames must become descriptor pages, ctrlreg[3] (and
 *    ctrlreg[1] if not 0) must be frames of the domain that validate as
 *    L4 tables: the vCPU holds a reference and a type reference on each,
 *    as a base pointer does.  A table still being validated when the work
 *    budget runs out makes the call continue (-ERESTART);
 *  - debug registers go through set_debugreg's checks, and a value it
 *    refuses leaves the register at its reset value (Xen ignores the
 *    error too); RFLAGS' IOPL becomes the virtual IOPL and IF is forced on;
 *    ctrlreg[0] gives only the virtual TS; the FPU image is taken only
 *    with VGCF_i387_valid (a malformed one resets the FPU when loaded).
 * Nothing of the vCPU changes unless every check passes.
 */
#include <asm/page.h>
#include <asm/x86.h>
#include <hyp/domain.h>
#include <hyp/emul.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/gdt.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/sched.h>
#include <hyp/string.h>
#include <hyp/vcpu_op.h>

#define CTX_PAGES       (ALIGN_UP(sizeof(struct vcpu_guest_context), PAGE_SIZE) / PAGE_SIZE)
#define LDT_MAX_ENTRIES 8192
#define RFLAGS_DEFINED  0x3f7fd5UL   /* the bits a guest may have (as iret.c) */
#define CR0_TS          (1UL << 3)
#define XSTATE_X87_SSE  3UL
#define XSAVE_HDR_BV    512          /* offset of XSTATE_BV in a standard XSAVE area */

static bool guest_code_address(uint64_t a)
{
    return guest_range_ok(a, 1);
}

static bool fields_ok(const struct vcpu_guest_context *c)
{
    const struct cpu_user_regs *r = &c->user_regs;

    if (!is_canonical_address(r->rip) || !is_canonical_address(r->rsp) ||
        !is_canonical_address(c->kernel_sp) || !is_canonical_address(c->fs_base) ||
        !is_canonical_address(c->gs_base_kernel) || !is_canonical_address(c->gs_base_user))
        return false;
    if (!guest_code_address(c->event_callback_eip) ||
        !guest_code_address(c->failsafe_callback_eip) ||
        !guest_code_address(c->syscall_callback_eip))
        return false;
    for (unsigned i = 0; i < ARRAY_SIZE(c->trap_ctxt); i++)
        if (!guest_code_address(c->trap_ctxt[i].address))
            return false;
    if (c->ldt_ents > LDT_MAX_ENTRIES || (c->ldt_base & (PAGE_SIZE - 1)) ||
        !guest_range_ok(c->ldt_base, 1))
        return false;
    if (c->gdt_ents > FIRST_RESERVED_GDT_ENTRY)
        return false;
    return (c->flags & VGCF_in_kernel) || c->ctrlreg[1];
}

/* A reference and an L4 type reference on the frame a CR3 value names. */
static long take_l4(struct domain *d, uint64_t cr3, mfn_t *out)
{
    mfn_t mfn = cr3 >> PAGE_SHIFT;
    long rc;

    if (!mfn_valid(mfn))
        return -EINVAL;
    if ((rc = get_page_and_type(mfn_to_page(mfn), d, PGT_l4)))
        return rc;
    *out = mfn;
    return 0;
}

/* The GDT and base pointers: all taken, or none. */
static long take_tables(struct vcpu *v, const struct vcpu_guest_context *c, mfn_t *kernel,
                        mfn_t *user)
{
    long rc;

    *kernel = *user = 0;
    if (pv_set_gdt(v, c->gdt_frames, c->gdt_ents))
        return -EINVAL;
    if ((rc = take_l4(v->domain, c->ctrlreg[3], kernel)))
        goto fail;
    if (c->ctrlreg[1] && (rc = take_l4(v->domain, c->ctrlreg[1], user))) {
        put_page_and_type(mfn_to_page(*kernel));
        goto fail;
    }
    return 0;
fail:
    gdt_release(v);
    return rc;
}

static uint16_t rpl3(uint64_t sel)
{
    return (uint16_t)(sel | 3);
}

static void load_registers(struct vcpu *v, const struct vcpu_guest_context *c)
{
    struct cpu_user_regs *r = &v->regs;

    memcpy(r, &c->user_regs, sizeof(*r));
    r->cs = rpl3(r->cs);
    r->ss = rpl3(r->ss);
    v->pv.iopl = (r->rflags & X86_EFLAGS_IOPL) >> 12;
    r->rflags = (r->rflags & RFLAGS_DEFINED & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) |
                X86_EFLAGS_IF | 2;
    v->pv.ds = r->ds;
    v->pv.es = r->es;
    v->pv.fs = r->fs;
    v->pv.gs = r->gs;
    v->pv.fs_base = c->fs_base;
    v->pv.gs_base_kernel = c->gs_base_kernel;
    v->pv.gs_base_user = c->gs_base_user;
    v->pv.kernel_mode = c->flags & VGCF_in_kernel;
}

static void load_handlers(struct vcpu *v, const struct vcpu_guest_context *c)
{
    for (unsigned i = 0; i < ARRAY_SIZE(v->pv.traps); i++) {
        v->pv.traps[i] = c->trap_ctxt[i];
        v->pv.traps[i].vector = (uint8_t)i;   /* the table is indexed by vector */
        v->pv.traps[i].cs = FLAT_KERNEL_CS;   /* on x86-64 the selector is fixed */
    }
    v->pv.event = (struct pv_callback){ .address = c->event_callback_eip };
    v->pv.failsafe = (struct pv_callback){
        .address = c->failsafe_callback_eip,
        .mask_events = c->flags & VGCF_failsafe_disables_events };
    v->pv.syscall = (struct pv_callback){
        .address = c->syscall_callback_eip,
        .mask_events = c->flags & VGCF_syscall_disables_events };
    v->pv.kernel_ss = c->kernel_ss | 3;
    v->pv.kernel_sp = c->kernel_sp;
}

static void load_cpu_state(struct vcpu *v, const struct vcpu_guest_context *c)
{
    v->ldt_base = c->ldt_ents ? c->ldt_base : 0;
    v->ldt_ents = c->ldt_ents;
    v->pv.fpu_ts = c->ctrlreg[0] & CR0_TS;
    pv_cr4_write(v, c->ctrlreg[4]);   /* the bits a guest controls; the rest ignored */
    /* All eight, as Xen does (DR4/DR5 write DR6/DR7 unless CR4.DE); refusals ignored. */
    for (unsigned i = 0; i < 8; i++)
        (void)pv_set_debugreg(v, i, c->debugreg[i]);
    /* The area is zero (the initial state) until the vCPU first runs. */
    if ((c->flags & VGCF_i387_valid) && v->pv.fpu_area) {
        memcpy(v->pv.fpu_area, &c->fpu_ctxt, sizeof(c->fpu_ctxt));
        *(uint64_t *)((uint8_t *)v->pv.fpu_area + XSAVE_HDR_BV) = XSTATE_X87_SSE;
    }
}

static long load_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
    mfn_t kernel_l4, user_l4;
    long rc;

    if (!fields_ok(c))
        return -EINVAL;
    if ((rc = take_tables(v, c, &kernel_l4, &user_l4)))
        return rc;
    v->kernel_l4 = kernel_l4;
    v->user_l4 = user_l4;
    load_registers(v, c);
    load_handlers(v, c);
    load_cpu_state(v, c);
    v->initialised = true;
    if (c->flags & VGCF_online)
        v->down = false;
    sched_vcpu_update(v);
    return 0;
}

long pv_vcpu_initialise(struct vcpu *v, uint64_t arg)
{
    struct vcpu_guest_context *c;
    long rc;

    /* Beyond the shared_info slots a vCPU needs a vcpu_info of its own first. */
    if (v->id >= XEN_LEGACY_MAX_VCPUS && !v->vcpu_info_mfn)
        return -EINVAL;
    if (!(c = hyp_alloc_pages(CTX_PAGES)))
        return -ENOMEM;
    if (copy_from_guest(c, arg, sizeof(*c)))
        rc = -EFAULT;
    else if (v->initialised)
        rc = -EEXIST;
    else
        rc = load_context(v, c);
    hyp_free_pages(c, CTX_PAGES);
    return rc;
}
