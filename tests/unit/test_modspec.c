/* SPDX-License-Identifier: MIT */
/* Unit tests of boot-module command-line parsing (hyp/lib/modspec.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/bvt.h>
#include <hyp/errno.h>
#include <hyp/modspec.h>
#include <hyp/string.h>

static void test_path_only(void **state)
{
    struct modspec s;
    const char *why = NULL;

    assert_int_equal(modspec_parse("build/guest/koan-guest.elf", &s, &why), 0);
    assert_string_equal(s.name, "");
    assert_int_equal(s.mem_bytes, 0);
    assert_int_equal(s.vcpus, 0);
    assert_int_equal(s.role, ROLE_DEFAULT);
    assert_false(s.is_ramdisk);
    assert_string_equal(s.guest_cmdline, "");
    assert_int_equal(s.sched.mcu_advance, BVT_MCU_ADVANCE_DEFAULT);   /* bvt's defaults */
    assert_int_equal(s.sched.warp, 0);
    assert_int_equal(s.sched.warp_limit_ns, 0);
    assert_int_equal(s.sched.unwarp_ns, 0);
}

static void test_all_options(void **state)
{
    struct modspec s;
    const char *why = NULL;

    assert_int_equal(modspec_parse("/k  name=web-1 mem=16M vcpus=4 role=domU -- console=hvc0  quiet",
                                   &s, &why), 0);
    assert_string_equal(s.name, "web-1");
    assert_int_equal(s.mem_bytes, 16ULL << 20);
    assert_int_equal(s.vcpus, 4);
    assert_int_equal(s.role, ROLE_DOMU);
    assert_string_equal(s.guest_cmdline, "console=hvc0  quiet");
    assert_int_equal(modspec_parse("/k role=dom0", &s, &why), 0);
    assert_int_equal(s.role, ROLE_DOM0);
    assert_int_equal(modspec_parse("/rd ramdisk", &s, &why), 0);
    assert_true(s.is_ramdisk);
    assert_int_equal(modspec_parse("/k vcpus=1", &s, &why), 0);
    assert_int_equal(s.vcpus, 1);
    assert_int_equal(modspec_parse("/k vcpus=64", &s, &why), 0);
    assert_int_equal(s.vcpus, MODSPEC_VCPUS_MAX);
}

static void test_guest_args_are_not_options(void **state)
{
    struct modspec s;
    const char *why = NULL;

    assert_int_equal(modspec_parse("/k -- name=x mem=junk ramdisk", &s, &why), 0);
    assert_string_equal(s.name, "");
    assert_false(s.is_ramdisk);
    assert_string_equal(s.guest_cmdline, "name=x mem=junk ramdisk");
    assert_int_equal(modspec_parse("/k --", &s, &why), 0);
    assert_string_equal(s.guest_cmdline, "");
}

static void expect_refused(const char *cmdline, const char *reason)
{
    struct modspec s;
    const char *why = NULL;

    assert_int_equal(modspec_parse(cmdline, &s, &why), -EINVAL);
    assert_non_null(why);
    assert_string_equal(why, reason);
}

static void test_refusals(void **state)
{
    expect_refused("/k frobnicate", "unknown module option");
    expect_refused("/k role=dom1", "unknown module option");
    expect_refused("/k mem=", "bad memory size");
    expect_refused("/k mem=12Q", "bad memory size");
    expect_refused("/k mem=100", "bad memory size");
    expect_refused("/k mem=99999999999999999999", "bad memory size");
    expect_refused("/k vcpus=", "bad vCPU count (1 to 64)");
    expect_refused("/k vcpus=0", "bad vCPU count (1 to 64)");
    expect_refused("/k vcpus=65", "bad vCPU count (1 to 64)");
    expect_refused("/k vcpus=-1", "bad vCPU count (1 to 64)");
    expect_refused("/k vcpus=2x", "bad vCPU count (1 to 64)");
    expect_refused("/k vcpus=99999999999999999999", "bad vCPU count (1 to 64)");
    expect_refused("/k name=", "bad domain name");
    expect_refused("/k name=a/b", "bad domain name");
    expect_refused("/k name=\x1b[31m", "bad domain name");
    expect_refused("/k name=0123456789012345678901234567890123", "bad domain name");
}

static void test_scheduling_options(void **state)
{
    struct modspec s;
    const char *why = NULL;

    assert_int_equal(modspec_parse("/k mcu_advance=20 warp=1000 warp_limit=30 unwarp=2s -- x",
                                   &s, &why), 0);
    assert_int_equal(s.sched.mcu_advance, 20);
    assert_int_equal(s.sched.warp, 1000);
    assert_int_equal(s.sched.warp_limit_ns, 30000000);   /* ms without a unit */
    assert_int_equal(s.sched.unwarp_ns, 2000000000ull);
    assert_string_equal(s.guest_cmdline, "x");
    /* Every unit, and the edges bvt_params_check allows. */
    assert_int_equal(modspec_parse("/k mcu_advance=1 warp_limit=100us unwarp=0ns", &s, &why), 0);
    assert_int_equal(s.sched.warp_limit_ns, 100000);
    assert_int_equal(modspec_parse("/k mcu_advance=1000 warp=36000000000 warp_limit=3600s "
                                   "unwarp=3600000ms", &s, &why), 0);
    assert_int_equal(s.sched.mcu_advance, 1000);
    assert_int_equal(s.sched.warp, BVT_WARP_MAX);
    assert_int_equal(s.sched.warp_limit_ns, BVT_TIME_PARAM_MAX_NS);
    assert_int_equal(s.sched.unwarp_ns, BVT_TIME_PARAM_MAX_NS);
    assert_int_equal(modspec_parse("/k warp_limit=0", &s, &why), 0);   /* 0: no limit */
    /* After `--` they are the guest's. */
    assert_int_equal(modspec_parse("/k -- mcu_advance=0", &s, &why), 0);
    assert_int_equal(s.sched.mcu_advance, BVT_MCU_ADVANCE_DEFAULT);
}

