/* SPDX-License-Identifier: MIT */
/*
 * Grant tables on the fake arch (hyp/arch/fake): the real hyp/common
 * grant code over the real frame table and page-table code, with the
 * invariant checker after every step.  What the guest cannot see directly
 * is checked here: the references a mapping holds and gives back, the
 * handles' free list, the frames of a transfer, and the teardowns of a
 * mapper and of a granter while mapped.
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

static void test_create_and_grow(void **state)
{
    (void)state;
    tables(4, 2);
    struct grant_table *gt = dom0.grant_table;
    assert_int_equal(gt->nr_frames, 1);
    struct page_info *f = pg(gt->frames[0]);
    assert_int_equal(f->owner, 0);
    assert_true(f->flags & PGF_xen_shared);
    assert_int_equal(f->type, PGT_writable);
    assert_int_equal(dom0.xen_pages, 1);
    assert_int_equal(grant_table_grow(&dom0, 3), 0);
    assert_int_equal(gt->nr_frames, 3);
    assert_int_equal(grant_table_grow(&dom0, 2), 0);   /* never shrinks */
    assert_int_equal(gt->nr_frames, 3);
    assert_int_equal(grant_table_grow(&dom0, 5), -EINVAL);
    assert_int_equal(dom0.xen_pages, 3);
    CHECK_ALL();
    kill_domain(&dom0, 3);
    assert_null(dom0.grant_table);
    assert_int_equal(dom0.state, DOMAIN_FREE);
    CHECK_ALL();
}

