// SPDX-License-Identifier: MIT
/*
 * The guest's console print function (console_io CONSOLEIO_write, one call
 * per line).  Strings and formatting come from Koan's hyp/lib.
 */
#include <stdbool.h>
#include <stdint.h>

#include <guest/hypercall.h>
#include <guest/lib.h>

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

/* Shell sort: no recursion, no allocation, fine for the thousands of samples we time. */
void sort_u64(uint64_t *v, unsigned long n)
{
	for (unsigned long gap = n / 2; gap; gap /= 2)
		for (unsigned long i = gap; i < n; i++)
			for (unsigned long j = i; j >= gap && v[j - gap] > v[j]; j -= gap) {
				uint64_t t = v[j];

				v[j] = v[j - gap];
				v[j - gap] = t;
			}
}
