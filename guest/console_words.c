// SPDX-License-Identifier: MIT
/*
 * Command-line words that exercise the hypervisor console and end the
 * domain instead of running the suite (docs/test-guest.md):
 *   console-flood=BYTES  print one header line, then BYTES bytes (rounded
 *                        up to whole 64-byte lines) as fast as console_io
 *                        takes them, 4 KiB per call, then "console-flood:
 *                        done" and power off.  Koan must drop most of it
 *                        and say how much (tests/system/test_koan_console.py);
 *                        a console_io error crashes the domain instead.
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/lib.h>

#define FLOOD_LINE  64
#define FLOOD_BATCH 64	/* lines per console_io call: 4 KiB */

/* Line i: "flood NNNNNNNN " then 'x' up to the newline, 64 bytes in all. */
static void flood_line(char *out, unsigned long i)
{
	unsigned int k;

	snprintf(out, FLOOD_LINE, "flood %08lu ", i % 100000000UL);
	for (k = (unsigned int)strlen(out); k < FLOOD_LINE - 1; k++)
		out[k] = 'x';
	out[FLOOD_LINE - 1] = '\n';
}

static void console_flood(unsigned long bytes)
{
	static char batch[FLOOD_LINE * FLOOD_BATCH];
	unsigned long lines = (bytes + FLOOD_LINE - 1) / FLOOD_LINE, done = 0;

	guest_printf("console-flood: %lu lines of %d bytes\n", lines, FLOOD_LINE);
	while (done < lines) {
		unsigned long n = lines - done < FLOOD_BATCH ? lines - done : FLOOD_BATCH;
		unsigned long i;
		long rc;

		for (i = 0; i < n; i++)
			flood_line(batch + i * FLOOD_LINE, done + i);
		rc = HYPERVISOR_console_io(CONSOLEIO_write,
					   (unsigned int)(n * FLOOD_LINE), batch);
		if (rc != 0) {
			guest_printf("console-flood: console_io returned %ld\n", rc);
			guest_shutdown(SHUTDOWN_crash);
		}
		done += n;
	}
	guest_printf("console-flood: done\n");
	guest_shutdown(SHUTDOWN_poweroff);
}

void console_special_words(void)
{
	unsigned long bytes = guest_cmdline_ulong("console-flood", 0);

	if (bytes)
		console_flood(bytes);
}
