/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for XENMEM_exchange's frame operations in hyp/mm/domain_pages.c
 * on the fake arch: a frame is stolen only when nobody but its owner holds
 * it (and then nobody can take a reference), given back unchanged, or
 * swapped for a fresh frame with the domain's list and count intact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/mm_check.h>

#define FAKE_HARNESS_PAGES 128
#include "fake_harness.h"

#define FREE_FRAME 200   /* never given out by these tests */

static void test_steal_and_give_back(void **state)
{
    mfn_t m = fake_give(&domu);
    struct page_info snap[FAKE_FRAMES];

    fake_snapshot(snap);
    assert_int_equal(domain_steal_page(&domu, m), 0);
    assert_int_equal(pg(m)->count, 0);
    assert_false(pg(m)->flags & PGF_allocated);
    assert_int_equal(pg(m)->owner, domu.id);       /* still d's, on its list, counted */
    assert_int_equal(domu.tot_pages, 1);
    assert_int_equal(domu.page_list_head, m);
    assert_false(get_page(pg(m), &domu));          /* nobody can take it meanwhile */
    assert_int_equal(domain_steal_page(&domu, m), -EINVAL);   /* nor steal it twice */
    assert_int_equal(fake.frees, 0);
    domain_unsteal_page(m);
    assert_true(fake_same_as(snap));
    CHECK0();
}

static void test_steal_refusals(void **state)
{
    mfn_t m = fake_give(&domu), theirs = fake_give(&dom0), shared = 100;
    struct page_info snap[FAKE_FRAMES];

    assert_int_equal(domain_assign_page(&domu, shared, false), 0);
    assert_int_equal(get_page_type(pg(shared), PGT_writable, &domu), 0);
    fake_snapshot(snap);
    assert_int_equal(domain_steal_page(&domu, theirs), -EINVAL);
    assert_int_equal(domain_steal_page(&domu, FREE_FRAME), -EINVAL);
    assert_int_equal(domain_steal_page(&domu, FAKE_IO_FIRST), -EINVAL);
    assert_int_equal(domain_steal_page(&domu, FAKE_FRAMES), -EINVAL);
    assert_int_equal(domain_steal_page(&domu, shared), -EINVAL);
    assert_true(fake_same_as(snap));
    /* Someone else's reference (a mapping, say), then a type reference. */
    assert_true(get_page(pg(m), &domu));
    assert_int_equal(domain_steal_page(&domu, m), -EINVAL);
    put_page(pg(m));
    assert_int_equal(get_page_and_type(pg(m), &domu, PGT_writable), 0);
    assert_int_equal(domain_steal_page(&domu, m), -EINVAL);
    put_page_and_type(pg(m));
    /* A pinned table. */
    assert_int_equal(fake_pin(&domu, m, 1), 0);
    assert_int_equal(domain_steal_page(&domu, m), -EINVAL);
    assert_int_equal(fake_unpin(&domu, m), 0);
    assert_int_equal(pg(m)->count, 1);
    /* Released already (no ownership reference): not the domain's to give. */
    assert_true(get_page(pg(m), &domu));
    assert_int_equal(domain_release_page(&domu, m), 0);
    assert_int_equal(domain_steal_page(&domu, m), -EINVAL);
    put_page(pg(m));
    CHECK0();
}

static void test_swap(void **state)
{
    struct domain full;
    mfn_t a, b;

    fake_domain_init(&full, 5, false, 2);   /* at its maximum: a swap still works */
    a = fake_give(&full);
    b = fake_give(&full);
    assert_int_equal(domain_steal_page(&full, a), 0);
    domain_swap_page(&full, a, FREE_FRAME);
    assert_int_equal(full.tot_pages, 2);
    assert_int_equal(pg(FREE_FRAME)->owner, full.id);
    assert_int_equal(pg(FREE_FRAME)->count, 1);
    assert_true(pg(FREE_FRAME)->flags & PGF_allocated);
    assert_int_equal(pg(FREE_FRAME)->type_count, 0);
    assert_true(get_page(pg(FREE_FRAME), &full));
    put_page(pg(FREE_FRAME));
    /* The old frame is freed, once. */
    assert_int_equal(pg(a)->owner, DOMID_INVALID);
    assert_int_equal(fake.free_count[a], 1);
    assert_int_equal(pg(b)->owner, full.id);
    CHECK0();
    /* And the new frame lives like any other: released, it is freed. */
    assert_int_equal(domain_release_page(&full, FREE_FRAME), 0);
    assert_int_equal(fake.free_count[FREE_FRAME], 1);
    assert_int_equal(full.tot_pages, 1);
    fake_domain_forget(&full);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_steal_and_give_back),
        T(test_steal_refusals),
        T(test_swap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
