/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/lib/format.c: fixed cases, truncation semantics, and a
 * differential test of random integer/string conversions against glibc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/format.h>

/* The cases below deliberately use odd flag mixes and invalid conversions. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

/* Format with both Koan and glibc; require identical text and return value. */
#define SAME(...) do {                                                       \
        char k_[256], g_[256];                                               \
        int kn_ = fmt_snprintf(k_, sizeof(k_), __VA_ARGS__);                 \
        int gn_ = snprintf(g_, sizeof(g_), __VA_ARGS__);                     \
        assert_string_equal(k_, g_);                                         \
        assert_int_equal(kn_, gn_);                                          \
    } while (0)

/* Format with Koan only and compare with the expected text. */
#define EXPECT(want, ...) do {                                               \
        char k_[256];                                                        \
        int kn_ = fmt_snprintf(k_, sizeof(k_), __VA_ARGS__);                 \
        assert_string_equal(k_, want);                                       \
        assert_int_equal(kn_, (int)strlen(want));                            \
    } while (0)

static void test_plain_and_percent(void **state)
{
    SAME("hello");
    SAME("");
    SAME("100%%");
    SAME("%c%c%c", 'a', 'b', 'c');
    SAME("[%5c|%-3c]", 'x', 'y');
}

static void test_signed(void **state)
{
    SAME("%d %i %d", 0, -1, 2147483647);
    SAME("%d", (int)-2147483647 - 1);
    SAME("%ld %lld", -9223372036854775807L - 1, 9223372036854775807LL);
    SAME("%hhd %hd", 300, 70000);
    SAME("%zd", (ptrdiff_t)-5);
    SAME("[%+d|% d|%+d|% d]", 5, 5, -5, -5);
    SAME("[%+ d|% +d]", 5, 5);
    SAME("[%5d|%-5d|%05d|%-05d]", -42, -42, -42, -42);
    SAME("[%.3d|%8.3d|%-8.3d|%08.3d]", 7, -7, 7, 7);
    SAME("[%.0d|%5.0d|%.d]", 0, 0, 0);
    SAME("[%+.0d|% .0d]", 0, 0);
}

