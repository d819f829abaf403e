/* SPDX-License-Identifier: MIT */
/*
 * The grant table's memory as it is used (docs/grants.md, "Memory"), on
 * the fake arch: a new table holds no page although query_size promises a
 * frame; the entries of that missing frame answer as empty ones do on
 * Xen; the directory comes with the first frame, a page of active entries
 * at the first pin of one of its refs; a page that cannot be had fails
 * the one operation (GNTST_general_error, nothing changed) and the
 * hypervisor goes on; the map handles' pointers stay in the structure
 * for the first pages; the teardown gives every page back (the cleanup
 * checks the count, ASan's leak check the rest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/work_budget.h>

#include "grant_fake.h"

#define CHECK_ALL() assert_int_equal(check_all(), 0)
#define MAP_PTE (GNTMAP_host_map | GNTMAP_contains_pte)

/* One directory page, a frame, and `active` pages of active entries. */
static uint64_t granter_pages(uint64_t frames, uint64_t active)
{
    return (frames ? 1 : 0) + frames + active;
}

static void test_new_table_holds_nothing(void **state)
{
    (void)state;
    bare_tables(GNTTAB_DEFAULT_MAX_FRAMES, GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES);
    assert_int_equal(grant_table_pages(&dom0), 0);
    assert_int_equal(hyp_pages_out, 0);
    assert_int_equal(dom0.xen_pages, 0);
    assert_int_equal(dom0.grant_table->nr_frames, 0);
    assert_int_equal(grant_table_visible_frames(dom0.grant_table), GNTTAB_INITIAL_FRAMES);
    /* Growing to what it seems to have already allocates it; to 0 allocates nothing. */
    assert_int_equal(grant_table_grow(&dom0, 0), 0);
    assert_int_equal(grant_table_pages(&dom0), 0);
    assert_int_equal(grant_table_grow(&dom0, 1), 0);
    assert_int_equal(grant_table_pages(&dom0), granter_pages(1, 0));
    assert_int_equal(dom0.xen_pages, 1);
    assert_int_equal(grant_table_visible_frames(dom0.grant_table), 1);
    CHECK_ALL();
}

/* Xen's answers for the entries of a frame not allocated yet: empty, so nothing granted. */
static void test_pin_before_first_frame(void **state)
{
    (void)state;
    bare_tables(4, 1);
    mfn_t f = fake_give(&domu), l1 = pinned_l1(&domu);

    assert_int_equal(map(&domu, &dom0, 5, MAP_PTE, pte_ma(l1, 0), NULL), GNTST_general_error);
    assert_int_equal(map(&domu, &dom0, 511, MAP_PTE, pte_ma(l1, 0), NULL), GNTST_general_error);
    assert_int_equal(map(&domu, &dom0, 512, MAP_PTE, pte_ma(l1, 0), NULL), GNTST_bad_gntref);
    struct gnttab_copy op = {
        .source = { .u.ref = 7, .domid = 0 },
        .dest = { .u.gmfn = f, .domid = DOMID_SELF },
        .len = 8, .flags = GNTCOPY_source_gref,
    };
    assert_int_equal(grant_copy_one(&domu, &op), GNTST_general_error);
    op.source.u.ref = 4096;
    assert_int_equal(grant_copy_one(&domu, &op), GNTST_bad_gntref);
    /* The granter paid nothing for being asked. */
    assert_int_equal(grant_table_pages(&dom0), 0);
    assert_int_equal(dom0.xen_pages, 0);
    CHECK_ALL();
}

/* Pages of active entries come at a first pin in them and stay until the teardown. */
static void test_active_pages_as_pinned(void **state)
{
    (void)state;
    tables(2, 1);
    mfn_t a = fake_give(&dom0), b = fake_give(&dom0), l1 = pinned_l1(&domu);
    uint32_t h1, h2;

    assert_int_equal(grant_table_pages(&dom0), granter_pages(1, 0));
    grant(&dom0, 5, domu.id, a, GTF_permit_access);
    grant(&dom0, 6, domu.id, b, GTF_permit_access);
    assert_int_equal(map(&domu, &dom0, 5, MAP_PTE, pte_ma(l1, 0), &h1), GNTST_okay);
    assert_int_equal(grant_table_pages(&dom0), granter_pages(1, 1));
    assert_int_equal(map(&domu, &dom0, 6, MAP_PTE, pte_ma(l1, 1), NULL), GNTST_okay);
    assert_int_equal(grant_table_pages(&dom0), granter_pages(1, 1));   /* the same page */
    /* Ref 300 is on the frame's second page of active entries. */
    grant(&dom0, 300, domu.id, a, GTF_permit_access | GTF_readonly);
    assert_int_equal(map(&domu, &dom0, 300, MAP_PTE | GNTMAP_readonly, pte_ma(l1, 2), &h2),
                     GNTST_okay);
    assert_int_equal(grant_table_pages(&dom0), granter_pages(1, 2));
    assert_int_equal(pin_of(&dom0, 300), GNTPIN_HSTR);
    /* The second frame's entries: its own pages. */
    assert_int_equal(grant_table_grow(&dom0, 2), 0);
    grant(&dom0, 700, domu.id, b, GTF_permit_access | GTF_readonly);
    assert_int_equal(map(&domu, &dom0, 700, MAP_PTE | GNTMAP_readonly, pte_ma(l1, 3), NULL),
                     GNTST_okay);
    assert_int_equal(grant_table_pages(&dom0), granter_pages(2, 3));
    assert_int_equal(unmap(&domu, h2, pte_ma(l1, 2), 0), GNTST_okay);
    assert_int_equal(pin_of(&dom0, 300), 0);
    assert_int_equal(grant_table_pages(&dom0), granter_pages(2, 3));
    CHECK_ALL();
    /* The granter dies mapped: its pages go, the mapper's references stay its own. */
    kill_domain(&dom0, 4);
    assert_null(dom0.grant_table);
    CHECK_ALL();
}

