/* SPDX-License-Identifier: MIT */
/*
 * A queue of timers ordered by deadline (TSC ticks): the pure part of the
 * hypervisor's timers (hyp/common/timer.c), unit-tested on the host.  No
 * locking here: the caller holds the queue's lock.  Timers with equal
 * deadlines fire in the order they were set.
 */
#ifndef KOAN_HYP_TIMER_QUEUE_H
#define KOAN_HYP_TIMER_QUEUE_H

#include <hyp/types.h>

struct timer;
typedef void (*timer_fn)(struct timer *t, void *data);

struct timer {
    uint64_t deadline;          /* TSC ticks */
    timer_fn fn;
    void *data;
    struct timer *next;         /* in its queue, while queued */
    unsigned cpu;               /* the CPU whose queue holds it, or last held it */
    bool queued;
};

struct timer_queue {
    struct timer *head;         /* earliest deadline first */
};

void timer_queue_insert(struct timer_queue *q, struct timer *t);
/* Take t out if it is queued here; true if it was. */
bool timer_queue_remove(struct timer_queue *q, struct timer *t);
/* The first timer whose deadline is at or before now, taken out; NULL if none. */
struct timer *timer_queue_pop_expired(struct timer_queue *q, uint64_t now);
/* The earliest deadline, or 0 if the queue is empty. */
static inline uint64_t timer_queue_next(const struct timer_queue *q)
{
    return q->head ? q->head->deadline : 0;
}

#endif
