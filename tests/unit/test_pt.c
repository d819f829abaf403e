/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/mm/pt.c (with frame_table.c and mm_check.c) on the fake
 * arch (hyp/arch/fake/): validation of a 4-level hierarchy and its exact
 * reference counts, the entry rules of docs/xen-pv-abi.md §2.3 (flags,
 * targets, I/O memory, hypervisor L4 slots, linear page tables, Xen's entry
 * adjustments), hostile updates that must fail with an exact errno and
 * change nothing, and a long random sequence of mostly hostile operations
 * checked against every invariant after each step.
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
#include <hyp/mm_check.h>
#include <hyp/work_budget.h>

#define FAKE_HARNESS_PAGES 200
#include "fake_harness.h"

/* A pinned L4 -> L3 -> L2 -> L1 -> {rw (RW), ro (RO)} for d. */
struct tree { mfn_t l4, l3, l2, l1, rw, ro; };

static struct tree write_tree(struct domain *d)
{
    struct tree t = { fake_give(d), fake_give(d), fake_give(d), fake_give(d),
                      fake_give(d), fake_give(d) };

    fake_pt(t.l4)[0] = fake_pte(t.l3, F_P | F_RW);
    fake_pt(t.l3)[0] = fake_pte(t.l2, F_P | F_RW);
    fake_pt(t.l2)[0] = fake_pte(t.l1, F_P | F_RW);
    fake_pt(t.l1)[0] = fake_pte(t.rw, F_P | F_RW);
    fake_pt(t.l1)[1] = fake_pte(t.ro, F_P);
    return t;
}

static struct tree build_tree(struct domain *d)
{
    struct tree t = write_tree(d);

    assert_int_equal(fake_pin(d, t.l4, PGT_l4), 0);
    return t;
}

static void expect_counts(mfn_t m, uint32_t count, uint32_t type_count)
{
    if (pg(m)->count != count || pg(m)->type_count != type_count)
        fprintf(stderr, "frame %#lx: count %u (want %u), type_count %u (want %u)\n", m,
                pg(m)->count, count, pg(m)->type_count, type_count);
    assert_int_equal(pg(m)->count, count);
    assert_int_equal(pg(m)->type_count, type_count);
}

/*
 * pt_update_entry must fail with err and leave the entry and every count as
 * they were (strict: the frame table byte for byte; otherwise a frame whose
 * type count stayed 0 may have taken another type on the way).
 */
static void refuse(mfn_t table, unsigned i, uint64_t val, struct domain *d, struct domain *o,
                   int err, bool strict)
{
    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    uint64_t before = i < 512 ? fake_pt(table)[i] : 0;

    assert_int_equal(pt_update_entry(pg(table), i, val, false, d, o), err);
    fake_drain(d);   /* what validating on the way queued goes back, as in mmu_update */
    assert_true(strict ? fake_same_as(snap) : fake_same_counts(snap));
    if (i < 512)
        assert_int_equal(fake_pt(table)[i], before);
    CHECK0();
}

static void accept(mfn_t table, unsigned i, uint64_t val, struct domain *d, struct domain *o)
{
    assert_int_equal(pt_update_entry(pg(table), i, val, false, d, o), 0);
    fake_drain(d);
    CHECK0();
}

static void test_validate_hierarchy(void **state)
{
    mfn_t spare = fake_give(&domu);
    struct tree t = write_tree(&domu);
    uint64_t *l4 = fake_pt(t.l4);

    /* Guest junk in the hypervisor slots: ignored, overwritten, never referenced. */
    l4[256] = fake_pte(spare, F_P | F_RW);
    l4[263] = fake_pte(t.rw, F_P | F_RW | F_PSE);
    l4[271] = fake_pte(spare, F_P);
    l4[300] = fake_pte(spare, F_P);   /* a guest slot: a real L3 (empty) */
    assert_int_equal(fake_pin(&domu, t.l4, PGT_l4), 0);

    expect_counts(t.l4, 2, 1);   /* allocation + pin */
    expect_counts(t.l3, 2, 1);   /* allocation + L4 entry */
    expect_counts(t.l2, 2, 1);
    expect_counts(t.l1, 2, 1);
    expect_counts(t.rw, 2, 1);   /* allocation + RW entry (writable type) */
    expect_counts(t.ro, 2, 0);
    expect_counts(spare, 2, 1);  /* L4 slot 300 only */
    assert_int_equal(pg(spare)->type, PGT_l3);
    assert_int_equal(pg(t.l4)->type, PGT_l4);
    assert_int_equal(pg(t.l3)->type, PGT_l3);
    assert_int_equal(pg(t.l2)->type, PGT_l2);
    assert_int_equal(pg(t.l1)->type, PGT_l1);
    assert_int_equal(pg(t.rw)->type, PGT_writable);
    for (unsigned i = 256; i <= 271; i++)
        assert_int_equal(l4[i], FAKE_HYP_L4E(i));
    /* Xen's adjustments were applied to the stored entries. */
    assert_int_equal(l4[0], fake_pte(t.l3, F_P | F_RW | F_US | F_A));
    assert_int_equal(fake_pt(t.l3)[0], fake_pte(t.l2, F_P | F_RW | F_US));
    assert_int_equal(fake_pt(t.l1)[0], fake_pte(t.rw, F_P | F_RW | F_US | F_GK));
    CHECK0();

    /* Unpin: the whole tree devalidates, back to the allocation references. */
    unsigned long flushes = fake.flushes;
    assert_int_equal(fake_unpin(&domu, t.l4), 0);
    mfn_t all[] = { t.l4, t.l3, t.l2, t.l1, t.rw, t.ro, spare };
    for (unsigned i = 0; i < ARRAY_SIZE(all); i++) {
        expect_counts(all[i], 1, 0);
        assert_false(pg(all[i])->flags & PGF_validated);
    }
    assert_int_equal(fake.flushes, flushes);   /* no type changed */
    assert_int_equal(fake.frees, 0);
    CHECK0();

    /* Validating again gives the same counts (adjustments are idempotent). */
    assert_int_equal(fake_pin(&domu, t.l4, PGT_l4), 0);
    expect_counts(t.l2, 2, 1);
    expect_counts(t.rw, 2, 1);
    assert_int_equal(fake_pt(t.l1)[0], fake_pte(t.rw, F_P | F_RW | F_US | F_GK));
    CHECK0();
}

static void test_validation_failure_unwinds(void **state)
{
    mfn_t l2 = fake_give(&domu), l1 = fake_give(&domu), w = fake_give(&domu);
    mfn_t other = fake_give(&dom0);

    for (unsigned i = 0; i < 10; i++)
        fake_pt(l1)[i] = fake_pte(w, F_P | F_RW);
    fake_pt(l1)[10] = fake_pte(other, F_P);   /* dom0's frame: fails here */
    fake_pt(l2)[0] = fake_pte(l1, F_P);
    CHECK0();
    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    assert_int_equal(fake_pin(&domu, l1, PGT_l1), -EBUSY);
    assert_true(fake_same_counts(snap));
    assert_int_equal(fake_pin(&domu, l2, PGT_l2), -EBUSY);   /* nested failure, same errno */
    assert_true(fake_same_counts(snap));
    CHECK0();
    fake_pt(l1)[10] = 0;
    assert_int_equal(fake_pin(&domu, l2, PGT_l2), 0);
    expect_counts(w, 11, 10);
    CHECK0();
}

