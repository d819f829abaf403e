/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the Borrowed Virtual Time policy (hyp/common/bvt.c): the
 * arithmetic, the queue, and a simulated CPU (bvt_sim.c) that drives the
 * real functions the way the scheduler will (wake, deschedule, pick, the
 * slice deadline) to check the paper's properties:
 * weighted shares, low-latency dispatch of warped domains, warp limit and
 * unwarp requirement, no credit for sleepers, and the context-switch
 * allowance's bound on switching.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/bvt.h>
#include <hyp/errno.h>

#include "bvt_sim.h"

#define C_DEFAULT BVT_CTX_ALLOW_DEFAULT_NS

static struct bvt_params params(uint32_t mcu_advance, uint64_t warp, uint64_t l_ns, uint64_t u_ns)
{
    return (struct bvt_params){ mcu_advance, warp, l_ns, u_ns };
}

/* ---- Arithmetic ---- */

static void test_charge_in_whole_mcus(void **state)
{
    struct bvt_params p = params(10, 0, 0, 0);
    struct bvt_vcpu v;

    bvt_vcpu_init(&v, &p);
    bvt_charge(&v, 250 * US, 0);           /* 2 MCUs, 50 us carried */
    assert_int_equal(v.avt, 20);
    assert_int_equal(v.charge_ns, 50 * US);
    bvt_charge(&v, 50 * US, 0);            /* the carry makes a third */
    assert_int_equal(v.avt, 30);
    assert_int_equal(v.charge_ns, 0);
    bvt_charge(&v, BVT_MCU_NS - 1, 0);
    assert_int_equal(v.avt, 30);
    bvt_charge(&v, 1, 0);
    assert_int_equal(v.avt, 40);
    for (unsigned i = 0; i < 1000; i++)    /* 1000 x 1 us: exactly 10 MCUs, none lost */
        bvt_charge(&v, US, 0);
    assert_int_equal(v.avt, 140);
}

static void test_evt_and_warp(void **state)
{
    struct bvt_params p = params(10, 300, 0, 0);
    struct bvt_queue q;
    struct bvt_vcpu v;

    bvt_queue_init(&q);
    bvt_vcpu_init(&v, &p);
    v.avt = 100;
    assert_int_equal(bvt_evt(&v), 100);
    assert_int_equal(bvt_wake(&q, &v, 0, C_DEFAULT), BVT_WAKE_PREEMPT);   /* an idle CPU */
    assert_true(v.warped);
    assert_int_equal(bvt_evt(&v), -200);   /* below zero is fine: evt is signed */
}

static void test_slice_formula(void **state)
{
    struct bvt_params p10 = params(10, 0, 0, 0), pw = params(10, 1000, 2 * MS, 0);
    struct bvt_vcpu run, rival;

    bvt_vcpu_init(&run, &p10);
    bvt_vcpu_init(&rival, &p10);
    run.avt = 1000;
    rival.avt = 1500;   /* 500 vt ahead: 50 MCUs of run at 10 */
    assert_int_equal(bvt_slice_ns(&run, &rival, 5 * MS), 5 * MS + 5 * MS);
    rival.avt = 1505;   /* half an MCU more */
    assert_int_equal(bvt_slice_ns(&run, &rival, 5 * MS), 10 * MS + 50 * US);
    rival.avt = 900;    /* the rival is ahead in claim (a yield passed it): C alone */
    assert_int_equal(bvt_slice_ns(&run, &rival, 5 * MS), 5 * MS);
    assert_true(bvt_slice_ns(&run, NULL, 5 * MS) == BVT_NO_DEADLINE);
    /* Warped with L = 2 ms of which 0.5 ms used: the warp's end cuts the slice. */
    bvt_vcpu_init(&run, &pw);
    run.warped = true;
    run.warp_used_ns = 500 * US;
    rival.avt = 1000;
    assert_int_equal(bvt_slice_ns(&run, &rival, 5 * MS), 1500 * US);
}