/* A host mapping by PTE address: the PTE Xen writes, its references, and back. */
static void test_host_mapping_references(void **state)
{
    (void)state;
    tables(4, 2);
    mfn_t f = fake_give(&dom0), l1 = pinned_l1(&domu);
    uint32_t h;

    grant(&dom0, 5, domu.id, f, GTF_permit_access);
    uint32_t count = pg(f)->count;
    assert_int_equal(map(&domu, &dom0, 5, GNTMAP_host_map | GNTMAP_contains_pte,
                         pte_ma(l1, 3), &h), GNTST_okay);
    assert_int_equal(fake_pt(l1)[3], fake_pte(f, F_P | F_RW | F_US | F_A | F_D | F_NX | F_GK));
    assert_int_equal(pg(f)->count, count + 1);
    assert_int_equal(pg(f)->type, PGT_writable);
    assert_int_equal(pg(f)->type_count, 1);
    assert_int_equal(flags_of(&dom0, 5), GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(pin_of(&dom0, 5), GNTPIN_HSTW);
    CHECK_ALL();
    /* Unmapped at the wrong place: nothing changes. */
    assert_int_equal(unmap(&domu, h, pte_ma(l1, 4), 0), GNTST_general_error);
    assert_int_equal(pg(f)->count, count + 1);
    assert_int_equal(unmap(&domu, h, pte_ma(l1, 3), 0), GNTST_okay);
    assert_int_equal(fake_pt(l1)[3], 0);
    assert_int_equal(pg(f)->count, count);
    assert_int_equal(pg(f)->type_count, 0);
    assert_int_equal(flags_of(&dom0, 5), GTF_permit_access);
    assert_int_equal(pin_of(&dom0, 5), 0);
    assert_int_equal(unmap(&domu, h, pte_ma(l1, 3), 0), GNTST_bad_handle);
    CHECK_ALL();
}

/* By virtual address (the hook's L1), read-only and application mappings. */
static void test_host_mapping_by_address(void **state)
{
    (void)state;
    tables(4, 2);
    mfn_t f = fake_give(&dom0);
    uint32_t h1, h2;

    current_l1 = pinned_l1(&domu);
    grant(&dom0, 6, domu.id, f, GTF_permit_access | GTF_readonly);
    assert_int_equal(map(&domu, &dom0, 6, GNTMAP_host_map, 0x7000, &h1), GNTST_general_error);
    assert_int_equal(flags_of(&dom0, 6), GTF_permit_access | GTF_readonly);
    assert_int_equal(map(&domu, &dom0, 6, GNTMAP_host_map | GNTMAP_readonly, 0x7000, &h1),
                     GNTST_okay);
    assert_int_equal(fake_pt(current_l1)[7], fake_pte(f, F_P | F_US | F_A | F_D | F_NX | F_GK));
    assert_int_equal(map(&domu, &dom0, 6, GNTMAP_host_map | GNTMAP_readonly |
                         GNTMAP_application_map | (5u << _GNTMAP_guest_avail0), 0x8000, &h2),
                     GNTST_okay);
    assert_int_equal(fake_pt(current_l1)[8],
                     fake_pte(f, F_P | F_US | F_A | F_D | F_NX | F_G | (5UL << 9)));
    assert_int_equal(pg(f)->type_count, 0);   /* read-only: no type reference */
    assert_int_equal(pin_of(&dom0, 6), 2 * GNTPIN_HSTR);
    CHECK_ALL();
    assert_int_equal(unmap(&domu, h1, 0x7000, 0), GNTST_okay);
    assert_int_equal(unmap(&domu, h2, 0x8000, 0), GNTST_okay);
    assert_int_equal(flags_of(&dom0, 6), GTF_permit_access | GTF_readonly);
    CHECK_ALL();
}

static void test_map_refusals(void **state)
{
    (void)state;
    tables(1, 2);
    mfn_t f = fake_give(&dom0), theirs = fake_give(&domu), l1 = pinned_l1(&domu);
    mfn_t table = pinned_l1(&dom0);
    uint64_t at = pte_ma(l1, 1);
    const uint32_t host = GNTMAP_host_map | GNTMAP_contains_pte;
    struct page_info snap[FAKE_FRAMES];

    grant(&dom0, 1, domu.id, f, GTF_permit_access);
    fake_snapshot(snap);
    assert_int_equal(map(&domu, &dom0, 512, host, at, NULL), GNTST_bad_gntref);
    assert_int_equal(map(&domu, &dom0, 1, 0, at, NULL), GNTST_bad_gntref);
    assert_int_equal(map(&domu, &dom0, 1, GNTMAP_readonly, at, NULL), GNTST_bad_gntref);
    assert_int_equal(map(&domu, &domu, 1, host, at, NULL), GNTST_general_error);
    assert_int_equal(map(&domu, &dom0, 1, host, at + 4, NULL), GNTST_general_error);
    assert_int_equal(map(&domu, &dom0, 1, host, pte_ma(f, 0), NULL), GNTST_general_error);
    assert_true(fake_same_counts(snap));
    assert_int_equal(flags_of(&dom0, 1), GTF_permit_access);
    assert_int_equal(pin_of(&dom0, 1), 0);
    grant(&dom0, 2, dom0.id, f, GTF_permit_access);   /* to another domain */
    assert_int_equal(map(&domu, &dom0, 2, host, at, NULL), GNTST_general_error);
    grant(&dom0, 3, domu.id, theirs, GTF_permit_access);   /* not dom0's frame */
    assert_int_equal(map(&domu, &dom0, 3, host, at, NULL), GNTST_bad_page);
    assert_int_equal(flags_of(&dom0, 3), GTF_permit_access);
    grant(&dom0, 4, domu.id, table, GTF_permit_access);   /* a pinned table */
    assert_int_equal(map(&domu, &dom0, 4, host, at, NULL), GNTST_general_error);
    assert_int_equal(flags_of(&dom0, 4), GTF_permit_access);
    assert_int_equal(map(&domu, &dom0, 4, GNTMAP_device_map, 0, NULL), GNTST_general_error);
    assert_true(fake_same_counts(snap));
    /* 128 pins of a kind at most. */
    uint32_t h[129];
    grant(&dom0, 5, domu.id, f, GTF_permit_access);
    for (unsigned i = 0; i < 128; i++)
        assert_int_equal(map(&domu, &dom0, 5, GNTMAP_device_map | GNTMAP_readonly, 0, &h[i]),
                         GNTST_okay);
    assert_int_equal(map(&domu, &dom0, 5, GNTMAP_device_map | GNTMAP_readonly, 0, &h[128]),
                     GNTST_general_error);
    CHECK_ALL();
    for (unsigned i = 0; i < 128; i++)
        assert_int_equal(unmap(&domu, h[i], 0, f << PAGE_SHIFT), GNTST_okay);
    assert_true(fake_same_counts(snap));
    CHECK_ALL();
}

/* Device mappings: references held by the handle, counted by the checker. */
static void test_device_mapping(void **state)
{
    (void)state;
    tables(1, 2);
    mfn_t f = fake_give(&dom0);
    uint32_t h;
    uint32_t count = pg(f)->count;

    grant(&dom0, 9, domu.id, f, GTF_permit_access);
    assert_int_equal(map(&domu, &dom0, 9, GNTMAP_device_map, 0, &h), GNTST_okay);
    assert_int_equal(pg(f)->count, count + 1);
    assert_int_equal(pg(f)->type_count, 1);
    CHECK_ALL();
    assert_int_equal(unmap(&domu, h, 0, (f + 1) << PAGE_SHIFT), GNTST_bad_dev_addr);
    assert_int_equal(unmap(&domu, h, 0, 0), GNTST_okay);   /* nothing named: nothing done */
    assert_int_equal(pg(f)->count, count + 1);
    assert_int_equal(unmap(&domu, h, 0, f << PAGE_SHIFT), GNTST_okay);
    assert_int_equal(pg(f)->count, count);
    assert_int_equal(pg(f)->type_count, 0);
    assert_int_equal(flags_of(&dom0, 9), GTF_permit_access);
    CHECK_ALL();
}

/* Handles: 256 a page, the last free one never given, freed ones reused oldest first. */
static void test_handles(void **state)
{
    (void)state;
    tables(1, 1);
    struct grant_table *gt = domu.grant_table;
    uint32_t h[256], n;

    for (n = 0; n < 256 && (h[n] = maptrack_get(gt)) != GNTTAB_HANDLE_NIL; n++)
        assert_int_equal(h[n], n);
    assert_int_equal(n, 255);
    maptrack_put(gt, h[3]);
    maptrack_put(gt, h[7]);
    assert_int_equal(maptrack_get(gt), 255);   /* the one kept back, then the oldest */
    assert_int_equal(maptrack_get(gt), 3);
    assert_int_equal(maptrack_get(gt), GNTTAB_HANDLE_NIL);
    /* Busy handles are no mappings. */
    struct grant_mapping m;
    assert_false(maptrack_claim(gt, 3, &m));
    assert_false(maptrack_claim(gt, 999, &m));
}

static void test_copy(void **state)
{
    (void)state;
    tables(1, 1);
    mfn_t a = fake_give(&dom0), b = fake_give(&domu), l1 = pinned_l1(&domu);

    for (unsigned i = 0; i < 512; i++)
        fake_pt(a)[i] = 0x1111111100000000UL | i;
    grant(&dom0, 1, domu.id, a, GTF_permit_access | GTF_readonly);
    struct gnttab_copy op = {
        .source = { .u.ref = 1, .domid = 0, .offset = 8 },
        .dest = { .u.gmfn = b, .domid = DOMID_SELF, .offset = 16 },
        .len = 24, .flags = GNTCOPY_source_gref,
    };
    assert_int_equal(grant_copy_one(&domu, &op), GNTST_okay);
    assert_int_equal(fake_pt(b)[2], 0x1111111100000001UL);
    assert_int_equal(fake_pt(b)[4], 0x1111111100000003UL);
    assert_int_equal(fake_pt(b)[5], 0);
    assert_int_equal(flags_of(&dom0, 1), GTF_permit_access | GTF_readonly);
    assert_int_equal(pin_of(&dom0, 1), 0);
    /* Into the read-only grant, into a table, from another's frame by number. */
    struct gnttab_copy into = { .source = { .u.gmfn = b, .domid = DOMID_SELF },
                                .dest = { .u.ref = 1, .domid = 0 }, .len = 8,
                                .flags = GNTCOPY_dest_gref };
    assert_int_equal(grant_copy_one(&domu, &into), GNTST_general_error);
    into.dest = (struct gnttab_copy_ptr){ .u.gmfn = l1, .domid = DOMID_SELF };
    into.flags = 0;
    assert_int_equal(grant_copy_one(&domu, &into), GNTST_general_error);
    into.dest = (struct gnttab_copy_ptr){ .u.gmfn = a, .domid = DOMID_SELF };
    assert_int_equal(grant_copy_one(&domu, &into), GNTST_bad_page);
    into.dest = (struct gnttab_copy_ptr){ .u.gmfn = b, .domid = domu.id };
    assert_int_equal(grant_copy_one(&domu, &into), GNTST_permission_denied);
    into.dest = (struct gnttab_copy_ptr){ .u.gmfn = b, .domid = DOMID_SELF, .offset = 4090 };
    assert_int_equal(grant_copy_one(&domu, &into), GNTST_bad_copy_arg);
    CHECK_ALL();
}

/* Page flipping: domu gives a frame to dom0 through dom0's accept_transfer entry. */
static void test_transfer(void **state)
{
    (void)state;
    tables(1, 1);
    mfn_t f = fake_give(&domu), g = fake_give(&domu), mapped = fake_give(&domu);
    mfn_t l1 = pinned_l1(&domu);
    uint64_t tot0 = dom0.tot_pages, totu = domu.tot_pages;
    struct gnttab_transfer t = { .mfn = f, .domid = 0, .ref = 2 };

    fake_pt(f)[0] = 0xf00d;
    grant(&dom0, 2, domu.id, 0x1234, GTF_accept_transfer);
    assert_int_equal(pt_update_entry(pg(l1), 0, fake_pte(mapped, F_P), false, &domu, &domu), 0);
    t.mfn = mapped;
    assert_int_equal(grant_transfer_one(&domu, &t), GNTST_bad_page);   /* mapped */
    t.mfn = l1;
    assert_int_equal(grant_transfer_one(&domu, &t), GNTST_bad_page);   /* a pinned table */
    assert_int_equal(domu.tot_pages, totu);
    t.mfn = f;
    assert_int_equal(grant_transfer_one(&domu, &t), GNTST_okay);
    assert_int_equal(pg(f)->owner, 0);
    assert_int_equal(pg(f)->count, 1);
    assert_int_equal(dom0.tot_pages, tot0 + 1);
    assert_int_equal(domu.tot_pages, totu - 1);
    assert_int_equal(m2p[f], 0x1234);
    assert_int_equal(fake_pt(f)[0], 0xf00d);
    assert_int_equal(flags_of(&dom0, 2),
                     GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed);
    assert_int_equal(gt_shared(dom0.grant_table, 2)->frame, f);
    assert_true(transfer_flushes > 0);
    CHECK_ALL();
    /* Into a completed entry: refused, and the frame is lost to domu (freed). */
    t.mfn = g;
    assert_int_equal(grant_transfer_one(&domu, &t), GNTST_general_error);
    assert_int_equal(pg(g)->owner, DOMID_INVALID);
    assert_int_equal(fake.free_count[g], 1);
    assert_int_equal(domu.tot_pages, totu - 2);
    CHECK_ALL();
}

/* The mapper dies while mapping: its teardown releases the granter's pins and references. */
static void test_mapper_dies(void **state)
{
    (void)state;
    tables(1, 1);
    mfn_t f = fake_give(&dom0), l1 = pinned_l1(&domu);
    uint32_t count = pg(f)->count;

    grant(&dom0, 3, domu.id, f, GTF_permit_access);
    assert_int_equal(map(&domu, &dom0, 3, GNTMAP_host_map | GNTMAP_contains_pte,
                         pte_ma(l1, 9), NULL), GNTST_okay);
    assert_int_equal(map(&domu, &dom0, 3, GNTMAP_device_map, 0, NULL), GNTST_okay);
    assert_int_equal(pg(f)->count, count + 2);
    kill_domain(&domu, 2);
    assert_int_equal(domu.state, DOMAIN_FREE);
    assert_int_equal(flags_of(&dom0, 3), GTF_permit_access);
    assert_int_equal(pin_of(&dom0, 3), 0);
    assert_int_equal(pg(f)->count, count);
    assert_int_equal(pg(f)->type_count, 0);
    CHECK_ALL();
}

/* The granter dies while mapped: its frame stays until the mapper unmaps it. */
static void test_granter_dies(void **state)
{
    (void)state;
    tables(1, 1);
    mfn_t f = fake_give(&domu), l1 = pinned_l1(&dom0);
    uint32_t h;

    grant(&domu, 4, dom0.id, f, GTF_permit_access);
    assert_int_equal(map(&dom0, &domu, 4, GNTMAP_host_map | GNTMAP_contains_pte,
                         pte_ma(l1, 2), &h), GNTST_okay);
    kill_domain(&domu, 5);
    assert_int_equal(domu.state, DOMAIN_DYING);   /* lingers: one frame left */
    assert_null(domu.grant_table);
    assert_int_equal(domu.tot_pages, 1);
    assert_int_equal(pg(f)->owner, domu.id);
    assert_int_equal(map(&dom0, &domu, 4, GNTMAP_host_map | GNTMAP_contains_pte,
                         pte_ma(l1, 3), NULL), GNTST_bad_domain);
    CHECK_ALL();
    assert_int_equal(unmap(&dom0, h, pte_ma(l1, 2), 0), GNTST_okay);
    assert_int_equal(fake.free_count[f], 1);
    assert_int_equal(domu.state, DOMAIN_FREE);
    CHECK_ALL();
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, grant_fake_cleanup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_and_grow),
        T(test_host_mapping_references),
        T(test_host_mapping_by_address),
        T(test_map_refusals),
        T(test_device_mapping),
        T(test_handles),
        T(test_copy),
        T(test_transfer),
        T(test_mapper_dies),
        T(test_granter_dies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
