/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/mm/guest_range.c and the inline guest_range_ok: both
 * holes' boundaries, wrap, len 0, and guest_range_ok against its definition
 * (canonical, not wrapping, clear of the hypervisor's slots) around every
 * edge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/guest_range.h>

#define LOW_END   0x0000800000000000UL
#define HIGH      0xffff800000000000UL
#define HYP_END   0xffff880000000000UL

static void test_lower_half(void **state)
{
    assert_true(guest_range_ok(0, 1));
    assert_true(guest_range_ok(0, LOW_END));                 /* the whole lower half */
    assert_true(guest_range_ok(LOW_END - 1, 1));
    assert_false(guest_range_ok(LOW_END - 1, 2));            /* into the hole */
    assert_false(guest_range_ok(0, LOW_END + 1));
    assert_false(guest_range_ok(LOW_END, 1));
}

static void test_noncanonical_hole(void **state)
{
    assert_false(guest_range_ok(0x0000900000000000UL, 1));
    assert_false(guest_range_ok(HIGH - 1, 1));
    assert_false(guest_range_ok(HIGH - 1, 2));
    assert_false(guest_range_ok(LOW_END - 1, HIGH - LOW_END + 2));   /* spans the hole */
    assert_false(guest_range_canonical(HIGH - 0x1000, 0x1000));
    assert_true(guest_range_canonical(HIGH, 0x1000));
}

static void test_hypervisor_slots(void **state)
{
    assert_false(guest_range_ok(HIGH, 1));
    assert_false(guest_range_ok(0xffff828000000000UL, 0x1000));
    assert_false(guest_range_ok(HYP_END - 1, 1));
    assert_false(guest_range_ok(HYP_END - 1, 2));            /* straddles the top edge */
    assert_true(guest_range_ok(HYP_END, 1));
    assert_true(guest_range_ok(HYP_END, 0x1000));
    assert_true(guest_range_overlaps_hyp(HIGH, 1));
    assert_false(guest_range_overlaps_hyp(HIGH - 1, 1));
    assert_true(guest_range_overlaps_hyp(HIGH - 1, 2));
    assert_false(guest_range_overlaps_hyp(HYP_END, 5));
    assert_false(guest_range_overlaps_hyp(HIGH, 0));
}

static void test_top_and_wrap(void **state)
{
    assert_true(guest_range_ok(0xffffffff80000000UL, 0x80000000UL));   /* ends at 2^64 */
    assert_true(guest_range_ok(UINT64_MAX, 1));
    assert_false(guest_range_ok(UINT64_MAX, 2));             /* wraps */
    assert_false(guest_range_ok(0xffffffff80000000UL, 0x80000001UL));
    assert_false(guest_range_ok(HYP_END, UINT64_MAX));
    assert_false(guest_range_ok(0, UINT64_MAX));
    assert_true(guest_range_overlaps_hyp(0xffff000000000000UL, UINT64_MAX));
}

static void test_len_zero(void **state)
{
    assert_true(guest_range_ok(0, 0));
    assert_true(guest_range_ok(LOW_END - 1, 0));
    assert_false(guest_range_ok(LOW_END, 0));                /* non-canonical address */
    assert_false(guest_range_ok(HIGH - 1, 0));
    assert_true(guest_range_ok(HIGH, 0));                    /* touches nothing */
    assert_true(guest_range_ok(HYP_END, 0));
    assert_true(guest_range_ok(UINT64_MAX, 0));
}

/* The definition guest_range_ok shortens (include/hyp/guest_range.h). */
static bool range_ok_by_definition(uint64_t addr, uint64_t len)
{
    return guest_range_canonical(addr, len) && !guest_range_overlaps_hyp(addr, len);
}

static void test_inline_matches_definition(void **state)
{
    static const uint64_t edges[] = {
        0, LOW_END, HIGH, HYP_END, 0xffffffff80000000UL, 0x0000900000000000UL,
        0xffff828000000000UL, 1UL << 63,
    };
    static const int64_t near[] = { -4097, -4096, -9, -8, -2, -1, 0, 1, 2, 8, 4096 };
    static const uint64_t lens[] = {
        0, 1, 2, 7, 8, 9, 56, 72, 4096, 4097, LOW_END, HYP_END - HIGH,
        HIGH - LOW_END, HIGH - LOW_END + 2, 1UL << 63, UINT64_MAX - 1, UINT64_MAX,
    };
    unsigned long checked = 0;

    for (size_t e = 0; e < sizeof(edges) / sizeof(edges[0]); e++)
        for (size_t k = 0; k < sizeof(near) / sizeof(near[0]); k++) {
            uint64_t addr = edges[e] + (uint64_t)near[k];
            for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
                /* Also the lengths that end exactly at each edge, and one past. */
                uint64_t ls[3] = { lens[l], edges[l % 8] - addr, edges[l % 8] - addr + 1 };
                for (int i = 0; i < 3; i++) {
                    if (guest_range_ok(addr, ls[i]) != range_ok_by_definition(addr, ls[i]))
                        fail_msg("guest_range_ok(%#lx, %#lx) disagrees with its definition",
                                 (unsigned long)addr, (unsigned long)ls[i]);
                    checked++;
                }
            }
        }
    assert_true(checked > 4000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lower_half),
        cmocka_unit_test(test_noncanonical_hole),
        cmocka_unit_test(test_hypervisor_slots),
        cmocka_unit_test(test_top_and_wrap),
        cmocka_unit_test(test_len_zero),
        cmocka_unit_test(test_inline_matches_definition),
    };

    return cmocka_run_group_tests_name("guest_range", tests, NULL, NULL);
}