static void test_queue_order_and_ties(void **state)
{
    struct bvt_params p = params(10, 0, 0, 0);
    static const unsigned order[4] = { 1, 3, 0, 2 };   /* lowest first: none is raised to svt */
    struct bvt_vcpu v[4];
    struct bvt_queue q;

    bvt_queue_init(&q);
    for (unsigned i = 0; i < 4; i++) {
        struct bvt_vcpu *x = &v[order[i]];
        bvt_vcpu_init(x, &p);
        x->avt = (uint64_t[]){ 30, 10, 30, 20 }[order[i]];
        bvt_deschedule(&q, 0, true);   /* nothing running: nothing happens */
        assert_int_equal(bvt_wake(&q, x, 0, C_DEFAULT), BVT_WAKE_PREEMPT);   /* an idle CPU */
    }
    assert_int_equal(q.nr, 4);
    /* Lowest evt first; the two at 30 in the order they came. */
    assert_ptr_equal(bvt_pick(&q, NULL, 0, C_DEFAULT), &v[1]);
    bvt_deschedule(&q, 0, false);
    assert_ptr_equal(bvt_pick(&q, NULL, 0, C_DEFAULT), &v[3]);
    bvt_deschedule(&q, 0, false);
    assert_ptr_equal(bvt_pick(&q, NULL, 0, C_DEFAULT), &v[0]);
    bvt_deschedule(&q, 0, true);   /* no time passed: back behind its equal */
    assert_ptr_equal(bvt_pick(&q, NULL, 0, C_DEFAULT), &v[2]);
    bvt_remove(&q, &v[0], 0);
    assert_int_equal(q.nr, 0);
    assert_false(v[0].on_queue);
    bvt_deschedule(&q, 0, false);
    assert_null(bvt_pick(&q, NULL, 0, C_DEFAULT));
    assert_null(q.running);
}

static void test_svt_is_lowest_runnable_avt(void **state)
{
    struct bvt_params plain = params(10, 0, 0, 0), warps = params(10, 500, 0, 0);
    struct bvt_vcpu a, b, w;
    struct bvt_queue q;

    bvt_queue_init(&q);
    bvt_vcpu_init(&a, &plain);
    bvt_vcpu_init(&b, &plain);
    bvt_vcpu_init(&w, &warps);
    a.avt = 400;
    b.avt = 700;
    w.avt = 800;   /* warped: evt 300, so first in the queue, yet its avt is not the lowest */
    bvt_wake(&q, &a, 0, C_DEFAULT);
    bvt_wake(&q, &b, 0, C_DEFAULT);
    bvt_wake(&q, &w, 0, C_DEFAULT);
    assert_ptr_equal(q.head, &w);
    assert_int_equal(bvt_queue_svt(&q), 400);
    /* a runs and passes b: svt follows the lowest runnable avt, the running one's included. */
    assert_ptr_equal(bvt_pick(&q, &w, 0, C_DEFAULT), &a);   /* w yielded: a, the next best */
    bvt_account(&q, 50 * MS);   /* 500 MCUs: avt 5400 */
    assert_int_equal(a.avt, 5400);
    assert_int_equal(bvt_queue_svt(&q), 700);
    /* b leaves: svt never goes back, even with no vCPU left. */
    bvt_remove(&q, &b, 50 * MS);
    bvt_remove(&q, &w, 50 * MS);
    bvt_deschedule(&q, 50 * MS, false);
    assert_int_equal(bvt_queue_svt(&q), 700);
}

/* The walk that stops at the first unwarped vCPU finds the same minimum as a full one. */
static void test_svt_walk_matches_brute_force(void **state)
{
    struct bvt_params p[2] = { params(10, 0, 0, 0), params(10, 0, 0, 0) };
    struct bvt_vcpu v[16];
    uint64_t seed = 12345;

    for (unsigned round = 0; round < 2000; round++) {
        struct bvt_queue q;
        unsigned n = 1 + round % 16;
        uint64_t low = UINT64_MAX;

        bvt_queue_init(&q);
        for (unsigned i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            p[1].warp = (seed >> 40) % 5000;
            bvt_vcpu_init(&v[i], &p[(seed >> 20) & 1]);
            /* Queued directly, as after a migration: svt 0, so nothing is raised. */
            v[i].detached = true;
            v[i].avt = (seed >> 8) % 10000;
            v[i].warped = v[i].params.warp != 0;
            assert_int_equal(bvt_migrate_in(&q, &v[i], 0, C_DEFAULT), BVT_WAKE_PREEMPT);
            low = MIN(low, v[i].avt);
        }
        assert_int_equal(bvt_queue_svt(&q), low);
    }
}

