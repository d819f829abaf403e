/* SPDX-License-Identifier: MIT */
/*
 * Hypercall plumbing shared by the handlers: continuations and preemption.
 *
 * A long batch stops at a preemption point and asks to be called again with
 * updated arguments: hypercall_create_continuation rewinds the guest's rip
 * onto its `syscall` and loads the number and new arguments into the guest
 * registers (or, inside a multicall, into that entry), and returns the
 * hypercall number, which the dispatcher puts in rax as the re-executed call
 * expects.  The guest simply issues the call again.
 */
#ifndef KOAN_HYP_HYPERCALL_H
#define KOAN_HYP_HYPERCALL_H

#include <hyp/domain.h>
#include <hyp/frame_table.h>
#include <hyp/types.h>
#include <hyp/work_budget.h>

/* Xen's mark of a continued mmu_update/mmuext_op count (internal to Xen). */
#define MMU_UPDATE_PREEMPTED (~(~0U >> 1))

/*
 * Charge one batch entry to the hypercall's work budget
 * (include/hyp/work_budget.h); true when the budget is spent: time to stop
 * and continue later.  Inline, as the budget: once per batch entry.
 */
static inline bool hypercall_preempt_check(void)
{
    return work_budget_charge(WORK_UNITS_PER_OP);
}
/* A new hypercall from the guest starts with a full budget (inline: every hypercall). */
static inline void hypercall_preempt_reset(void)
{
    work_budget_begin(WORK_BUDGET_HYPERCALL);
}
long hypercall_create_continuation(unsigned nr, unsigned nargs, ...);

/* Multicall state, one per CPU: a preempted entry leaves its new arguments here. */
struct multicall_state {
    bool active;
    bool preempted;
    uint64_t args[6];
};
struct multicall_state *this_multicall_state(void);

/*
 * The batch protocol of mmu_update and mmuext_op: a continued call carries
 * MMU_UPDATE_PREEMPTED in its count and the guest's `done` so far, which is
 * read back.  batch_begin returns the real count and sets *done.
 * batch_end turns -ERESTART at entry i into a continuation for the rest,
 * writes the cumulative done count, and returns the call's result.
 */
struct batch {
    unsigned nr;              /* __HYPERVISOR_mmu_update or _mmuext_op */
    uint64_t list, pdone, foreigndom;
    size_t entry_size;
    uint32_t count, done;
};
uint32_t batch_begin(struct batch *b, uint64_t count);
long batch_end(const struct batch *b, uint32_t i, long rc);
/*
 * The devalidation queues of the caller and of the foreign domain a batch
 * acts on (frame_table_drain): drained before each entry (-ERESTART: the
 * batch continues at that entry) and by batch_finish before the result
 * goes back, so the guest never sees a table half devalidated.  Inline
 * tests first: the queues are nearly always empty.
 */
int batch_drain_queues(struct domain *d, struct domain *other);
long batch_finish_queues(struct domain *d, struct domain *other, long rc);

static inline bool batch_queues_empty(const struct domain *d, const struct domain *other)
{
    return d->devalidate_head == FT_NIL && other->devalidate_head == FT_NIL;
}

static inline int batch_drain(struct domain *d, struct domain *other)
{
    return batch_queues_empty(d, other) ? 0 : batch_drain_queues(d, other);
}

static inline long batch_finish(struct domain *d, struct domain *other, long rc)
{
    return batch_queues_empty(d, other) ? rc : batch_finish_queues(d, other, rc);
}

/* Run one hypercall by number with these arguments (multicall entries). */
long hypercall_call(uint64_t nr, const uint64_t args[6]);
/* An implemented hypercall's unknown or missing sub-op: log it once per pair (debug), -ENOSYS. */
long hypercall_subop_missing(unsigned nr, uint64_t subop);

#endif
