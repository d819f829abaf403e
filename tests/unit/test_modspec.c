/* SPDX-License-Identifier: MIT */
/* Unit tests of boot-module command-line parsing (hyp/lib/modspec.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
        cmocka_unit_test(test_overlong_token_is_refused),
        cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
