/* SPDX-License-Identifier: MIT */
/*
 * Guest LDTs (MMUEXT_SET_LDT).  The CPU's LDT is a 16-page window in the
 * fixmap whose pages are mapped lazily: the first access to a page (the CPU
 * loading a selector with the TI bit, in guest or hypervisor context)
 * faults, and Koan then maps the guest's frame behind that part of its LDT
 * -- typed as a descriptor page, so validated and no longer writable by the
 * guest -- and retries.  The mappings last until the LDT changes or a new
 * kernel base pointer is loaded, as on Xen 4.17 (docs/cpu.md).
 */
#ifndef KOAN_HYP_LDT_H
#define KOAN_HYP_LDT_H

#include <hyp/domain.h>

/* Install a new LDT for the running vCPU (arguments already checked). */
void ldt_set(struct vcpu *v, uint64_t base, uint64_t ents);
/*
 * A #PF from guest context at cr2: if it is the CPU reading a descriptor
 * from the LDT window, map the page and retry, or give the guest the fault
 * on its own LDT address (true).  false for anything else, including a
 * guest's own access to the window.
 */
bool ldt_page_fault(struct vcpu *v, struct cpu_user_regs *regs, uint64_t cr2);
/*
 * A #PF in hypervisor context (do_exception): if it is Koan loading a guest
 * selector whose LDT page is not mapped yet, map it (true: retry).  false
 * otherwise, and when the page cannot be mapped (the load's fix-up runs).
 */
bool ldt_hypervisor_fault(struct cpu_user_regs *regs);
/* Descriptor sel (TI set) of the running vCPU v's LDT, mapping its page if
 * needed; false if beyond the LDT or not mappable. */
bool ldt_read_descriptor(struct vcpu *v, uint16_t sel, uint64_t *desc);
/* Show v's LDT (vCPU switch); NULL: no LDT. */
void ldt_switch_to(struct vcpu *v);
/* Drop the running vCPU v's mappings (new kernel base pointer, as Xen). */
void ldt_drop_mappings(struct vcpu *v);
/* Drop the frames v's LDT holds (domain teardown). */
void ldt_release(struct vcpu *v);

#endif
