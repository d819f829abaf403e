/* SPDX-License-Identifier: MIT */
/*
 * Private to the privileged-instruction emulator (emul_priv.c, emul_io.c):
 * one instruction being emulated and what became of it.
 */
#ifndef KOAN_PV_EMUL_PRIV_H
#define KOAN_PV_EMUL_PRIV_H

#include <hyp/domain.h>
#include <hyp/x86_emulate.h>

enum emul_result {
    EMUL_DONE,   /* emulated: the guest resumes after the instruction */
    EMUL_GP,     /* #GP(0) for the guest, rip unchanged */
    EMUL_UD,     /* #UD for the guest, rip unchanged */
};

struct emul {
    struct vcpu *v;
    struct cpu_user_regs *regs;
    const struct x86_insn *insn;
    unsigned db_hits;   /* DR6 B0-B3 of I/O breakpoints hit: a #DB after the instruction */
};

/*
 * The virtual IOPL check of in/out and cli/sti: the guest kernel counts as
 * ring 1 (ring 0 with VMASST_TYPE_architectural_iopl), user mode as ring 3.
 */
bool emul_iopl_ok(const struct vcpu *v);
/* in/out with an immediate or %dx port. */
enum emul_result emul_port_io(struct emul *e);

#endif