/*
 * A budget in a given state (out of line: GCC 12's UBSan misreads the
 * thread-local's address when a loop hoists it, include/hyp/work_budget.h).
 */
static __attribute__((noinline)) void budget_set(uint32_t limit, uint64_t used, bool spent)
{
    work_budget_begin(limit);
    THIS_WORK_BUDGET.used = used;
    THIS_WORK_BUDGET.spent = spent;
}

static __attribute__((noinline)) struct work_budget budget_now(void)
{
    return THIS_WORK_BUDGET;
}

/* The reference: n charges of one unit; how many items went before one said stop. */
static __attribute__((noinline)) uint32_t charge_one_by_one(uint32_t n)
{
    uint32_t done = 0;

    while (done < n && !work_budget_charge(1))
        done++;
    return done;
}

static __attribute__((noinline)) uint32_t charge_items(uint32_t n)
{
    return work_budget_charge_items(n);
}

/*
 * work_budget_charge_items(n) leaves the budget exactly as n charges of one
 * unit would, and allows the items before the one whose unit spent it.
 */
static void test_budget_charge_items(void **state)
{
    for (uint32_t limit = 0; limit <= 12; limit++)
        for (uint32_t used = 0; used <= limit + 2; used++)
            for (int spent = 0; spent < 2; spent++)
                for (uint32_t n = 0; n <= 16; n++) {
                    budget_set(limit, used, spent);
                    uint32_t want = charge_one_by_one(n);
                    struct work_budget ref = budget_now();

                    budget_set(limit, used, spent);
                    assert_int_equal(charge_items(n), want);
                    struct work_budget got = budget_now();
                    assert_int_equal(got.used, ref.used);
                    assert_int_equal(got.spent, ref.spent);
                }
    budget_set(0, 0, false);
}

/*
 * Runs of empty entries are charged as runs: under every small budget a
 * table with present, hostile-free and not-present entries among long
 * empty runs validates and devalidates to exactly the references it
 * should, with the frame table consistent at every restart.
 */
static void test_empty_runs_under_budgets(void **state)
{
    mfn_t l2 = fake_give(&domu), l1 = fake_give(&domu), w = fake_give(&domu);
    mfn_t r = fake_give(&domu);
    static const unsigned rw_at[] = { 0, 1, 2, 100, 255, 256, 510, 511 };
    static const unsigned ro_at[] = { 3, 200, 509 };
    uint32_t budgets[40];
    unsigned nb = 0;

    /* Going down to the L1 costs a unit per level: budgets above the depth make progress. */
    for (uint32_t b = 3; b <= 32; b++)
        budgets[nb++] = b;
    budgets[nb++] = 63;
    budgets[nb++] = 257;
    budgets[nb++] = 511;
    budgets[nb++] = 512;
    budgets[nb++] = 513;
    budgets[nb++] = 0;
    for (unsigned k = 0; k < ARRAY_SIZE(rw_at); k++)
        fake_pt(l1)[rw_at[k]] = fake_pte(w, F_P | F_RW);
    for (unsigned k = 0; k < ARRAY_SIZE(ro_at); k++)
        fake_pt(l1)[ro_at[k]] = fake_pte(r, F_P);
    fake_pt(l1)[300] = 2;   /* not present, not empty: stored as written */
    fake_pt(l2)[7] = fake_pte(l1, F_P | F_RW);
    fake.roots = NULL;   /* no base pointers: the pin holds the tree */
    fake.nr_roots = 0;
    fake.check_restarts = true;
    for (unsigned k = 0; k < nb; k++) {
        fake.budget = budgets[k];
        unsigned long restarts = fake.restarts;
        assert_int_equal(fake_pin(&domu, l2, PGT_l2), 0);
        if (budgets[k] && budgets[k] < 64)
            assert_true(fake.restarts > restarts);   /* it did stop half-way */
        expect_counts(l1, 2, 1);
        expect_counts(w, 1 + ARRAY_SIZE(rw_at), ARRAY_SIZE(rw_at));
        expect_counts(r, 1 + ARRAY_SIZE(ro_at), 0);
        assert_int_equal(fake_pt(l1)[300], 2);
        CHECK0();
        assert_int_equal(fake_unpin(&domu, l2), 0);
        expect_counts(l1, 1, 0);
        expect_counts(w, 1, 0);
        expect_counts(r, 1, 0);
        CHECK0();
    }
    /* A refused entry right after an empty run gives back all that came before it. */
    fake.budget = 5;
    fake_pt(l1)[400] = fake_pte(fake_give(&dom0), F_P);
    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    assert_int_equal(fake_pin(&domu, l2, PGT_l2), -EBUSY);
    assert_true(fake_same_counts(snap));
    fake.check_restarts = false;
    fake.budget = 0;
    CHECK0();
}

/*
 * pt_validate and pt_devalidate stop exactly where charging one unit per
 * entry would: a budget of B units from entry s stops at s + B - 1 (going
 * up) or s - B + 1 (going down), whether the entries there are empty,
 * present or neither; the references come out right after each full pass.
 */
static void test_empty_runs_stop_exactly(void **state)
{
    mfn_t l1 = fake_give(&domu), w = fake_give(&domu);
    static const unsigned present_at[] = { 0, 5, 6, 200, 510 };
    uint64_t *t = fake_pt(l1);

    for (unsigned k = 0; k < ARRAY_SIZE(present_at); k++)
        t[present_at[k]] = fake_pte(w, F_P | F_RW);
    t[300] = 2;   /* not present, not empty */
    for (uint32_t b = 2; b <= 520; b += b < 40 ? 1 : 37) {   /* 1: no progress */
        unsigned at = 0;
        int rc;
        do {
            budget_set(b, 0, false);
            rc = pt_validate(pg(l1), 1, &domu);
            at = MIN(at + b - 1, 512u);
            if (at < 512)
                assert_int_equal(rc, -ERESTART);
            assert_int_equal(pg(l1)->nr_valid, at);
        } while (at < 512);
        assert_int_equal(rc, 0);
        expect_counts(w, 1 + ARRAY_SIZE(present_at), ARRAY_SIZE(present_at));
        do {
            budget_set(b, 0, false);
            rc = pt_devalidate(pg(l1), 1, true);
            at = at > b - 1 ? at - (b - 1) : 0;
            if (at)
                assert_int_equal(rc, -ERESTART);
            assert_int_equal(pg(l1)->nr_valid, at);
        } while (at);
        assert_int_equal(rc, 0);
        expect_counts(w, 1, 0);
        assert_int_equal(t[300], 2);
    }
    budget_set(0, 0, false);
    CHECK0();
}

