/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's timers, as Xen gives a PV guest (docs/time.md): the singleshot
 * timer (set_timer_op, VCPUOP_set_singleshot_timer/stop_singleshot_timer),
 * the periodic timer (VCPUOP_set/stop_periodic_timer; 10 ms from the
 * start, as on Xen, and counting only while the vCPU runs) -- both raise
 * VIRQ_TIMER -- and the deadline of a SCHEDOP_poll.  Each is a hypervisor
 * timer (include/hyp/timer.h) armed on the CPU the vCPU runs on; deadlines
 * are system time (include/hyp/time.h).  A dying domain's timers stop, and
 * are killed before its event channels and vCPUs go.
 */
#ifndef KOAN_HYP_VCPU_TIMER_H
#define KOAN_HYP_VCPU_TIMER_H

#include <hyp/timer_queue.h>

struct vcpu;

struct vcpu_timers {
    struct timer singleshot, periodic, poll;
    uint64_t period_ns;          /* 0: no periodic timer */
    uint64_t periodic_last;      /* system time of its last event */
};

void vcpu_timers_init(struct vcpu *v);
/* The domain is dying: none of them fires again (a callback under way may finish). */
void vcpu_timers_stop(struct vcpu *v);
/* v is loaded on / leaves this CPU (sched.c): the periodic timer runs only meanwhile. */
void vcpu_timers_switch_in(struct vcpu *v);
void vcpu_timers_switch_out(struct vcpu *v);
/* Before v's memory goes: stopped, and no callback runs anywhere. */
void vcpu_timers_kill(struct vcpu *v);

long do_set_timer_op(uint64_t timeout);
/* The VCPUOP timer ops for v (the caller's own vCPU where Xen requires it). */
long vcpu_timer_op(struct vcpu *v, int cmd, uint64_t arg);
/* SCHEDOP_poll: wake v at system time deadline (0: never) unless an event comes first. */
void vcpu_poll_deadline(struct vcpu *v, uint64_t deadline);

#endif
