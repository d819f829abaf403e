// SPDX-License-Identifier: MIT
/*
 * String and formatting helpers for the freestanding test guest, and the
 * console print function (console_io CONSOLEIO_write, one call per line).
 */
#include <stdbool.h>
#include <stdint.h>

#include <guest/hypercall.h>
#include <guest/lib.h>

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
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
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

struct out {
	char *buf;
	size_t size, len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_number(struct out *o, uint64_t v, unsigned int base,
		       bool negative, int width, char pad)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (negative)
		digits[n++] = '-';
	while (width-- > n)
		out_char(o, pad);
	while (n)
		out_char(o, digits[--n]);
}

/* Handle one conversion starting after '%'; returns the char after it. */
static const char *out_conversion(struct out *o, const char *f, va_list *ap)
{
	char pad = ' ';
	int width = 0, precision = -1;
	bool is_long = false;

	if (*f == '0')
		pad = '0';
	while (*f >= '0' && *f <= '9')
		width = width * 10 + (*f++ - '0');
	if (*f == '.') {
		precision = 0;
		while (*++f >= '0' && *f <= '9')
			precision = precision * 10 + (*f - '0');
	}
	while (*f == 'l') {
		is_long = true;
		f++;
	}
	switch (*f) {
	case 'd':
	case 'i': {
		long v = is_long ? va_arg(*ap, long) : va_arg(*ap, int);

		out_number(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0,
			   width, pad);
		break;
	}
	case 'u':
	case 'x': {
		uint64_t v = is_long ? va_arg(*ap, unsigned long)
				     : va_arg(*ap, unsigned int);

		out_number(o, v, *f == 'x' ? 16 : 10, false, width, pad);
		break;
	}
	case 'p':
		out_char(o, '0');
		out_char(o, 'x');
		out_number(o, (uintptr_t)va_arg(*ap, void *), 16, false, 0, ' ');
		break;
	case 's': {
		const char *s = va_arg(*ap, const char *);

		for (s = s ? s : "(null)"; *s && precision != 0; s++, precision--)
			out_char(o, *s);
		break;
	}
	case 'c':
		out_char(o, (char)va_arg(*ap, int));
		break;
	case '%':
		out_char(o, '%');
		break;
	default:
		out_char(o, '?');
		return *f ? f + 1 : f;
	}
	return f + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%')
			out_char(&o, *fmt++);
		else
			fmt = out_conversion(&o, fmt + 1, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

long guest_printf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	return HYPERVISOR_console_io(CONSOLEIO_write, (unsigned int)n, line);
}
