/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/lib/console_ring.c: the ring keeps order across its
 * wrap and never overwrites; the quota admits a burst, refills by ticks,
 * mutes a domain that overran until it has earned the resume credit back,
 * and reports the dropped bytes exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/console_ring.h>

static struct console_ring ring;

static void test_ring_order_across_wrap(void **state)
{
    char chunk[1000];
    unsigned next_in = 0, next_out = 0;

    memset(&ring, 0, sizeof(ring));
    ring.prod = ring.cons = UINT32_MAX - 500;   /* the counters wrap too */
    for (int round = 0; round < 300; round++) {
        for (size_t i = 0; i < sizeof(chunk); i++)
            chunk[i] = (char)(next_in + i);
        assert_int_equal(console_ring_put(&ring, chunk, sizeof(chunk)), sizeof(chunk));
        next_in += sizeof(chunk);
        for (int i = 0; i < 900; i++)
            assert_int_equal(console_ring_get(&ring), (unsigned char)next_out++);
        while (console_ring_used(&ring) > CONSOLE_RING_SIZE / 2)
            assert_int_equal(console_ring_get(&ring), (unsigned char)next_out++);
    }
    while (console_ring_used(&ring))
        assert_int_equal(console_ring_get(&ring), (unsigned char)next_out++);
    assert_int_equal(next_out, next_in);
    assert_int_equal(console_ring_get(&ring), -1);
}

static void test_ring_full_keeps_old_bytes(void **state)
{
    static char big[CONSOLE_RING_SIZE + 10];

    memset(&ring, 0, sizeof(ring));
    memset(big, 'a', sizeof(big));
    assert_int_equal(console_ring_put(&ring, big, 10), 10);
    memset(big, 'b', sizeof(big));
    assert_int_equal(console_ring_put(&ring, big, sizeof(big)), CONSOLE_RING_SIZE - 10);
    assert_int_equal(console_ring_free(&ring), 0);
    assert_int_equal(console_ring_put(&ring, "x", 1), 0);
    assert_int_equal(console_ring_get(&ring), 'a');
    assert_int_equal(console_ring_put(&ring, "c", 1), 1);
    for (int i = 0; i < 9; i++)
        assert_int_equal(console_ring_get(&ring), 'a');
    for (unsigned i = 0; i < CONSOLE_RING_SIZE - 10; i++)
        assert_int_equal(console_ring_get(&ring), 'b');
    assert_int_equal(console_ring_get(&ring), 'c');
}

/* Admit n lines of len bytes at tick now; returns how many were admitted. */
static unsigned admit_lines(struct console_quota *q, uint64_t now, unsigned n, size_t len,
                            uint64_t *reported)
{
    unsigned ok = 0;

    for (unsigned i = 0; i < n; i++) {
        uint64_t r = 0;
        if (console_quota_admit(q, now, len, true, &r)) {
            ok++;
            *reported += r;
        }
    }
    return ok;
}

static void test_quota_burst_then_drop(void **state)
{
    struct console_quota q = { 0 };
    uint64_t reported = 0;
    unsigned lines = CONSOLE_QUOTA_BURST / 64;

    /* A fresh (zeroed) quota admits a full burst at tick 0, nothing more. */
    assert_int_equal(admit_lines(&q, 0, lines, 64, &reported), lines);
    assert_int_equal(reported, 0);
    assert_int_equal(admit_lines(&q, 0, 10, 64, &reported), 0);
    assert_int_equal(q.dropped, 640);
    assert_true(q.muted);
}

