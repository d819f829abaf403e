/* SPDX-License-Identifier: MIT */
/* Unit tests of the ordered timer queue (hyp/common/timer_queue.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/timer_queue.h>

static void test_empty(void **state)
{
    struct timer_queue q = { 0 };

    assert_int_equal(timer_queue_next(&q), 0);
    assert_null(timer_queue_pop_expired(&q, ~0ull));
}

static void test_order_and_expiry(void **state)
{
    struct timer_queue q = { 0 };
    struct timer a = { .deadline = 300 }, b = { .deadline = 100 }, c = { .deadline = 200 };

    timer_queue_insert(&q, &a);
    timer_queue_insert(&q, &b);
    timer_queue_insert(&q, &c);
    assert_int_equal(timer_queue_next(&q), 100);
    assert_null(timer_queue_pop_expired(&q, 99));
    assert_ptr_equal(timer_queue_pop_expired(&q, 250), &b);
    assert_false(b.queued);
    assert_ptr_equal(timer_queue_pop_expired(&q, 250), &c);
    assert_null(timer_queue_pop_expired(&q, 250));
    assert_int_equal(timer_queue_next(&q), 300);
    assert_true(a.queued);
}

static void test_equal_deadlines_fire_in_setting_order(void **state)
{
    struct timer_queue q = { 0 };
    struct timer t[4] = { { .deadline = 5 }, { .deadline = 5 }, { .deadline = 5 }, { .deadline = 5 } };

    for (int i = 0; i < 4; i++)
        timer_queue_insert(&q, &t[i]);
    for (int i = 0; i < 4; i++)
        assert_ptr_equal(timer_queue_pop_expired(&q, 5), &t[i]);
}

static void test_remove(void **state)
{
    struct timer_queue q = { 0 };
    struct timer a = { .deadline = 1 }, b = { .deadline = 2 }, c = { .deadline = 3 }, d = { .deadline = 4 };

    timer_queue_insert(&q, &a);
    timer_queue_insert(&q, &b);
    timer_queue_insert(&q, &c);
    assert_true(timer_queue_remove(&q, &b));
    assert_false(timer_queue_remove(&q, &b));
    assert_false(timer_queue_remove(&q, &d));   /* never queued */
    assert_true(timer_queue_remove(&q, &a));
    assert_int_equal(timer_queue_next(&q), 3);
    assert_true(timer_queue_remove(&q, &c));
    assert_null(q.head);
}

/* Random inserts and removals against a simple model: pops come out sorted, nothing lost. */
static void test_random_against_model(void **state)
{
    enum { N = 500 };
    static struct timer t[N];
    struct timer_queue q = { 0 };
    unsigned queued = 0;

    srandom(3);
    for (int round = 0; round < 20000; round++) {
        struct timer *x = &t[random() % N];
        if (random() % 3) {
            if (x->queued) {
                timer_queue_remove(&q, x);
                queued--;
            }
            x->deadline = random() % 1000;
            timer_queue_insert(&q, x);
            queued++;
        } else if (x->queued) {
            assert_true(timer_queue_remove(&q, x));
            queued--;
        }
    }
    uint64_t last = 0;
    struct timer *p;
    while ((p = timer_queue_pop_expired(&q, ~0ull))) {
        assert_true(p->deadline >= last);
        last = p->deadline;
        queued--;
    }
    assert_int_equal(queued, 0);
    for (int i = 0; i < N; i++)
        assert_false(t[i].queued);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_order_and_expiry),
        cmocka_unit_test(test_equal_deadlines_fire_in_setting_order),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
