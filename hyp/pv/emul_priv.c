/* SPDX-License-Identifier: MIT */
/*
 * Privileged instructions of a ring-3 PV kernel (see include/hyp/emul.h),
 * decoded by hyp/pv/x86_emulate.c.  The policy is strict, as Xen 4.17's:
 *  - MSRs: FS_BASE, GS_BASE (the kernel's) and SHADOW_GS_BASE (the user's)
 *    from guest kernel mode; TSC, MISC_ENABLE, APIC_BASE, EFER and Xen's
 *    hypercall-page MSR may be read, MISC_ENABLE written (ignored);
 *    anything else is #GP;
 *  - CR0: reads show the virtual TS; writes may change only TS.  CR3 reads
 *    give the base pointer; CR4 reads a sanitised value, writes of that value;
 *  - port I/O when the virtual IOPL allows it: real ports for domains with
 *    I/O rights, except those Koan keeps (io_reserved.h); absent ones
 *    (reads all ones, writes dropped) for everything else;
 *  - CLTS clears the virtual TS; XSETBV takes a valid XCR0;
 *  - everything else, and all of it from guest user mode, is the guest's #GP.
 */
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/x86.h>
#include <hyp/bounce.h>
#include <hyp/domain.h>
#include <hyp/emul.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/guest_walk.h>
#include <hyp/io_reserved.h>
#include <hyp/segments.h>
#include <hyp/x86_emulate.h>

static int fetch(uint64_t addr, void *buf, unsigned bytes, struct x86_emulate_ctxt *c)
{
    return copy_from_guest(buf, addr, bytes) ? X86EMUL_EXCEPTION : X86EMUL_OKAY;
}

static const struct x86_emulate_ops decode_ops = { .insn_fetch = fetch };

static bool decode(struct vcpu *v, struct cpu_user_regs *regs, struct x86_insn *insn)
{
    struct x86_emulate_ctxt c = { .regs = regs, .fs_base = v->pv.fs_base };

    return x86_decode(insn, &c, &decode_ops) == X86EMUL_OKAY;
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
    case MSR_FS_BASE:
        *val = v->pv.fs_base;
        return true;
    case MSR_GS_BASE:
        *val = v->pv.gs_base_kernel;
        return true;
    case MSR_SHADOW_GS_BASE:
        *val = v->pv.gs_base_user;
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
#define GUEST_CR4_BITS (X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | (1UL << 18))

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
        *val = read_cr4() & GUEST_CR4_BITS;
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
    if (cr == 4)
        return read_cr(v, 4, &cur) && val == cur;
    return false;
}

/* The virtual IOPL decides whether in/out are allowed at all (else #GP). */
static bool iopl_allows(const struct vcpu *v)
{
    return v->pv.iopl >= (v->pv.kernel_mode ? 1u : 3u);
}

static bool port_io(struct vcpu *v, struct cpu_user_regs *regs, const struct x86_insn *insn)
{
    uint16_t port = insn->opcode[0] & 8 ? (uint16_t)regs->rdx : (uint16_t)insn->imm;
    unsigned size = insn->op_bytes;

    if (!iopl_allows(v) || insn->rep)
        return false;
    /*
     * Without I/O rights the ports are not there, and the ports Koan keeps
     * (io_reserved.h) are not there for anyone: reads all ones, writes
     * dropped, as Xen does for the ports it denies even to dom0.
     */
    if (!v->domain->privileged || io_port_reserved(port, size)) {
        if (insn->op == X86_OP_IN) {
            uint64_t mask = size == 4 ? 0xffffffffUL : (1UL << (size * 8)) - 1;
            regs->rax = size == 4 ? mask : regs->rax | mask;
        }
        return true;
    }
    if (insn->op == X86_OP_OUT) {
        uint32_t val = (uint32_t)regs->rax;
        if (size == 1) asm volatile("outb %b0, %w1" :: "a"(val), "Nd"(port));
        else if (size == 2) asm volatile("outw %w0, %w1" :: "a"(val), "Nd"(port));
        else asm volatile("outl %0, %w1" :: "a"(val), "Nd"(port));
        return true;
    }
    uint32_t val = 0;
    if (size == 1) asm volatile("inb %w1, %b0" : "=a"(val) : "Nd"(port));
    else if (size == 2) asm volatile("inw %w1, %w0" : "=a"(val) : "Nd"(port));
    else asm volatile("inl %w1, %0" : "=a"(val) : "Nd"(port));
    uint64_t mask = size == 8 ? ~0UL : (1UL << (size * 8)) - 1;
    regs->rax = size == 4 ? val : (regs->rax & ~mask) | (val & mask);
    return true;
}

static bool emulate_one(struct vcpu *v, struct cpu_user_regs *regs, const struct x86_insn *insn)
{
    uint64_t val;

    switch (insn->op) {
    case X86_OP_IN: case X86_OP_OUT:
        return port_io(v, regs, insn);
    default:
        break;
    }
    if (!v->pv.kernel_mode)
        return false;
    switch (insn->op) {
    case X86_OP_WRMSR:
        return write_msr(v, (uint32_t)regs->rcx, (regs->rdx << 32) | (uint32_t)regs->rax);
    case X86_OP_RDMSR:
        if (!read_msr(v, (uint32_t)regs->rcx, &val))
            return false;
        regs->rax = (uint32_t)val;
        regs->rdx = val >> 32;
        return true;
    case X86_OP_MOV_FROM_CR:
        if (!read_cr(v, insn->reg, &val))
            return false;
        *gpr(regs, insn->rm) = val;
        return true;
    case X86_OP_MOV_TO_CR:
        return write_cr(v, insn->reg, *gpr(regs, insn->rm));
    case X86_OP_CLTS:
        pv_fpu_set_ts(v, false);
        return true;
    case X86_OP_XSETBV:
        return pv_xsetbv(v, (uint32_t)regs->rcx, (regs->rdx << 32) | (uint32_t)regs->rax);
    default:
        return false;
    }
}

bool pv_emulate_privileged(struct vcpu *v, struct cpu_user_regs *regs)
{
    struct x86_insn insn;

    if (regs->error_code || !decode(v, regs, &insn) || insn.forced)
        return false;
    if (!emulate_one(v, regs, &insn))
        return false;
    regs->rip += insn.len;
    return true;
}

bool pv_emulate_forced_cpuid(struct vcpu *v, struct cpu_user_regs *regs)
{
    struct x86_insn insn;
    uint32_t out[4];

    if (!decode(v, regs, &insn) || !insn.forced || insn.op != X86_OP_CPUID)
        return false;
    pv_cpuid(v, (uint32_t)regs->rax, (uint32_t)regs->rcx, out);
    regs->rax = out[0];
    regs->rbx = out[1];
    regs->rcx = out[2];
    regs->rdx = out[3];
    regs->rip += insn.len;
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
