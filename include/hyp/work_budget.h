/* SPDX-License-Identifier: MIT */
/*
 * The work budget of a preemptible operation.  Long hypervisor work -- a
 * batch of MMU operations, the validation of a page-table tree, a domain's
 * teardown -- charges units as it goes (one per page-table entry looked at,
 * a few per batch entry) and stops at its next consistent point once the
 * budget is spent, to be continued later.  That bounds how long the CPU is
 * held with interrupts off, whatever the guest asked for (XSA-45).
 *
 * One budget per CPU: the hypercall entry starts a fresh one, the teardown
 * of dying domains another.  Outside a budgeted operation (the domain
 * builder at boot) nothing is ever asked to stop.  Exhaustion is sticky:
 * once work_budget_charge said "stop", it says so until the next begin, so
 * every level of a nested operation unwinds.
 */
#ifndef KOAN_HYP_WORK_BUDGET_H
#define KOAN_HYP_WORK_BUDGET_H

#include <hyp/types.h>

/* Units a hypercall may spend before it must continue later. */
#define WORK_BUDGET_HYPERCALL 4096u
/* Units of one batch entry (mmu_update, mmuext_op, multicall, ...) besides its own work. */
#define WORK_UNITS_PER_OP     16u

/* Start a budget of `limit` units; 0 = unlimited (not preemptible). */
void work_budget_begin(uint32_t limit);
/* Charge units; true if the budget is spent and the caller must stop. */
bool work_budget_charge(uint32_t units);
/* Is the budget spent (without charging)? */
bool work_budget_spent(void);
/* Units charged since work_budget_begin (statistics, tests). */
uint64_t work_budget_used(void);

#endif
