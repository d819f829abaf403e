/* SPDX-License-Identifier: MIT */
/*
 * Privileged instructions of a ring-3 PV kernel (see include/hyp/emul.h),
 * decoded by hyp/pv/x86_decode.c.  The policy is strict, as Xen 4.17's:
 *  - MSRs: FS_BASE, GS_BASE (the kernel's) and SHADOW_GS_BASE (the user's)
 *    from guest kernel mode; TSC, MISC_ENABLE, APIC_BASE, EFER and Xen's
 *    hypercall-page MSR may be read, MISC_ENABLE written (ignored);
 *    anything else is #GP;
 *  - CR0: reads show the virtual TS; writes may change only TS.  CR3 reads
 *    give the base pointer; CR4 is the virtual one (cr4.c);
 *  - DR0-DR7: the virtual debug registers, with set_debugreg's rules
 *    (debugreg.c): a refused value is #GP, a register that does not exist #UD;
 *  - port I/O (emul_io.c), cli and sti when the virtual IOPL allows them;
 *    cli/sti then do nothing, as on Xen 4.17;
 *  - rdtsc/rdtscp, which fault only under the virtual CR4.TSD;
 *  - CLTS clears the virtual TS; XSETBV takes a valid XCR0 (virtual
 *    CR4.OSXSAVE set, else #UD);
 *  - everything else, and all but port I/O and cli/sti from guest user
 *    mode, is the guest's #GP.
 */
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/bounce.h>
#include <hyp/domain.h>
#include <hyp/emul.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/guest_walk.h>
#include <hyp/segments.h>
#include <hyp/x86_emulate.h>

#include "emul_priv.h"

static int fetch(uint64_t addr, void *buf, unsigned bytes, struct x86_emulate_ctxt *c)
{
    return copy_from_guest(buf, addr, bytes) ? X86EMUL_EXCEPTION : X86EMUL_OKAY;
}

static const struct x86_emulate_ops decode_ops = { .insn_fetch = fetch };

/*
 * The instruction the guest trapped on, decoded in the mode and with the
 * segments it ran with (a compatibility-mode CS may have a base and a
 * limit); false if CS is unusable or the bytes are nothing we know.
 * *next: the rip after it (wrapping at 32 bits outside 64-bit mode).
 */
static bool decode(struct vcpu *v, struct cpu_user_regs *regs, struct x86_insn *insn,
                   uint64_t *next)
{
    struct x86_emulate_ctxt c = { .regs = regs };

    if (!pv_emul_segments(v, regs, &c) || x86_decode(insn, &c, &decode_ops) != X86EMUL_OKAY)
        return false;
    *next = c.next_rip;
    return true;
}

/* MSRs a PV guest may also read (Xen 4.17's policy); all others are #GP. */
#define MSR_TSC                  0x10
#define MSR_MISC_ENABLE          0x1a0
#define MSR_XEN_HYPERCALL_PAGE   0x40000000
#define MISC_ENABLE_FAST_STRINGS (1UL << 0)
#define MISC_ENABLE_BTS_UNAVAIL  (1UL << 11)
#define MISC_ENABLE_PEBS_UNAVAIL (1UL << 12)

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static bool write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    if (!is_canonical_address(val))
        return false;
    switch (msr) {
    case MSR_FS_BASE:
        return pv_set_segment_base(v, SEGBASE_FS, val) == 0;
    case MSR_GS_BASE:
        return pv_set_segment_base(v, SEGBASE_GS_KERNEL, val) == 0;
    case MSR_SHADOW_GS_BASE:
        return pv_set_segment_base(v, SEGBASE_GS_USER, val) == 0;
    case MSR_MISC_ENABLE:
        return true;   /* dropped, as on Xen */
    default:
        return false;
    }
}

static bool read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    switch (msr) {
    /*
     * The live bases (the guest is in kernel mode: its GS is the active
     * one): with CR4.FSGSBASE it may have changed them itself.
     */
    case MSR_FS_BASE: case MSR_GS_BASE: case MSR_SHADOW_GS_BASE:
        *val = rdmsr(msr);
        return true;
    case MSR_TSC:
        *val = rdtsc();
        return true;
    case MSR_MISC_ENABLE:
        *val = MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL;
        return true;
    case MSR_APIC_BASE:
    case MSR_EFER:
        *val = rdmsr(msr);   /* the host's: what Xen shows a PV guest too */
        return true;
    case MSR_XEN_HYPERCALL_PAGE:
        *val = 0;
        return true;
    default:
        return false;
    }
}

