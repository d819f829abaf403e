/* SPDX-License-Identifier: MIT */
/*
 * What the scheduler keeps per CPU and per vCPU, as plain data with no
 * hardware in it (hyp/common/run_queue.c, unit-tested on the host): the run
 * queue, a FIFO of the runnable vCPUs waiting for one CPU, linked through
 * the vCPUs themselves (no cap on their number); and a vCPU's runstate
 * account, the time it spent in each Xen runstate, in TSC ticks given by
 * the caller.
 */
#ifndef KOAN_HYP_RUN_QUEUE_H
#define KOAN_HYP_RUN_QUEUE_H

#include <hyp/domain.h>
#include <hyp/spinlock.h>

/*
 * The runnable vCPUs waiting for one CPU, first to run at the head.  The
 * scheduler (hyp/common/sched.c) holds `lock` for the queue, the queued,
 * running and processor fields of the vCPUs on it, and their runstates;
 * the functions below take no lock themselves.
 */
struct run_queue {
    spinlock_t lock;
    struct vcpu *head, *tail;
    unsigned nr;
    bool switch_requested;   /* switch on the way back to the guest (set from any CPU) */
    bool idle;               /* the CPU has nothing to run: wake it (IPI) when there is */
    struct domain *cr3_domain;   /* whose tables this CPU's CR3 holds (NULL: the idle ones) */
};

/* v (not queued) to the back; the head off (NULL if empty); v off, wherever it is. */
void rq_enqueue(struct run_queue *rq, struct vcpu *v);
struct vcpu *rq_dequeue(struct run_queue *rq);
void rq_remove(struct run_queue *rq, struct vcpu *v);

/* Start the account in `state` at `now`. */
void runstate_init(struct vcpu_runstate *rs, unsigned state, uint64_t now);
/* Enter `state` at `now` (the time in the old one is added up; same state: nothing). */
void runstate_set(struct vcpu_runstate *rs, unsigned state, uint64_t now);
/* Ticks in each state up to `now`, the current one included. */
void runstate_ticks(const struct vcpu_runstate *rs, uint64_t now, uint64_t ticks[4]);

#endif
