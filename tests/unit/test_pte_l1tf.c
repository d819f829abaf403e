/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/mm/pte_l1tf.c: which not-present entries are safe from
 * L1TF (Xen's rules: address 0 or at/above the safe address, no PSE above
 * L1), the forms Linux writes (inverted PROT_NONE and swap entries), which
 * domains are checked, and the two calls in hyp/mm/pt.c -- an unsafe entry
 * crashes a checked domain and is never stored, by an update or in a table
 * being validated, which then leaves every count as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/pte_l1tf.h>

#include "fake_harness.h"

#define ADDR_MASK 0x000ffffffffff000UL

/* Linux >= 4.19: PROT_NONE keeps the pfn inverted, with PROTNONE (bit 8). */
static uint64_t linux_protnone(uint64_t pfn)
{
    return (~(pfn << 12) & ADDR_MASK) | F_G | F_A | F_D;
}

/* Linux >= 4.19, x86-64: swap type in bits 59-63, ~offset in bits 9-58. */
static uint64_t linux_swap(uint64_t type, uint64_t offset)
{
    return ((~offset << 14) >> 5) | (type << 59);
}

static int l1tf_setup(void **state)
{
    struct l1tf_params p = l1tf_params_for(40);

    pte_l1tf_enable(&p, false, false);
    return setup(state);
}

static void test_params(void **state)
{
    struct l1tf_params p = l1tf_params_for(40);

    /* Xen prints "maxphysaddr L1D 40, CPUID 40, Safe address c000000000" for this CPU. */
    assert_int_equal(p.safe_maddr, 0xc000000000UL);
    assert_int_equal(p.addr_mask, 0xfffffff000UL);
    p = l1tf_params_for(46);
    assert_int_equal(p.safe_maddr, 0x300000000000UL);
    assert_int_equal(p.addr_mask, 0x3ffffffff000UL);
    /* Nonsense from CPUID is clamped to what x86-64 allows. */
    assert_int_equal(l1tf_params_for(0).safe_maddr, 3UL << 30);
    assert_int_equal(l1tf_params_for(63).addr_mask, ADDR_MASK);
}

static void test_safe_entries(void **state)
{
    static const unsigned widths[] = { 36, 39, 40, 43, 46, 52 };

    for (unsigned w = 0; w < ARRAY_SIZE(widths); w++) {
        struct l1tf_params p = l1tf_params_for(widths[w]);
        for (unsigned level = 1; level <= 4; level++) {
            assert_true(pte_l1tf_safe(0, level, &p));
            assert_true(pte_l1tf_safe(F_RW | F_US | F_A | F_D | F_G | F_NX, level, &p));
            assert_true(pte_l1tf_safe(p.safe_maddr | F_RW, level, &p));
            assert_true(pte_l1tf_safe(ADDR_MASK, level, &p));
            for (uint64_t pfn = 0; pfn < (1UL << 20); pfn = pfn * 3 + 1)
                assert_true(pte_l1tf_safe(linux_protnone(pfn), level, &p));
            for (uint64_t off = 0; off < (1UL << 24); off = off * 5 + 1)
                assert_true(pte_l1tf_safe(linux_swap(off % 32, off), level, &p));
        }
        /* PAT at L1 is the PSE position of the upper levels. */
        assert_true(pte_l1tf_safe(F_PSE, 1, &p));
    }
}

static void test_unsafe_entries(void **state)
{
    struct l1tf_params p = l1tf_params_for(40);

    for (unsigned level = 1; level <= 4; level++) {
        assert_false(pte_l1tf_safe(0x1000, level, &p));
        assert_false(pte_l1tf_safe(0x1effd066, level, &p));   /* what the mm suite writes */
        assert_false(pte_l1tf_safe(p.safe_maddr - 0x1000, level, &p));
        /* Bits beyond the L1D width do not make a RAM address safe. */
        assert_false(pte_l1tf_safe((1UL << 51) | 0x5000, level, &p));
    }
    /* A speculative superpage covers memory from 0 up: unsafe even at address 0. */
    for (unsigned level = 2; level <= 4; level++) {
        assert_false(pte_l1tf_safe(F_PSE, level, &p));
        assert_false(pte_l1tf_safe(linux_protnone(7) | F_PSE, level, &p));
    }
}