/*
 * The waiting list stays in evt order, equal evts in arrival order, with
 * its tail on the last one, through random arrivals (migrations in, at any
 * evt, often the highest, as a yielder's), picks and removals.
 */
static void assert_queue_well_formed(const struct bvt_queue *q, const unsigned *arrival,
                                     const struct bvt_vcpu *v0)
{
    const struct bvt_vcpu *last = NULL;
    unsigned n = 0;

    for (const struct bvt_vcpu *v = q->head; v; last = v, v = v->next, n++) {
        assert_true(v->on_queue && n < q->nr);   /* a broken link loops: stop */
        if (last) {
            assert_true(bvt_evt(last) <= bvt_evt(v));
            if (bvt_evt(last) == bvt_evt(v))
                assert_true(arrival[last - v0] < arrival[v - v0]);
        }
    }
    assert_ptr_equal(q->tail, last);
    assert_int_equal(q->nr, n);
}

static void test_queue_order_and_tail_under_random_use(void **state)
{
    struct bvt_params p = params(10, 0, 0, 0);
    struct bvt_vcpu v[12];
    unsigned arrival[12] = { 0 }, clock = 0;
    uint64_t seed = 777;
    struct bvt_queue q;

    bvt_queue_init(&q);
    for (unsigned i = 0; i < 12; i++)
        bvt_vcpu_init(&v[i], &p);
    for (unsigned step = 0; step < 20000; step++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        struct bvt_vcpu *x = &v[(seed >> 33) % 12];
        unsigned what = (seed >> 20) % 4;

        if (!x->on_queue && x != q.running && what != 3) {
            /* Detached with lead 0..7 over svt: ties are common. */
            x->detached = true;
            x->avt = (what == 0) ? 7 : (seed >> 40) % 8;
            arrival[x - v] = ++clock;
            bvt_migrate_in(&q, x, 0, C_DEFAULT);
        } else if (x->on_queue && what == 1) {
            bvt_remove(&q, x, 0);
        } else if (what == 3) {
            bvt_pick(&q, NULL, 0, C_DEFAULT);   /* the head leaves to run */
            q.running = NULL;                    /* and blocks at once */
        }
        assert_queue_well_formed(&q, arrival, v);
    }
}

/* ---- The paper's properties, simulated ---- */

static void test_weights_1_to_2_share_the_cpu_1_to_2(void **state)
{
    struct bvt_params light = params(20, 0, 0, 0), heavy = params(10, 0, 0, 0);
    struct dom d[2];
    struct sim s;

    sim_cpu_bound(&d[0], &light);   /* weight 1 */
    sim_cpu_bound(&d[1], &heavy);   /* weight 2 */
    sim_init(&s, d, 2, C_DEFAULT);
    sim_run(&s, 3 * S);
    assert_int_equal(d[0].ran_ns + d[1].ran_ns, 3 * S);
    double ratio = (double)d[1].ran_ns / (double)d[0].ran_ns;
    print_message("weights 1:2 over 3 s: %.3f s and %.3f s, ratio %.4f, %u switches\n",
                  d[0].ran_ns / 1e9, d[1].ran_ns / 1e9, ratio, s.switches);
    assert_true(ratio > 2 * 0.99 && ratio < 2 * 1.01);
}

static void test_four_weights_share_in_proportion(void **state)
{
    /* Weights 1:2:3:4 as mcu_advance 12, 6, 4, 3. */
    static const uint32_t adv[4] = { 12, 6, 4, 3 };
    struct dom d[4];
    struct sim s;

    for (unsigned i = 0; i < 4; i++)
        sim_cpu_bound(&d[i], &(struct bvt_params){ .mcu_advance = adv[i] });
    sim_init(&s, d, 4, C_DEFAULT);
    sim_run(&s, 10 * S);
    for (unsigned i = 0; i < 4; i++) {
        double share = (double)d[i].ran_ns / (10.0 * S), want = (i + 1) / 10.0;
        assert_true(share > want * 0.99 && share < want * 1.01);
    }
}