static void test_l1_target_rules(void **state)
{
    struct tree t = build_tree(&domu);
    struct tree z = build_tree(&dom0);
    mfn_t tables[] = { t.l4, t.l3, t.l2, t.l1 };

    /* Writable mappings of tables in use: -EBUSY; read-only ones are fine. */
    for (unsigned i = 0; i < ARRAY_SIZE(tables); i++) {
        refuse(t.l1, 5, fake_pte(tables[i], F_P | F_RW), &domu, &domu, -EBUSY, true);
        accept(t.l1, 5, fake_pte(tables[i], F_P), &domu, &domu);
    }
    /* Another domain's frame, a free frame: -EBUSY, whoever asks. */
    refuse(t.l1, 6, fake_pte(z.rw, F_P), &domu, &domu, -EBUSY, true);
    refuse(t.l1, 6, fake_pte(z.rw, F_P | F_RW), &domu, &domu, -EBUSY, true);
    refuse(z.l1, 6, fake_pte(t.ro, F_P), &dom0, &dom0, -EBUSY, true);
    refuse(t.l1, 6, fake_pte(200, F_P), &domu, &domu, -EBUSY, true);
    refuse(z.l1, 6, fake_pte(200, F_P | F_RW), &dom0, &dom0, -EBUSY, true);
    /* With domU as page owner, dom0 maps domU's frame (references on domU's frame). */
    accept(z.l1, 6, fake_pte(t.ro, F_P | F_RW), &dom0, &domu);
    expect_counts(t.ro, 3, 1);
    assert_int_equal(pg(t.ro)->type, PGT_writable);
    /* ...but still not domU's tables writable. */
    refuse(z.l1, 7, fake_pte(t.l2, F_P | F_RW), &dom0, &domu, -EBUSY, true);
    /* Upper levels are only ever written for the table's owner. */
    refuse(t.l2, 9, fake_pte(t.l1, F_P), &domu, &dom0, -EINVAL, true);
    refuse(t.l2, 9, 0, &domu, &dom0, -EINVAL, true);
    /* Outside the table, or a frame that is no validated table. */
    refuse(t.l1, 512, 0, &domu, &domu, -EINVAL, true);
    assert_int_equal(pt_update_entry(pg(t.rw), 0, 0, false, &domu, &domu), -EINVAL);
    assert_int_equal(pt_update_entry(pg(t.ro), 0, 0, false, &domu, &domu), -EINVAL);
    CHECK0();
}

static void test_io_frames(void **state)
{
    struct tree t = build_tree(&domu);
    struct tree z = build_tree(&dom0);
    mfn_t io[] = { FAKE_IO_FIRST, FAKE_FRAMES - 1, FAKE_MMIO_FIRST, FAKE_MMIO_FIRST + 0xff };

    for (unsigned i = 0; i < ARRAY_SIZE(io); i++) {
        /* Privileged: allowed, writable too, and no reference is counted. */
        struct page_info snap[FAKE_FRAMES];
        fake_snapshot(snap);
        assert_int_equal(pt_update_entry(pg(z.l1), 9, fake_pte(io[i], F_P | F_RW | F_PCD),
                                         false, &dom0, &dom0), 0);
        assert_true(fake_same_as(snap));
        CHECK0();
        refuse(t.l1, 9, fake_pte(io[i], F_P), &domu, &domu, -EPERM, true);
        refuse(t.l1, 9, fake_pte(io[i], F_P | F_RW), &domu, &domu, -EPERM, true);
    }
    /* Dropping an I/O entry drops nothing either. */
    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    accept(z.l1, 9, 0, &dom0, &dom0);
    assert_true(fake_same_as(snap));
    /* Not RAM, not I/O for anyone; the all-ones frame number is -EINVAL. */
    refuse(z.l1, 9, fake_pte(FAKE_MMIO_FIRST + 0x100, F_P), &dom0, &dom0, -EPERM, true);
    refuse(z.l1, 9, fake_pte(FAKE_FRAMES, F_P), &dom0, &dom0, -EPERM, true);
    refuse(z.l1, 9, 0x000ffffffffff000UL | F_P, &dom0, &dom0, -EINVAL, true);
    refuse(t.l1, 9, 0x000ffffffffff000UL | F_P, &domu, &domu, -EINVAL, true);
    /* An I/O frame at an upper level is no table. */
    refuse(z.l2, 9, fake_pte(FAKE_IO_FIRST, F_P), &dom0, &dom0, -EINVAL, true);
    refuse(z.l2, 9, fake_pte(FAKE_MMIO_FIRST, F_P), &dom0, &dom0, -EINVAL, true);
    /* Validation applies the same rule. */
    mfn_t l1 = fake_give(&domu);
    fake_pt(l1)[3] = fake_pte(FAKE_IO_FIRST, F_P);
    assert_int_equal(fake_pin(&domu, l1, PGT_l1), -EPERM);
    CHECK0();
}

static void test_cache_attributes(void **state)
{
    struct tree t = build_tree(&domu);
    struct tree z = build_tree(&dom0);
    uint64_t attrs[] = { F_PWT, F_PCD, F_PSE /* PAT */, F_PWT | F_PCD };

    for (unsigned i = 0; i < ARRAY_SIZE(attrs); i++) {
        accept(z.l1, 20, fake_pte(z.ro, F_P | attrs[i]), &dom0, &dom0);
        refuse(t.l1, 20, fake_pte(t.ro, F_P | attrs[i]), &domu, &domu, -EINVAL, true);
    }
    /* Allowed L1 flags for everyone: G, NX, A, D, the available bits 9-11 and 52-61. */
    uint64_t ok[] = { F_G, F_NX, F_A | F_D, F_AVAIL, 1UL << 52, 1UL << 61, 0x3ffUL << 52 };
    for (unsigned i = 0; i < ARRAY_SIZE(ok); i++)
        accept(t.l1, 21, fake_pte(t.ro, F_P | ok[i]), &domu, &domu);
    /* Bit 62 (Xen's grant-mapping marker) is accepted from guests by Xen 4.17. */
    accept(t.l1, 21, fake_pte(t.ro, F_P | F_GNT), &domu, &domu);
    accept(z.l1, 21, fake_pte(z.ro, F_P | F_GNT), &dom0, &dom0);
    /* In validation too. */
    mfn_t l1 = fake_give(&domu);
    fake_pt(l1)[0] = fake_pte(t.ro, F_P | F_PCD);
    assert_int_equal(fake_pin(&domu, l1, PGT_l1), -EINVAL);
    CHECK0();
}

static void test_upper_level_flags(void **state)
{
    struct tree t = build_tree(&domu);
    struct tree z = build_tree(&dom0);
    mfn_t fresh = fake_give(&domu);
    uint64_t bad[] = { F_PSE, F_G, F_PWT, F_PCD, F_PSE | F_G };
    struct { mfn_t table, target; } lv[] = {
        { t.l2, t.l1 }, { t.l3, t.l2 }, { t.l4, t.l3 },
    };

    for (unsigned l = 0; l < ARRAY_SIZE(lv); l++) {
        for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
            refuse(lv[l].table, 30, fake_pte(lv[l].target, F_P | bad[i]), &domu, &domu,
                   -EINVAL, true);
            refuse(lv[l].table, 30, fake_pte(fresh, F_P | F_RW | bad[i]), &domu, &domu,
                   -EINVAL, true);
        }
        /* Allowed: RW, US, A, D, AVAIL, NX, and high available bits (62 included). */
        accept(lv[l].table, 30, fake_pte(lv[l].target, F_P | F_RW | F_US | F_A | F_D |
                                         F_AVAIL | F_NX | F_GNT | (1UL << 52)), &domu, &domu);
        accept(lv[l].table, 30, 0, &domu, &domu);
    }
    /* Privilege does not help at upper levels. */
    refuse(z.l2, 30, fake_pte(z.l1, F_P | F_PCD), &dom0, &dom0, -EINVAL, true);
    refuse(z.l2, 30, fake_pte(z.l1, F_P | F_PSE), &dom0, &dom0, -EINVAL, true);
    /* A superpage entry in a table being validated fails validation. */
    mfn_t l2 = fake_give(&domu);
    fake_pt(l2)[1] = fake_pte(0, F_P | F_PSE);
    assert_int_equal(fake_pin(&domu, l2, PGT_l2), -EINVAL);
    CHECK0();
}

