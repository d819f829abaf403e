/* SPDX-License-Identifier: MIT */
/*
 * Freestanding string and memory routines, plus small number parsers for the
 * command line.
 *
 * Naming scheme: in the hypervisor these are the real memcpy, memset, ...
 * (GCC emits calls to memcpy/memset/memmove/memcmp itself, so those exact
 * symbols must exist).  In host unit tests (-DKOAN_HOST_TEST) they would clash
 * with libc, so every name below is defined as koan_<name> instead: this
 * header first includes the host's <string.h> (taking its include guard, so a
 * later #include <string.h> cannot be renamed by accident), then maps each
 * name to koan_<name> with a macro.  Hypervisor code written against the plain
 * names therefore calls Koan's versions in tests too, and hyp/lib/string.c,
 * which includes this header, defines koan_<name> there without any change.
 */
#ifndef KOAN_HYP_STRING_H
#define KOAN_HYP_STRING_H

#include <hyp/types.h>

#ifdef KOAN_HOST_TEST
#include <string.h>
#define memcpy  koan_memcpy
#define memmove koan_memmove
#define memset  koan_memset
#define memcmp  koan_memcmp
#define strlen  koan_strlen
#define strnlen koan_strnlen
#define strcmp  koan_strcmp
#define strncmp koan_strncmp
#define strchr  koan_strchr
#define strlcpy koan_strlcpy
#endif

/* Copy n bytes from src to dst; the areas must not overlap.  Returns dst. */
void *memcpy(void *dst, const void *src, size_t n);
/* Copy n bytes from src to dst; the areas may overlap.  Returns dst. */
void *memmove(void *dst, const void *src, size_t n);
/* Fill n bytes at dst with the byte c.  Returns dst. */
void *memset(void *dst, int c, size_t n);
/* Compare n bytes as unsigned chars: <0, 0 or >0. */
int memcmp(const void *a, const void *b, size_t n);
/* Length of the NUL-terminated string s. */
size_t strlen(const char *s);
/* Length of s, but look at no more than max bytes. */
size_t strnlen(const char *s, size_t max);
/* Compare two NUL-terminated strings as unsigned chars. */
int strcmp(const char *a, const char *b);
/* Compare at most n characters of a and b. */
int strncmp(const char *a, const char *b, size_t n);
/* First occurrence of (char)c in s (the terminator counts), or NULL. */
char *strchr(const char *s, int c);
/* Copy src into dst[size], always NUL-terminating when size > 0; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * Parse an unsigned integer.  base 0 = auto ("0x" hex, leading "0" octal,
 * else decimal), or 2..36 ("0x" is accepted for base 16).  The whole string
 * must be consumed.  Returns 0, or -EINVAL on empty input, junk or overflow.
 */
int parse_u64(const char *s, int base, uint64_t *out);

/*
 * Parse a size: a parse_u64(base 0) number with an optional suffix k/K, m/M,
 * g/G, t/T (binary multiples).  Returns 0, or -EINVAL on junk or overflow.
 */
int parse_size(const char *s, uint64_t *out);

#endif
