/* SPDX-License-Identifier: MIT */
/*
 * Instructions a ring-3 PV kernel executes that need the hypervisor:
 * privileged ones (MSRs, control and debug registers, port I/O) arrive as
 * #GP, the forced-emulation CPUID as #UD.  Each helper returns true when it
 * handled the instruction (the guest resumes after it, or received the
 * exception the instruction deserves), false to let the fault go to the guest.
 */
#ifndef KOAN_HYP_EMUL_H
#define KOAN_HYP_EMUL_H

#include <hyp/domain.h>

bool pv_emulate_privileged(struct vcpu *v, struct cpu_user_regs *regs);
bool pv_emulate_forced_cpuid(struct vcpu *v, struct cpu_user_regs *regs);
/* A #PF the current page tables no longer justify (stale TLB): just retry. */
bool pv_spurious_page_fault(struct vcpu *v, struct cpu_user_regs *regs, uint64_t cr2);
/* Merge the hardware DR6 into the virtual one before #DB reaches the guest. */
void pv_debug_trap(struct vcpu *v, struct cpu_user_regs *regs);
/* The guest's virtual CR0.TS, mirrored into the real CR0.TS while it runs. */
void pv_fpu_set_ts(struct vcpu *v, bool ts);
/* XSETBV by the guest: true if the value is acceptable. */
bool pv_xsetbv(struct vcpu *v, uint32_t idx, uint64_t val);
/*
 * set_debugreg for v (also a mov to %drN): 0, -ENODEV (no such register:
 * #UD), -EINVAL (reserved bits: #GP) or -EPERM (a value not permitted: #GP).
 */
long pv_set_debugreg(struct vcpu *v, unsigned reg, uint64_t value);
/* get_debugreg (also a mov from %drN): 0 and *value, or -ENODEV (#UD). */
long pv_get_debugreg(const struct vcpu *v, unsigned reg, uint64_t *value);
/* DR6's B0-B3 for the enabled I/O breakpoints that the ports [port, port + len) hit. */
unsigned pv_io_breakpoints(const struct vcpu *v, unsigned port, unsigned len);
/* Load v's debug registers into the CPU (vCPU switch); NULL: every breakpoint off. */
void debugreg_switch_to(struct vcpu *v);
/* Back to the reset values (a dying vCPU's breakpoints must not outlive it). */
void debugreg_reset(struct vcpu *v);
/* The virtual CR4 (hyp/pv/cr4.c): read, written by the guest, loaded on a vCPU switch (NULL: none). */
uint64_t pv_cr4_read(const struct vcpu *v);
void pv_cr4_write(struct vcpu *v, uint64_t val);
void pv_cr4_switch_to(const struct vcpu *v);
/* The CPUID the guest sees (docs/cpu.md). */
void pv_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4]);

#endif
