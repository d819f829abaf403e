/* SPDX-License-Identifier: MIT */
/*
 * One simulated CPU for the BVT tests (bvt_sim.h): it moves time from
 * event to event -- a deadline, the end of a burst, a wake-up -- and calls
 * the policy as the scheduler will: bvt_wake (switching at once on
 * BVT_WAKE_PREEMPT), bvt_deschedule and bvt_pick, bvt_slice_over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bvt_sim.h"

static struct dom *dom_of(struct bvt_vcpu *v) { return (struct dom *)v; }

void sim_init(struct sim *s, struct dom *d, unsigned n, uint64_t ctx_allow)
{
    *s = (struct sim){ .dom = d, .n = n, .ctx_allow = ctx_allow, .shortest_timed_run = UINT64_MAX };
    bvt_queue_init(&s->q);
    for (unsigned i = 0; i < n; i++) {
        d[i].blocked = true;   /* each wakes at next_wake (0 unless the test says) */
        d[i].burst_left = d[i].burst_ns;
    }
}

static void sim_pick(struct sim *s)
{
    struct bvt_vcpu *next = bvt_pick(&s->q, NULL, s->now, s->ctx_allow);
    struct dom *d = next ? dom_of(next) : NULL;

    if (d && d != s->cur)
        s->switches++;
    if (d && d->woke_at != UINT64_MAX) {
        uint64_t latency = s->now - d->woke_at;
        d->worst_latency_ns = latency > d->worst_latency_ns ? latency : d->worst_latency_ns;
        d->woke_at = UINT64_MAX;
    }
    s->cur = d;
    s->dispatched_at = s->now;
}

static void sim_off_cpu(struct sim *s, bool runnable)
{
    bvt_deschedule(&s->q, s->now, runnable);
}

static void sim_wakes(struct sim *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct dom *d = &s->dom[i];
        if (!d->blocked || d->next_wake > s->now)
            continue;
        d->blocked = false;
        d->burst_left = d->burst_ns;
        d->woke_at = s->now;
        d->wakes++;
        if (bvt_wake(&s->q, &d->v, s->now, s->ctx_allow) != BVT_WAKE_PREEMPT)
            continue;
        d->preempting_wakes++;
        sim_off_cpu(s, true);
        sim_pick(s);
    }
}

/* The next moment something happens: a deadline, the end of a burst, a wake-up, the end. */
static uint64_t sim_next_event(const struct sim *s, uint64_t end)
{
    uint64_t t = end;

    if (s->cur && s->q.slice_end_ns < t)
        t = s->q.slice_end_ns;
    if (s->cur && s->cur->period_ns && s->now + s->cur->burst_left < t)
        t = s->now + s->cur->burst_left;
    for (unsigned i = 0; i < s->n; i++)
        if (s->dom[i].blocked && s->dom[i].next_wake < t)
            t = s->dom[i].next_wake;
    return t > s->now ? t : s->now;
}

/* Runs to `end`; a policy that switched without letting time pass would fail the step bound. */
void sim_run(struct sim *s, uint64_t end)
{
    for (unsigned steps = 0; s->now < end; steps++) {
        assert_true(steps < 1000000);
        sim_wakes(s);
        if (!s->cur)
            sim_pick(s);
        uint64_t t = sim_next_event(s, end), dt = t - s->now;
        s->now = t;
        if (!s->cur)
            continue;
        s->cur->ran_ns += dt;
        if (s->cur->period_ns) {
            s->cur->burst_left -= dt;
            if (s->cur->burst_left == 0) {   /* blocks until its next period */
                s->cur->blocked = true;
                s->cur->next_wake = (s->now / s->cur->period_ns + 1) * s->cur->period_ns;
                sim_off_cpu(s, false);
                s->cur = NULL;
                continue;
            }
        }
        if (bvt_slice_over(&s->q, s->now)) {
            uint64_t ran = s->now - s->dispatched_at;
            s->shortest_timed_run = ran < s->shortest_timed_run ? ran : s->shortest_timed_run;
            sim_off_cpu(s, true);
            sim_pick(s);
        }
    }
}

void sim_cpu_bound(struct dom *d, const struct bvt_params *p)
{
    memset(d, 0, sizeof(*d));
    bvt_vcpu_init(&d->v, p);
    d->woke_at = UINT64_MAX;
}

void sim_periodic(struct dom *d, const struct bvt_params *p, uint64_t burst, uint64_t period)
{
    sim_cpu_bound(d, p);
    d->burst_ns = burst;
    d->period_ns = period;
}
