// SPDX-License-Identifier: MIT
/*
 * time suite, timers: VIRQ_TIMER from the singleshot timer (set_timer_op,
 * VCPUOP_set/stop_singleshot_timer) and the periodic timer, and the
 * deadline of SCHEDOP_poll.  vCPU 0 sleeps in SCHEDOP_poll on its timer
 * port (events stay masked: poll needs no upcall) and checks what woke it
 * and when, on the pvclock.  Expected values are Xen 4.17's
 * (tests/system/test_time.py).
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/evtchn.h>
#include <guest/lib.h>
#include <guest/smp.h>
#include <guest/test.h>
#include <guest/time.h>

#define MS 1000000ull

static inline long HYPERVISOR_set_timer_op(uint64_t timeout)
{
	return guest_hypercall3(__HYPERVISOR_set_timer_op, timeout, 0, 0);
}

static uint64_t now_ns(void)
{
	struct vcpu_time_info t;

	time_info_read(&cpu_vcpu()->time, &t);
	return time_info_now(&t);
}

/* Sleep in SCHEDOP_poll on port until it is pending or deadline; the time it returned. */
static uint64_t poll_port(evtchn_port_t port, uint64_t deadline)
{
	struct sched_poll sp = { .nr_ports = 1, .timeout = deadline };

	set_xen_guest_handle(sp.ports, &port);
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), 0, "SCHEDOP_poll");
	return now_ns();
}

static evtchn_port_t timer_port;

/* VIRQ_TIMER bound on vCPU 0 once, and its pending bit clear. */
static bool timer_virq(void)
{
	if (!timer_port && ev_bind_virq(VIRQ_TIMER, 0, &timer_port)) {
		test_fail("bind VIRQ_TIMER to vCPU 0");
		return false;
	}
	ev_clear_pending(timer_port);
	return true;
}

/* Events on the timer port while we spin (not blocked) for ns. */
static unsigned int count_while_spinning(uint64_t ns)
{
	uint64_t end = now_ns() + ns;
	unsigned int seen = 0;

	while (now_ns() < end)
		if (ev_is_pending(timer_port)) {
			seen++;
			ev_clear_pending(timer_port);
		}
	return seen;
}

/*
 * Whether a window of ns, spinning, sees lo..hi events on the timer port:
 * up to three windows.  A host stall under TCG jumps the clock, and the
 * periods it swallowed coalesce into one pending bit, so one window may
 * come out short; a wrong period fails all three.
 */
static bool periods_in_window(uint64_t ns, unsigned int lo, unsigned int hi)
{
	for (int tries = 0; tries < 3; tries++) {
		ev_clear_pending(timer_port);
		unsigned int seen = count_while_spinning(ns);

		TEST_NOTE("%u timer events in %u ms\n", seen, (unsigned int)(ns / MS));
		if (seen >= lo && seen <= hi)
			return true;
	}
	return false;
}

/* Nothing but the deadline may wake us: the port stays quiet until then. */
static void expect_quiet(const char *what, uint64_t ns)
{
	uint64_t t0 = now_ns(), t1 = poll_port(timer_port, t0 + ns);

	test_check(ev_is_pending(timer_port), false, what);
	test_check(t1 >= t0 + ns, 1, "the poll's deadline is kept");
}

/* Every vCPU starts with a periodic timer (Xen's 10 ms), which Linux stops first. */
void case_time_timer_default_periodic(void)
{
	EXPECT(cpu_init() && timer_virq(), "set-up");
	test_check(periods_in_window(50 * MS, 3, 7), 1, "a period of about 10 ms from the start");
	EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop_periodic_timer");
	ev_clear_pending(timer_port);
	test_check(count_while_spinning(30 * MS), 0, "quiet once stopped");
}

void case_time_timer_set_timer_op(void)
{
	uint64_t t0, deadline, woke;

	EXPECT(cpu_init() && timer_virq(), "set-up");
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	ev_clear_pending(timer_port);
	t0 = now_ns();
	deadline = t0 + 5 * MS;
	EXPECT_EQ(HYPERVISOR_set_timer_op(deadline), 0, "set_timer_op(now + 5 ms)");
	woke = poll_port(timer_port, t0 + 2000 * MS);
	test_check(ev_is_pending(timer_port), true, "VIRQ_TIMER pending");
	test_check(woke >= deadline, 1, "not before the deadline");
	test_check(woke < t0 + 1000 * MS, 1, "long before the poll's deadline");
	ev_clear_pending(timer_port);
	/* Set, then stopped with 0: it never fires. */
	EXPECT_EQ(HYPERVISOR_set_timer_op(now_ns() + 5 * MS), 0, "set again");
	EXPECT_EQ(HYPERVISOR_set_timer_op(0), 0, "set_timer_op(0) stops it");
	expect_quiet("no event after the stop", 20 * MS);
	/* A deadline in the past fires at once. */
	EXPECT_EQ(HYPERVISOR_set_timer_op(1), 0, "set_timer_op(1 ns after boot)");
	poll_port(timer_port, now_ns() + 2000 * MS);
	test_check(ev_is_pending(timer_port), true, "a past deadline fires at once");
	ev_clear_pending(timer_port);
	/* Far off (2^51 ns) or wrapped negative: fires after about 100 ms instead. */
	t0 = now_ns();
	EXPECT_EQ(HYPERVISOR_set_timer_op(t0 + (1ull << 51)), 0, "set_timer_op(now + 2^51)");
	woke = poll_port(timer_port, t0 + 5000 * MS);
	test_check(ev_is_pending(timer_port), true, "a far deadline fires anyway");
	test_check(woke >= t0 + 90 * MS && woke < t0 + 3000 * MS, 1, "after about 100 ms");
	ev_clear_pending(timer_port);
	HYPERVISOR_set_timer_op(0);
}

