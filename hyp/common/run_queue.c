/* SPDX-License-Identifier: MIT */
/*
 * Runstate accounts (include/hyp/run_queue.h; the run queue's order is the
 * BVT policy's, hyp/common/bvt.c).  No lock is taken: the caller holds the
 * queue's.  A clock that seems to go back (stamps from two CPUs) adds
 * nothing rather than a huge unsigned difference.
 */
#include <hyp/run_queue.h>

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
