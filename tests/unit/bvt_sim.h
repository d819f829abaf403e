/* SPDX-License-Identifier: MIT */
/*
 * A simulated CPU driving the BVT policy (bvt_sim.c), for test_bvt.c:
 * domains of one vCPU each, CPU-bound or running a burst at the start of
 * every period, and what each got: run time, wake-ups, worst latency from
 * wake-up to dispatch; switches and the shortest slice that ran out.
 */
#ifndef KOAN_TEST_BVT_SIM_H
#define KOAN_TEST_BVT_SIM_H

#include <hyp/bvt.h>

#define US 1000ull
#define MS 1000000ull
#define S  1000000000ull

struct dom {
    struct bvt_vcpu v;              /* first: the simulator finds the domain from its vCPU */
    uint64_t burst_ns, period_ns;   /* 0: CPU-bound; else runs burst_ns at each period's start */
    bool blocked;
    uint64_t burst_left, next_wake;
    uint64_t ran_ns, woke_at, wakes, preempting_wakes, worst_latency_ns;
};

struct sim {
    struct bvt_queue q;
    struct dom *dom;
    unsigned n;
    uint64_t now, ctx_allow;
    struct dom *cur;
    uint64_t dispatched_at;
    unsigned switches;
    uint64_t shortest_timed_run;    /* the shortest run that ended by its deadline */
};

/* d: a CPU-bound domain, or one that runs `burst` at the start of every `period`. */
void sim_cpu_bound(struct dom *d, const struct bvt_params *p);
void sim_periodic(struct dom *d, const struct bvt_params *p, uint64_t burst, uint64_t period);
/* All n domains start blocked, each to wake at its next_wake (0 unless set). */
void sim_init(struct sim *s, struct dom *d, unsigned n, uint64_t ctx_allow);
/* Run to `end` ns; may be called again to go on. */
void sim_run(struct sim *s, uint64_t end);

#endif