/*
 * D is light (weight 1 against 10) yet wants 10 % of the CPU, more than
 * its share: unwarped, its avt runs ahead and its wake-ups wait behind
 * the CPU-bound peer.  Warped, each wake-up takes the CPU at once.
 */
static void warped_or_not(uint64_t warp, struct dom d[2])
{
    struct bvt_params hog = params(10, 0, 0, 0), light = params(100, warp, 0, 0);
    struct sim s;

    sim_cpu_bound(&d[0], &hog);
    sim_periodic(&d[1], &light, 1 * MS, 10 * MS);
    d[1].next_wake = 5 * MS;   /* the hog first */
    sim_init(&s, d, 2, C_DEFAULT);
    sim_run(&s, 3 * S);
}

static void test_warped_wakeup_preempts_at_once(void **state)
{
    struct dom plain[2], warped[2];

    warped_or_not(0, plain);
    warped_or_not(1000000, warped);
    print_message("worst wake-up latency of a light domain wanting 10%%: "
                  "unwarped %.3f ms, warped %.3f ms\n",
                  plain[1].worst_latency_ns / 1e6, warped[1].worst_latency_ns / 1e6);
    assert_true(plain[1].worst_latency_ns >= 1 * MS);
    assert_true(plain[1].preempting_wakes < plain[1].wakes);
    assert_int_equal(warped[1].worst_latency_ns, 0);
    assert_int_equal(warped[1].preempting_wakes, warped[1].wakes);
    assert_int_equal(warped[1].wakes, 300);
    /* It got what it asked for: 1 ms in every 10. */
    assert_int_equal(warped[1].ran_ns, 300 * MS);
}

static void test_warp_limit_ends_warp_and_unwarp_keeps_it_off(void **state)
{
    struct bvt_params hog = params(10, 0, 0, 0), w = params(10, 100000, 2 * MS, 50 * MS);
    struct bvt_vcpu a, d;
    struct bvt_queue q;
    uint64_t t = 0;

    bvt_queue_init(&q);
    bvt_vcpu_init(&a, &hog);
    bvt_vcpu_init(&d, &w);
    bvt_wake(&q, &a, t, C_DEFAULT);
    assert_ptr_equal(bvt_pick(&q, NULL, t, C_DEFAULT), &a);
    t = 10 * MS;
    assert_int_equal(bvt_wake(&q, &d, t, C_DEFAULT), BVT_WAKE_PREEMPT);
    assert_true(d.warped);
    bvt_deschedule(&q, t, true);
    assert_ptr_equal(bvt_pick(&q, NULL, t, C_DEFAULT), &d);
    /* Its deadline is where L ends the warp, though its lead would allow far more. */
    assert_int_equal(q.slice_end_ns, t + 2 * MS);
    t = q.slice_end_ns;
    assert_true(bvt_slice_over(&q, t));
    bvt_deschedule(&q, t, true);
    assert_false(d.warped);
    assert_int_equal(d.warp_end_ns, t);
    assert_ptr_equal(bvt_pick(&q, NULL, t, C_DEFAULT), &a);   /* unwarped, d is behind */
    /* d blocks and wakes again within U: no warp, no preemption. */
    bvt_remove(&q, &d, t);
    assert_false(bvt_wake(&q, &d, t + 20 * MS, C_DEFAULT) == BVT_WAKE_PREEMPT);
    assert_false(d.warped);
    bvt_remove(&q, &d, t + 21 * MS);
    /* A break of U: the budget is whole again. */
    assert_int_equal(bvt_wake(&q, &d, t + 50 * MS, C_DEFAULT), BVT_WAKE_PREEMPT);
    assert_true(d.warped);
    assert_int_equal(d.warp_used_ns, 0);
}

static void test_short_blocks_do_not_renew_the_warp(void **state)
{
    struct bvt_params w = params(10, 100000, 2 * MS, 50 * MS);
    struct bvt_vcpu d;
    struct bvt_queue q;
    uint64_t t = 0;

    bvt_queue_init(&q);
    bvt_vcpu_init(&d, &w);
    /* 1.5 ms warped, a 1 ms nap, then the rest of L: the budget was not renewed. */
    bvt_wake(&q, &d, t, C_DEFAULT);
    bvt_pick(&q, NULL, t, C_DEFAULT);
    t += 1500 * US;
    bvt_deschedule(&q, t, false);
    t += 1 * MS;
    bvt_wake(&q, &d, t, C_DEFAULT);
    assert_true(d.warped);
    assert_int_equal(d.warp_used_ns, 1500 * US);
    bvt_pick(&q, NULL, t, C_DEFAULT);
    bvt_account(&q, t + 500 * US);
    assert_false(d.warped);
}