static void test_l4_hypervisor_slots(void **state)
{
    struct tree t = build_tree(&domu);
    struct tree z = build_tree(&dom0);

    for (unsigned i = 256; i <= 271; i++) {
        refuse(t.l4, i, fake_pte(fake_give(&domu), F_P), &domu, &domu, -EINVAL, true);
        refuse(t.l4, i, 0, &domu, &domu, -EINVAL, true);
        refuse(z.l4, i, 0, &dom0, &dom0, -EINVAL, true);
        assert_int_equal(fake_pt(t.l4)[i], FAKE_HYP_L4E(i));
    }
    accept(t.l4, 255, fake_pte(fake_give(&domu), F_P), &domu, &domu);
    accept(t.l4, 272, fake_pte(fake_give(&domu), F_P), &domu, &domu);
    /* Slot numbers only mean this at L4. */
    accept(t.l3, 260, fake_pte(fake_give(&domu), F_P), &domu, &domu);
    accept(t.l1, 260, fake_pte(t.ro, F_P), &domu, &domu);
}

/* An L4 that lost its type keeps the hypervisor's entries: they never validate as guest ones. */
static void test_stale_hypervisor_slots(void **state)
{
    mfn_t l4 = fake_give(&domu), l4z = fake_give(&dom0);

    assert_int_equal(fake_pin(&domu, l4, PGT_l4), 0);
    assert_int_equal(fake_pt(l4)[261], FAKE_HYP_L4E(261));
    assert_int_equal(fake_pin(&dom0, l4z, PGT_l4), 0);
    assert_int_equal(fake_unpin(&domu, l4), 0);
    assert_int_equal(fake_unpin(&dom0, l4z), 0);
    /* Devalidation wipes the hypervisor's slots: nothing of them leaks to a
     * guest that maps the frame writable later, and nothing stale validates. */
    for (unsigned i = 256; i <= 271; i++) {
        assert_int_equal(fake_pt(l4)[i], 0);
        assert_int_equal(fake_pt(l4z)[i], 0);
    }
    assert_int_equal(fake_pin(&domu, l4, PGT_l1), 0);
    assert_int_equal(fake_unpin(&domu, l4), 0);
    CHECK0();
    /* As an L4 again: the slots are filled in once more. */
    assert_int_equal(fake_pin(&domu, l4, PGT_l4), 0);
    assert_int_equal(fake_pt(l4)[261], FAKE_HYP_L4E(261));
    CHECK0();
}

/* A released frame that a table keeps alive may still be pinned; it goes when unpinned. */
static void test_released_frame_repinned(void **state)
{
    struct tree t = build_tree(&domu);
    mfn_t l1b = fake_give(&domu);

    accept(t.l1, 8, fake_pte(l1b, F_P), &domu, &domu);
    assert_int_equal(domain_release_page(&domu, l1b), 0);
    expect_counts(l1b, 1, 0);
    CHECK0();
    assert_int_equal(fake_pin(&domu, l1b, PGT_l1), 0);
    CHECK0();
    accept(t.l1, 8, 0, &domu, &domu);
    assert_int_equal(fake.free_count[l1b], 0);
    assert_int_equal(fake_unpin(&domu, l1b), 0);
    assert_int_equal(fake.free_count[l1b], 1);
    CHECK0();
    /* ...and a domain going away unpins it too. */
    mfn_t l1c = fake_give(&domu);
    accept(t.l1, 9, fake_pte(l1c, F_P), &domu, &domu);
    assert_int_equal(domain_release_page(&domu, l1c), 0);
    assert_int_equal(fake_pin(&domu, l1c, PGT_l1), 0);
    domu.state = DOMAIN_DYING;
    domain_relinquish_memory(&domu);
    assert_int_equal(domu.state, DOMAIN_FREE);
    assert_int_equal(l1c, l1b);   /* the lowest free frame again */
    assert_int_equal(fake.free_count[l1c], 2);
    CHECK0();
}

static void test_wrong_level_targets(void **state)
{
    struct tree t = build_tree(&domu);

    refuse(t.l3, 1, fake_pte(t.l1, F_P), &domu, &domu, -EINVAL, true);   /* L3 -> L1 table */
    refuse(t.l4, 1, fake_pte(t.l2, F_P), &domu, &domu, -EINVAL, true);
    refuse(t.l4, 1, fake_pte(t.l1, F_P), &domu, &domu, -EINVAL, true);
    refuse(t.l2, 1, fake_pte(t.l3, F_P), &domu, &domu, -EINVAL, true);
    refuse(t.l3, 1, fake_pte(t.l4, F_P), &domu, &domu, -EINVAL, true);
    refuse(t.l2, 1, fake_pte(t.rw, F_P), &domu, &domu, -EINVAL, true);   /* writable data */
    refuse(t.l2, 1, fake_pte(FAKE_FRAMES + 1, F_P), &domu, &domu, -EINVAL, true);
    refuse(t.l2, 1, fake_pte(200, F_P), &domu, &domu, -EINVAL, true);    /* free frame */
    /* A frame already validated as L1 somewhere can be shared by two L2 entries. */
    accept(t.l2, 1, fake_pte(t.l1, F_P), &domu, &domu);
    expect_counts(t.l1, 3, 2);
    /* ...and an unused frame is validated on the spot (Mini-OS relies on it). */
    mfn_t fresh = fake_give(&domu);
    fake_pt(fresh)[0] = fake_pte(t.ro, F_P | F_RW);
    accept(t.l2, 2, fake_pte(fresh, F_P), &domu, &domu);
    assert_int_equal(pg(fresh)->type, PGT_l1);
    assert_true(pg(fresh)->flags & PGF_validated);
    expect_counts(t.ro, 3, 1);
}

