/* SPDX-License-Identifier: MIT */
/*
 * Guest LDTs (MMUEXT_SET_LDT).  The CPU's LDT is a 16-page window in the
 * fixmap whose pages are mapped lazily: the first access to a page (a
 * selector with the TI bit being loaded) faults, and Koan then maps the
 * guest's frame behind that part of its LDT — typed as a descriptor page,
 * so validated and no longer writable by the guest — and retries.
 */
#ifndef KOAN_HYP_LDT_H
#define KOAN_HYP_LDT_H

#include <hyp/domain.h>

/* Install a new LDT for the running vCPU (arguments already checked). */
void ldt_set(struct vcpu *v, uint64_t base, uint64_t ents);
/* A #PF at cr2: if it is in the LDT window, handle it (true). */
bool ldt_page_fault(struct vcpu *v, struct cpu_user_regs *regs, uint64_t cr2);
/* Show v's LDT (vCPU switch); NULL: no LDT. */
void ldt_switch_to(struct vcpu *v);
/* Drop the frames v's LDT holds (domain teardown). */
void ldt_release(struct vcpu *v);

#endif