static void test_sleepers_get_no_credit(void **state)
{
    struct bvt_params p = params(10, 0, 0, 0);
    struct dom d[2];
    struct sim s;

    sim_cpu_bound(&d[0], &p);
    sim_cpu_bound(&d[1], &p);
    d[1].next_wake = 1 * S;   /* asleep while the other runs alone for a second */
    sim_init(&s, d, 2, C_DEFAULT);
    sim_run(&s, 1 * S);
    assert_int_equal(d[0].ran_ns, 1 * S);
    sim_run(&s, 1200 * MS);
    /* Both CPU-bound for 200 ms: about half each, give or take a slice; not all for the sleeper. */
    assert_true(d[1].ran_ns >= 100 * MS - 2 * C_DEFAULT && d[1].ran_ns <= 100 * MS + 2 * C_DEFAULT);
}

static void test_tied_wakeup_waits_at_most_c(void **state)
{
    struct bvt_params p = params(10, 0, 0, 0);
    struct bvt_vcpu a, b, c, d;
    struct bvt_queue q;

    bvt_queue_init(&q);
    bvt_vcpu_init(&a, &p);
    bvt_vcpu_init(&b, &p);
    bvt_vcpu_init(&c, &p);
    bvt_vcpu_init(&d, &p);
    bvt_wake(&q, &a, 0, C_DEFAULT);
    bvt_pick(&q, NULL, 0, C_DEFAULT);
    assert_true(q.slice_end_ns == BVT_NO_DEADLINE);   /* alone */
    /* b wakes level with a (svt = a's avt): no preemption, a gives way after C. */
    assert_int_equal(bvt_wake(&q, &b, 30 * MS, C_DEFAULT), BVT_WAKE_SHORTEN);
    assert_int_equal(b.avt, a.avt);
    assert_int_equal(q.slice_end_ns, 30 * MS + C_DEFAULT);
    /* c wakes at the same moment with the same claim: the deadline stands. */
    assert_int_equal(bvt_wake(&q, &c, 30 * MS, C_DEFAULT), BVT_WAKE_WAIT);
    assert_int_equal(q.slice_end_ns, 30 * MS + C_DEFAULT);
    /* d wakes 1 ms later, at svt, now below a's evt: lower preempts, C or not. */
    assert_int_equal(bvt_wake(&q, &d, 31 * MS, C_DEFAULT), BVT_WAKE_PREEMPT);
    assert_int_equal(d.avt, b.avt);
}

static void switches_with(uint64_t ctx_allow, unsigned *switches, uint64_t *shortest)
{
    static const uint32_t adv[4] = { 10, 10, 17, 40 };
    struct dom d[4];
    struct sim s;

    for (unsigned i = 0; i < 4; i++)
        sim_cpu_bound(&d[i], &(struct bvt_params){ .mcu_advance = adv[i] });
    sim_init(&s, d, 4, ctx_allow);
    sim_run(&s, 3 * S);
    *switches = s.switches;
    *shortest = s.shortest_timed_run;
}

static void test_ctx_allowance_bounds_switching(void **state)
{
    unsigned few, many;
    uint64_t shortest_few, shortest_many;

    switches_with(20 * MS, &few, &shortest_few);
    switches_with(1 * MS, &many, &shortest_many);
    print_message("4 CPU-bound domains for 3 s: %u switches with C = 20 ms, %u with C = 1 ms\n",
                  few, many);
    /* Every slice is at least C, so at most one switch per C. */
    assert_true(shortest_few >= 20 * MS);
    assert_true(shortest_many >= 1 * MS);
    assert_true(few <= 3 * S / (20 * MS));
    assert_true(many <= 3 * S / (1 * MS));
    assert_true(many > 10 * few);
}

/* ---- Yield, parameters, several CPUs ---- */

