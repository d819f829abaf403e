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

#endif /* GUEST_LIB_H */
