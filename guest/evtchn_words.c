// SPDX-License-Identifier: MIT
/*
 * Two domains on one interdomain channel (Koan only: Xen's referee run
 * has one domain).  No xenstore tells either side the other's port, so
 * the unprivileged side allocates a port for the other and the privileged
 * side finds it by asking EVTCHNOP_status about the peer's ports.
 *
 *   evtchn-serve=N  (a domU, peer-domid=D): allocate a port for D, answer
 *                   N events on it (SCHEDOP_poll, events masked), power off.
 *   evtchn-ping=N   (dom0, peer-domid=D): bind VIRQ_DOM_EXC, find and bind
 *                   D's port, N round trips timed with the TSC, then wait
 *                   for D's end (VIRQ_DOM_EXC) and check that our port is
 *                   unbound again (the teardown closed D's end), power off.
 *
 * The ping side prints `evtchn-pingpong: N round trips, median M cycles,
 * min A, max B` for the system test and bench/ring.py to read, and the
 * loop's `bench-begin`/`bench-end evtchn_pingpong` lines (guest/bench.h).
 *
 *   evtchn-stress=N (both sides, peer-domid=D): the unprivileged side
 *                   allocates a port for D, waits briefly for it to be
 *                   bound, sends and closes it, N times; the privileged
 *                   side binds every such port it finds, sends and closes
 *                   its end, until D is gone.  Both ends close at the same
 *                   moment on two CPUs; closing one's own port must always
 *                   succeed (only its owner frees it), whatever the peer did.
 */
#include <xen/errno.h>

#include <guest/evtchn.h>
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/test.h>

#define MAX_TRIPS 100000
#define FIND_YIELDS 2000000UL

static uint64_t trips[MAX_TRIPS];

static void word_fail(const char *word, const char *what, long rc)
{
	guest_printf("%s: %s failed: %ld\n", word, what, rc);
	guest_shutdown(SHUTDOWN_crash);
}

static void serve(unsigned long n, domid_t peer)
{
	evtchn_port_t port;
	long rc;

	if ((rc = ev_alloc_unbound(DOMID_SELF, peer, &port)))
		word_fail("evtchn-serve", "alloc_unbound", rc);
	guest_printf("evtchn-serve: port %u waits for domain %u\n", port, peer);
	for (unsigned long i = 0; i < n; i++) {
		ev_wait_port(port);
		if ((rc = ev_send(port)))
			word_fail("evtchn-serve", "send", rc);
	}
	guest_printf("evtchn-serve: %lu events answered, powering off\n", n);
	guest_shutdown(SHUTDOWN_poweroff);
}

static void ping(unsigned long n, domid_t peer)
{
	evtchn_port_t exc, local, remote;
	struct evtchn_status st;
	long rc;

	if (n > MAX_TRIPS)
		n = MAX_TRIPS;
	if ((rc = ev_bind_virq(VIRQ_DOM_EXC, 0, &exc)))
		word_fail("evtchn-ping", "bind_virq(DOM_EXC)", rc);
	remote = ev_find_peer_port(peer, (domid_t)ev_own_domid(), FIND_YIELDS);
	if (!remote)
		word_fail("evtchn-ping", "finding the peer's port", -XEN_ENOENT);
	if ((rc = ev_bind_interdomain(peer, remote, &local)))
		word_fail("evtchn-ping", "bind_interdomain", rc);
	ev_clear_pending(local);	/* set by the binding */
	guest_printf("evtchn-ping: port %u bound to domain %u's port %u\n", local, peer, remote);
	guest_printf("bench-begin evtchn_pingpong\n");
	uint64_t start = tsc_read();
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = tsc_read();
		if ((rc = ev_send(local)))
			word_fail("evtchn-ping", "send", rc);
		ev_wait_port(local);
		trips[i] = tsc_read() - t0;
	}
	guest_printf("bench-end evtchn_pingpong unit=op ops=%lu tsc=%lu\n", n,
		     (unsigned long)(tsc_read() - start));
	sort_u64(trips, n);
	guest_printf("evtchn-pingpong: %lu round trips, median %lu cycles, min %lu, max %lu\n",
		     n, (unsigned long)trips[n / 2], (unsigned long)trips[0],
		     (unsigned long)trips[n - 1]);
	ev_wait_port(exc);
	rc = ev_status(DOMID_SELF, local, &st);
	bool unbound = !rc && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == peer;
	guest_printf("evtchn-ping: VIRQ_DOM_EXC came; port %u %s\n", local,
		     unbound ? "unbound, for the dead domain" : "NOT unbound");
	ev_close(local);
	ev_close(exc);
	guest_shutdown(unbound ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}