static void test_linear_page_tables(void **state)
{
    struct tree t = build_tree(&domu);
    mfn_t a = fake_give(&domu), b = fake_give(&domu), c = fake_give(&domu);
    struct tree z = build_tree(&dom0);

    assert_int_equal(fake_pin(&domu, a, PGT_l4), 0);
    assert_int_equal(fake_pin(&domu, b, PGT_l4), 0);
    assert_int_equal(fake_pin(&domu, c, PGT_l4), 0);
    CHECK0();

    /* Read-only self-map: accepted, no reference at all. */
    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    assert_int_equal(pt_update_entry(pg(t.l4), 5, fake_pte(t.l4, F_P), false, &domu, &domu), 0);
    assert_true(fake_same_as(snap));
    assert_int_equal(fake_pt(t.l4)[5], fake_pte(t.l4, F_P | F_US | F_A));
    CHECK0();
    refuse(t.l4, 6, fake_pte(t.l4, F_P | F_RW), &domu, &domu, -EINVAL, true);
    refuse(t.l4, 5, fake_pte(t.l4, F_P | F_RW), &domu, &domu, -EINVAL, true);

    /* Read-only map of another validated L4: references and linear counters. */
    accept(t.l4, 7, fake_pte(a, F_P), &domu, &domu);
    expect_counts(a, 3, 2);
    assert_int_equal(pg(t.l4)->linear, 1);
    assert_int_equal(pg(a)->linear, -1);
    refuse(t.l4, 8, fake_pte(b, F_P | F_RW), &domu, &domu, -EINVAL, true);
    accept(t.l4, 8, fake_pte(b, F_P), &domu, &domu);
    assert_int_equal(pg(t.l4)->linear, 2);
    /* Several tables may map the same one. */
    accept(c, 0, fake_pte(a, F_P), &domu, &domu);
    assert_int_equal(pg(a)->linear, -2);

    /* Nesting refused both ways: a linear target gets no linear entries ... */
    refuse(a, 0, fake_pte(b, F_P), &domu, &domu, -EINVAL, true);
    refuse(b, 0, fake_pte(c, F_P), &domu, &domu, -EINVAL, true);
    /* ... and a table with linear entries is not mapped linearly. */
    mfn_t e = fake_give(&domu);
    assert_int_equal(fake_pin(&domu, e, PGT_l4), 0);
    refuse(e, 0, fake_pte(t.l4, F_P), &domu, &domu, -EINVAL, true);
    refuse(e, 0, fake_pte(c, F_P), &domu, &domu, -EINVAL, true);
    /* ... which validation enforces too. */
    mfn_t v = fake_give(&domu);
    fake_pt(v)[0] = fake_pte(a, F_P);
    fake_pt(v)[1] = fake_pte(c, F_P);
    struct page_info snap2[FAKE_FRAMES];
    fake_snapshot(snap2);
    assert_int_equal(fake_pin(&domu, v, PGT_l4), -EINVAL);
    assert_true(fake_same_counts(snap2));
    /* ... but a target may still map itself. */
    accept(a, 1, fake_pte(a, F_P), &domu, &domu);
    /* Another domain's table, never. */
    refuse(t.l4, 9, fake_pte(z.l4, F_P), &domu, &domu, -EINVAL, true);
    refuse(z.l4, 9, fake_pte(t.l4, F_P), &dom0, &dom0, -EINVAL, true);

    /* Same-level maps at L2 and L3 too. */
    mfn_t l2b = fake_give(&domu), l3b = fake_give(&domu);
    assert_int_equal(fake_pin(&domu, l2b, PGT_l2), 0);
    assert_int_equal(fake_pin(&domu, l3b, PGT_l3), 0);
    accept(t.l2, 3, fake_pte(l2b, F_P), &domu, &domu);
    accept(t.l3, 3, fake_pte(l3b, F_P), &domu, &domu);
    assert_int_equal(pg(l2b)->linear, -1);
    /* An L1 "maps" other L1s only as data: no linear rules there. */
    accept(t.l1, 3, fake_pte(t.l1, F_P), &domu, &domu);

    /* Removing the entries gives everything back. */
    accept(t.l4, 7, 0, &domu, &domu);
    accept(t.l4, 8, 0, &domu, &domu);
    accept(c, 0, 0, &domu, &domu);
    accept(t.l2, 3, 0, &domu, &domu);
    accept(t.l3, 3, 0, &domu, &domu);
    assert_int_equal(pg(t.l4)->linear, 0);
    assert_int_equal(pg(a)->linear, 0);
    expect_counts(a, 2, 1);
    expect_counts(b, 2, 1);
    /* Now b may map t.l4 linearly (and the self-map of t.l4 stays uncounted). */
    accept(b, 0, fake_pte(t.l4, F_P), &domu, &domu);
    assert_int_equal(fake_unpin(&domu, t.l4), 0);   /* b's entry keeps it validated */
    assert_true(pg(t.l4)->flags & PGF_validated);
    assert_int_equal(fake_unpin(&domu, b), 0);      /* b goes, and t.l4 with it */
    assert_false(pg(t.l4)->flags & PGF_validated);
    assert_false(pg(t.l3)->flags & PGF_validated);
    expect_counts(t.rw, 1, 0);
    CHECK0();
}

/*
 * Bug regression: the linear-use counter of a table is an int16_t.  Once
 * 32768 entries map one table linearly, one more must be refused: otherwise
 * the counter wraps positive, and the table - still mapped linearly - looks
 * like one that may hold linear entries itself (nesting, which lets a chain
 * of tables reference each other, even in a cycle).
 */
static void test_linear_use_limit(void **state)
{
    mfn_t target = fake_give(&dom0), mappers[65], next = fake_give(&dom0);

    assert_int_equal(fake_pin(&dom0, target, PGT_l2), 0);
    assert_int_equal(fake_pin(&dom0, next, PGT_l2), 0);
    for (unsigned i = 0; i < 65; i++) {
        mappers[i] = fake_give(&dom0);
        for (unsigned e = 0; e < 512; e++)
            fake_pt(mappers[i])[e] = fake_pte(target, F_P);
    }
    for (unsigned i = 0; i < 64; i++)
        assert_int_equal(fake_pin(&dom0, mappers[i], PGT_l2), 0);
    assert_int_equal(pg(target)->linear, -32768);
    expect_counts(target, 2 + 64 * 512, 1 + 64 * 512);
    CHECK0();

    /* One use more: refused, in validation and in an update. */
    for (unsigned e = 1; e < 512; e++)
        fake_pt(mappers[64])[e] = 0;
    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    assert_int_equal(fake_pin(&dom0, mappers[64], PGT_l2), -EINVAL);
    assert_true(fake_same_counts(snap));
    CHECK0();
    fake_pt(mappers[64])[0] = 0;
    assert_int_equal(fake_pin(&dom0, mappers[64], PGT_l2), 0);
    refuse(mappers[64], 0, fake_pte(target, F_P), &dom0, &dom0, -EINVAL, true);
    assert_int_equal(pg(target)->linear, -32768);
    /* The target still cannot hold linear entries. */
    refuse(target, 0, fake_pte(next, F_P), &dom0, &dom0, -EINVAL, true);
    /* One mapping gone, one allowed again. */
    accept(mappers[0], 0, 0, &dom0, &dom0);
    accept(mappers[64], 0, fake_pte(target, F_P), &dom0, &dom0);
    for (unsigned i = 0; i < 65; i++)
        assert_int_equal(fake_unpin(&dom0, mappers[i]), 0);
    assert_int_equal(pg(target)->linear, 0);
    expect_counts(target, 2, 1);
    CHECK0();
}

