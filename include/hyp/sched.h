/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: Borrowed Virtual Time (docs/scheduler.md) over runnable
 * vCPUs -- a vCPU is the unit it runs, whichever domain it belongs to,
 * weighted by its domain's parameters -- switching on yield, when the
 * running vCPU blocks, goes down or dies, at a long hypercall's preemption
 * point, when a vCPU that wakes has a lower effective virtual time than
 * the running one, and when the running vCPU's slice ends (its CPU's
 * slice timer), so that no guest can keep the CPU from the others.
 * Hypercalls never switch directly; they change a vCPU's state and ask
 * with sched_request()/sched_vcpu_update(), and the switch happens on the
 * way back to the guest.
 *
 * A vCPU is runnable when it has a context (initialised), is up, is not
 * blocked and its domain is alive.  Each CPU has a run queue of the
 * runnable vCPUs waiting for it (the one running is on none), in BVT's
 * order.  A CPU with nothing to run takes a waiting vCPU from another
 * CPU's queue (that is the load balancing: vCPUs migrate to idle CPUs),
 * and otherwise halts until an interrupt wakes it.  Every state change is
 * accounted as a Xen runstate (running, runnable, blocked, offline) for
 * get_runstate_info.  Locking and the order of events: docs/boot.md,
 * "Several CPUs", and hyp/common/sched.c.
 */
#ifndef KOAN_HYP_SCHED_H
#define KOAN_HYP_SCHED_H

#include <asm/percpu.h>
#include <hyp/cpumask.h>
#include <hyp/domain.h>
#include <hyp/run_queue.h>

extern struct run_queue sched_run_queues[NR_CPUS_MAX];
static inline struct run_queue *sched_this_rq(void)
{
    return &sched_run_queues[smp_processor_id()];
}

/* A new vCPU: offline (down, no context) from now on. */
void sched_vcpu_init(struct vcpu *v);
bool vcpu_runnable(const struct vcpu *v);
/*
 * v's initialised/down/blocked flags or its domain's state changed: queue
 * it if it became runnable, take it off its queue (and off the CPU, at the
 * next return to a guest) if it stopped being runnable.
 */
void sched_vcpu_update(struct vcpu *v);
/*
 * An event for v (hyp/common/event_channel.c): wake it if it is blocked,
 * and if it runs on another CPU interrupt that CPU, whose way back to the
 * guest then delivers the upcall.  Any CPU; an evtchn lock may be held.
 */
void sched_vcpu_kick(struct vcpu *v);
/* Reschedule on the way back to the guest (a preemption point; a vCPU's state changed). */
void sched_request(void);
/* The running vCPU yields (SCHEDOP_yield): another waiting one goes first. */
void sched_yield(void);
/*
 * v's runstate as Xen reports it: times in ns, state_entry_time in system
 * time; the current state's time counted to now (get_runstate_info) or
 * as recorded when v entered it (the registered area's copy, as Xen's).
 */
void sched_runstate_get(const struct vcpu *v, struct vcpu_runstate_info *out, bool to_now);

/* The housekeeping tick (console quotas, teardown, idle CPUs look for work): 10 ms. */
#define SCHED_TICK_NS 10000000u
/*
 * A domain's BVT parameters (the dom0 operation, hyp/pv/koan_sched.c): p
 * already passed bvt_params_check; d's vCPUs cannot be torn down meanwhile
 * (the caller entered d: domain_mm_enter).
 */
void sched_get_params(const struct domain *d, struct bvt_params *out);
void sched_set_params(struct domain *d, const struct bvt_params *p);
/* The context-switch allowance C in ns (set: already checked; from the next pick on). */
uint64_t sched_ctx_allow(void);
void sched_set_ctx_allow(uint64_t ns);
/* Free frames before any domain exists: checked again when all are gone. */
void sched_set_memory_baseline(uint64_t free_frames);
/* On the way back to a guest: switch if asked to or if current is gone; re-arm a moved deadline. */
void sched_switch(void);
/* Is a switch due: asked for, or no current vCPU?  Inline: every return to a guest asks. */
static inline bool sched_switch_due(void)
{
    return __atomic_load_n(&sched_this_rq()->attention, __ATOMIC_RELAXED) || !current_vcpu();
}
static inline void sched_maybe_switch(void)
{
    /* Nearly always the answer is no. */
    if (sched_switch_due())
        sched_switch();
}
/* Run the first vCPU; stops the machine if there is none. */
__attribute__((noreturn)) void sched_start(void);
/* Another CPU, once up: wait for sched_start, then run vCPUs too. */
__attribute__((noreturn)) void sched_start_cpu(void);
/* How often vCPUs moved to another CPU, and switches in all (docs/performance.md). */
void sched_get_stats(uint64_t *migrations, uint64_t *switches);

#endif
