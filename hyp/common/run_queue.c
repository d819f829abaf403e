/* SPDX-License-Identifier: MIT */
/*
 * Run queues and runstate accounts (include/hyp/run_queue.h).  Neither
 * takes a lock: the caller holds the queue's.  A
 * clock that seems to go back (stamps from two CPUs) adds nothing rather
 * than a huge unsigned difference.
 */
#include <hyp/run_queue.h>

void rq_enqueue(struct run_queue *rq, struct vcpu *v)
{
    v->rq_next = NULL;
    if (rq->tail)
        rq->tail->rq_next = v;
    else
        rq->head = v;
    rq->tail = v;
    rq->nr++;
    v->queued = true;
}

struct vcpu *rq_dequeue(struct run_queue *rq)
{
    struct vcpu *v = rq->head;

    if (!v)
        return NULL;
    rq->head = v->rq_next;
    if (!rq->head)
        rq->tail = NULL;
    rq->nr--;
    v->queued = false;
    v->rq_next = NULL;
    return v;
}

void rq_remove(struct run_queue *rq, struct vcpu *v)
{
    struct vcpu **link = &rq->head, *prev = NULL;

    for (; *link; prev = *link, link = &(*link)->rq_next) {
        if (*link != v)
            continue;
        *link = v->rq_next;
        if (rq->tail == v)
            rq->tail = prev;
        rq->nr--;
        v->queued = false;
        v->rq_next = NULL;
        return;
    }
}

void runstate_init(struct vcpu_runstate *rs, unsigned state, uint64_t now)
{
    for (unsigned i = 0; i < 4; i++)
        rs->ticks[i] = 0;
    rs->state = state;
    rs->entry_tsc = now;
}

void runstate_set(struct vcpu_runstate *rs, unsigned state, uint64_t now)
{
    if (rs->state == state)
        return;
    if (now > rs->entry_tsc)
        rs->ticks[rs->state] += now - rs->entry_tsc;
    rs->state = state;
    rs->entry_tsc = now;
}

void runstate_ticks(const struct vcpu_runstate *rs, uint64_t now, uint64_t ticks[4])
{
    for (unsigned i = 0; i < 4; i++)
        ticks[i] = rs->ticks[i];
    if (now > rs->entry_tsc)
        ticks[rs->state] += now - rs->entry_tsc;   /* the current state counts to now */
}
