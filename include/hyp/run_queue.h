/* SPDX-License-Identifier: MIT */
/*
 * What the scheduler keeps per CPU and per vCPU, as plain data with no
 * hardware in it (hyp/common/run_queue.c, unit-tested on the host): the run
 * queue of one CPU, whose order and slices are the BVT policy's
 * (struct bvt_queue, include/hyp/bvt.h: the runnable vCPUs waiting for the
 * CPU, linked through the vCPUs themselves, no cap on their number); and a
 * vCPU's runstate account, the time it spent in each Xen runstate, in TSC
 * ticks given by the caller.
 */
#ifndef KOAN_HYP_RUN_QUEUE_H
#define KOAN_HYP_RUN_QUEUE_H

#include <hyp/bvt.h>
#include <hyp/domain.h>
#include <hyp/spinlock.h>

/*
 * One CPU's run queue.  The scheduler (hyp/common/sched.c) holds `lock`
 * for `bvt` (the waiting vCPUs, the running one, svt and the slice's
 * deadline), `yielded`, `idle`, and for the vCPUs waiting on it or running
 * from it their bvt, running and processor fields and runstates; the
 * functions below take no lock themselves.
 */
struct run_queue {
    spinlock_t lock;
    struct bvt_queue bvt;
    bool yielded;            /* the running vCPU yields: pass it over once (own CPU only) */
    bool idle;               /* the CPU has nothing to run: wake it (IPI) when there is */
    union {
        struct {
            bool switch_requested;   /* switch on the way back to the guest (set from any CPU) */
            bool deadline_moved;     /* a wake-up moved bvt.slice_end_ns: re-arm the slice timer */
        };
        uint16_t attention;  /* either of the two, read at once on every return to a guest */
    };
    struct domain *cr3_domain;   /* whose tables this CPU's CR3 holds (NULL: the idle ones) */
};

/* The vCPU of a bvt_vcpu the queue hands back (NULL stays NULL). */
static inline struct vcpu *rq_vcpu(struct bvt_vcpu *b)
{
    return b ? (struct vcpu *)((char *)b - offsetof(struct vcpu, bvt)) : NULL;
}

/* Start the account in `state` at `now`. */
void runstate_init(struct vcpu_runstate *rs, unsigned state, uint64_t now);
/* Enter `state` at `now` (the time in the old one is added up; same state: nothing). */
void runstate_set(struct vcpu_runstate *rs, unsigned state, uint64_t now);
/* Ticks in each state up to `now`, the current one included. */
void runstate_ticks(const struct vcpu_runstate *rs, uint64_t now, uint64_t ticks[4]);

#endif