static void test_yield_passes_over_the_yielder_once(void **state)
{
    struct bvt_params p = params(10, 0, 0, 0);
    struct bvt_vcpu a, b;
    struct bvt_queue q;

    bvt_queue_init(&q);
    bvt_vcpu_init(&a, &p);
    bvt_vcpu_init(&b, &p);
    bvt_wake(&q, &a, 0, C_DEFAULT);
    assert_ptr_equal(bvt_pick(&q, NULL, 0, C_DEFAULT), &a);
    bvt_wake(&q, &b, 0, C_DEFAULT);
    b.avt = 1000;   /* far behind in claim */
    bvt_deschedule(&q, 0, true);
    assert_ptr_equal(bvt_pick(&q, &a, 0, C_DEFAULT), &b);   /* a yields: b runs anyway */
    assert_int_equal(q.slice_end_ns, C_DEFAULT);            /* for C, then a again */
    bvt_deschedule(&q, 0, true);
    bvt_remove(&q, &b, 0);
    assert_ptr_equal(bvt_pick(&q, &a, 0, C_DEFAULT), &a);   /* alone: it goes on */
}

static void test_set_params(void **state)
{
    struct bvt_params p = params(10, 0, 0, 0), heavy = params(1, 0, 0, 0), w = params(10, 50, 0, 0);
    struct bvt_vcpu a, b;
    struct bvt_queue q;

    bvt_queue_init(&q);
    bvt_vcpu_init(&a, &w);
    bvt_vcpu_init(&b, &p);
    a.avt = 100;
    b.avt = 90;
    bvt_wake(&q, &b, 0, C_DEFAULT);
    bvt_wake(&q, &a, 0, C_DEFAULT);   /* warped: evt 50 */
    assert_ptr_equal(q.head, &a);
    assert_false(bvt_set_params(&q, &a, &p));   /* no warp any more: evt 100, behind b */
    assert_false(a.warped);
    assert_ptr_equal(q.head, &b);
    assert_ptr_equal(bvt_pick(&q, NULL, 0, C_DEFAULT), &b);
    assert_true(bvt_set_params(&q, &b, &heavy));   /* the running one: reschedule */
    bvt_account(&q, 1 * MS);
    assert_int_equal(b.avt, 90 + 10);   /* charged at the new advance */
}

static void test_migration_keeps_the_lead_over_svt(void **state)
{
    struct bvt_params p = params(10, 0, 0, 0);
    struct bvt_queue from, to;
    struct bvt_vcpu x, y, u;

    bvt_queue_init(&from);
    bvt_queue_init(&to);
    bvt_vcpu_init(&x, &p);
    bvt_vcpu_init(&y, &p);
    bvt_vcpu_init(&u, &p);
    assert_null(bvt_migrate_out(&from));
    from.svt = 1000;
    y.avt = 1000;
    x.avt = 1300;
    bvt_wake(&from, &y, 0, C_DEFAULT);
    assert_ptr_equal(bvt_pick(&from, NULL, 0, C_DEFAULT), &y);   /* y runs, at svt */
    bvt_wake(&from, &x, 0, C_DEFAULT);
    /* x, waiting, leaves 300 vt ahead of its queue's svt ... */
    to.svt = 50000;
    assert_ptr_equal(bvt_migrate_out(&from), &x);
    assert_null(bvt_migrate_out(&from));   /* the running one is not taken */
    assert_true(x.detached);
    assert_int_equal(x.avt, 300);
    /* ... and is 300 ahead of the new one's: neither credit nor debt from the move. */
    assert_int_equal(bvt_migrate_in(&to, &x, 0, C_DEFAULT), BVT_WAKE_PREEMPT);   /* idle CPU */
    assert_int_equal(x.avt, 50300);
    assert_false(x.detached);
    /* One that blocked on the way wakes later on the new queue, in its frame. */
    u.avt = 1200;
    bvt_wake(&from, &u, 0, C_DEFAULT);
    assert_ptr_equal(bvt_migrate_out(&from), &u);
    assert_int_equal(u.avt, 200);
    bvt_wake(&to, &u, 0, C_DEFAULT);   /* to's svt is now x's 50300 */
    assert_int_equal(u.avt, 50500);
    assert_false(u.detached);
    assert_int_equal(to.nr, 2);
}

/* ---- Validation ---- */

