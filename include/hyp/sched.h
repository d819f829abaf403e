/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: round-robin over runnable vCPUs, switching on yield, when
 * a vCPU goes away, at a long hypercall's preemption point, and when the
 * running vCPU's time slice ends (the local APIC timer's tick), so that no
 * guest can keep the CPU from the others.  Hypercalls never switch
 * directly; they ask with sched_request(), and the switch happens on the
 * way back to the guest.
 */
#ifndef KOAN_HYP_SCHED_H
#define KOAN_HYP_SCHED_H

#include <hyp/domain.h>

void sched_add(struct vcpu *v);
void sched_remove(struct vcpu *v);
void sched_request(void);
/* The preemption tick arrived while a guest ran. */
void sched_tick(void);

#define SCHED_SLICE_TICKS 10000000u   /* 10 ms under QEMU (1 ns ticks) */
/* Free frames before any domain exists: checked again when all are gone. */
void sched_set_memory_baseline(uint64_t free_frames);
/* On the way back to a guest: switch if asked to or if current is gone. */
extern bool sched_switch_requested;
void sched_switch(void);
static inline void sched_maybe_switch(void)
{
    /* Inline: every return to a guest asks, and nearly always the answer is no. */
    if (sched_switch_requested || !current_vcpu())
        sched_switch();
}
/* Run the first vCPU; stops the machine if there is none. */
__attribute__((noreturn)) void sched_start(void);

#endif
