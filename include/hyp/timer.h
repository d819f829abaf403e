/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's timers: a callback at a TSC deadline, on a chosen CPU.
 * Each CPU keeps its timers in one ordered queue under its own lock and
 * programs its local APIC timer (one-shot) for the earliest; the timer
 * interrupt runs the expired ones with interrupts off and no lock held,
 * so a callback may set timers, its own included.  A callback runs on
 * the timer's CPU, in guest or idle context (never inside a hypercall:
 * Koan runs with interrupts off), and must be short.
 * Lock order: a CPU's timer lock is taken alone (never with another).
 */
#ifndef KOAN_HYP_TIMER_H
#define KOAN_HYP_TIMER_H

#include <hyp/timer_queue.h>

void timer_init(struct timer *t, timer_fn fn, void *data);
/* Fire t at deadline (TSC) on cpu; a timer already set moves (and may change CPU). */
void timer_set(struct timer *t, unsigned cpu, uint64_t deadline);
/* t will not fire (unless its callback has already begun). */
void timer_stop(struct timer *t);
/* timer_stop, then wait until its callback runs nowhere: before t's memory goes. */
void timer_kill(struct timer *t);
/* The local APIC timer's interrupt, and a nudge from another CPU: run what expired, program the next. */
void timer_run_local(void);

#endif
