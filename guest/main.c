// SPDX-License-Identifier: MIT
/*
 * C entry of the test guest: read the command line, honour the special
 * words (crash-now, fault-now, spin-forever, spin-yield=N, wait-gone=D), run the
 * suite, and shut the
 * domain down with poweroff when every case passed, crash otherwise.
 */
#include <stdbool.h>
#include <stdint.h>

#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/lib.h>
#include <guest/test.h>

start_info_t *guest_start_info;

bool guest_privileged(void)
{
	return guest_start_info->flags & SIF_PRIVILEGED;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Find the word starting with `prefix` (matched up to the prefix length
 * when `whole` is false, the whole word when true); returns it or NULL.
 */
static const char *cmdline_find(const char *prefix, bool whole)
{
	const char *p = (const char *)guest_start_info->cmd_line;
	const char *end = p + MAX_GUEST_CMDLINE;
	size_t n = strlen(prefix);

	while (p < end && *p) {
		const char *w = p;

		while (p < end && *p && !is_space(*p))
			p++;
		if ((size_t)(p - w) >= n && !strncmp(w, prefix, n) &&
		    (!whole || (size_t)(p - w) == n))
			return w;
		while (p < end && *p && is_space(*p))
			p++;
	}
	return NULL;
}

bool guest_cmdline_has(const char *word)
{
	return cmdline_find(word, true) != NULL;
}

const char *guest_cmdline_value(const char *key, char *buf, size_t size)
{
	char prefix[64];
	const char *w;
	size_t i = 0;

	snprintf(prefix, sizeof(prefix), "%s=", key);
	w = cmdline_find(prefix, false);
	if (!w || !size)
		return NULL;
	for (w += strlen(prefix); *w && !is_space(*w) && i + 1 < size; w++)
		buf[i++] = *w;
	buf[i] = '\0';
	return buf;
}

void guest_shutdown(unsigned int reason)
{
	struct sched_shutdown arg = { .reason = reason };

	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &arg);
}

unsigned long guest_cmdline_ulong(const char *key, unsigned long dflt)
{
	char value[24];
	unsigned long v = 0;

	if (!guest_cmdline_value(key, value, sizeof(value)))
		return dflt;
	for (const char *s = value; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	return v;
}

void cpu_special_words(void);
void hostile_words(void);
void spec_special_words(void);
void smp_special_words(void);
void evtchn_special_words(void);
void sched_words(void);
void scale_words(void);
void ring_words(void);
void wake_words(void);

/* The words that make this run something other than the plain suite. */
static void run_special_words(void)
{
	if (guest_cmdline_has("crash-now")) {
		guest_printf("crash-now: shutting down with SHUTDOWN_crash\n");
		guest_shutdown(SHUTDOWN_crash);
	}
	if (guest_cmdline_has("fault-now")) {
		guest_printf("fault-now: touching an unmapped address\n");
		/* No trap table: the hypervisor must crash this domain. */
		(void)*(volatile unsigned long *)0x1008UL;
		guest_printf("fault-now: the fault returned, which it must not\n");
		guest_shutdown(SHUTDOWN_crash);
	}
	if (guest_cmdline_has("spin-forever")) {
		/* A hostile guest that never gives the CPU back: only the
		 * hypervisor's preemption tick lets the others run. */
		guest_printf("spin-forever: spinning without yielding\n");
		for (;;)
			__asm__ volatile("pause");
	}
	for (unsigned long n = guest_cmdline_ulong("spin-yield", 0); n; n--)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	/* Stay until domain D has gone (on several CPUs a few yields no
	 * longer keep us alive while the other domain works); unprivileged,
	 * the answer is -EPERM until then.  D may be 0. */
	for (unsigned long w = guest_cmdline_ulong("wait-gone", ~0UL); w != ~0UL;) {
		domid_t d = (domid_t)w;

		if (HYPERVISOR_memory_op(XENMEM_current_reservation, &d) == -XEN_ESRCH)
			break;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	console_special_words();	/* console-flood=BYTES (guest/console_words.c) */
	cpu_special_words();	/* crash-on-bad-stack (guest/cpu_words.c) */
	hostile_words();	/* issue 8's attacks (guest/hostile_words.c) */
	spec_special_words();	/* l1tf-unsafe=PATH (guest/cases_spec.c) */
	fuzz_special_words();	/* fuzz-watch, fuzz-delivery=N (guest/fuzz_words.c) */
	smp_special_words();	/* smp-down-last, smp-crash-busy (guest/smp_words.c) */
	evtchn_special_words();	/* evtchn-serve=N, evtchn-ping=N (guest/evtchn_words.c) */
	sched_words();		/* burn-for=MS, yield-loop=N (guest/sched_words.c) */
	scale_words();		/* check-frames (guest/scale_words.c) */
	ring_words();		/* ring-front=N, ring-back (guest/ring_words.c) */
	wake_words();		/* wake-sender=N, wake-sleeper=N, burn-until-gone=D (guest/wake_words.c) */
}

/*
 * The suites named by `suite=a,b,...` (default: basic only).  An unknown
 * name is a harness bug: say so and crash rather than run less.
 */
static unsigned int chosen_suites(void)
{
	char value[64];
	const char *p, *end;
	unsigned int suites = 0;

	if (!guest_cmdline_value("suite", value, sizeof(value)))
		return SUITE_BASIC;
	for (p = value; *p; p = *end ? end + 1 : end) {
		unsigned int bit;

		for (end = p; *end && *end != ','; end++)
			;
		bit = test_suite_bit(p, (unsigned long)(end - p));
		if (!bit) {
			guest_printf("koan-guest: unknown suite in \"%s\"\n",
				     value);
			guest_shutdown(SHUTDOWN_crash);
		}
		suites |= bit;
	}
	return suites;
}

void guest_main(start_info_t *si)
{
	unsigned int failed;

	guest_start_info = si;
	guest_printf("koan-guest: starting, %s, nr_pages %lu, cmdline \"%s\"\n",
		     guest_privileged() ? "privileged" : "unprivileged",
		     (unsigned long)si->nr_pages, (const char *)si->cmd_line);
	run_special_words();
	failed = test_run_all(chosen_suites(), guest_cmdline_has("koan-only"));
	guest_shutdown(failed ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}