static void test_who_is_checked(void **state)
{
    struct l1tf_params p = l1tf_params_for(40);
    uint64_t bad = 0x5062;

    /* Off (the default, and on CPUs not affected). */
    assert_int_equal(pte_l1tf_check(&domu, 1, bad), 0);
    assert_int_equal(fake.crashes, 0);
    /* Xen's default on affected CPUs: domUs checked, dom0 trusted. */
    pte_l1tf_enable(&p, false, true);
    assert_int_equal(pte_l1tf_check(&dom0, 1, bad), 0);
    assert_int_equal(pte_l1tf_check(&domu, 1, linux_protnone(5)), 0);
    assert_int_equal(pte_l1tf_check(&domu, 1, bad | F_P), 0);   /* present: pt.c's business */
    assert_int_equal(fake.crashes, 0);
    assert_int_equal(pte_l1tf_check(&domu, 1, bad), -EINVAL);
    assert_int_equal(fake.crashes, 1);
    assert_string_equal(fake.crash_reason, "L1TF-vulnerable L1e 0000000000005062");
    /* pv-l1tf=dom0=1 */
    pte_l1tf_enable(&p, true, false);
    assert_int_equal(pte_l1tf_check(&domu, 3, bad), 0);
    assert_int_equal(pte_l1tf_check(&dom0, 3, F_PSE), -EINVAL);
    assert_string_equal(fake.crash_reason, "L1TF-vulnerable L3e 0000000000000080");
}

/* pt_update_entry: an unsafe entry is refused and not stored; safe ones verbatim. */
static void test_update_hook(void **state)
{
    struct l1tf_params p = l1tf_params_for(40);
    mfn_t l1 = fake_give(&domu), data = fake_give(&domu);
    uint64_t bad = fake_pte(data, F_RW | F_A | F_D);

    assert_int_equal(fake_pin(&domu, l1, PGT_l1), 0);
    assert_int_equal(pt_update_entry(pg(l1), 3, fake_pte(data, F_P), false, &domu, &domu), 0);
    /* Unchecked: stored as written, as before the check existed. */
    assert_int_equal(pt_update_entry(pg(l1), 4, bad, false, &domu, &domu), 0);
    assert_int_equal(fake_pt(l1)[4], bad);
    CHECK0();

    pte_l1tf_enable(&p, false, true);
    assert_int_equal(pt_update_entry(pg(l1), 5, bad, false, &domu, &domu), -EINVAL);
    assert_int_equal(fake_pt(l1)[5], 0);
    assert_int_equal(fake.crashes, 1);
    /* Replacing a present entry with an unsafe one: the old one stays, with its references. */
    assert_int_equal(pt_update_entry(pg(l1), 3, bad, false, &domu, &domu), -EINVAL);
    assert_int_equal(fake_pt(l1)[3] & ~(F_US | F_GK), fake_pte(data, F_P));
    assert_int_equal(pt_update_entry(pg(l1), 6, linux_swap(2, 99), false, &domu, &domu), 0);
    assert_int_equal(fake_pt(l1)[6], linux_swap(2, 99));
    assert_int_equal(fake.crashes, 2);
    CHECK0();
}

/* Validation: a table holding an unsafe entry does not validate and changes nothing. */
static void test_validate_hook(void **state)
{
    struct l1tf_params p = l1tf_params_for(40);
    mfn_t l2 = fake_give(&domu), l1 = fake_give(&domu), data = fake_give(&domu);
    struct page_info snap[FAKE_FRAMES];

    fake_pt(l2)[0] = fake_pte(l1, F_P | F_RW);
    fake_pt(l1)[0] = fake_pte(data, F_P | F_RW);
    fake_pt(l1)[1] = linux_protnone(data);
    fake_pt(l1)[9] = fake_pte(data, F_RW);   /* not present, names RAM */
    pte_l1tf_enable(&p, false, true);
    fake_snapshot(snap);
    assert_int_equal(fake_pin(&domu, l2, PGT_l2), -EINVAL);
    assert_true(fake_same_counts(snap));
    assert_int_equal(fake.crashes, 1);
    char want[64];
    snprintf(want, sizeof(want), "L1TF-vulnerable L1e %016lx", fake_pte(data, F_RW));
    assert_string_equal(fake.crash_reason, want);
    CHECK0();

    /* The same hierarchy, with the entry made safe, validates; entries as written. */
    fake_pt(l1)[9] = linux_swap(1, data);
    assert_int_equal(fake_pin(&domu, l2, PGT_l2), 0);
    assert_int_equal(fake_pt(l1)[1], linux_protnone(data));
    assert_int_equal(fake_pt(l1)[9], linux_swap(1, data));
    assert_int_equal(fake.crashes, 1);
    CHECK0();

    /* PSE in a not-present L2 entry. */
    assert_int_equal(fake_unpin(&domu, l2), 0);
    fake_pt(l2)[7] = F_PSE;
    assert_int_equal(fake_pin(&domu, l2, PGT_l2), -EINVAL);
    assert_string_equal(fake.crash_reason, "L1TF-vulnerable L2e 0000000000000080");
    CHECK0();
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, l1tf_setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_params),
        T(test_safe_entries),
        T(test_unsafe_entries),
        T(test_who_is_checked),
        T(test_update_hook),
        T(test_validate_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
