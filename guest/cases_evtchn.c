// SPDX-License-Identifier: MIT
/*
 * The evtchn suite, the commands (docs/test-guest.md, "The evtchn suite"):
 * allocation, loopback binding, the bits a send sets, closing a port whose
 * peer is bound, VIRQs, IPIs, moving a port to another vCPU, unmask.  The
 * expected answers are Xen 4.17's, seen as its dom0 (a lone domain: every
 * channel here is a loopback).  Ports are never assumed to have a given
 * number, only to be the lowest free one.  Every port starts masked
 * (ev_quiesce) unless a case unmasks it.
 */
#include <xen/errno.h>

#include <guest/evtchn.h>
#include <guest/lib.h>
#include <guest/test.h>

#define NO_DOMAIN 0x7fefu	/* below DOMID_FIRST_RESERVED, never created here */

/* status(SELF, port) field by field against what is expected. */
static void check_status(evtchn_port_t port, uint32_t state, uint32_t vcpu,
			 long dom, long rport, const char *what)
{
	struct evtchn_status st;
	char w[96];

	snprintf(w, sizeof(w), "%s: status(%u)", what, port);
	if (!test_check(ev_status(DOMID_SELF, port, &st), 0, w))
		return;
	snprintf(w, sizeof(w), "%s: port %u state", what, port);
	test_check(st.status, state, w);
	snprintf(w, sizeof(w), "%s: port %u vcpu", what, port);
	test_check(st.vcpu, vcpu, w);
	if (state == EVTCHNSTAT_unbound) {
		snprintf(w, sizeof(w), "%s: port %u remote domain", what, port);
		test_check(st.u.unbound.dom, dom, w);
	} else if (state == EVTCHNSTAT_interdomain) {
		snprintf(w, sizeof(w), "%s: port %u peer domain", what, port);
		test_check(st.u.interdomain.dom, dom, w);
		snprintf(w, sizeof(w), "%s: port %u peer port", what, port);
		test_check(st.u.interdomain.port, rport, w);
	} else if (state == EVTCHNSTAT_virq) {
		snprintf(w, sizeof(w), "%s: port %u virq", what, port);
		test_check(st.u.virq, dom, w);
	}
}

void case_evtchn_setup(void)
{
	if (!ev_setup())
		return;
	TEST_NOTE("evtchn: %u vCPUs, own domain id %ld\n", smp_vcpus_found, ev_own_domid());
	test_check(cpu_vcpu()->evtchn_upcall_mask, 1, "vCPU 0 starts with events masked");
	if (guest_privileged())
		test_check(ev_own_domid(), 0, "dom0's id");
}

/* What a fresh domain may name: the first bucket of 64 ports, port 0 reserved. */
void case_evtchn_status_fresh(void)
{
	struct evtchn_status st;
	evtchn_port_t p;

	EXPECT(ev_setup(), "set-up");
	check_status(0, EVTCHNSTAT_closed, 0, 0, 0, "reserved port 0");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0, "alloc");
	EXPECT_EQ(ev_close(p), 0, "close");
	check_status(p, EVTCHNSTAT_closed, 0, 0, 0, "a free port");
	check_status(63, EVTCHNSTAT_closed, 0, 0, 0, "free port 63");
	test_check(ev_status(DOMID_SELF, 64, &st), -XEN_EINVAL, "port 64: no bucket yet");
	test_check(ev_status(DOMID_SELF, 4096, &st), -XEN_EINVAL, "port 4096");
	test_check(ev_status(DOMID_SELF, 0xffffffffu, &st), -XEN_EINVAL, "port 2^32-1");
	test_check(ev_status(NO_DOMAIN, 1, &st), -XEN_ESRCH, "a domain that does not exist");
	test_check(ev_status(DOMID_IO, 1, &st), -XEN_ESRCH, "DOMID_IO");
	test_check(ev_status(DOMID_XEN, 1, &st), -XEN_ESRCH, "DOMID_XEN");
	test_check(ev_status((domid_t)ev_own_domid(), 0, &st), 0, "our own id");
	/* A closed port's answer leaves the union as the caller wrote it. */
	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.port = p;
	st.u.interdomain.dom = 0x1234;
	st.u.interdomain.port = 0x5678;
	EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_status, &st), 0, "status of a free port");
	test_check(st.u.interdomain.dom, 0x1234, "union untouched (dom)");
	test_check(st.u.interdomain.port, 0x5678, "union untouched (port)");
}