#define STRESS_WAIT 50	/* yields the unbound side waits for a binding */

static void stress_close(const char *who, evtchn_port_t p, unsigned long *bad)
{
	long rc = ev_close(p);

	if (rc) {
		(*bad)++;
		guest_printf("%s: close(%u) of our own port: %ld\n", who, p, rc);
	}
}

/* The unprivileged side: ports for the peer, each closed soon whatever became of it. */
static void stress_allocate(unsigned long n, domid_t peer)
{
	unsigned long bound = 0, bad = 0;
	struct evtchn_status st;
	evtchn_port_t p;
	long rc;

	for (unsigned long i = 0; i < n; i++) {
		if ((rc = ev_alloc_unbound(DOMID_SELF, peer, &p)))
			word_fail("evtchn-stress", "alloc_unbound", rc);
		for (unsigned int w = 0; w < STRESS_WAIT; w++) {
			if (ev_status(DOMID_SELF, p, &st) == 0 && st.status == EVTCHNSTAT_interdomain) {
				bound++;
				break;
			}
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
		if ((rc = ev_send(p)))
			word_fail("evtchn-stress", "send on our own port", rc);
		stress_close("evtchn-stress", p, &bad);
	}
	guest_printf("evtchn-stress: %lu ports, %lu bound by the peer, %lu bad closes\n",
		     n, bound, bad);
	guest_shutdown(bad ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}

/* The privileged side: bind what the peer offers until it is gone. */
static void stress_bind(domid_t peer)
{
	unsigned long bound = 0, refused = 0, bad = 0;
	domid_t self = (domid_t)ev_own_domid();
	struct evtchn_status st;
	evtchn_port_t p, local;
	long rc;

	for (;;) {
		for (p = 1; (rc = ev_status(peer, p, &st)) == 0; p++) {
			if (st.status != EVTCHNSTAT_unbound || st.u.unbound.dom != self)
				continue;
			if (ev_bind_interdomain(peer, p, &local)) {
				refused++;	/* closed meanwhile: allowed */
				continue;
			}
			bound++;
			if ((rc = ev_send(local)))
				word_fail("evtchn-stress", "send on our own port", rc);
			stress_close("evtchn-stress", local, &bad);
		}
		if (rc == -XEN_ESRCH)
			break;	/* the peer is gone */
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	guest_printf("evtchn-stress: bound %lu, %lu refused, %lu bad closes; peer gone\n",
		     bound, refused, bad);
	guest_shutdown(bad || !bound ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}

void evtchn_special_words(void)
{
	unsigned long serve_n = guest_cmdline_ulong("evtchn-serve", 0);
	unsigned long ping_n = guest_cmdline_ulong("evtchn-ping", 0);
	unsigned long stress_n = guest_cmdline_ulong("evtchn-stress", 0);
	domid_t peer = (domid_t)guest_cmdline_ulong("peer-domid", 0);

	if (!serve_n && !ping_n && !stress_n)
		return;
	if (!cpu_init())
		word_fail("evtchn", "cpu_init", -XEN_EINVAL);
	ev_quiesce(0);
	if (stress_n)
		guest_privileged() ? stress_bind(peer) : stress_allocate(stress_n, peer);
	if (serve_n)
		serve(serve_n, peer);
	ping(ping_n, peer);
}