static void test_unsigned(void **state)
{
    SAME("%u %u", 0u, 4294967295u);
    SAME("%lu %llu %zu", 18446744073709551615UL, 18446744073709551615ULL, (size_t)123);
    SAME("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 0755u);
    SAME("%hhx %hx %hhu", 0x1ffu, 0x1ffffu, 257u);
    SAME("[%#x|%#X|%#o|%#x|%#o]", 255u, 255u, 8u, 0u, 0u);
    SAME("[%#.0o|%.0o|%#.0x]", 0u, 0u, 0u);
    SAME("[%#08x|%#-8x|%08X|%#5o|%#.5o]", 255u, 255u, 255u, 8u, 8u);
    SAME("[%+u|% u]", 5u, 5u);          /* sign flags do nothing for unsigned */
    SAME("%016lx", 0xffff800000000000UL);
}

static void test_strings(void **state)
{
    SAME("[%s|%10s|%-10s|%.2s|%10.2s|%-10.2s]", "abc", "abc", "abc", "abc", "abc", "abc");
    SAME("[%.0s|%.10s]", "abc", "abc");
    EXPECT("(null)", "%s", (char *)NULL);
    EXPECT("[  (null)]", "[%8s]", (char *)NULL);
    /* Precision bounds the read: an unterminated buffer is fine. */
    char *raw = malloc(3);
    memcpy(raw, "xyz", 3);
    EXPECT("xyz", "%.3s", raw);
    free(raw);
}

static void test_pointer(void **state)
{
    EXPECT("0xffff828000001000", "%p", (void *)0xffff828000001000UL);
    EXPECT("0x0", "%p", (void *)NULL);
    EXPECT("[    0x10]", "[%8p]", (void *)0x10);
    EXPECT("[0x10    ]", "[%-8p]", (void *)0x10);
    SAME("%p", (void *)0x1234);
}

static void test_star(void **state)
{
    SAME("[%*d|%-*d|%*d]", 5, 1, 5, 2, -5, 3);
    SAME("[%.*d|%.*d|%*.*x]", 3, 4, -1, 5, 6, 3, 0xau);
    SAME("[%.*s|%*s]", 2, "hello", 7, "hi");
}

static void test_unknown_conversion(void **state)
{
    EXPECT("a%qb", "a%qb");
    EXPECT("x%-5y", "x%-5y");
    EXPECT("end%", "end%");
    EXPECT("end%08", "end%08");
}

static void test_truncation(void **state)
{
    char b[8];

    memset(b, 'Z', sizeof(b));
    assert_int_equal(fmt_snprintf(b, 4, "%d", 123456), 6);
    assert_string_equal(b, "123");
    assert_int_equal(b[4], 'Z');                    /* nothing past size */
    assert_int_equal(fmt_snprintf(b, 1, "abc"), 3);
    assert_int_equal(b[0], '\0');
    b[0] = 'Q';
    assert_int_equal(fmt_snprintf(b, 0, "abc"), 3);
    assert_int_equal(b[0], 'Q');
    assert_int_equal(fmt_snprintf(NULL, 0, "%s-%d", "ab", 42), 5);
    assert_int_equal(fmt_snprintf(b, sizeof(b), "1234567"), 7);
    assert_string_equal(b, "1234567");
    assert_int_equal(fmt_snprintf(b, sizeof(b), "12345678"), 8);
    assert_string_equal(b, "1234567");
}

static void collect(void *ctx, char c)
{
    char **p = ctx;

    *(*p)++ = c;
}

static void call_format(char *out, const char *fmt, ...)
{
    va_list ap;
    char *p = out;

    va_start(ap, fmt);
    fmt_format(collect, &p, fmt, ap);
    va_end(ap);
    *p = '\0';
}

static void test_format_core(void **state)
{
    char out[64];

    call_format(out, "v=%d s=%s", 7, "x");
    assert_string_equal(out, "v=7 s=x");
}

/* Build a random integer spec such as "%-+08.3llx" for the given length/conv. */
static void random_int_spec(char *f, const char *len, char conv)
{
    static const char flag_chars[] = "-0+ #";
    char *p = f;

    *p++ = '%';
    for (int i = 0; i < 5; i++)
        if (rand() % 3 == 0)
            *p++ = flag_chars[i];
    if (rand() % 2)
        p += sprintf(p, "%d", rand() % 25);
    if (rand() % 2)
        p += sprintf(p, ".%d", rand() % 25);
    p += sprintf(p, "%s%c", len, conv);
}

static uint64_t random_u64(void)
{
    uint64_t v = ((uint64_t)rand() << 40) ^ ((uint64_t)rand() << 20) ^ (uint64_t)rand();
    int shift = rand() % 64;

    return rand() % 8 == 0 ? 0 : v >> shift;
}

/* One random conversion of v under each length modifier, against glibc. */
static void diff_one(char conv, uint64_t v)
{
    static const char *lens[] = { "", "hh", "h", "l", "ll", "z" };
    char f[32];
    int l = rand() % 6;

    random_int_spec(f, lens[l], conv);
    bool sgn = conv == 'd' || conv == 'i';
    switch (l) {
    case 0: if (sgn) SAME(f, (int)v); else SAME(f, (unsigned)v); break;
    case 1: if (sgn) SAME(f, (signed char)v); else SAME(f, (unsigned char)v); break;
    case 2: if (sgn) SAME(f, (short)v); else SAME(f, (unsigned short)v); break;
    case 3: if (sgn) SAME(f, (long)v); else SAME(f, (unsigned long)v); break;
    case 4: if (sgn) SAME(f, (long long)v); else SAME(f, (unsigned long long)v); break;
    default: if (sgn) SAME(f, (ptrdiff_t)v); else SAME(f, (size_t)v); break;
    }
}

static void test_differential_random(void **state)
{
    static const char convs[] = "diuxXo";

    srand(12345);
    for (int i = 0; i < 20000; i++)
        diff_one(convs[rand() % 6], random_u64());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_percent),
        cmocka_unit_test(test_signed),
        cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_pointer),
        cmocka_unit_test(test_star),
        cmocka_unit_test(test_unknown_conversion),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_format_core),
        cmocka_unit_test(test_differential_random),
    };

    return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
