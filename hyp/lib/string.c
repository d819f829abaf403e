/* SPDX-License-Identifier: MIT */
/*
 * Freestanding memory/string routines and number parsers.  Byte loops are
 * enough for a boot-time hypervisor; see <hyp/string.h> for the naming scheme
 * that lets host unit tests link these next to libc.
 */
#include <hyp/errno.h>
#include <hyp/string.h>

/*
 * GCC recognises byte-copy loops and turns them into calls to memcpy/memset,
 * which here would recurse into themselves; forbid that transformation.
 */
#define NO_LOOP_CALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LOOP_CALLS void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    while (n--)
        *d++ = *s++;
    return dst;
}

NO_LOOP_CALLS void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if ((uintptr_t)d - (uintptr_t)s >= n)   /* no harmful overlap: copy forwards */
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

NO_LOOP_CALLS void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;

    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    const char *p = s;

    while (*p)
        p++;
    return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    return strncmp(a, b, SIZE_MAX);
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

        if (x != y)
            return x - y;
        if (!x)
            break;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);

    if (size) {
        size_t n = MIN(len, size - 1);

        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

/* Value of an alphanumeric digit, or 99 for anything else. */
static unsigned digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'z')
        return (unsigned)(c - 'a' + 10);
    if (c >= 'A' && c <= 'Z')
        return (unsigned)(c - 'A' + 10);
    return 99;
}

/* Resolve base 0 and skip a "0x" prefix; returns the base or 0 if invalid. */
static int number_base(const char **sp, int base)
{
    const char *s = *sp;
    bool hex_prefix = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

    if (base == 0)
        base = hex_prefix ? 16 : (s[0] == '0' && s[1] ? 8 : 10);
    if (base < 2 || base > 36)
        return 0;
    if (base == 16 && hex_prefix)
        *sp = s + 2;
    return base;
}

/* Parse digits of base at *sp into *out, advancing *sp past them. */
static int parse_digits(const char **sp, int base, uint64_t *out)
{
    const char *s = *sp;
    uint64_t v = 0;
    unsigned d;

    if (digit_value(*s) >= (unsigned)base)
        return -EINVAL;                 /* no digits at all */
    for (; (d = digit_value(*s)) < (unsigned)base; s++) {
        if (__builtin_mul_overflow(v, (uint64_t)base, &v) ||
            __builtin_add_overflow(v, d, &v))
            return -EINVAL;
    }
    *sp = s;
    *out = v;
    return 0;
}

int parse_u64(const char *s, int base, uint64_t *out)
{
    uint64_t v;

    base = number_base(&s, base);
    if (!base || parse_digits(&s, base, &v) || *s)
        return -EINVAL;
    *out = v;
    return 0;
}

/* Shift for a size suffix character, or -1 if it is not one. */
static int size_shift(char c)
{
    switch (c) {
    case 'k': case 'K': return 10;
    case 'm': case 'M': return 20;
    case 'g': case 'G': return 30;
    case 't': case 'T': return 40;
    default: return -1;
    }
}

int parse_size(const char *s, uint64_t *out)
{
    uint64_t v;
    int shift = 0;
    int base = number_base(&s, 0);

    if (!base || parse_digits(&s, base, &v))
        return -EINVAL;
    if (*s) {
        shift = size_shift(*s);
        if (shift < 0 || s[1])
            return -EINVAL;
    }
    if (v > (UINT64_MAX >> shift))
        return -EINVAL;
    *out = v << shift;
    return 0;
}