/* No page for a ref's active entries: that operation fails, nothing else changes. */
static void test_active_page_not_had(void **state)
{
    (void)state;
    tables(1, 1);
    mfn_t a = fake_give(&dom0), b = fake_give(&domu), l1 = pinned_l1(&domu);
    uint32_t h;

    grant(&dom0, 5, domu.id, a, GTF_permit_access);
    grant(&dom0, 300, domu.id, a, GTF_permit_access);
    assert_int_equal(map(&domu, &dom0, 5, MAP_PTE, pte_ma(l1, 0), &h), GNTST_okay);
    uint32_t free_handles = domu.grant_table->nr_free, count = pg(a)->count;
    uint64_t pages = grant_table_pages(&dom0);

    hyp_allocs_until_fail = 0;
    assert_int_equal(map(&domu, &dom0, 300, MAP_PTE, pte_ma(l1, 1), NULL), GNTST_general_error);
    struct gnttab_copy op = {
        .source = { .u.ref = 300, .domid = 0 },
        .dest = { .u.gmfn = b, .domid = DOMID_SELF },
        .len = 8, .flags = GNTCOPY_source_gref,
    };
    assert_int_equal(grant_copy_one(&domu, &op), GNTST_general_error);
    assert_int_equal(flags_of(&dom0, 300), GTF_permit_access);   /* not marked in use */
    assert_int_equal(domu.grant_table->nr_free, free_handles);   /* the handle came back */
    assert_int_equal(pg(a)->count, count);
    assert_int_equal(grant_table_pages(&dom0), pages);
    /* Ref 5's page is there: it needs nothing new. */
    assert_int_equal(grant_copy_one(&domu, &(struct gnttab_copy){
                         .source = { .u.ref = 5, .domid = 0 },
                         .dest = { .u.gmfn = b, .domid = DOMID_SELF },
                         .len = 8, .flags = GNTCOPY_source_gref }), GNTST_okay);
    CHECK_ALL();
    hyp_allocs_until_fail = -1;
    assert_int_equal(grant_copy_one(&domu, &op), GNTST_okay);
    assert_int_equal(grant_table_pages(&dom0), pages + 1);
    CHECK_ALL();
}

/* No page for the directory: the table stays without frames, and can grow later. */
static void test_directory_not_had(void **state)
{
    (void)state;
    bare_tables(4, 1);
    hyp_allocs_until_fail = 0;
    assert_int_equal(grant_table_grow(&dom0, 2), -ENOMEM);
    assert_int_equal(dom0.grant_table->nr_frames, 0);
    assert_int_equal(grant_table_pages(&dom0), 0);
    assert_int_equal(dom0.xen_pages, 0);
    hyp_allocs_until_fail = -1;
    assert_int_equal(grant_table_grow(&dom0, 2), 0);
    assert_int_equal(grant_table_pages(&dom0), granter_pages(2, 0));
    CHECK_ALL();
}

/* Handle pages: their pointers in the structure for four pages, then a page of their own. */
static void test_handle_pointers(void **state)
{
    (void)state;
    bare_tables(1, 8);
    struct grant_table *gt = domu.grant_table;
    const uint32_t inline_handles = GNTTAB_MAPTRACK_INLINE * GNTTAB_MAPTRACK_PER_PAGE;
    uint32_t n;

    assert_int_equal(maptrack_pages(gt), 0);
    for (n = 0; n < inline_handles - 1; n++)   /* the list keeps its last one back */
        assert_int_not_equal(maptrack_get(gt), GNTTAB_HANDLE_NIL);
    assert_int_equal(maptrack_pages(gt), GNTTAB_MAPTRACK_INLINE);
    assert_ptr_equal(gt->maptrack, gt->maptrack_inline);
    /* The fifth page, with no page for the pointers: no handle, nothing lost. */
    hyp_allocs_until_fail = 0;
    assert_int_equal(maptrack_get(gt), GNTTAB_HANDLE_NIL);
    assert_int_equal(maptrack_pages(gt), GNTTAB_MAPTRACK_INLINE);
    /* The pointers move out (one page for 8), the first four kept. */
    hyp_allocs_until_fail = -1;
    struct grant_mapping *first = gt->maptrack_inline[0];
    assert_int_equal(maptrack_get(gt), inline_handles);
    assert_int_equal(maptrack_pages(gt), GNTTAB_MAPTRACK_INLINE + 1 + 1);
    assert_ptr_not_equal(gt->maptrack, gt->maptrack_inline);
    assert_ptr_equal(gt->maptrack[0], first);
    assert_ptr_equal(maptrack_entry(gt, 5), &first[5]);
    assert_int_equal(grant_table_pages(&domu), maptrack_pages(gt));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, grant_fake_cleanup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_new_table_holds_nothing),
        T(test_pin_before_first_frame),
        T(test_active_pages_as_pinned),
        T(test_active_page_not_had),
        T(test_directory_not_had),
        T(test_handle_pointers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