static void test_scheduling_refusals(void **state)
{
    /* Not a number (or time) at all. */
    expect_refused("/k mcu_advance=", "bad mcu_advance (a whole number, 1 to 1000)");
    expect_refused("/k mcu_advance=ten", "bad mcu_advance (a whole number, 1 to 1000)");
    expect_refused("/k mcu_advance=-1", "bad mcu_advance (a whole number, 1 to 1000)");
    expect_refused("/k mcu_advance=0x10", "bad mcu_advance (a whole number, 1 to 1000)");
    expect_refused("/k mcu_advance=4294967296", "bad mcu_advance (a whole number, 1 to 1000)");
    expect_refused("/k warp=", "bad warp (a whole number of virtual-time units)");
    expect_refused("/k warp=1e3", "bad warp (a whole number of virtual-time units)");
    expect_refused("/k warp=99999999999999999999", "bad warp (a whole number of virtual-time units)");
    const char *bad_l = "bad warp_limit (a time: N[ns|us|ms|s], ms if no unit)";
    expect_refused("/k warp_limit=", bad_l);
    expect_refused("/k warp_limit=ms", bad_l);
    expect_refused("/k warp_limit=10m", bad_l);
    expect_refused("/k warp_limit=1.5ms", bad_l);
    expect_refused("/k warp_limit=-1ms", bad_l);
    expect_refused("/k warp_limit=18446744073709551616ns", bad_l);   /* 2^64 */
    expect_refused("/k warp_limit=18446744073710s", bad_l);   /* fits, but not as ns */
    expect_refused("/k unwarp=5h", "bad unwarp (a time: N[ns|us|ms|s], ms if no unit)");
    /* Numbers the policy refuses, with its reason. */
    expect_refused("/k mcu_advance=0", "mcu_advance must be 1 to 1000");
    expect_refused("/k mcu_advance=1001", "mcu_advance must be 1 to 1000");
    expect_refused("/k warp=36000000001",
                   "warp must be at most 36000000000 (an hour of run at mcu_advance 1000)");
    expect_refused("/k warp_limit=99999ns", "warp limit must be 0 (none) or 100 us to 1 hour");
    expect_refused("/k warp_limit=3600000000001ns",
                   "warp limit must be 0 (none) or 100 us to 1 hour");
    expect_refused("/k unwarp=3601s", "unwarp requirement must be at most 1 hour");
    /* The last of several says. */
    expect_refused("/k mcu_advance=5 mcu_advance=0", "mcu_advance must be 1 to 1000");
}

static void test_durations(void **state)
{
    uint64_t ns = 7;

    assert_int_equal(parse_duration_ns("0", &ns), 0);
    assert_int_equal(ns, 0);
    assert_int_equal(parse_duration_ns("5", &ns), 0);
    assert_int_equal(ns, 5000000);
    assert_int_equal(parse_duration_ns("250us", &ns), 0);
    assert_int_equal(ns, 250000);
    assert_int_equal(parse_duration_ns("18446744073709551615ns", &ns), 0);
    assert_int_equal(ns, UINT64_MAX);
    ns = 7;
    assert_int_equal(parse_duration_ns("", &ns), -EINVAL);
    assert_int_equal(parse_duration_ns("s", &ns), -EINVAL);
    assert_int_equal(parse_duration_ns("1ss", &ns), -EINVAL);
    assert_int_equal(parse_duration_ns("1 s", &ns), -EINVAL);
    assert_int_equal(parse_duration_ns("+1s", &ns), -EINVAL);
    assert_int_equal(parse_duration_ns("000000000000000000000001s", &ns), -EINVAL);   /* 24 digits */
    assert_int_equal(ns, 7);   /* untouched by a refusal */
}

static void test_overlong_token_is_refused(void **state)
{
    char buf[400] = "/k name=";
    memset(buf + 8, 'a', 300);
    buf[308] = '\0';
    expect_refused(buf, "module option too long");
}

static void test_tokens(void **state)
{
    const char *p = "  a\tbb  ccc ";
    char tok[3];

    assert_true(cmdline_next_token(&p, tok, sizeof(tok)));
    assert_string_equal(tok, "a");
    assert_true(cmdline_next_token(&p, tok, sizeof(tok)));
    assert_string_equal(tok, "bb");
    assert_true(cmdline_next_token(&p, tok, sizeof(tok)));
    assert_string_equal(tok, "cc");   /* truncated to the buffer */
    assert_false(cmdline_next_token(&p, tok, sizeof(tok)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_only),
        cmocka_unit_test(test_all_options),
        cmocka_unit_test(test_guest_args_are_not_options),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_scheduling_options),
        cmocka_unit_test(test_scheduling_refusals),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_overlong_token_is_refused),
        cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
