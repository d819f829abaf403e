// SPDX-License-Identifier: MIT
/*
 * Command-line words for BVT's wake-up test (tests/system/test_sched_wake.py,
 * docs/scheduler.md "Wake-up latency"), Koan only: domains sharing one CPU,
 * dom0 sending inter-domain events, some domUs sleeping on them, the rest
 * CPU-bound.  Times are the pvclock's system time in ns, one clock for
 * every domain, so a send in one domain and a run in another compare.
 *
 *   wake-sleeper=N     (a domU; peer-domid=D, default 0) allocate a port
 *                      for D and print `wake-sleeper: domain S port P waits
 *                      for domain D`; N times: sleep in SCHEDOP_poll (events
 *                      masked) until the port is pending, note when we run
 *                      again, how long our runstate says we waited
 *                      runnable since the wake-up and when it says we were
 *                      dispatched, answer on the port.  Then print
 *                      `wake-run: event I at T ns, queued Q ns, dispatched
 *                      at D ns` for each and power off.
 *   wake-sender=N      (dom0; wake-sleepers=A,B,... their domain ids) bind
 *                      each sleeper's port, then stay CPU-bound and send
 *                      each sleeper N events, the sleepers in turn, each
 *                      one just after the scheduler dispatched us again
 *                      (our runstate's runnable time grew), at least
 *                      WAKE_GAP_NS after the one before and only when
 *                      every earlier event was answered.  Then print
 *                      `wake-send: dom D event I at T ns` for each and
 *                      power off.
 *   burn-until-gone=D  (a domU) stay CPU-bound, never yielding, until
 *                      domain D is gone, then print `burn-until-gone:
 *                      running R us, runnable Q us` and power off.
 *
 * Why just after a dispatch: the scheduler just chose the sender as the
 * lowest claim on the CPU, so an unwarped sleeper, woken at the scheduler's
 * virtual time, ties with it and must wait (up to the context-switch
 * allowance C), while a warped one's claim is lower by its warp and takes
 * the CPU at once.  Each event waits for the answer to the one before, so
 * every send pairs with exactly one wake-up, in order.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/evtchn.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/lib.h>
#include <guest/smp.h>
#include <guest/time.h>

#define WAKE_MAX_EVENTS 200		/* per sleeper */
#define WAKE_MAX_SLEEPERS 8
#define WAKE_GAP_NS 10000000ull		/* between sends; a sleeper's are nr_sleepers gaps apart */
#define SENDER_CHUNK 2000UL		/* loop iterations between looks (some us) */
#define BURN_CHUNK 20000UL		/* a CPU-bound peer's (well under 1 ms) */
#define FIND_YIELDS 2000000UL

static void wake_fail(const char *word, const char *what, long rc)
{
	guest_printf("%s: %s failed: %ld\n", word, what, rc);
	guest_shutdown(SHUTDOWN_crash);
}

static uint64_t now_ns(void)
{
	struct vcpu_time_info t;

	time_info_read(&cpu_vcpu()->time, &t);
	return time_info_now(&t);
}

static void runstate(struct vcpu_runstate_info *r)
{
	long rc = smp_runstate(0, r);

	if (rc)
		wake_fail("wake", "get_runstate_info", rc);
}

/* vCPU 0's time in a runstate (ns). */
static uint64_t runstate_ns(unsigned int state)
{
	struct vcpu_runstate_info r;

	runstate(&r);
	return r.time[state];
}

static void burn(unsigned long iterations)
{
	for (volatile unsigned long i = 0; i < iterations; i++)
		;
}

/* ---- The sleeper ---- */

/* Per wake-up: when we ran, how long we waited runnable, when we were dispatched. */
static uint64_t run_at[WAKE_MAX_EVENTS], queued[WAKE_MAX_EVENTS], dispatched[WAKE_MAX_EVENTS];

/* SCHEDOP_poll (events masked) until port is pending. */
static void sleep_on(evtchn_port_t port)
{
	struct sched_poll sp = { .nr_ports = 1, .timeout = 0 };

	set_xen_guest_handle(sp.ports, &port);
	while (!ev_is_pending(port))
		HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
}

static void sleeper(unsigned long n, domid_t sender)
{
	evtchn_port_t port;
	long rc;

	if ((rc = ev_alloc_unbound(DOMID_SELF, sender, &port)))
		wake_fail("wake-sleeper", "alloc_unbound", rc);
	guest_printf("wake-sleeper: domain %ld port %u waits for domain %u\n",
		     ev_own_domid(), port, sender);
	for (unsigned long i = 0; i < n; i++) {
		struct vcpu_runstate_info r;
		uint64_t before = runstate_ns(RUNSTATE_runnable);
		sleep_on(port);
		run_at[i] = now_ns();
		runstate(&r);	/* running since our dispatch */
		queued[i] = r.time[RUNSTATE_runnable] - before;
		dispatched[i] = r.state_entry_time;
		ev_clear_pending(port);
		if ((rc = ev_send(port)))
			wake_fail("wake-sleeper", "send", rc);
	}
	for (unsigned long i = 0; i < n; i++)
		guest_printf("wake-run: event %lu at %lu ns, queued %lu ns, dispatched at %lu ns\n",
			     i, (unsigned long)run_at[i], (unsigned long)queued[i],
			     (unsigned long)dispatched[i]);
	guest_shutdown(SHUTDOWN_poweroff);
}

/* ---- The sender ---- */

