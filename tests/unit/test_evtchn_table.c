/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the event-channel port table (hyp/common/evtchn_table.c):
 * the bucket and slot of a port, buckets added only when the lowest free
 * port needs one, -ENOSPC at the limit, -ENOMEM without losing what was
 * there, and every page back after destroy.  The page allocator is this
 * file's, counting what is outstanding and able to fail on demand.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/evtchn_table.h>
#include <hyp/frame.h>

#include "fake_pages.h"


static int setup(void **state)
{
    fake_pages_out = 0;
    fake_pages_fail_after = -1;
    return 0;
}

/* Bind the next free port (as the caller would): its number. */
static int take(struct evtchn_table *t)
{
    int p = evtchn_table_free_port(t);

    if (p >= 0)
        evtchn_from_port(t, (evtchn_port_t)p)->state = ECS_UNBOUND;
    return p;
}

static void test_index_math(void **state)
{
    assert_int_equal(evtchn_bucket_of(0), 0);
    assert_int_equal(evtchn_slot_of(0), 0);
    assert_int_equal(evtchn_bucket_of(63), 0);
    assert_int_equal(evtchn_slot_of(63), 63);
    assert_int_equal(evtchn_bucket_of(64), 1);
    assert_int_equal(evtchn_slot_of(64), 0);
    assert_int_equal(evtchn_bucket_of(4095), EVTCHN_BUCKETS - 1);
    assert_int_equal(evtchn_slot_of(4095), 63);
    assert_int_equal(EVTCHN_BUCKETS * EVTCHN_PER_BUCKET, 4096);
    /* Every port has its own record, and consecutive ports are neighbours in a bucket. */
    struct evtchn_table t;
    assert_int_equal(evtchn_table_init(&t, 4095), 0);
    while (take(&t) >= 0)
        ;
    for (evtchn_port_t p = 1; p < 4096; p++) {
        assert_true(evtchn_from_port(&t, p) != evtchn_from_port(&t, p - 1));
        if (evtchn_slot_of(p))
            assert_ptr_equal(evtchn_from_port(&t, p), evtchn_from_port(&t, p - 1) + 1);
    }
    evtchn_table_destroy(&t);
    assert_int_equal(fake_pages_out, 0);
}

static void test_fresh_table(void **state)
{
    struct evtchn_table t;

    assert_int_equal(evtchn_table_init(&t, 4095), 0);
    assert_int_equal(fake_pages_out, 1);
    /* The first bucket: ports 0-63 may be named, 64 not (as on Xen). */
    assert_true(evtchn_port_valid(&t, 0));
    assert_true(evtchn_port_valid(&t, 63));
    assert_false(evtchn_port_valid(&t, 64));
    assert_false(evtchn_port_valid(&t, 0xffffffffu));
    assert_int_equal(evtchn_from_port(&t, 0)->state, ECS_RESERVED);
    assert_int_equal(evtchn_from_port(&t, 1)->state, ECS_FREE);
    assert_int_equal(evtchn_table_used(&t), 1);
    evtchn_table_destroy(&t);
    assert_int_equal(fake_pages_out, 0);
    assert_false(evtchn_port_valid(&t, 0));
}

static void test_lowest_free_port(void **state)
{
    struct evtchn_table t;

    assert_int_equal(evtchn_table_init(&t, 4095), 0);
    assert_int_equal(take(&t), 1);
    assert_int_equal(take(&t), 2);
    assert_int_equal(take(&t), 3);
    evtchn_from_port(&t, 2)->state = ECS_FREE;   /* closed */
    assert_int_equal(take(&t), 2);
    assert_int_equal(take(&t), 4);
    /* An unbound free port stays free: asking twice gives it twice. */
    assert_int_equal(evtchn_table_free_port(&t), 5);
    assert_int_equal(evtchn_table_free_port(&t), 5);
    evtchn_table_destroy(&t);
}