void case_time_timer_vcpu_ops(void)
{
	struct vcpu_set_singleshot_timer s;
	uint64_t t0, woke;

	EXPECT(cpu_init() && timer_virq(), "set-up");
	/* Xen 4.17 ignores VCPU_SSHOTTMR_future: a past deadline is taken, and fires at once. */
	s = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns = 1, .flags = VCPU_SSHOTTMR_future };
	test_check(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0,
		   "a past deadline with VCPU_SSHOTTMR_future");
	poll_port(timer_port, now_ns() + 2000 * MS);
	test_check(ev_is_pending(timer_port), true, "fired at once");
	ev_clear_pending(timer_port);
	test_check(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, SMP_UNMAPPED), -XEN_EFAULT,
		   "the argument unmapped");
	test_check(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 4096, &s), -XEN_ENOENT,
		   "a vCPU the domain lacks");
	t0 = now_ns();
	s = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns = t0 + 5 * MS,
						 .flags = VCPU_SSHOTTMR_future };
	EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0, "singleshot in 5 ms");
	woke = poll_port(timer_port, t0 + 2000 * MS);
	test_check(ev_is_pending(timer_port), true, "VIRQ_TIMER pending");
	test_check(woke >= t0 + 5 * MS && woke < t0 + 1000 * MS, 1, "at about its deadline");
	ev_clear_pending(timer_port);
	s.timeout_abs_ns = now_ns() + 5 * MS;
	EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0, "set again");
	EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0, "stop it");
	expect_quiet("no event after stop_singleshot_timer", 20 * MS);
}

/*
 * Poll the timer port for ns while a short period runs; true if the poll
 * lasted.  A period may still fall between clearing the port and blocking
 * (the vCPU runs there, on Xen too), and a stalled host makes that gap
 * long: so start just after a period fired, and try three times.  A timer
 * that wakes blocked vCPUs cuts every try short.
 */
static bool poll_outlasts_period(uint64_t ns)
{
	for (int try = 1; try <= 3; try++) {
		uint64_t give_up = now_ns() + ns;

		while (!ev_is_pending(timer_port) && now_ns() < give_up)
			;
		ev_clear_pending(timer_port);
		uint64_t t0 = now_ns();
		if (poll_port(timer_port, t0 + ns) >= t0 + ns)
			return true;
		TEST_NOTE("poll %d was cut short\n", try);
	}
	return false;
}

void case_time_timer_periodic(void)
{
	struct vcpu_set_periodic_timer p = { .period_ns = MS / 2 };

	EXPECT(cpu_init() && timer_virq(), "set-up");
	/* Whatever the vCPU had (Xen gives a PV vCPU a default period): off, and quiet. */
	test_check(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop_periodic_timer");
	ev_clear_pending(timer_port);
	test_check(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &p), -XEN_EINVAL,
		   "a period under 1 ms");
	test_check(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, SMP_UNMAPPED), -XEN_EFAULT,
		   "the argument unmapped");
	p.period_ns = 4 * MS;
	EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &p), 0, "a 4 ms period");
	test_check(periods_in_window(40 * MS, 5, 12), 1, "about one every 4 ms while we run");
	/* Blocked, the vCPU is not woken by it: its timer runs only while the vCPU does. */
	test_check(poll_outlasts_period(50 * MS), 1, "a poll of 50 ms is not cut short by it");
	test_check(ev_is_pending(timer_port), true, "the missed period is sent on the way back");
	EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop it");
	ev_clear_pending(timer_port);
	expect_quiet("no event after stop_periodic_timer", 20 * MS);
}

void case_time_poll_deadline(void)
{
	evtchn_port_t a, b;
	uint64_t t0, woke;

	EXPECT(cpu_init() && timer_virq(), "set-up");
	EXPECT(ev_loopback(&a, &b), "a loopback channel");
	ev_clear_pending(b);
	t0 = now_ns();
	woke = poll_port(b, t0 + 10 * MS);
	test_check(ev_is_pending(b), false, "nothing came");
	test_check(woke >= t0 + 10 * MS, 1, "woken at its deadline, not before");
	test_check(woke < t0 + 2000 * MS, 1, "and not much after");
	ev_close(a);
	ev_close(b);
}