static void expect_bad(struct bvt_params p, const char *word)
{
    const char *why = NULL;

    assert_int_equal(bvt_params_check(&p, &why), -EINVAL);
    assert_non_null(why);
    assert_non_null(strstr(why, word));
}

static void test_params_validation(void **state)
{
    struct bvt_params def;
    const char *why = "unset";

    bvt_params_default(&def);
    assert_int_equal(def.mcu_advance, BVT_MCU_ADVANCE_DEFAULT);
    assert_int_equal(bvt_params_check(&def, &why), 0);
    assert_null(why);
    assert_int_equal(bvt_params_check(&def, NULL), 0);
    /* The edges pass. */
    static const struct bvt_params good[] = {
        { 1, 0, 0, 0 },
        { BVT_MCU_ADVANCE_MAX, BVT_WARP_MAX, BVT_TIME_PARAM_MAX_NS, BVT_TIME_PARAM_MAX_NS },
        { 10, 1, BVT_MCU_NS, 0 },
    };
    for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(bvt_params_check(&good[i], NULL), 0);
    /* One step past each edge fails, naming the value. */
    expect_bad(params(0, 0, 0, 0), "mcu_advance");
    expect_bad(params(BVT_MCU_ADVANCE_MAX + 1, 0, 0, 0), "mcu_advance");
    expect_bad(params(UINT32_MAX, 0, 0, 0), "mcu_advance");
    expect_bad(params(10, BVT_WARP_MAX + 1, 0, 0), "warp must");
    expect_bad(params(10, UINT64_MAX, 0, 0), "warp must");
    expect_bad(params(10, 5, BVT_MCU_NS - 1, 0), "warp limit");
    expect_bad(params(10, 5, BVT_TIME_PARAM_MAX_NS + 1, 0), "warp limit");
    expect_bad(params(10, 5, 0, BVT_TIME_PARAM_MAX_NS + 1), "unwarp");
    expect_bad(params(10, 5, 0, UINT64_MAX), "unwarp");
    /* The context-switch allowance. */
    assert_int_equal(bvt_ctx_allow_check(BVT_CTX_ALLOW_DEFAULT_NS, &why), 0);
    assert_null(why);
    assert_int_equal(bvt_ctx_allow_check(BVT_CTX_ALLOW_MIN_NS, NULL), 0);
    assert_int_equal(bvt_ctx_allow_check(BVT_CTX_ALLOW_MAX_NS, NULL), 0);
    static const uint64_t bad_c[] = {
        0, BVT_CTX_ALLOW_MIN_NS - 1, BVT_CTX_ALLOW_MAX_NS + 1, UINT64_MAX,
    };
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(bvt_ctx_allow_check(bad_c[i], &why), -EINVAL);
        assert_non_null(strstr(why, "context-switch allowance"));
    }
}

/* ---- No overflow ---- */

static void test_years_of_run_time_are_exact(void **state)
{
    struct bvt_params p = params(BVT_MCU_ADVANCE_MAX, 0, 0, 0);
    const uint64_t year = 31557600ull * S;   /* 365.25 days */
    struct bvt_vcpu v;

    bvt_vcpu_init(&v, &p);
    for (unsigned i = 0; i < 100; i++)
        bvt_charge(&v, year, 0);
    assert_int_equal(v.avt, 100 * (year / BVT_MCU_NS) * BVT_MCU_ADVANCE_MAX);
    assert_true(v.avt < BVT_VT_MAX);
}