static void test_cycles_refused(void **state)
{
    struct tree t = build_tree(&domu);
    mfn_t b = fake_give(&domu), c = fake_give(&domu), d = fake_give(&domu);

    /* b -> c -> b: as L3 -> L2 -> (L1 wanted, b is the L3 in validation). */
    fake_pt(b)[0] = fake_pte(c, F_P);
    fake_pt(c)[0] = fake_pte(b, F_P);
    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    assert_int_equal(fake_pin(&domu, b, PGT_l3), -EINVAL);
    assert_true(fake_same_counts(snap));
    CHECK0();
    refuse(t.l4, 2, fake_pte(b, F_P), &domu, &domu, -EINVAL, false);
    /* A table reaching back to its root through itself as a lower level. */
    fake_pt(b)[0] = fake_pte(t.l4, F_P);
    refuse(t.l4, 2, fake_pte(b, F_P), &domu, &domu, -EINVAL, false);
    /* A table mapping itself writably at a lower level while being validated. */
    fake_pt(b)[0] = fake_pte(b, F_P | F_RW);
    refuse(t.l4, 2, fake_pte(b, F_P), &domu, &domu, -EINVAL, false);
    /* b (L3) -> c (L2) -> d (L1) -> b writable: the L3 in validation is no data. */
    fake_pt(b)[0] = fake_pte(c, F_P);
    fake_pt(c)[0] = fake_pte(d, F_P);
    fake_pt(d)[0] = fake_pte(b, F_P | F_RW);
    refuse(t.l4, 2, fake_pte(b, F_P), &domu, &domu, -EBUSY, false);
    /* ... read-only it is fine: an L1 may map its own ancestors. */
    fake_pt(d)[0] = fake_pte(b, F_P);
    fake_pt(d)[1] = fake_pte(t.l4, F_P);
    accept(t.l4, 2, fake_pte(b, F_P), &domu, &domu);
    expect_counts(b, 3, 1);
    CHECK0();
}

static void test_unpin_keeps_referenced(void **state)
{
    struct tree t = build_tree(&domu);

    assert_int_equal(fake_pin(&domu, t.l2, PGT_l2), 0);
    expect_counts(t.l2, 3, 2);
    assert_int_equal(fake_unpin(&domu, t.l4), 0);
    assert_false(pg(t.l4)->flags & PGF_validated);
    assert_false(pg(t.l3)->flags & PGF_validated);
    expect_counts(t.l3, 1, 0);
    expect_counts(t.l2, 2, 1);   /* pinned: still an L2, still validated */
    assert_true(pg(t.l2)->flags & PGF_validated);
    expect_counts(t.l1, 2, 1);
    expect_counts(t.rw, 2, 1);
    CHECK0();
    /* It may not become anything else meanwhile. */
    assert_int_equal(fake_pin(&domu, t.l2, PGT_l3), -EINVAL);
    refuse(t.l1, 4, fake_pte(t.l2, F_P | F_RW), &domu, &domu, -EBUSY, true);
    assert_int_equal(fake_unpin(&domu, t.l2), 0);
    expect_counts(t.l2, 1, 0);
    expect_counts(t.l1, 1, 0);
    expect_counts(t.rw, 1, 0);
    CHECK0();
}

static void test_update_replaces(void **state)
{
    struct tree t = build_tree(&domu);
    mfn_t g = fake_give(&domu);

    /* L1: RW rw -> RW g: references move. */
    accept(t.l1, 0, fake_pte(g, F_P | F_RW), &domu, &domu);
    expect_counts(t.rw, 1, 0);
    expect_counts(g, 2, 1);
    /* Same frame, RW -> RO -> RW. */
    accept(t.l1, 0, fake_pte(g, F_P), &domu, &domu);
    expect_counts(g, 2, 0);
    accept(t.l1, 0, fake_pte(g, F_P | F_RW), &domu, &domu);
    accept(t.l1, 0, fake_pte(g, F_P | F_RW), &domu, &domu);
    expect_counts(g, 2, 1);

    /*
     * The same L1 table remapped in the L2 while it is the only thing keeping
     * a released frame alive: new references are taken before the old ones
     * go, so the table never devalidates and the frame is not freed.
     */
    assert_int_equal(domain_release_page(&domu, g), 0);
    expect_counts(g, 1, 1);
    unsigned long frees = fake.frees;
    accept(t.l2, 0, fake_pte(t.l1, F_P | F_RW), &domu, &domu);
    accept(t.l2, 0, fake_pte(t.l1, F_P), &domu, &domu);
    assert_int_equal(fake.frees, frees);
    expect_counts(g, 1, 1);
    assert_true(pg(t.l1)->flags & PGF_validated);

    /* A replacement that fails validation leaves the old entry and its references. */
    mfn_t bad = fake_give(&domu);
    fake_pt(bad)[0] = fake_pte(t.l2, F_P | F_RW);
    refuse(t.l2, 0, fake_pte(bad, F_P), &domu, &domu, -EBUSY, false);
    expect_counts(t.l1, 2, 1);
    /* Clearing it drops the last reference to g: freed exactly once. */
    accept(t.l2, 0, 0, &domu, &domu);
    assert_int_equal(fake.free_count[g], 1);
    assert_false(pg(t.l1)->flags & PGF_validated);
    /* Not-present values are stored as given, junk included, holding nothing. */
    accept(t.l2, 0, 0xdeadbeef000UL | F_RW | F_PSE, &domu, &domu);
    assert_int_equal(fake_pt(t.l2)[0], 0xdeadbeef000UL | F_RW | F_PSE);
    accept(t.l2, 0, 0, &domu, &domu);
}

static void test_preserve_ad(void **state)
{
    struct tree t = build_tree(&domu);

    fake_pt(t.l1)[1] |= F_A | F_D;   /* the CPU set them */
    uint64_t val = fake_pte(t.ro, F_P | F_US);
    assert_int_equal(pt_update_entry(pg(t.l1), 1, val, true, &domu, &domu), 0);
    assert_int_equal(fake_pt(t.l1)[1], val | F_A | F_D | F_G);
    assert_int_equal(pt_update_entry(pg(t.l1), 1, val, false, &domu, &domu), 0);
    assert_int_equal(fake_pt(t.l1)[1], val | F_G);
    fake_pt(t.l1)[1] |= F_D;
    assert_int_equal(pt_update_entry(pg(t.l1), 1, val | F_A, true, &domu, &domu), 0);
    assert_int_equal(fake_pt(t.l1)[1], val | F_A | F_D | F_G);
    /* At L2 too; a refused update preserves nothing and changes nothing. */
    fake_pt(t.l2)[0] |= F_A | F_D;
    uint64_t old = fake_pt(t.l2)[0];
    assert_int_equal(pt_update_entry(pg(t.l2), 0, fake_pte(t.l1, F_P | F_PSE), true, &domu,
                                     &domu), -EINVAL);
    assert_int_equal(fake_pt(t.l2)[0], old);
    assert_int_equal(pt_update_entry(pg(t.l2), 0, fake_pte(t.l1, F_P), true, &domu, &domu), 0);
    assert_int_equal(fake_pt(t.l2)[0], fake_pte(t.l1, F_P | F_US | F_A | F_D));
    CHECK0();
}

