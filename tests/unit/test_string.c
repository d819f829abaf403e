/* SPDX-License-Identifier: MIT */
/* Unit tests for hyp/lib/string.c: memory/string routines and number parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/string.h>

static void test_memcpy_memset(void **state)
{
    char src[64], dst[64];

    for (int i = 0; i < 64; i++)
        src[i] = (char)i;
    assert_ptr_equal(memset(dst, 0xaa, sizeof(dst)), dst);
    for (int i = 0; i < 64; i++)
        assert_int_equal((unsigned char)dst[i], 0xaa);
    assert_ptr_equal(memcpy(dst + 1, src, 10), dst + 1);
    assert_int_equal((unsigned char)dst[0], 0xaa);
    assert_memory_equal(dst + 1, src, 10);
    assert_int_equal((unsigned char)dst[11], 0xaa);
    memcpy(dst, src, 0);
    memset(dst, 0, 0);
    assert_int_equal((unsigned char)dst[0], 0xaa);
}

static void test_memmove_overlap(void **state)
{
    char b[16] = "0123456789";

    memmove(b + 2, b, 8);
    assert_memory_equal(b, "0101234567", 10);
    memcpy(b, "0123456789", 10);
    memmove(b, b + 2, 8);
    assert_memory_equal(b, "2345678989", 10);
    memmove(b, b, 10);
    assert_memory_equal(b, "2345678989", 10);
}

static void test_memcmp(void **state)
{
    assert_int_equal(memcmp("abc", "abc", 3), 0);
    assert_true(memcmp("abc", "abd", 3) < 0);
    assert_true(memcmp("\xff", "\x01", 1) > 0);   /* unsigned comparison */
    assert_int_equal(memcmp("abc", "xyz", 0), 0);
}

static void test_strlen_strnlen(void **state)
{
    assert_int_equal(strlen(""), 0);
    assert_int_equal(strlen("hello"), 5);
    assert_int_equal(strnlen("hello", 3), 3);
    assert_int_equal(strnlen("hello", 10), 5);
    assert_int_equal(strnlen("hello", 0), 0);
    /* strnlen must not read past max: a buffer without NUL. */
    char *raw = malloc(4);
    memcpy(raw, "abcd", 4);
    assert_int_equal(strnlen(raw, 4), 4);
    free(raw);
}

static void test_strcmp_strncmp(void **state)
{
    assert_int_equal(strcmp("abc", "abc"), 0);
    assert_true(strcmp("abc", "abd") < 0);
    assert_true(strcmp("abcd", "abc") > 0);
    assert_true(strcmp("", "a") < 0);
    assert_true(strcmp("\x80", "a") > 0);
    assert_int_equal(strncmp("abcx", "abcy", 3), 0);
    assert_true(strncmp("abcx", "abcy", 4) < 0);
    assert_int_equal(strncmp("a", "b", 0), 0);
    assert_int_equal(strncmp("ab", "ab", 100), 0);
}

static void test_strchr(void **state)
{
    const char *s = "hello";

    assert_ptr_equal(strchr(s, 'l'), s + 2);
    assert_ptr_equal(strchr(s, 'h'), s);
    assert_null(strchr(s, 'z'));
    assert_ptr_equal(strchr(s, '\0'), s + 5);
}

static void test_strlcpy(void **state)
{
    char b[8];

    memset(b, 'x', sizeof(b));
    assert_int_equal(strlcpy(b, "hi", sizeof(b)), 2);
    assert_string_equal(b, "hi");
    assert_int_equal(strlcpy(b, "0123456789", sizeof(b)), 10);
    assert_string_equal(b, "0123456");
    b[0] = 'q';
    assert_int_equal(strlcpy(b, "abc", 0), 3);
    assert_int_equal(b[0], 'q');
    assert_int_equal(strlcpy(b, "abc", 1), 3);
    assert_int_equal(b[0], '\0');
}

static void test_parse_u64(void **state)
{
    uint64_t v;

    assert_int_equal(parse_u64("0", 0, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(parse_u64("4096", 0, &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(parse_u64("0x1F", 0, &v), 0);
    assert_int_equal(v, 0x1f);
    assert_int_equal(parse_u64("0X1f", 16, &v), 0);
    assert_int_equal(v, 0x1f);
    assert_int_equal(parse_u64("ff", 16, &v), 0);
    assert_int_equal(v, 0xff);
    assert_int_equal(parse_u64("017", 0, &v), 0);
    assert_int_equal(v, 15);
    assert_int_equal(parse_u64("101", 2, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(parse_u64("zz", 36, &v), 0);
    assert_int_equal(v, 36 * 35 + 35);
    assert_int_equal(parse_u64("18446744073709551615", 0, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(parse_u64("0xffffffffffffffff", 0, &v), 0);
    assert_true(v == UINT64_MAX);
}

static void test_parse_u64_rejects(void **state)
{
    uint64_t v = 1234;
    static const char *bad[] = { "", "x", "0x", "12a", " 1", "1 ", "-1", "+1",
                                 "18446744073709551616", "0x10000000000000000",
                                 "08", "99999999999999999999999" };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse_u64(bad[i], 0, &v), -EINVAL);
    assert_int_equal(parse_u64("2", 2, &v), -EINVAL);
    assert_int_equal(parse_u64("1", 1, &v), -EINVAL);
    assert_int_equal(parse_u64("1", 37, &v), -EINVAL);
    assert_int_equal(parse_u64("1", -1, &v), -EINVAL);
    assert_int_equal(v, 1234);          /* untouched on failure */
}

static void test_parse_size(void **state)
{
    uint64_t v;

    assert_int_equal(parse_size("4096", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(parse_size("512k", &v), 0);
    assert_int_equal(v, 512 * 1024);
    assert_int_equal(parse_size("512K", &v), 0);
    assert_int_equal(v, 512 * 1024);
    assert_int_equal(parse_size("16M", &v), 0);
    assert_int_equal(v, 16 << 20);
    assert_int_equal(parse_size("1G", &v), 0);
    assert_int_equal(v, 1 << 30);
    assert_int_equal(parse_size("2t", &v), 0);
    assert_true(v == 2ULL << 40);
    assert_int_equal(parse_size("0x10M", &v), 0);
    assert_int_equal(v, 16 << 20);
    assert_int_equal(parse_size("16777215T", &v), 0);
    assert_true(v == 16777215ULL << 40);
}

static void test_parse_size_rejects(void **state)
{
    uint64_t v = 7;
    static const char *bad[] = { "", "M", "16MB", "16 M", "1.5G", "16Q", "-1M",
                                 "16777216T", "17179869184G", "0x", "k1",
                                 "99999999999999999999" };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse_size(bad[i], &v), -EINVAL);
    assert_int_equal(v, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memcpy_memset),
        cmocka_unit_test(test_memmove_overlap),
        cmocka_unit_test(test_memcmp),
        cmocka_unit_test(test_strlen_strnlen),
        cmocka_unit_test(test_strcmp_strncmp),
        cmocka_unit_test(test_strchr),
        cmocka_unit_test(test_strlcpy),
        cmocka_unit_test(test_parse_u64),
        cmocka_unit_test(test_parse_u64_rejects),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_parse_size_rejects),
    };

    return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
