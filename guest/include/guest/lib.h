/* SPDX-License-Identifier: MIT */
/*
 * Freestanding helpers of the test guest: strings, formatting and the
 * console.  Every line goes out in one console_io(CONSOLEIO_write) call so
 * a hypervisor that prefixes lines per domain never splits one.
 */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

/* snprintf subset: %s (with .precision) %c %d %i %u %x %p %%, l modifier, 0-padding, width. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Format and write through console_io; returns the hypercall's result. */
long guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* GUEST_LIB_H */