void case_evtchn_alloc_unbound(void)
{
	evtchn_port_t a, b, c, d;
	long self = ev_own_domid();

	EXPECT(ev_setup(), "set-up");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0, "alloc(self, self)");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 5, &b), 0, "alloc(self, 5)");
	EXPECT_EQ(ev_alloc_unbound((domid_t)self, DOMID_SELF, &c), 0, "alloc(own id, self)");
	EXPECT(a > 0 && b > a && c > b, "ports %u, %u, %u: not increasing from 1", a, b, c);
	check_status(a, EVTCHNSTAT_unbound, 0, self, 0, "remote DOMID_SELF is our id");
	check_status(b, EVTCHNSTAT_unbound, 0, 5, 0, "remote 5");
	/* The lowest free port comes next, and a closed one is free again. */
	EXPECT_EQ(ev_close(b), 0, "close(b)");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 7, &d), 0, "alloc(self, 7)");
	test_check(d, b, "the freed port is given again");
	check_status(d, EVTCHNSTAT_unbound, 0, 7, 0, "reused port");
	test_check(ev_alloc_unbound(NO_DOMAIN, DOMID_SELF, &d), -XEN_ESRCH, "in no domain");
	test_check(ev_alloc_unbound(DOMID_IO, DOMID_SELF, &d), -XEN_ESRCH, "in DOMID_IO");
	/* No remote domain is checked: any id may be named (as on Xen). */
	test_check(ev_alloc_unbound(DOMID_SELF, NO_DOMAIN, &d), 0, "for a domain that does not exist");
	test_check(ev_close(d), 0, "close it");
	test_check(ev_close(a), 0, "close(a)");
	test_check(ev_close(b), 0, "close(b)");
	test_check(ev_close(c), 0, "close(c)");
	check_status(a, EVTCHNSTAT_closed, 0, 0, 0, "closed");
}

/* A channel to ourselves: both ends interdomain, the binder's end pending at once. */
void case_evtchn_loopback(void)
{
	evtchn_port_t a, b;
	long self = ev_own_domid();

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);
	if (!ev_loopback(&a, &b))
		return;
	test_check(b != a, 1, "two ports");
	check_status(a, EVTCHNSTAT_interdomain, 0, self, b, "the allocated end");
	check_status(b, EVTCHNSTAT_interdomain, 0, self, a, "the bound end");
	test_check(ev_is_pending(b), 1, "binding marks the binder's end pending");
	test_check(ev_is_pending(a), 0, "the other end is not");
	ev_clear_pending(b);
	EXPECT_EQ(ev_send(a), 0, "send(a)");
	test_check(ev_is_pending(b), 1, "send(a) makes b pending");
	test_check(ev_is_pending(a), 0, "not a");
	EXPECT_EQ(ev_send(b), 0, "send(b)");
	test_check(ev_is_pending(a), 1, "send(b) makes a pending");
	/* Masked ports: only the pending bits. */
	test_check(cpu_vcpu()->evtchn_pending_sel, 0, "no selector bit for masked ports");
	test_check(cpu_vcpu()->evtchn_upcall_pending, 0, "no upcall for masked ports");
	test_check(ev_close(a), 0, "close(a)");
	test_check(ev_close(b), 0, "close(b)");
}