static uint64_t *gpr(struct cpu_user_regs *r, unsigned n)
{
    uint64_t *const regs[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
                                 &r->rsi, &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11,
                                 &r->r12, &r->r13, &r->r14, &r->r15 };
    return regs[n & 15];
}

#define GUEST_CR0_BITS (0x80050033UL)   /* PG AM WP NE ET MP PE */

static bool read_cr(struct vcpu *v, unsigned cr, uint64_t *val)
{
    switch (cr) {
    case 0:
        *val = (read_cr0() & GUEST_CR0_BITS) | (v->pv.fpu_ts ? X86_CR0_TS : 0);
        return true;
    case 2:
        *val = pv_vcpu_info(v)->arch.cr2;
        return true;
    case 3:
        *val = (v->pv.kernel_mode ? v->kernel_l4 : v->user_l4) << PAGE_SHIFT;
        return true;
    case 4:
        *val = pv_cr4_read(v);
        return true;
    default:
        return false;
    }
}

static bool write_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
    uint64_t cur;

    if (cr == 0) {
        read_cr(v, 0, &cur);
        if ((val ^ cur) & ~X86_CR0_TS)
            return false;
        pv_fpu_set_ts(v, val & X86_CR0_TS);
        return true;
    }
    if (cr == 4) {
        pv_cr4_write(v, val);   /* bits the guest may not change are ignored, as on Xen */
        return true;
    }
    return false;
}

/* rdtsc/rdtscp fault only with the virtual CR4.TSD: the kernel's are emulated. */
static enum emul_result emulate_tsc(struct emul *e)
{
    uint64_t tsc = rdtsc();

    if (!e->v->pv.kernel_mode)
        return EMUL_GP;
    e->regs->rax = (uint32_t)tsc;
    e->regs->rdx = tsc >> 32;
    if (e->insn->op == X86_OP_RDTSCP)
        e->regs->rcx = (uint32_t)rdmsr(MSR_TSC_AUX);   /* what the CPU would give */
    return EMUL_DONE;
}

/* mov to or from %drN (N includes REX.R: 8-15 do not exist). */
static enum emul_result emulate_dr(struct emul *e)
{
    const struct x86_insn *insn = e->insn;
    uint64_t *reg = gpr(e->regs, insn->rm), val;
    long rc;

    if (insn->op == X86_OP_MOV_FROM_DR) {
        if (pv_get_debugreg(e->v, insn->reg, &val))
            return EMUL_UD;
        *reg = insn->op_bytes == 4 ? (uint32_t)val : val;
        return EMUL_DONE;
    }
    rc = pv_set_debugreg(e->v, insn->reg, insn->op_bytes == 4 ? (uint32_t)*reg : *reg);
    return rc == 0 ? EMUL_DONE : rc == -ENODEV ? EMUL_UD : EMUL_GP;
}

static enum emul_result emulate_cr(struct emul *e)
{
    const struct x86_insn *insn = e->insn;
    uint64_t *reg = gpr(e->regs, insn->rm), val;

    if (insn->op == X86_OP_MOV_FROM_CR) {   /* 32-bit operands outside 64-bit mode */
        if (!read_cr(e->v, insn->reg, &val))
            return EMUL_GP;
        *reg = insn->op_bytes == 4 ? (uint32_t)val : val;
        return EMUL_DONE;
    }
    val = insn->op_bytes == 4 ? (uint32_t)*reg : *reg;
    return write_cr(e->v, insn->reg, val) ? EMUL_DONE : EMUL_GP;
}

/* Instructions only the guest kernel may issue (Xen's "ring 0"). */
static enum emul_result emulate_kernel_only(struct emul *e)
{
    struct cpu_user_regs *regs = e->regs;
    struct vcpu *v = e->v;
    uint64_t val;

