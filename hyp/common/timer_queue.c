/* SPDX-License-Identifier: MIT */
/*
 * The ordered timer queue (include/hyp/timer_queue.h): a sorted singly
 * linked list.  A CPU holds a few timers (its scheduler tick and the
 * timers of the vCPUs that run there), so insertion in order is cheap and
 * the earliest is always at the head.
 */
#include <hyp/timer_queue.h>

void timer_queue_insert(struct timer_queue *q, struct timer *t)
{
    struct timer **link = &q->head;

    while (*link && (*link)->deadline <= t->deadline)
        link = &(*link)->next;
    t->next = *link;
    *link = t;
    t->queued = true;
}

bool timer_queue_remove(struct timer_queue *q, struct timer *t)
{
    for (struct timer **link = &q->head; *link; link = &(*link)->next)
        if (*link == t) {
            *link = t->next;
            t->next = NULL;
            t->queued = false;
            return true;
        }
    return false;
}

struct timer *timer_queue_pop_expired(struct timer_queue *q, uint64_t now)
{
    struct timer *t = q->head;

    if (!t || t->deadline > now)
        return NULL;
    q->head = t->next;
    t->next = NULL;
    t->queued = false;
    return t;
}
