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
 * One budget per CPU.  Inline, as it sits on every hypercall's path.  A
 * cache line each: every batch entry writes it, and two CPUs writing one
 * line slowed two vCPUs' mmu_update batches by 15 % (bench/smp_mmu.py).
 */
struct work_budget {
    uint64_t used;       /* units charged since work_budget_begin */
    uint32_t limit;      /* 0: unlimited */
    bool spent;
} __attribute__((aligned(64)));
#ifdef KOAN_HOST_TEST
/*
 * Host unit tests run their "CPUs" as threads: one budget per thread, used
 * by name (GCC 12's UBSan misreads a thread-local's address hoisted out of
 * a loop as NULL).
 */
extern __thread struct work_budget work_budget_host;
#define THIS_WORK_BUDGET work_budget_host
#else
#include <asm/percpu.h>
#include <hyp/cpumask.h>
extern struct work_budget work_budgets[NR_CPUS_MAX];
#define THIS_WORK_BUDGET work_budgets[smp_processor_id()]
#endif

/* Start a budget of `limit` units; 0 = unlimited (not preemptible). */
static inline void work_budget_begin(uint32_t limit)
{
    /* Field by field: a whole-struct store would clear the cache line's padding too. */
    struct work_budget *b = &THIS_WORK_BUDGET;

    b->used = 0;
    b->limit = limit;
    b->spent = false;
}

/* Charge units; true if the budget is spent and the caller must stop. */
static inline bool work_budget_charge(uint32_t units)
{
    THIS_WORK_BUDGET.used += units;
    if (THIS_WORK_BUDGET.limit && THIS_WORK_BUDGET.used >= THIS_WORK_BUDGET.limit)
        THIS_WORK_BUDGET.spent = true;
    return THIS_WORK_BUDGET.spent;
}

/*
 * Charge one unit for each of up to n items, as n calls of
 * work_budget_charge(1) would, and say how many items may be done: all n,
 * or fewer if the budget is spent on the way (the item whose unit spent it
 * is charged but not done, so the caller stops there, as it would have).
 * For runs of items that need no work of their own (empty entries).
 */
static inline uint32_t work_budget_charge_items(uint32_t n)
{
    /* By name, as above (no pointer to the host tests' thread-local). */
    uint64_t used = THIS_WORK_BUDGET.used;
    uint32_t limit = THIS_WORK_BUDGET.limit;

    if (!n)
        return 0;
    if (!THIS_WORK_BUDGET.spent && !limit) {
        THIS_WORK_BUDGET.used = used + n;
        return n;
    }
    if (THIS_WORK_BUDGET.spent || used >= limit) {
        THIS_WORK_BUDGET.used = used + 1;
        THIS_WORK_BUDGET.spent = true;
        return 0;
    }
    uint64_t room = limit - used;   /* >= 1 */
    if (n < room) {
        THIS_WORK_BUDGET.used = used + n;
        return n;
    }
    THIS_WORK_BUDGET.used = used + room;
    THIS_WORK_BUDGET.spent = true;
    return (uint32_t)(room - 1);
}

#endif