struct sleeper {
	domid_t dom;
	evtchn_port_t port;	/* ours, bound to the sleeper's */
	bool waiting;		/* its last event is not answered yet */
	uint64_t sent_at[WAKE_MAX_EVENTS];
};

static struct sleeper sleepers[WAKE_MAX_SLEEPERS];

/* `wake-sleepers=A,B,...` into sleepers[]; how many. */
static unsigned int parse_sleepers(void)
{
	char value[64];
	unsigned int nr = 0;

	if (!guest_cmdline_value("wake-sleepers", value, sizeof(value)))
		wake_fail("wake-sender", "reading wake-sleepers=A,B,...", -XEN_EINVAL);
	for (const char *p = value; *p && nr < WAKE_MAX_SLEEPERS; p += *p == ',') {
		unsigned long d = 0;
		for (; *p >= '0' && *p <= '9'; p++)
			d = d * 10 + (unsigned long)(*p - '0');
		sleepers[nr++].dom = (domid_t)d;
	}
	return nr;
}

/* The peer's port reserved for us, once it has allocated one (yielding until then). */
static evtchn_port_t find_port_for_us(domid_t peer, domid_t self)
{
	struct evtchn_status st;

	for (unsigned long i = 0; i < FIND_YIELDS; i++) {
		for (evtchn_port_t p = 1; ev_status(peer, p, &st) == 0; p++)
			if (st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == self)
				return p;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	wake_fail("wake-sender", "finding a sleeper's port", -XEN_ENOENT);
	return 0;
}

static void bind_sleepers(unsigned int nr)
{
	domid_t self = (domid_t)ev_own_domid();
	long rc;

	for (unsigned int i = 0; i < nr; i++) {
		struct sleeper *s = &sleepers[i];
		evtchn_port_t remote = find_port_for_us(s->dom, self);
		if ((rc = ev_bind_interdomain(s->dom, remote, &s->port)))
			wake_fail("wake-sender", "bind_interdomain", rc);
		ev_clear_pending(s->port);	/* set by the binding */
	}
}

/* Note the answers that came; true if every event sent so far is answered. */
static bool all_answered(unsigned int nr)
{
	bool all = true;

	for (unsigned int i = 0; i < nr; i++) {
		struct sleeper *s = &sleepers[i];
		if (s->waiting && ev_is_pending(s->port)) {
			ev_clear_pending(s->port);
			s->waiting = false;
		}
		all &= !s->waiting;
	}
	return all;
}

static void sender(unsigned long n)
{
	unsigned int nr = parse_sleepers();
	unsigned long total = n * nr, sent = 0;
	uint64_t seen, last = 0;
	long rc;

	bind_sleepers(nr);
	guest_printf("wake-sender: %u sleepers bound, %lu events each\n", nr, n);
	seen = runstate_ns(RUNSTATE_runnable);
	while (sent < total || !all_answered(nr)) {
		burn(SENDER_CHUNK);
		bool answered = all_answered(nr);
		uint64_t waited = runstate_ns(RUNSTATE_runnable);
		bool dispatched = waited != seen;	/* off the CPU since we last looked */
		seen = waited;
		if (!dispatched || !answered || sent == total)
			continue;
		uint64_t now = now_ns();
		if (last && now - last < WAKE_GAP_NS)
			continue;
		struct sleeper *s = &sleepers[sent % nr];
		s->waiting = true;
		s->sent_at[sent / nr] = last = now;
		if ((rc = ev_send(s->port)))
			wake_fail("wake-sender", "send", rc);
		sent++;
	}
	for (unsigned int i = 0; i < nr; i++)
		for (unsigned long e = 0; e < n; e++)
			guest_printf("wake-send: dom %u event %lu at %lu ns\n", sleepers[i].dom, e,
				     (unsigned long)sleepers[i].sent_at[e]);
	guest_shutdown(SHUTDOWN_poweroff);
}

/* ---- A CPU-bound peer ---- */

static void burn_until_gone(domid_t d)
{
	uint64_t run0 = runstate_ns(RUNSTATE_running), wait0 = runstate_ns(RUNSTATE_runnable);

	/* Unprivileged, we are refused (-EPERM) until d is gone (-ESRCH). */
	while (HYPERVISOR_memory_op(XENMEM_current_reservation, &d) != -XEN_ESRCH)
		burn(BURN_CHUNK);
	guest_printf("burn-until-gone: running %lu us, runnable %lu us\n",
		     (unsigned long)((runstate_ns(RUNSTATE_running) - run0) / 1000),
		     (unsigned long)((runstate_ns(RUNSTATE_runnable) - wait0) / 1000));
	guest_shutdown(SHUTDOWN_poweroff);
}

void wake_words(void);
void wake_words(void)
{
	unsigned long sleep_n = guest_cmdline_ulong("wake-sleeper", 0);
	unsigned long send_n = guest_cmdline_ulong("wake-sender", 0);
	unsigned long gone = guest_cmdline_ulong("burn-until-gone", ~0UL);

	if (gone != ~0UL)
		burn_until_gone((domid_t)gone);
	if (!sleep_n && !send_n)
		return;
	if (sleep_n > WAKE_MAX_EVENTS || send_n > WAKE_MAX_EVENTS)
		wake_fail("wake", "more than 200 events", -XEN_EINVAL);
	if (!cpu_init())
		wake_fail("wake", "cpu_init", -XEN_EINVAL);
	ev_quiesce(0);
	if (sleep_n)
		sleeper(sleep_n, (domid_t)guest_cmdline_ulong("peer-domid", 0));
	sender(send_n);
}
