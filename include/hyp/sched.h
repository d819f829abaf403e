/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: round-robin over runnable vCPUs -- a vCPU is the unit it
 * runs, whichever domain it belongs to -- switching on yield, when the
 * running vCPU blocks, goes down or dies, at a long hypercall's preemption
 * point, and when the running vCPU's time slice ends (the local APIC
 * timer's tick), so that no guest can keep the CPU from the others.
 * Hypercalls never switch directly; they change a vCPU's state and ask
 * with sched_request()/sched_vcpu_update(), and the switch happens on the
 * way back to the guest.
 *
 * A vCPU is runnable when it has a context (initialised), is up, is not
 * blocked and its domain is alive.  Each CPU has a run queue of the
 * runnable vCPUs waiting for it (the one running is on none).  A CPU with
 * nothing to run takes a waiting vCPU from another CPU's queue (that is the
 * load balancing: vCPUs migrate to idle CPUs), and otherwise halts until an
 * IPI or its tick wakes it.  Every state change is accounted as a Xen
 * runstate (running, runnable, blocked, offline) for get_runstate_info.
 * Locking and the order of events: docs/cpu.md, "Scheduling on several CPUs".
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
/* The running vCPU gives up the rest of its slice (SCHEDOP_yield, preemption). */
void sched_request(void);
/* The preemption tick arrived while a guest ran (sched.c's tick timer calls it). */
void sched_tick(void);
/*
 * v's runstate as Xen reports it: times in ns, state_entry_time in system
 * time; the current state's time counted to now (get_runstate_info) or
 * as recorded when v entered it (the registered area's copy, as Xen's).
 */
void sched_runstate_get(const struct vcpu *v, struct vcpu_runstate_info *out, bool to_now);

#define SCHED_SLICE_NS 10000000u   /* the round robin's slice: 10 ms */
/* Free frames before any domain exists: checked again when all are gone. */
void sched_set_memory_baseline(uint64_t free_frames);
/* On the way back to a guest: switch if asked to or if current is gone. */
void sched_switch(void);
static inline void sched_maybe_switch(void)
{
    /* Inline: every return to a guest asks, and nearly always the answer is no. */
    if (__atomic_load_n(&sched_this_rq()->switch_requested, __ATOMIC_RELAXED) ||
        !current_vcpu())
        sched_switch();
}
/* Run the first vCPU; stops the machine if there is none. */
__attribute__((noreturn)) void sched_start(void);
/* Another CPU, once up: wait for sched_start, then run vCPUs too. */
__attribute__((noreturn)) void sched_start_cpu(void);
/* How often vCPUs moved to another CPU, and switches in all (docs/performance.md). */
void sched_get_stats(uint64_t *migrations, uint64_t *switches);

#endif
