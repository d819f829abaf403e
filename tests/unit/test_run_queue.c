/* SPDX-License-Identifier: MIT */
/* Host tests of the run queue and the runstate accounts (hyp/common/run_queue.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/run_queue.h>

static struct vcpu v[4];

static void test_fifo_order(void **state)
{
    struct run_queue rq = { 0 };

    assert_null(rq_dequeue(&rq));
    for (unsigned i = 0; i < 3; i++)
        rq_enqueue(&rq, &v[i]);
    assert_int_equal(rq.nr, 3);
    assert_true(v[1].queued);
    assert_ptr_equal(rq_dequeue(&rq), &v[0]);
    assert_false(v[0].queued);
    rq_enqueue(&rq, &v[0]);   /* round-robin: back of the queue */
    assert_ptr_equal(rq_dequeue(&rq), &v[1]);
    assert_ptr_equal(rq_dequeue(&rq), &v[2]);
    assert_ptr_equal(rq_dequeue(&rq), &v[0]);
    assert_null(rq_dequeue(&rq));
    assert_int_equal(rq.nr, 0);
    assert_null(rq.head);
    assert_null(rq.tail);
}

static void test_remove_anywhere(void **state)
{
    struct run_queue rq = { 0 };

    for (unsigned i = 0; i < 4; i++)
        rq_enqueue(&rq, &v[i]);
    rq_remove(&rq, &v[3]);   /* the tail */
    assert_ptr_equal(rq.tail, &v[2]);
    rq_remove(&rq, &v[0]);   /* the head */
    assert_ptr_equal(rq.head, &v[1]);
    rq_remove(&rq, &v[0]);   /* not queued: nothing */
    assert_int_equal(rq.nr, 2);
    rq_enqueue(&rq, &v[3]);   /* the new tail links after the old one */
    assert_ptr_equal(rq_dequeue(&rq), &v[1]);
    assert_ptr_equal(rq_dequeue(&rq), &v[2]);
    assert_ptr_equal(rq_dequeue(&rq), &v[3]);
    assert_int_equal(rq.nr, 0);
    rq_enqueue(&rq, &v[2]);
    rq_remove(&rq, &v[2]);   /* the only one */
    assert_null(rq.head);
    assert_null(rq.tail);
    assert_false(v[2].queued);
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
        cmocka_unit_test(test_fifo_order),
        cmocka_unit_test(test_remove_anywhere),
        cmocka_unit_test(test_runstate_adds_up),
        cmocka_unit_test(test_runstate_clock_going_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
