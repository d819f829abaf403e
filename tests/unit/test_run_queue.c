/* SPDX-License-Identifier: MIT */
/* Host tests of the runstate accounts (hyp/common/run_queue.c) and of rq_vcpu. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/run_queue.h>

static struct vcpu v[3];

/*
 * The queue itself is the BVT policy's (tests/unit/test_bvt.c); here only
 * that the vCPUs it hands back are the ones queued, in evt order.
 */
static void test_queue_hands_back_vcpus(void **state)
{
    struct bvt_queue q;
    struct bvt_params p;

    bvt_params_default(&p);
    bvt_queue_init(&q);
    for (unsigned i = 3; i-- > 0;) {   /* lowest first: a wake-up lifts avt to svt */
        bvt_vcpu_init(&v[i].bvt, &p);
        v[i].bvt.avt = 100 * (3 - i);   /* v[2] lowest */
        assert_int_equal(bvt_wake(&q, &v[i].bvt, 0, BVT_CTX_ALLOW_DEFAULT_NS), BVT_WAKE_PREEMPT);
    }
    assert_int_equal(q.nr, 3);
    assert_ptr_equal(rq_vcpu(bvt_pick(&q, NULL, 0, BVT_CTX_ALLOW_DEFAULT_NS)), &v[2]);
    assert_ptr_equal(rq_vcpu(q.head), &v[1]);
    assert_ptr_equal(rq_vcpu(q.head->next), &v[0]);
    assert_null(rq_vcpu(NULL));
}

static void test_runstate_adds_up(void **state)
{
    struct vcpu_runstate rs;
    uint64_t t[4];

    runstate_init(&rs, RUNSTATE_offline, 1000);
    runstate_set(&rs, RUNSTATE_runnable, 1500);   /* 500 offline */
    runstate_set(&rs, RUNSTATE_runnable, 1600);   /* same state: nothing */
    runstate_set(&rs, RUNSTATE_running, 1700);    /* 200 runnable */
    runstate_set(&rs, RUNSTATE_blocked, 2700);    /* 1000 running */
    assert_int_equal(rs.entry_tsc, 2700);
    runstate_ticks(&rs, 3000, t);                  /* 300 blocked so far */
    assert_int_equal(t[RUNSTATE_offline], 500);
    assert_int_equal(t[RUNSTATE_runnable], 200);
    assert_int_equal(t[RUNSTATE_running], 1000);
    assert_int_equal(t[RUNSTATE_blocked], 300);
    assert_int_equal(rs.ticks[RUNSTATE_blocked], 0);   /* asking changed nothing */
}

static void test_runstate_clock_going_back(void **state)
{
    struct vcpu_runstate rs;
    uint64_t t[4];

    runstate_init(&rs, RUNSTATE_running, 5000);
    runstate_ticks(&rs, 4000, t);   /* a stamp from behind: nothing, not 2^64 - 1000 */
    assert_int_equal(t[RUNSTATE_running], 0);
    runstate_set(&rs, RUNSTATE_runnable, 4000);
    assert_int_equal(rs.ticks[RUNSTATE_running], 0);
    assert_int_equal(rs.entry_tsc, 4000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_hands_back_vcpus),
        cmocka_unit_test(test_runstate_adds_up),
        cmocka_unit_test(test_runstate_clock_going_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