static void test_entry_adjustments(void **state)
{
    struct tree t = build_tree(&domu);
    struct { uint64_t in, out; } l1[] = {
        { F_P, F_P | F_US | F_GK },                          /* guest kernel page */
        { F_P | F_RW | F_NX, F_P | F_RW | F_NX | F_US | F_GK },
        { F_P | F_US, F_P | F_US | F_G },                    /* user page: global */
        { F_P | F_US | F_G, F_P | F_US | F_G },
        { F_P | F_G, F_P | F_G | F_US | F_GK },              /* kernel, G as written */
        { F_P | F_US | F_GK, F_P | F_US | F_GK },            /* marker already there */
        { F_P | F_GK, F_P | F_US | F_GK },
        { F_P | F_A | F_D | F_AVAIL, F_P | F_A | F_D | F_AVAIL | F_US | F_GK },
    };

    for (unsigned i = 0; i < ARRAY_SIZE(l1); i++) {
        accept(t.l1, 40, fake_pte(t.ro, l1[i].in), &domu, &domu);
        assert_int_equal(fake_pt(t.l1)[40], fake_pte(t.ro, l1[i].out));
    }
    /* Upper levels: US forced, A only at L4. */
    accept(t.l2, 40, fake_pte(t.l1, F_P), &domu, &domu);
    assert_int_equal(fake_pt(t.l2)[40], fake_pte(t.l1, F_P | F_US));
    accept(t.l3, 40, fake_pte(t.l2, F_P | F_RW), &domu, &domu);
    assert_int_equal(fake_pt(t.l3)[40], fake_pte(t.l2, F_P | F_RW | F_US));
    accept(t.l4, 40, fake_pte(t.l3, F_P | F_NX), &domu, &domu);
    assert_int_equal(fake_pt(t.l4)[40], fake_pte(t.l3, F_P | F_NX | F_US | F_A));
    /* Not present: untouched. */
    accept(t.l1, 41, fake_pte(t.ro, F_RW), &domu, &domu);
    assert_int_equal(fake_pt(t.l1)[41], fake_pte(t.ro, F_RW));
    /* Validation adjusts the same way. */
    mfn_t l1b = fake_give(&domu);
    for (unsigned i = 0; i < ARRAY_SIZE(l1); i++)
        fake_pt(l1b)[i] = fake_pte(t.ro, l1[i].in);
    assert_int_equal(fake_pin(&domu, l1b, PGT_l1), 0);
    for (unsigned i = 0; i < ARRAY_SIZE(l1); i++)
        assert_int_equal(fake_pt(l1b)[i], fake_pte(t.ro, l1[i].out));
    CHECK0();
}

/* ---- the random test ---- */

#define RANDOM_STEPS 6000
#define NDOMS 3

static uint64_t rng = 0x9e3779b97f4a7c15UL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned rnd_below(unsigned n) { return (unsigned)(rnd() % n); }

struct world {
    struct domain *d[NDOMS];
    struct domain spare;   /* the domain that replaces a killed one */
    mfn_t roots[NDOMS];    /* base pointers (0 = none) */
    unsigned ok[8], tried[8];
    unsigned upper_ok[5];  /* successful present updates per level */
};

static mfn_t some_frame_of(struct domain *d)
{
    mfn_t owned[FAKE_FRAMES];
    unsigned n = 0;

    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        if (pg(m)->owner == d->id)
            owned[n++] = m;
    return n ? owned[rnd_below(n)] : rnd_below(FAKE_FRAMES);
}

static mfn_t some_table_of(struct domain *d)
{
    mfn_t tables[FAKE_FRAMES];
    unsigned n = 0;

    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        if (pg(m)->owner == d->id && (pg(m)->flags & PGF_validated))
            tables[n++] = m;
    return n ? tables[rnd_below(n)] : some_frame_of(d);
}

/* Mostly plausible, often hostile entries. */
static uint64_t random_entry(struct world *w, struct domain *d, mfn_t table)
{
    static const uint64_t odd[] = { F_PWT, F_PCD, F_PSE, F_G, F_GK, F_GNT, F_NX, F_AVAIL,
                                    F_A | F_D, 1UL << 55 };
    unsigned r = rnd_below(100);
    mfn_t target;

    if (r < 2)
        return rnd();
    if (r < 50)
        target = some_frame_of(d);
    else if (r < 65)
        target = table;
    else if (r < 85)
        target = rnd_below(FAKE_FRAMES);
    else if (r < 90)
        target = some_frame_of(w->d[rnd_below(NDOMS)]);
    else if (r < 95)
        target = FAKE_MMIO_FIRST + rnd_below(0x200);
    else
        target = FAKE_FRAMES + rnd_below(16);
    uint64_t flags = (rnd_below(10) ? F_P : 0) | (rnd_below(2) ? F_RW : 0) |
                     (rnd_below(2) ? F_US : 0);
    if (rnd_below(4) == 0)
        flags |= odd[rnd_below(ARRAY_SIZE(odd))];
    return fake_pte(target, flags);
}

static unsigned random_index(void)
{
    unsigned r = rnd_below(10);
    return r < 4 ? r : r < 6 ? 256 + rnd_below(16) : r < 7 ? 511 : rnd_below(512);
}

/* A guest write through a writable mapping (what mmu_update does on a non-table). */
static int op_guest_write(struct world *w, struct domain *d)
{
    mfn_t m = rnd_below(3) ? some_frame_of(d) : rnd_below(FAKE_FRAMES);
    struct page_info *p = pg(m);

    if (!get_page(p, d))
        return -EINVAL;
    int rc = get_page_type(p, PGT_writable, d);
    if (rc == 0) {
        for (unsigned n = 1 + rnd_below(4); n; n--)
            fake_pt(m)[random_index()] = random_entry(w, d, m);
        put_page_type(p);
    }
    put_page(p);
    fake_drain(d);
    return rc;
}

/* A validated update, as mmu_update's normal_update; a failure must change nothing. */
static int op_update(struct world *w, struct domain *d)
{
    mfn_t m = rnd_below(4) ? some_table_of(d) : some_frame_of(d);
    struct page_info *p = pg(m);
    struct domain *owner = d;
    unsigned i = random_index();
    uint64_t val;

    if (d->privileged && rnd_below(4) == 0)
        owner = w->d[rnd_below(NDOMS)];
    if (!get_page(p, d))
        return -EINVAL;
    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    uint64_t before = fake_pt(m)[i];
    val = random_entry(w, owner, m);
    bool keep_ad = rnd_below(2);
    int rc;
    do {   /* continued as the guest re-issues it */
        work_budget_begin(fake.budget);
        rc = pt_update_entry(p, i, val, keep_ad, d, owner);
    } while (rc == -ERESTART);
    fake_drain(d);
    if (rc) {
        assert_true(fake_same_counts(snap));
        assert_int_equal(fake_pt(m)[i], before);
    } else if (val & F_P) {
        w->upper_ok[p->type]++;
    }
    put_page(p);
    return rc;
}

static int op_pin(struct world *w, struct domain *d)
{
    mfn_t m = rnd_below(8) ? some_frame_of(d) : rnd_below(FAKE_FRAMES + 2);
    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    int rc = fake_pin(d, m, PGT_l1 + rnd_below(4));

    if (rc)
        assert_true(fake_same_counts(snap));
    return rc;
}