/* The bits of one send: pending, then the selector, then upcall_pending; each once. */
void case_evtchn_send_bits(void)
{
	struct vcpu_info *vi = cpu_vcpu();
	evtchn_port_t a, b;

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);
	if (!ev_loopback(&a, &b))
		return;
	ev_clear_pending(b);
	ev_clear_mask(b);
	EXPECT_EQ(ev_send(a), 0, "send(a)");
	test_check(ev_is_pending(b), 1, "b pending");
	test_check(vi->evtchn_pending_sel, 1UL << (b / 64), "b's selector bit");
	test_check(vi->evtchn_upcall_pending, 1, "upcall pending");
	test_check(vi->evtchn_upcall_mask, 1, "the mask is the guest's");
	/* Already pending: a second send changes nothing. */
	vi->evtchn_pending_sel = 0;
	vi->evtchn_upcall_pending = 0;
	EXPECT_EQ(ev_send(a), 0, "send(a) again");
	test_check(vi->evtchn_pending_sel, 0, "no selector bit for a port already pending");
	test_check(vi->evtchn_upcall_pending, 0, "no upcall either");
	/* Masked and pending: unmask tells the vCPU as a send would. */
	ev_set_mask(b);
	EXPECT_EQ(ev_unmask(b), 0, "unmask(b)");
	test_check(ev_is_masked(b), 0, "b unmasked");
	test_check(vi->evtchn_pending_sel, 1UL << (b / 64), "unmask sets the selector bit");
	test_check(vi->evtchn_upcall_pending, 1, "and upcall_pending");
	ev_quiesce(0);
	test_check(ev_close(a), 0, "close(a)");
	test_check(ev_close(b), 0, "close(b)");
}

/* Closing one end of a bound channel succeeds; the other end waits unbound again. */
void case_evtchn_close_bound_peer(void)
{
	evtchn_port_t a, b, c;
	long self = ev_own_domid();

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);
	if (!ev_loopback(&a, &b))
		return;
	EXPECT_EQ(ev_send(b), 0, "send(b)");
	test_check(ev_is_pending(a), 1, "a pending");
	EXPECT_EQ(ev_close(a), 0, "close(a) while b is bound to it");
	test_check(ev_is_pending(a), 0, "closing clears a's pending bit");
	check_status(a, EVTCHNSTAT_closed, 0, 0, 0, "closed end");
	check_status(b, EVTCHNSTAT_unbound, 0, self, 0, "the peer is unbound, for us");
	test_check(ev_close(a), -XEN_EINVAL, "close(a) again");
	test_check(ev_send(b), 0, "send on the unbound end: dropped");
	test_check(ev_is_pending(a), 0, "nothing pending");
	/* The unbound end can be bound again. */
	EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, b, &c), 0, "bind to it again");
	check_status(b, EVTCHNSTAT_interdomain, 0, self, c, "rebound");
	test_check(ev_close(b), 0, "close(b)");
	check_status(c, EVTCHNSTAT_unbound, 0, self, 0, "c unbound");
	test_check(ev_close(c), 0, "close(c)");
	test_check(ev_close(0), -XEN_EINVAL, "close(0): reserved");
	test_check(ev_close(4096), -XEN_EINVAL, "close(4096)");
	test_check(ev_close(0xffffffffu), -XEN_EINVAL, "close(2^32-1)");
	test_check(ev_close(63), -XEN_EINVAL, "close of a free port");
}