static void test_huge_run_times_saturate(void **state)
{
    struct bvt_params p = params(BVT_MCU_ADVANCE_MAX, BVT_WARP_MAX, BVT_TIME_PARAM_MAX_NS, 0);
    struct bvt_vcpu v, rival;
    struct bvt_queue q;

    bvt_vcpu_init(&v, &p);
    bvt_charge(&v, UINT64_MAX, 0);      /* 584 years at once: 1.8 * 10^17 vt, exact */
    assert_true(v.avt == UINT64_MAX / BVT_MCU_NS * BVT_MCU_ADVANCE_MAX);
    assert_true(v.charge_ns < BVT_MCU_NS);
    for (unsigned i = 0; i < 30; i++)   /* 17,500 years: capped */
        bvt_charge(&v, UINT64_MAX, 0);
    assert_true(v.avt == BVT_VT_MAX);   /* stays there, never wraps to small */
    v.warped = true;
    assert_true(bvt_evt(&v) == (int64_t)(BVT_VT_MAX - BVT_WARP_MAX));
    bvt_charge(&v, UINT64_MAX, 0);      /* warp use saturates too; L ends the warp */
    assert_false(v.warped);
    assert_true(v.warp_used_ns == UINT64_MAX);
    /* The widest possible lead: a long slice, not a wrapped short one. */
    bvt_vcpu_init(&rival, &(struct bvt_params){ .mcu_advance = 1 });
    rival.avt = BVT_VT_MAX;
    bvt_vcpu_init(&v, &(struct bvt_params){ .mcu_advance = 1, .warp = BVT_WARP_MAX });
    v.warped = true;
    uint64_t slice = bvt_slice_ns(&v, &rival, BVT_CTX_ALLOW_MAX_NS);
    assert_true(slice >= (1ull << 61));   /* 73 years: as good as never */
    /* Deadlines near the end of the clock are capped, not wrapped. */
    bvt_queue_init(&q);
    v.warped = false;
    v.avt = 0;
    bvt_wake(&q, &rival, 0, C_DEFAULT);
    bvt_wake(&q, &v, 0, C_DEFAULT);
    assert_ptr_equal(bvt_pick(&q, NULL, UINT64_MAX - 10, BVT_CTX_ALLOW_MAX_NS), &v);
    assert_true(q.slice_end_ns == BVT_NO_DEADLINE);
    assert_false(bvt_slice_over(&q, UINT64_MAX - 1));
}

static void test_unchecked_params_stay_in_bounds(void **state)
{
    struct bvt_vcpu v, rival;

    bvt_vcpu_init(&rival, &(struct bvt_params){ .mcu_advance = 1 });
    rival.avt = BVT_VT_MAX;
    bvt_vcpu_init(&v, &(struct bvt_params){ .mcu_advance = UINT32_MAX, .warp = UINT64_MAX });
    v.warped = true;
    assert_true(bvt_evt(&v) == -(int64_t)BVT_WARP_MAX);
    bvt_charge(&v, UINT64_MAX, 0);   /* at most mcu_advance 1000 */
    assert_true(v.avt == UINT64_MAX / BVT_MCU_NS * BVT_MCU_ADVANCE_MAX);
    bvt_vcpu_init(&v, &(struct bvt_params){ .mcu_advance = 0 });
    bvt_charge(&v, BVT_MCU_NS, 0);   /* at least 1, and no division by 0 */
    assert_int_equal(v.avt, 1);
    assert_int_equal(bvt_slice_ns(&v, &rival, 0), 1ull << 61);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_charge_in_whole_mcus),
        cmocka_unit_test(test_evt_and_warp),
        cmocka_unit_test(test_slice_formula),
        cmocka_unit_test(test_queue_order_and_ties),
        cmocka_unit_test(test_svt_is_lowest_runnable_avt),
        cmocka_unit_test(test_svt_walk_matches_brute_force),
        cmocka_unit_test(test_queue_order_and_tail_under_random_use),
        cmocka_unit_test(test_weights_1_to_2_share_the_cpu_1_to_2),
        cmocka_unit_test(test_four_weights_share_in_proportion),
        cmocka_unit_test(test_warped_wakeup_preempts_at_once),
        cmocka_unit_test(test_warp_limit_ends_warp_and_unwarp_keeps_it_off),
        cmocka_unit_test(test_short_blocks_do_not_renew_the_warp),
        cmocka_unit_test(test_sleepers_get_no_credit),
        cmocka_unit_test(test_tied_wakeup_waits_at_most_c),
        cmocka_unit_test(test_ctx_allowance_bounds_switching),
        cmocka_unit_test(test_yield_passes_over_the_yielder_once),
        cmocka_unit_test(test_set_params),
        cmocka_unit_test(test_migration_keeps_the_lead_over_svt),
        cmocka_unit_test(test_params_validation),
        cmocka_unit_test(test_years_of_run_time_are_exact),
        cmocka_unit_test(test_huge_run_times_saturate),
        cmocka_unit_test(test_unchecked_params_stay_in_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