static void test_buckets_on_demand(void **state)
{
    struct evtchn_table t;

    assert_int_equal(evtchn_table_init(&t, 4095), 0);
    for (int want = 1; want < 64; want++)
        assert_int_equal(take(&t), want);
    assert_int_equal(fake_pages_out, 1);
    assert_false(evtchn_port_valid(&t, 64));
    assert_int_equal(take(&t), 64);   /* needs the second bucket */
    assert_int_equal(fake_pages_out, 2);
    assert_true(evtchn_port_valid(&t, 127));
    assert_false(evtchn_port_valid(&t, 128));
    /* A port freed in the first bucket is used before any new bucket. */
    for (int want = 65; want < 128; want++)
        assert_int_equal(take(&t), want);
    evtchn_from_port(&t, 10)->state = ECS_FREE;
    assert_int_equal(take(&t), 10);
    assert_int_equal(fake_pages_out, 2);
    assert_int_equal(take(&t), 128);
    assert_int_equal(fake_pages_out, 3);
    evtchn_table_destroy(&t);
    assert_int_equal(fake_pages_out, 0);
}

static void test_exhaustion(void **state)
{
    struct evtchn_table t;
    int last = 0, p;

    assert_int_equal(evtchn_table_init(&t, 4095), 0);
    while ((p = take(&t)) >= 0)
        last = p;
    assert_int_equal(p, -ENOSPC);
    assert_int_equal(last, 4095);
    assert_int_equal(fake_pages_out, EVTCHN_BUCKETS);
    assert_int_equal(evtchn_table_used(&t), 4096);
    assert_true(evtchn_port_valid(&t, 4095));
    assert_false(evtchn_port_valid(&t, 4096));
    evtchn_from_port(&t, 1000)->state = ECS_FREE;
    assert_int_equal(take(&t), 1000);
    assert_int_equal(take(&t), -ENOSPC);
    evtchn_table_destroy(&t);
    assert_int_equal(fake_pages_out, 0);
}

static void test_smaller_limit(void **state)
{
    struct evtchn_table t;

    /* A limit inside a bucket stops there; one beyond the ABI is cut to it. */
    assert_int_equal(evtchn_table_init(&t, 70), 0);
    for (int want = 1; want <= 70; want++)
        assert_int_equal(take(&t), want);
    assert_int_equal(take(&t), -ENOSPC);
    evtchn_table_destroy(&t);
    assert_int_equal(evtchn_table_init(&t, 100000), 0);
    assert_int_equal(t.max_port, 4095);
    evtchn_table_destroy(&t);
}

static void test_out_of_memory(void **state)
{
    struct evtchn_table t;

    fake_pages_fail_after = 0;
    assert_int_equal(evtchn_table_init(&t, 4095), -ENOMEM);
    assert_false(evtchn_port_valid(&t, 0));
    evtchn_table_destroy(&t);
    fake_pages_fail_after = 1;   /* the first bucket, then nothing */
    assert_int_equal(evtchn_table_init(&t, 4095), 0);
    for (int want = 1; want < 64; want++)
        assert_int_equal(take(&t), want);
    assert_int_equal(take(&t), -ENOMEM);
    assert_false(evtchn_port_valid(&t, 64));
    assert_int_equal(evtchn_table_used(&t), 64);
    fake_pages_fail_after = -1;
    assert_int_equal(take(&t), 64);   /* memory again: it goes on */
    evtchn_table_destroy(&t);
    assert_int_equal(fake_pages_out, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_index_math, setup),
        cmocka_unit_test_setup(test_fresh_table, setup),
        cmocka_unit_test_setup(test_lowest_free_port, setup),
        cmocka_unit_test_setup(test_buckets_on_demand, setup),
        cmocka_unit_test_setup(test_exhaustion, setup),
        cmocka_unit_test_setup(test_smaller_limit, setup),
        cmocka_unit_test_setup(test_out_of_memory, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