/* Only an unbound port reserved for us binds; a refusal leaks no port. */
void case_evtchn_bind_interdomain_refused(void)
{
	evtchn_port_t a, b, other, ipi, free_port, p;

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);
	if (!ev_loopback(&a, &b))
		return;
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 5, &other), 0, "alloc for domain 5");
	EXPECT_EQ(ev_bind_ipi(0, &ipi), 0, "bind_ipi");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &free_port), 0, "alloc");
	EXPECT_EQ(ev_close(free_port), 0, "close: a free port");
	test_check(ev_bind_interdomain(DOMID_SELF, other, &p), -XEN_EINVAL,
		   "a port reserved for domain 5");
	test_check(ev_bind_interdomain(DOMID_SELF, a, &p), -XEN_EINVAL, "a bound port");
	test_check(ev_bind_interdomain(DOMID_SELF, ipi, &p), -XEN_EINVAL, "an IPI port");
	test_check(ev_bind_interdomain(DOMID_SELF, free_port, &p), -XEN_EINVAL, "a free port");
	test_check(ev_bind_interdomain(DOMID_SELF, 0, &p), -XEN_EINVAL, "port 0");
	test_check(ev_bind_interdomain(DOMID_SELF, 4096, &p), -XEN_EINVAL, "port 4096");
	test_check(ev_bind_interdomain(DOMID_SELF, 0xffffffffu, &p), -XEN_EINVAL, "port 2^32-1");
	test_check(ev_bind_interdomain(NO_DOMAIN, 1, &p), -XEN_ESRCH, "no such domain");
	test_check(ev_bind_interdomain(DOMID_IO, 1, &p), -XEN_ESRCH, "DOMID_IO");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0, "alloc after the refusals");
	test_check(p, free_port, "no port was taken by a refusal");
	test_check(ev_close(p), 0, "close");
	test_check(ev_close(a), 0, "close(a)");
	test_check(ev_close(b), 0, "close(b)");
	test_check(ev_close(other), 0, "close(other)");
	test_check(ev_close(ipi), 0, "close(ipi)");
}

/* VIRQs: per-vCPU ones once per vCPU, global ones once and on vCPU 0. */
void case_evtchn_virq(void)
{
	evtchn_port_t t0, t1, dbg, con, exc, p;
	uint32_t n = smp_vcpus_found;

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);	/* Xen's 10 ms periodic timer starts once VIRQ_TIMER is bound */
	EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 0, &t0), 0, "TIMER on vCPU 0");
	test_check(ev_bind_virq(VIRQ_TIMER, 0, &p), -XEN_EEXIST, "TIMER on vCPU 0 again");
	EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 1, &t1), 0, "TIMER on vCPU 1");
	EXPECT_EQ(ev_bind_virq(VIRQ_DEBUG, 1, &dbg), 0, "DEBUG on vCPU 1");
	EXPECT_EQ(ev_bind_virq(VIRQ_CONSOLE, 0, &con), 0, "CONSOLE");
	EXPECT_EQ(ev_bind_virq(VIRQ_DOM_EXC, 0, &exc), 0, "DOM_EXC");
	check_status(t0, EVTCHNSTAT_virq, 0, VIRQ_TIMER, 0, "TIMER on 0");
	check_status(t1, EVTCHNSTAT_virq, 1, VIRQ_TIMER, 0, "TIMER on 1");
	check_status(dbg, EVTCHNSTAT_virq, 1, VIRQ_DEBUG, 0, "DEBUG on 1");
	check_status(con, EVTCHNSTAT_virq, 0, VIRQ_CONSOLE, 0, "CONSOLE");
	check_status(exc, EVTCHNSTAT_virq, 0, VIRQ_DOM_EXC, 0, "DOM_EXC");
	test_check(ev_bind_virq(VIRQ_CONSOLE, 0, &p), -XEN_EEXIST, "CONSOLE again");
	test_check(ev_bind_virq(VIRQ_CONSOLE, 1, &p), -XEN_EINVAL, "a global VIRQ on vCPU 1");
	test_check(ev_bind_virq(VIRQ_CONSOLE, n, &p), -XEN_EINVAL,
		   "a global VIRQ on a vCPU we lack: -EINVAL first");
	test_check(ev_bind_virq(VIRQ_TIMER, n, &p), -XEN_ENOENT, "TIMER on a vCPU we lack");
	test_check(ev_bind_virq(VIRQ_TIMER, 0xffffffffu, &p), -XEN_ENOENT, "TIMER on vCPU 2^32-1");
	test_check(ev_bind_virq(NR_VIRQS, 0, &p), -XEN_EINVAL, "VIRQ 24");
	test_check(ev_bind_virq(0xffffffffu, 0, &p), -XEN_EINVAL, "VIRQ 2^32-1");
	/* A global VIRQ moves to another vCPU; a per-vCPU one does not. */
	test_check(ev_bind_vcpu(con, 1), 0, "CONSOLE to vCPU 1");
	check_status(con, EVTCHNSTAT_virq, 1, VIRQ_CONSOLE, 0, "CONSOLE moved");
	test_check(ev_bind_virq(VIRQ_CONSOLE, 0, &p), -XEN_EEXIST, "CONSOLE is still bound");
	test_check(ev_bind_vcpu(t0, 1), -XEN_EINVAL, "TIMER to another vCPU");
	test_check(ev_send(t0), -XEN_EINVAL, "send on a VIRQ port");
	/* Closed, a VIRQ binds again. */
	test_check(ev_close(con), 0, "close CONSOLE");
	EXPECT_EQ(ev_bind_virq(VIRQ_CONSOLE, 0, &p), 0, "CONSOLE after its close");
	test_check(p, con, "on the lowest free port");
	check_status(p, EVTCHNSTAT_virq, 0, VIRQ_CONSOLE, 0, "CONSOLE back on vCPU 0");
	test_check(ev_close(p), 0, "close CONSOLE");
	test_check(ev_close(t0), 0, "close TIMER 0");
	test_check(ev_close(t1), 0, "close TIMER 1");
	test_check(ev_close(dbg), 0, "close DEBUG");
	test_check(ev_close(exc), 0, "close DOM_EXC");
	EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 1, &p), 0, "TIMER on vCPU 1 after its close");
	test_check(ev_close(p), 0, "close it");
	ev_quiesce(0);
}

