/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the guest-time arithmetic: the pvclock scale
 * (hyp/lib/pvclock.c) against exact division, and calendar dates
 * (hyp/lib/date.c) against the host C library's timegm().
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include <hyp/date.h>
#include <hyp/pvclock.h>

/* The exact nanoseconds of `ticks` at `hz`. */
static uint64_t exact_ns(uint64_t ticks, uint64_t hz)
{
    return (uint64_t)((unsigned __int128)ticks * 1000000000ull / hz);
}

static void check_rate(uint64_t hz)
{
    struct pvclock_scale s = pvclock_scale_for(hz);
    uint64_t spans[] = { 1, 1000, hz / 1000 + 1, hz, hz * 60, hz * 86400 };

    assert_true(s.mul >= 1u << 31);      /* the most precise multiplier */
    for (unsigned i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
        uint64_t want = exact_ns(spans[i], hz), got = pvclock_scale_ticks(spans[i], s);
        /* Truncation of mul: at most 2^-31 relative, plus 1 ns of rounding (and the shifted-out bits). */
        uint64_t slack = want / (1u << 30) + 2 + (s.shift < 0 ? (1000000000ull << -s.shift) / hz : 0);
        assert_true(got <= want + 1);
        assert_true(want - got <= slack || got > want);
    }
}

static void test_scale_common_rates(void **state)
{
    uint64_t rates[] = { 1000, 32768, 1193182, 14318180, 100000000, 999999999, 1000000000,
                         1000000001, 2096007000, 2999999999ull, 3000000000ull, 5200000000ull,
                         1ull << 40 };

    for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
        check_rate(rates[i]);
}

static void test_scale_random_rates(void **state)
{
    srandom(7);
    for (int i = 0; i < 20000; i++) {
        uint64_t hz = 1000 + ((uint64_t)random() << 9 ^ (uint64_t)random()) % ((1ull << 40) - 1000);
        check_rate(hz);
    }
}

static void test_scale_one_ghz_is_identity(void **state)
{
    struct pvclock_scale s = pvclock_scale_for(1000000000ull);

    /* 1 ns per tick: mul 2^31 with shift 1 ((t << 1) * 2^31 >> 32 = t). */
    assert_int_equal(s.shift, 1);
    assert_int_equal(s.mul, 1u << 31);
    assert_int_equal(pvclock_scale_ticks(123456789, s), 123456789);
}

static void test_scale_clamps_absurd_rates(void **state)
{
    struct pvclock_scale lo = pvclock_scale_for(0), hi = pvclock_scale_for(~0ull);

    assert_int_equal(lo.mul, pvclock_scale_for(PVCLOCK_MIN_HZ).mul);
    assert_int_equal(hi.shift, pvclock_scale_for(PVCLOCK_MAX_HZ).shift);
}

static void check_date(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
    struct date_time t = { y, mo, d, h, mi, s };
    struct tm tm = { .tm_year = (int)y - 1900, .tm_mon = (int)mo - 1, .tm_mday = (int)d,
                     .tm_hour = (int)h, .tm_min = (int)mi, .tm_sec = (int)s };

    assert_true(date_valid(&t));
    assert_int_equal(date_to_unix_seconds(&t), (uint64_t)timegm(&tm));
}

static void test_dates_match_timegm(void **state)
{
    check_date(1970, 1, 1, 0, 0, 0);
    check_date(2000, 2, 29, 12, 0, 0);
    check_date(2026, 12, 6, 21, 13, 59);
    check_date(2038, 1, 19, 3, 14, 8);      /* past 32-bit time_t */
    check_date(2100, 3, 1, 0, 0, 0);
    check_date(9999, 12, 31, 23, 59, 59);
    srandom(11);
    for (int i = 0; i < 100000; i++) {
        unsigned y = 1970 + random() % 8030, mo = 1 + random() % 12, d = 1 + random() % 28;
        check_date(y, mo, d, random() % 24, random() % 60, random() % 60);
    }
}

static void test_invalid_dates(void **state)
{
    struct date_time bad[] = {
        { 1969, 12, 31, 23, 59, 59 }, { 2026, 0, 1, 0, 0, 0 }, { 2026, 13, 1, 0, 0, 0 },
        { 2026, 2, 29, 0, 0, 0 }, { 1900, 2, 29, 0, 0, 0 }, { 2026, 4, 31, 0, 0, 0 },
        { 2026, 1, 0, 0, 0, 0 }, { 2026, 1, 1, 24, 0, 0 }, { 2026, 1, 1, 0, 60, 0 },
        { 2026, 1, 1, 0, 0, 60 }, { 10000, 1, 1, 0, 0, 0 },
    };

    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(date_valid(&bad[i]));
}

static void test_bcd(void **state)
{
    assert_int_equal(date_from_bcd(0x00), 0);
    assert_int_equal(date_from_bcd(0x59), 59);
    assert_int_equal(date_from_bcd(0x99), 99);
    assert_int_equal(date_from_bcd(0x1a), -1);
    assert_int_equal(date_from_bcd(0xa1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_common_rates),
        cmocka_unit_test(test_scale_random_rates),
        cmocka_unit_test(test_scale_one_ghz_is_identity),
        cmocka_unit_test(test_scale_clamps_absurd_rates),
        cmocka_unit_test(test_dates_match_timegm),
        cmocka_unit_test(test_invalid_dates),
        cmocka_unit_test(test_bcd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
