/* SPDX-License-Identifier: MIT */
/*
 * Freestanding helpers of the test guest: strings, formatting, the
 * console and the TSC.  Every line goes out in one console_io(CONSOLEIO_write) call so
 * a hypervisor that prefixes lines per domain never splits one.
 */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Strings and formatting are Koan's own pure library (hyp/lib/string.c and
 * hyp/lib/format.c), linked into the guest as well: one implementation.
 */
#include <hyp/format.h>
#include <hyp/string.h>

#define vsnprintf fmt_vsnprintf
#define snprintf fmt_snprintf

/* Format and write through console_io; returns the hypercall's result. */
long guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The TSC, ordered after earlier instructions (lfence). */
static inline uint64_t tsc_read(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Sort n values in place, smallest first (medians of timed samples). */
void sort_u64(uint64_t *v, unsigned long n);

#endif /* GUEST_LIB_H */
