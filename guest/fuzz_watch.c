// SPDX-License-Identifier: MIT
/*
 * The watcher (word `fuzz-watch`, dom0, before its suite): while the other
 * domains fuzz, beat -- read the TSC, run Koan's frame check every
 * fuzz-check-every beats, with `fuzz-foreign` also act on the other
 * domains' frames (guest/fuzz_foreign.c), then yield -- until every other
 * domain is gone (XENMEM_current_reservation answers -ESRCH).  The largest
 * gap between two beats is how long the others kept the CPU: a hypercall
 * that is not preemptible shows up there (docs/testing.md).  Then a last
 * check, and the line
 *   fuzz-watch: done: B beats, max gap G ticks at beat K, C checks, P problems, F foreign calls
 * A problem found by a check crashes dom0 at once, so the run cannot pass.
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/hypercall.h>
#include <guest/lib.h>
#include <guest/mm.h>

#include "fuzz_foreign.h"

#define MAX_WATCHED 8
#define PROGRESS_EVERY 1000

static struct {
	domid_t ids[MAX_WATCHED];
	unsigned int nr;
	unsigned long beats, max_gap, max_gap_beat, problems;
	uint64_t last;
} w;

static long reservation_of(domid_t id)
{
	domid_t arg = id;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &arg);
}

/* The domains other than us that exist now (ids 1 .. MAX_WATCHED). */
static void find_others(void)
{
	domid_t id;

	for (id = 1; id <= MAX_WATCHED; id++)
		if (reservation_of(id) >= 0)
			w.ids[w.nr++] = id;
}

static bool others_alive(void)
{
	unsigned int i;

	for (i = 0; i < w.nr; i++)
		if (reservation_of(w.ids[i]) != -XEN_ESRCH)
			return true;
	return false;
}

static void beat(void)
{
	uint64_t now = tsc_read();

	if (w.beats && now - w.last > w.max_gap) {
		w.max_gap = now - w.last;
		w.max_gap_beat = w.beats;
	}
	w.last = now;
	w.beats++;
}

static void check(unsigned long every)
{
	long rc;

	if (w.beats % every)
		return;
	rc = fuzz_check();
	if (rc) {
		guest_printf("fuzz-watch: beat %lu: the frame check says %ld\n",
			     w.beats, rc);
		guest_shutdown(SHUTDOWN_crash);
	}
}

void fuzz_watch_word(void)
{
	unsigned long every, max;
	bool foreign;

	if (!guest_cmdline_has("fuzz-watch"))
		return;
	every = fuzz_arg("fuzz-check-every", 25);
	max = fuzz_arg("fuzz-watch-max", 10000000);
	foreign = guest_cmdline_has("fuzz-foreign");
	fuzz_seed(fuzz_arg("fuzz-seed", 1) + 1000);
	fuzz_checks_reset();
	if (!every)
		every = 1;
	find_others();
	guest_printf("fuzz-watch: watching %u domains, frame check every %lu "
		     "beats%s\n", w.nr, every, foreign ? ", foreign calls" : "");
	if (foreign && !fuzz_foreign_setup(w.ids, w.nr))
		guest_printf("fuzz-watch: no foreign calls (setup failed)\n");
	while (w.beats < max && others_alive()) {
		beat();
		check(every);
		if (foreign)
			fuzz_foreign_step(w.beats);
		if (w.beats % PROGRESS_EVERY == 0)
			guest_printf("fuzz-watch: beat %lu, max gap %lu ticks, %lu "
				     "checks\n", w.beats, w.max_gap, fuzz_checks());
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	fuzz_foreign_release();
	w.problems = (unsigned long)fuzz_check();
	guest_printf("fuzz-watch: done: %lu beats, max gap %lu ticks at beat %lu, "
		     "%lu checks, %lu problems, %lu foreign calls\n", w.beats,
		     w.max_gap, w.max_gap_beat, fuzz_checks(), w.problems,
		     fuzz_foreign_calls());
	fuzz_coverage_print("foreign");
	if (w.problems)
		guest_shutdown(SHUTDOWN_crash);
}
