/* SPDX-License-Identifier: MIT */
/*
 * Port I/O of a PV guest (in/out; the string forms are not emulated), as
 * Xen 4.17 allows it: when the virtual IOPL permits (emul_iopl_ok), real
 * ports for a domain with I/O rights, except those Koan keeps
 * (io_reserved.h); absent ones (reads all ones, writes dropped) for
 * everything else.  An access that hits an enabled I/O breakpoint (DR7 with
 * the virtual CR4.DE) is done, then reported with a #DB, as on Xen.
 */
#include <asm/x86.h>
#include <hyp/domain.h>
#include <hyp/emul.h>
#include <hyp/io_reserved.h>
#include <hyp/pv.h>

#include "emul_priv.h"

bool emul_iopl_ok(const struct vcpu *v)
{
    unsigned cpl = !v->pv.kernel_mode ? 3 :
                   (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl)) ? 0 : 1;

    return cpl <= v->pv.iopl;
}

static uint32_t hw_in(uint16_t port, unsigned size)
{
    uint32_t val = 0;

    if (size == 1) asm volatile("inb %w1, %b0" : "=a"(val) : "Nd"(port));
    else if (size == 2) asm volatile("inw %w1, %w0" : "=a"(val) : "Nd"(port));
    else asm volatile("inl %w1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static void hw_out(uint16_t port, unsigned size, uint32_t val)
{
    if (size == 1) asm volatile("outb %b0, %w1" :: "a"(val), "Nd"(port));
    else if (size == 2) asm volatile("outw %w0, %w1" :: "a"(val), "Nd"(port));
    else asm volatile("outl %0, %w1" :: "a"(val), "Nd"(port));
}

/* in: 8- and 16-bit reads merge into rax, a 32-bit read zero-extends. */
static void set_result(struct cpu_user_regs *regs, unsigned size, uint32_t val)
{
    uint64_t mask = (1UL << (size * 8)) - 1;

    regs->rax = size == 4 ? val : (regs->rax & ~mask) | (val & mask);
}

enum emul_result emul_port_io(struct emul *e)
{
    const struct x86_insn *insn = e->insn;
    struct cpu_user_regs *regs = e->regs;
    /* The immediate is an unsigned byte (the decoder sign-extends it). */
    uint16_t port = insn->opcode[0] & 8 ? (uint16_t)regs->rdx : (uint8_t)insn->imm;
    unsigned size = insn->op_bytes;

    if (!emul_iopl_ok(e->v) || insn->rep)
        return EMUL_GP;
    /*
     * Without I/O rights the ports are not there, and the ports Koan keeps
     * (io_reserved.h) are not there for anyone: reads all ones, writes
     * dropped, as Xen does for the ports it denies even to dom0.
     */
    if (!e->v->domain->privileged || io_port_reserved(port, size)) {
        if (insn->op == X86_OP_IN)
            set_result(regs, size, ~0u);
    } else if (insn->op == X86_OP_OUT) {
        hw_out(port, size, (uint32_t)regs->rax);
    } else {
        set_result(regs, size, hw_in(port, size));
    }
    e->db_hits = pv_io_breakpoints(e->v, port, size);
    return EMUL_DONE;
}