/* MMUEXT_NEW_BASEPTR: a reference and an L4 type reference on the new root. */
static int op_base_pointer(struct world *w, unsigned di)
{
    struct domain *d = w->d[di];
    mfn_t m = rnd_below(5) ? some_frame_of(d) : 0, old = w->roots[di];

    if (m == old)
        return 0;
    if (m) {
        int rc;
        do {
            work_budget_begin(fake.budget);
            rc = get_page_and_type(pg(m), d, PGT_l4);
        } while (rc == -ERESTART);
        if (rc) {
            fake_drain(d);
            return rc;
        }
    }
    w->roots[di] = m;
    if (old)
        put_page_and_type(pg(old));
    fake_drain(d);
    return 0;
}

static int op_assign(struct world *w, struct domain *d)
{
    mfn_t m = rnd_below(FAKE_IO_FIRST);

    if (pg(m)->owner != DOMID_INVALID)
        return -EBUSY;
    if (rnd_below(2))
        memset(fake_pt(m), 0, PAGE_SIZE);   /* else: whatever the last owner left */
    return fake_assign(d, m);
}

static void kill_domain(struct world *w, unsigned di)
{
    struct domain *d = w->d[di];

    if (w->roots[di])
        put_page_and_type(pg(w->roots[di]));
    w->roots[di] = 0;
    d->state = DOMAIN_DYING;
    while (work_budget_begin(fake.budget), domain_relinquish_memory(d) == -ERESTART)
        fake.restarts++;
    work_budget_begin(0);
}

static unsigned check_world(struct world *w)
{
    mfn_t roots[NDOMS];
    unsigned n = 0;

    for (unsigned i = 0; i < NDOMS; i++)
        if (w->roots[i])
            roots[n++] = w->roots[i];
    return fake_check(roots, n);
}

static void random_step(struct world *w, unsigned step)
{
    unsigned di = rnd_below(NDOMS), r = rnd_below(100), kind;
    struct domain *d = w->d[di];
    int rc;

    if (r < 25)
        kind = 0, rc = op_guest_write(w, d);
    else if (r < 60)
        kind = 1, rc = op_update(w, d);
    else if (r < 75)
        kind = 2, rc = op_pin(w, d);
    else if (r < 85)
        kind = 3, rc = fake_unpin(d, rnd_below(3) ? some_frame_of(d) : rnd_below(FAKE_FRAMES));
    else if (r < 89)
        kind = 4, rc = op_base_pointer(w, di);
    else if (r < 94)
        kind = 5, rc = domain_release_page(d, rnd_below(4) ? some_frame_of(d) : rnd());
    else
        kind = 6, rc = op_assign(w, d);
    w->tried[kind]++;
    w->ok[kind] += rc == 0;
    unsigned problems = check_world(w);
    if (problems)
        fprintf(stderr, "random step %u (op %u, d%u, rc %d): %u problems\n", step, kind,
                d->id, rc, problems);
    assert_int_equal(problems, 0);
}

static void test_random_operations(void **state)
{
    struct world w = { .d = { &dom0, &domu, NULL } };
    struct domain d2;
    static const char *const names[] = { "guest write", "update", "pin", "unpin",
                                         "base ptr", "release", "assign" };

    rng = *(const uint64_t *)*state;
    /* Some seeds run every operation under a tiny work budget: restarts everywhere. */
    fake.budget = rng % 3 == 0 ? 0 : (uint32_t)(1 + rng % 97);
    fake_domain_init(&d2, 2, false, 200);
    w.d[2] = &d2;
    for (unsigned i = 0; i < 200; i++)
        fake_assign(w.d[i % NDOMS], i);
    /* Each domain's shared_info: a shared hypervisor page, writable for good (dom_build). */
    for (unsigned i = 0; i < NDOMS; i++) {
        assert_int_equal(domain_assign_page(w.d[i], 200 + i, false), 0);
        fake.assign_count[200 + i]++;
        assert_int_equal(get_page_type(pg(200 + i), PGT_writable, w.d[i]), 0);
    }
    assert_int_equal(check_world(&w), 0);

    for (unsigned step = 0; step < RANDOM_STEPS; step++) {
        random_step(&w, step);
        if (step == RANDOM_STEPS / 2) {
            /* Kill d2 mid-run (dom0 may still map its frames); d3 takes its place. */
            kill_domain(&w, 2);
            assert_int_equal(check_world(&w), 0);
            fake_domain_init(&w.spare, 3, false, 200);
            w.d[2] = &w.spare;
        }
    }
    for (unsigned i = 0; i < 7; i++)
        printf("random: %-11s %5u of %5u succeeded\n", names[i], w.ok[i], w.tried[i]);
    printf("random: work budget %u, %lu restarts\n", fake.budget, fake.restarts);
    unsigned validated = 0;
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        validated += !!(pg(m)->flags & PGF_validated);
    printf("random: %u validated tables at the end; present entries written at L1-L4: "
           "%u %u %u %u\n", validated, w.upper_ok[1], w.upper_ok[2], w.upper_ok[3],
           w.upper_ok[4]);
    for (unsigned i = 0; i < 7; i++)
        assert_true(w.ok[i] > 0);
    for (unsigned i = 1; i <= 4; i++)
        assert_true(w.upper_ok[i] > 0);

    /* Tear everything down: every frame given out comes back exactly once. */
    for (unsigned i = 0; i < NDOMS; i++) {
        kill_domain(&w, i);
        assert_int_equal(check_world(&w), 0);
    }
    for (unsigned i = 0; i < NDOMS; i++)
        assert_int_equal(w.d[i]->state, DOMAIN_FREE);
    assert_int_equal(d2.state, DOMAIN_FREE);
    for (mfn_t m = 0; m < FAKE_IO_FIRST; m++) {
        assert_int_equal(pg(m)->owner, DOMID_INVALID);
        assert_int_equal(fake.free_count[m], fake.assign_count[m]);
    }
    CHECK0();
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    static const uint64_t seeds[] = { 0x9e3779b97f4a7c15UL, 0x0123456789abcdefUL, 42 };

    const struct CMUnitTest tests[] = {
        T(test_validate_hierarchy),
        T(test_validation_failure_unwinds),
        T(test_budget_charge_items),
        T(test_empty_runs_under_budgets),
        T(test_empty_runs_stop_exactly),
        T(test_l1_target_rules),
        T(test_io_frames),
        T(test_cache_attributes),
        T(test_upper_level_flags),
        T(test_l4_hypervisor_slots),
        T(test_stale_hypervisor_slots),
        T(test_released_frame_repinned),
        T(test_wrong_level_targets),
        T(test_linear_page_tables),
        T(test_linear_use_limit),
        T(test_cycles_refused),
        T(test_unpin_keeps_referenced),
        T(test_update_replaces),
        T(test_preserve_ad),
        T(test_entry_adjustments),
        cmocka_unit_test_prestate_setup_teardown(test_random_operations, setup, teardown,
                                                 (void *)&seeds[0]),
        cmocka_unit_test_prestate_setup_teardown(test_random_operations, setup, teardown,
                                                 (void *)&seeds[1]),
        cmocka_unit_test_prestate_setup_teardown(test_random_operations, setup, teardown,
                                                 (void *)&seeds[2]),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
