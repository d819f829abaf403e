// SPDX-License-Identifier: MIT
/*
 * The command-line words of the I/O ring (docs/test-guest.md): instead of
 * the suite, `ring-front=N` (with `ring-trips=T`) makes this domain the
 * ring's frontend (guest/ring_front.c) and `ring-back` its backend
 * (guest/ring_back.c), both with `peer-domid=D` naming the other.  Koan
 * only: the ring needs two domains, and Xen's referee run has one.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/evtchn.h>
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/ring.h>

void ring_fail(const char *word, const char *what, long rc)
{
	guest_printf("%s: %s failed: %ld\n", word, what, rc);
	guest_shutdown(SHUTDOWN_crash);
}

void ring_words(void)
{
	unsigned long requests = guest_cmdline_ulong("ring-front", 0);
	unsigned long trips = guest_cmdline_ulong("ring-trips", 1000);
	domid_t peer = (domid_t)guest_cmdline_ulong("peer-domid", 0);
	bool back = guest_cmdline_has("ring-back");

	if (!requests && !back)
		return;
	if (!cpu_init())
		ring_fail(back ? "ring-back" : "ring-front", "cpu_init", -XEN_EINVAL);
	ev_quiesce(0);	/* every port masked: we sleep in SCHEDOP_poll, no upcalls */
	if (back)
		ring_back(peer);
	ring_front(requests, trips, peer);
}