    switch (e->insn->op) {
    case X86_OP_WRMSR:
        return write_msr(v, (uint32_t)regs->rcx, (regs->rdx << 32) | (uint32_t)regs->rax) ?
               EMUL_DONE : EMUL_GP;
    case X86_OP_RDMSR:
        if (!read_msr(v, (uint32_t)regs->rcx, &val))
            return EMUL_GP;
        regs->rax = (uint32_t)val;
        regs->rdx = val >> 32;
        return EMUL_DONE;
    case X86_OP_MOV_FROM_CR: case X86_OP_MOV_TO_CR:
        return emulate_cr(e);
    case X86_OP_MOV_FROM_DR: case X86_OP_MOV_TO_DR:
        return emulate_dr(e);
    case X86_OP_CLTS:
        pv_fpu_set_ts(v, false);
        return EMUL_DONE;
    case X86_OP_XSETBV:
        return pv_xsetbv(v, (uint32_t)regs->rcx, (regs->rdx << 32) | (uint32_t)regs->rax) ?
               EMUL_DONE : EMUL_GP;
    default:
        return EMUL_GP;
    }
}

static enum emul_result emulate_one(struct emul *e)
{
    switch (e->insn->op) {
    case X86_OP_IN: case X86_OP_OUT:
        return emul_port_io(e);
    case X86_OP_CLI: case X86_OP_STI:
        /*
         * Allowed by the virtual IOPL, they do nothing, as on Xen 4.17: the
         * event mask is the guest's to set (a popf could not undo a cli).
         */
        return emul_iopl_ok(e->v) ? EMUL_DONE : EMUL_GP;
    case X86_OP_RDTSC: case X86_OP_RDTSCP:
        return emulate_tsc(e);
    case X86_OP_XSETBV:
        /* Xen looks at the virtual CR4.OSXSAVE (#UD) before the mode (#GP). */
        if (!(e->v->pv.cr4 & X86_CR4_OSXSAVE))
            return EMUL_UD;
        return e->v->pv.kernel_mode ? emulate_kernel_only(e) : EMUL_GP;
    default:
        return e->v->pv.kernel_mode ? emulate_kernel_only(e) : EMUL_GP;
    }
}

bool pv_emulate_privileged(struct vcpu *v, struct cpu_user_regs *regs)
{
    struct x86_insn insn;
    struct emul e = { .v = v, .regs = regs, .insn = &insn };
    uint64_t next;

    if (regs->error_code || !decode(v, regs, &insn, &next) || insn.forced)
        return false;
    switch (emulate_one(&e)) {
    case EMUL_GP:
        return false;
    case EMUL_UD:
        pv_inject_exception(v, regs, X86_EXC_UD, false, 0);
        return true;
    case EMUL_DONE:
        break;
    }
    regs->rip = next;
    if (e.db_hits) {   /* a trap: reported after the instruction, B0-B3 in DR6 */
        v->pv.dr[6] |= e.db_hits;
        pv_inject_exception(v, regs, X86_EXC_DB, false, 0);
    }
    return true;
}

bool pv_emulate_forced_cpuid(struct vcpu *v, struct cpu_user_regs *regs)
{
    struct x86_insn insn;
    uint32_t out[4];
    uint64_t next;

    if (!decode(v, regs, &insn, &next) || !insn.forced || insn.op != X86_OP_CPUID)
        return false;
    pv_cpuid(v, (uint32_t)regs->rax, (uint32_t)regs->rcx, out);
    regs->rax = out[0];
    regs->rbx = out[1];
    regs->rcx = out[2];
    regs->rdx = out[3];
    regs->rip = next;
    return true;
}

/* Would the current tables allow this access?  Then the TLB was stale. */
bool pv_spurious_page_fault(struct vcpu *v, struct cpu_user_regs *regs, uint64_t cr2)
{
    bool write = regs->error_code & 2, fetch_insn = regs->error_code & 16;
    struct guest_walk w;

    if (!guest_range_ok(cr2, 1) || (regs->error_code & 8))
        return false;
    guest_walk(v->pv.kernel_mode ? v->kernel_l4 : v->user_l4, cr2, &w);
    if (!guest_walk_mapped(&w) || !(w.eff & _PAGE_USER) || (write && !(w.eff & _PAGE_RW)) ||
        (fetch_insn && (w.eff & _PAGE_NX)))
        return false;
    invlpg(cr2);
    return true;
}

void pv_debug_trap(struct vcpu *v, struct cpu_user_regs *regs)
{
    uint64_t dr6;

    asm volatile("mov %%db6, %0" : "=r"(dr6));
    v->pv.dr[6] |= dr6 & 0xe00f;   /* B0-B3, BD, BS, BT */
    asm volatile("mov %0, %%db6" :: "r"(0xffff0ff0UL));
    (void)regs;
}
