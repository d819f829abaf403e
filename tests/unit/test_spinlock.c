/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the ticket spinlock (include/hyp/spinlock.h) and the
 * atomics under it (include/asm/atomic.h), with host threads standing in
 * for CPUs: mutual exclusion under contention, trylock, the debug holder.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/spinlock.h>

#define THREADS 4
#define ROUNDS  50000

static spinlock_t lock;
static uint64_t plain_counter;    /* changed only under the lock, non-atomically */
static uint64_t atomic_counter;   /* changed only atomically */

static void *hammer(void *arg)
{
    for (unsigned i = 0; i < ROUNDS; i++) {
        spin_lock(&lock);
        /* A read-modify-write the lock alone makes safe; the yield widens the window. */
        uint64_t v = plain_counter;
        if ((i & 1023) == 0)
            sched_yield();
        plain_counter = v + 1;
        spin_unlock(&lock);
        atomic_inc64(&atomic_counter);
    }
    return arg;
}

static void test_mutual_exclusion(void **state)
{
    pthread_t t[THREADS];

    for (unsigned i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(plain_counter, (uint64_t)THREADS * ROUNDS);
    assert_int_equal(atomic_counter, (uint64_t)THREADS * ROUNDS);
    assert_false(spin_is_locked(&lock));
}

static void *try_from_other_thread(void *arg)
{
    return (void *)(uintptr_t)spin_trylock((spinlock_t *)arg);
}

static void test_trylock_and_holder(void **state)
{
    spinlock_t l = SPINLOCK_UNLOCKED;
    pthread_t t;
    void *got;

    assert_false(spin_is_locked(&l));
    assert_true(spin_trylock(&l));
    assert_true(spin_is_locked(&l));
    assert_true(spin_is_mine(&l));
    assert_int_equal(pthread_create(&t, NULL, try_from_other_thread, &l), 0);
    pthread_join(t, &got);
    assert_null(got);                  /* held: the other thread is refused */
    spin_unlock(&l);
    assert_false(spin_is_locked(&l));
    assert_false(spin_is_mine(&l));
    /* Tickets wrap around 16 bits without harm. */
    for (unsigned i = 0; i < 70000; i++) {
        spin_lock(&l);
        spin_unlock(&l);
    }
    unsigned long flags = spin_lock_irqsave(&l);
    assert_true(spin_is_mine(&l));
    spin_unlock_irqrestore(&l, flags);
    assert_false(spin_is_locked(&l));
}

static void test_atomics(void **state)
{
    uint64_t w = 5;
    uint32_t h = 7;

    assert_int_equal(atomic_cmpxchg64(&w, 4, 9), 5);   /* no swap */
    assert_int_equal(w, 5);
    assert_int_equal(atomic_cmpxchg64(&w, 5, 9), 5);   /* swap */
    assert_int_equal(w, 9);
    assert_int_equal(atomic_fetch_or64(&w, 0x10), 9);
    assert_int_equal(atomic_fetch_and64(&w, ~1ULL), 0x19);
    assert_int_equal(w, 0x18);
    assert_int_equal(atomic_xchg64(&w, 3), 0x18);
    assert_int_equal(atomic_add_return32(&h, (uint32_t)-8), UINT32_MAX);
    assert_int_equal(atomic_fetch_add32(&h, 1), UINT32_MAX);
    assert_int_equal(atomic_load32(&h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutual_exclusion),
        cmocka_unit_test(test_trylock_and_holder),
        cmocka_unit_test(test_atomics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
