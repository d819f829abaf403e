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

/*
 * One CPU today: a single budget.  Inline, as it sits on every hypercall's
 * path.  (Host unit tests run "CPUs" as threads: one budget per thread.)
 */
struct work_budget {
    uint64_t used;       /* units charged since work_budget_begin */
    uint32_t limit;      /* 0: unlimited */
    bool spent;
};
#ifdef KOAN_HOST_TEST
extern __thread struct work_budget work_budget;
#else
extern struct work_budget work_budget;
#endif

/* Start a budget of `limit` units; 0 = unlimited (not preemptible). */
static inline void work_budget_begin(uint32_t limit)
{
    work_budget = (struct work_budget){ .limit = limit };
}

/* Charge units; true if the budget is spent and the caller must stop. */
static inline bool work_budget_charge(uint32_t units)
{
    work_budget.used += units;
    if (work_budget.limit && work_budget.used >= work_budget.limit)
        work_budget.spent = true;
    return work_budget.spent;
}

#endif