static void test_quota_mute_until_resume_credit(void **state)
{
    struct console_quota q = { 0 };
    uint64_t reported = 0, r = 0;
    uint64_t resume_ticks = CONSOLE_QUOTA_RESUME / CONSOLE_QUOTA_RATE;

    admit_lines(&q, 0, CONSOLE_QUOTA_BURST / 64, 64, &reported);
    assert_false(console_quota_admit(&q, 0, 1, true, &r));          /* overran: muted */
    /* Credit for one line, but not the resume credit: still muted. */
    assert_false(console_quota_admit(&q, 2, 64, true, &r));
    assert_false(console_quota_admit(&q, resume_ticks - 1, 64, true, &r));
    assert_int_equal(q.dropped, 1 + 64 + 64);
    /* Resume credit earned: admitted, and the drop is reported once. */
    assert_true(console_quota_admit(&q, resume_ticks, 64, true, &r));
    assert_int_equal(r, 1 + 64 + 64);
    assert_false(q.muted);
    assert_true(console_quota_admit(&q, resume_ticks, 64, true, &r));
    assert_int_equal(r, 0);
}

static void test_quota_refill_caps_at_burst(void **state)
{
    struct console_quota q = { 0 };
    uint64_t reported = 0;
    unsigned lines = CONSOLE_QUOTA_BURST / 64;

    admit_lines(&q, 0, lines, 64, &reported);
    /* A long silence (and a huge tick jump) refills to the burst, no more. */
    assert_int_equal(admit_lines(&q, UINT64_MAX / 2, lines + 5, 64, &reported), lines);
    /* Steady rate: RATE bytes per tick come back. */
    q = (struct console_quota){ 0 };
    admit_lines(&q, 100, lines, 64, &reported);
    assert_int_equal(admit_lines(&q, 100 + 64 / CONSOLE_QUOTA_RATE, 2, 64, &reported), 1);
    assert_int_equal(reported, 0);
}

static void test_quota_no_room_is_a_drop(void **state)
{
    struct console_quota q = { 0 };
    uint64_t r = 0;

    assert_false(console_quota_admit(&q, 0, 100, false, &r));
    assert_int_equal(q.dropped, 100);
    /* Credit is still full: the next line with room speaks and reports. */
    assert_true(console_quota_admit(&q, 0, 10, true, &r));
    assert_int_equal(r, 100);
}

static void test_quota_take_dropped(void **state)
{
    struct console_quota q = { 0 };
    uint64_t r = 0;

    assert_int_equal(console_quota_take_dropped(&q), 0);
    assert_false(console_quota_admit(&q, 0, 42, false, &r));
    assert_int_equal(console_quota_take_dropped(&q), 42);
    assert_int_equal(console_quota_take_dropped(&q), 0);
}

static void test_quota_credit_is_what_admit_takes(void **state)
{
    struct console_quota q = { 0 };
    uint64_t r = 0;

    assert_int_equal(console_quota_credit(&q, 0), CONSOLE_QUOTA_BURST);
    assert_true(console_quota_admit(&q, 0, 1000, true, &r));
    assert_int_equal(console_quota_credit(&q, 0), CONSOLE_QUOTA_BURST - 1000);
    /* A sender that takes exactly the credit is never refused, and comes back at RATE. */
    assert_true(console_quota_admit(&q, 0, console_quota_credit(&q, 0), true, &r));
    assert_int_equal(console_quota_credit(&q, 0), 0);
    assert_int_equal(console_quota_credit(&q, 3), 3 * CONSOLE_QUOTA_RATE);
    assert_int_equal(q.dropped, 0);
    /* Muted, there is no credit until the resume credit is back. */
    assert_false(console_quota_admit(&q, 3, 1000, true, &r));
    assert_int_equal(console_quota_credit(&q, 3), 0);
    assert_int_equal(console_quota_credit(&q, CONSOLE_QUOTA_RESUME / CONSOLE_QUOTA_RATE),
                     CONSOLE_QUOTA_RESUME);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_order_across_wrap),
        cmocka_unit_test(test_ring_full_keeps_old_bytes),
        cmocka_unit_test(test_quota_burst_then_drop),
        cmocka_unit_test(test_quota_mute_until_resume_credit),
        cmocka_unit_test(test_quota_refill_caps_at_burst),
        cmocka_unit_test(test_quota_no_room_is_a_drop),
        cmocka_unit_test(test_quota_take_dropped),
        cmocka_unit_test(test_quota_credit_is_what_admit_takes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
