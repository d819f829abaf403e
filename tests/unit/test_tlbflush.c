// SPDX-License-Identifier: MIT
/*
 * The TLB-flush clock (hyp/mm/tlbflush.c): which CPUs a stamped frame
 * still needs flushed, its statistics, the cpumask helpers, and a
 * two-thread race in which a CPU that flushed after a stamp was taken
 * must never be asked to flush again, and one that did not always is.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <hyp/tlbflush.h>

/* The clock is global: each test stamps from "now" and reasons from there. */
static void flush_cpu(unsigned cpu)
{
    tlbflush_end(cpu, tlbflush_begin());
}

static void test_cpumask(void **state)
{
    cpumask_t m = cpumask_of(0) | cpumask_of(5) | cpumask_of(63);
    unsigned cpu, seen[3], n = 0;

    assert_true(cpumask_test(m, 5));
    assert_false(cpumask_test(m, 4));
    assert_int_equal(cpumask_weight(m), 3);
    assert_int_equal(cpumask_first(m), 0);
    assert_int_equal(cpumask_first(0), NR_CPUS_MAX);
    for_each_cpu(cpu, m)
        seen[n++] = cpu;
    assert_int_equal(n, 3);
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], 5);
    assert_int_equal(seen[2], 63);
    n = 0;
    for_each_cpu(cpu, (cpumask_t)0)
        n++;
    assert_int_equal(n, 0);
}

static void test_never_flushed_cpu_needs_flush(void **state)
{
    /* CPU 40 never flushed in this test binary. */
    assert_int_equal(tlbflush_filter(cpumask_of(40), tlbflush_now()), cpumask_of(40));
    assert_int_equal(tlbflush_filter(cpumask_of(40), 0), cpumask_of(40));
}

static void test_flush_after_stamp_spares_cpu(void **state)
{
    tlb_time_t stamp = tlbflush_now();

    flush_cpu(1);
    assert_int_equal(tlbflush_filter(cpumask_of(1) | cpumask_of(2), stamp), cpumask_of(2));
    flush_cpu(2);
    assert_int_equal(tlbflush_filter(cpumask_of(1) | cpumask_of(2), stamp), 0);
}

static void test_flush_before_stamp_does_not_count(void **state)
{
    flush_cpu(3);
    tlb_time_t stamp = tlbflush_now();
    assert_int_equal(tlbflush_filter(cpumask_of(3), stamp), cpumask_of(3));
}

/* A flush that began before the stamp but ends after it proves nothing. */
static void test_flush_in_progress_at_stamp_does_not_count(void **state)
{
    tlb_time_t began = tlbflush_begin();
    tlb_time_t stamp = tlbflush_now();

    tlbflush_end(4, began);
    assert_int_equal(tlbflush_filter(cpumask_of(4), stamp), cpumask_of(4));
}

/* A slow old flush finishing after a newer one must not move time back. */
static void test_late_old_flush_keeps_newer_time(void **state)
{
    tlb_time_t old = tlbflush_begin();
    tlb_time_t stamp = tlbflush_now();
    tlb_time_t newer = tlbflush_begin();

    tlbflush_end(6, newer);
    tlbflush_end(6, old);
    assert_int_equal(tlbflush_filter(cpumask_of(6), stamp), 0);
}

static void test_stats_count_avoided_flushes(void **state)
{
    struct tlbflush_stats a, b;
    tlb_time_t stamp = tlbflush_now();

    flush_cpu(7);
    tlbflush_get_stats(&a);
    assert_int_equal(tlbflush_filter(cpumask_of(7), stamp), 0);
    assert_int_equal(tlbflush_filter(cpumask_of(7) | cpumask_of(8), stamp), cpumask_of(8));
    assert_int_equal(tlbflush_filter(0, stamp), 0);
    tlbflush_get_stats(&b);
    assert_int_equal(b.requests - a.requests, 3);
    assert_int_equal(b.avoided - a.avoided, 2);
    assert_int_equal(b.cpus_spared - a.cpus_spared, 2);
}

/*
 * Race: one thread is "CPU 10", flushing in a loop; the other takes a
 * stamp, then waits until CPU 10 has *begun* a flush after it and
 * finished it, and asks the filter: that CPU must be spared.  And a stamp
 * taken after CPU 10's latest finished flush must always need it.
 */
static volatile int stop;
static volatile tlb_time_t last_finished;

static void *flusher(void *arg)
{
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
        tlb_time_t t = tlbflush_begin();
        tlbflush_end(10, t);
        __atomic_store_n(&last_finished, t, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void test_race_with_a_flushing_cpu(void **state)
{
    pthread_t th;

    stop = 0;
    assert_int_equal(pthread_create(&th, NULL, flusher, NULL), 0);
    for (int i = 0; i < 20000; i++) {
        tlb_time_t stamp = tlbflush_now();
        while (__atomic_load_n(&last_finished, __ATOMIC_SEQ_CST) <= stamp)
            ;
        assert_int_equal(tlbflush_filter(cpumask_of(10), stamp), 0);
        /* CPU 11 never flushes: always needed, however busy the clock is. */
        assert_int_equal(tlbflush_filter(cpumask_of(11), stamp), cpumask_of(11));
    }
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(th, NULL);
    /* Quiet now: a stamp after the last flush needs it. */
    assert_int_equal(tlbflush_filter(cpumask_of(10), tlbflush_now()), cpumask_of(10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpumask),
        cmocka_unit_test(test_never_flushed_cpu_needs_flush),
        cmocka_unit_test(test_flush_after_stamp_spares_cpu),
        cmocka_unit_test(test_flush_before_stamp_does_not_count),
        cmocka_unit_test(test_flush_in_progress_at_stamp_does_not_count),
        cmocka_unit_test(test_late_old_flush_keeps_newer_time),
        cmocka_unit_test(test_stats_count_avoided_flushes),
        cmocka_unit_test(test_race_with_a_flushing_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