/* IPIs: as many per vCPU as asked for; a send notifies that vCPU. */
void case_evtchn_ipi(void)
{
	evtchn_port_t i0, j0, i1, p;
	struct vcpu_info *v1 = smp_vcpu_info(1);

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);
	ev_quiesce(1);
	EXPECT_EQ(ev_bind_ipi(0, &i0), 0, "IPI on vCPU 0");
	EXPECT_EQ(ev_bind_ipi(0, &j0), 0, "a second IPI on vCPU 0");
	EXPECT_EQ(ev_bind_ipi(1, &i1), 0, "IPI on vCPU 1");
	test_check(j0 != i0, 1, "two ports");
	check_status(i0, EVTCHNSTAT_ipi, 0, 0, 0, "IPI 0");
	check_status(j0, EVTCHNSTAT_ipi, 0, 0, 0, "IPI 0, second");
	check_status(i1, EVTCHNSTAT_ipi, 1, 0, 0, "IPI 1");
	test_check(ev_bind_ipi(smp_vcpus_found, &p), -XEN_ENOENT, "a vCPU we lack");
	test_check(ev_bind_ipi(0xffffffffu, &p), -XEN_ENOENT, "vCPU 2^32-1");
	test_check(ev_bind_vcpu(i0, 1), -XEN_EINVAL, "an IPI stays with its vCPU");
	ev_clear_mask(i1);
	EXPECT_EQ(ev_send(i1), 0, "send(IPI 1)");
	test_check(ev_is_pending(i1), 1, "pending");
	test_check(v1->evtchn_pending_sel, 1UL << (i1 / 64), "vCPU 1's selector");
	test_check(v1->evtchn_upcall_pending, 1, "vCPU 1's upcall flag");
	test_check(cpu_vcpu()->evtchn_upcall_pending, 0, "not vCPU 0's");
	ev_quiesce(1);
	ev_quiesce(0);
	test_check(ev_close(i0), 0, "close");
	test_check(ev_close(j0), 0, "close");
	test_check(ev_close(i1), 0, "close");
	test_check(ev_close(i1), -XEN_EINVAL, "close twice");
}

