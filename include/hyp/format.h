/* SPDX-License-Identifier: MIT */
/*
 * printf-style formatting for the hypervisor console and for building
 * strings: one formatting core (fmt_format) driving a per-character callback,
 * and C99-style snprintf wrappers over it.
 *
 * Supported: %d %i %u %x %X %o %p %s %c %%; flags - 0 + space #; field width
 * and precision, both also as '*'; length modifiers hh h l ll z.  %p prints
 * "0x" and lowercase hex (also for NULL); %s of NULL prints "(null)".  There
 * is no %n and no floating point.  An unknown or incomplete conversion is
 * printed literally.  Widths and precisions are capped at FMT_MAX_WIDTH.
 */
#ifndef KOAN_HYP_FORMAT_H
#define KOAN_HYP_FORMAT_H

#include <stdarg.h>
#include <hyp/types.h>

#define FMT_MAX_WIDTH 4096

/* Format fmt with ap, passing each output character to putc(ctx, c) in order. */
void fmt_format(void (*putc)(void *ctx, char c), void *ctx, const char *fmt, va_list ap);

/*
 * Format into buf[size], as C99 vsnprintf: returns the length the full output
 * would have (excluding the NUL); writes at most size bytes and always
 * NUL-terminates when size > 0.  buf may be NULL when size is 0.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* As fmt_vsnprintf, with variable arguments. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