/* bind_vcpu: the vCPU is checked first, then the port; only unbound and interdomain move. */
void case_evtchn_bind_vcpu(void)
{
	evtchn_port_t a, b, u, p;
	uint32_t n = smp_vcpus_found;

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);
	if (!ev_loopback(&a, &b))
		return;
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 5, &u), 0, "alloc for 5");
	test_check(ev_bind_vcpu(b, 1), 0, "interdomain port to vCPU 1");
	test_check(ev_bind_vcpu(u, 1), 0, "unbound port to vCPU 1");
	check_status(b, EVTCHNSTAT_interdomain, 1, ev_own_domid(), a, "b on vCPU 1");
	check_status(u, EVTCHNSTAT_unbound, 1, 5, 0, "u on vCPU 1");
	check_status(a, EVTCHNSTAT_interdomain, 0, ev_own_domid(), b, "a still on vCPU 0");
	test_check(ev_bind_vcpu(b, n), -XEN_ENOENT, "a vCPU we lack");
	test_check(ev_bind_vcpu(b, 0xffffffffu), -XEN_ENOENT, "vCPU 2^32-1");
	test_check(ev_bind_vcpu(4096, n), -XEN_ENOENT, "bad port and vCPU: the vCPU first");
	test_check(ev_bind_vcpu(4096, 0), -XEN_EINVAL, "port 4096");
	test_check(ev_bind_vcpu(0, 0), -XEN_EINVAL, "port 0");
	test_check(ev_bind_vcpu(63, 0), -XEN_EINVAL, "a free port");
	/* A closed port forgets its vCPU. */
	test_check(ev_close(u), 0, "close(u)");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 5, &p), 0, "alloc again");
	test_check(p, u, "the same port");
	check_status(p, EVTCHNSTAT_unbound, 0, 5, 0, "back on vCPU 0");
	test_check(ev_close(p), 0, "close");
	test_check(ev_close(a), 0, "close(a)");
	test_check(ev_close(b), 0, "close(b)");
}

/* unmask: any port with storage (a free one unchanged), -EINVAL beyond. */
void case_evtchn_unmask(void)
{
	struct vcpu_info *vi = cpu_vcpu();
	evtchn_port_t a, b;

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);
	test_check(ev_unmask(4096), -XEN_EINVAL, "unmask(4096)");
	test_check(ev_unmask(0xffffffffu), -XEN_EINVAL, "unmask(2^32-1)");
	test_check(ev_unmask(63), 0, "unmask of a free port");
	test_check(ev_is_masked(63), 1, "a free port's mask bit is left alone");
	test_check(ev_unmask(0), 0, "unmask(0)");
	test_check(ev_is_masked(0), 1, "port 0's mask bit is left alone");
	if (!ev_loopback(&a, &b))
		return;
	ev_clear_pending(b);
	test_check(ev_unmask(b), 0, "unmask(b), not pending");
	test_check(ev_is_masked(b), 0, "b unmasked");
	test_check(vi->evtchn_pending_sel, 0, "nothing to tell");
	test_check(vi->evtchn_upcall_pending, 0, "no upcall");
	ev_set_mask(b);
	EXPECT_EQ(ev_send(a), 0, "send(a)");
	test_check(vi->evtchn_upcall_pending, 0, "masked: no upcall");
	test_check(ev_unmask(b), 0, "unmask(b), pending");
	test_check(vi->evtchn_pending_sel, 1UL << (b / 64), "the selector bit");
	test_check(vi->evtchn_upcall_pending, 1, "upcall_pending");
	ev_quiesce(0);
	test_check(ev_close(a), 0, "close(a)");
	test_check(ev_close(b), 0, "close(b)");
}
