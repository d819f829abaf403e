// SPDX-License-Identifier: MIT
/*
 * The evtchn suite, hostile calls (docs/test-guest.md, "The evtchn
 * suite"): bad argument pointers for every command, an answer the
 * hypervisor cannot write back (the command still took effect, as on
 * Xen), the FIFO commands a 2-level guest gets, unknown commands, the old
 * hypercall form, the whole port space used up, and reset.  Expected
 * answers are Xen 4.17's.
 */
#include <xen/errno.h>

#include <guest/evtchn.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define RO_WINDOW 14	/* an mm window of our own (docs/test-guest.md, mm suite) */

/* Every command that reads an argument: -EFAULT for each bad pointer. */
void case_evtchn_bad_pointers(void)
{
	static const unsigned long cmds[] = {
		EVTCHNOP_bind_interdomain, EVTCHNOP_bind_virq, EVTCHNOP_bind_pirq,
		EVTCHNOP_close, EVTCHNOP_send, EVTCHNOP_status, EVTCHNOP_alloc_unbound,
		EVTCHNOP_bind_ipi, EVTCHNOP_bind_vcpu, EVTCHNOP_unmask, EVTCHNOP_reset,
		EVTCHNOP_init_control, EVTCHNOP_expand_array, EVTCHNOP_set_priority,
	};
	static const unsigned long bad[] = {
		0x10000UL, 0xffff830000000000UL, 0x8000000000000000UL, 0,
	};
	char what[64];

	EXPECT(ev_setup(), "set-up");
	for (unsigned int c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
		for (unsigned int b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			snprintf(what, sizeof(what), "command %lu, argument %#lx", cmds[c], bad[b]);
			test_check(HYPERVISOR_event_channel_op(cmds[c], (void *)bad[b]),
				   -XEN_EFAULT, what);
		}
	/* Unknown commands fail before the argument is looked at. */
	test_check(HYPERVISOR_event_channel_op(99, SMP_UNMAPPED), -XEN_ENOSYS, "command 99");
	test_check(HYPERVISOR_event_channel_op(0xffffffffUL, SMP_UNMAPPED), -XEN_ENOSYS,
		   "command -1");
	test_check(HYPERVISOR_event_channel_op_compat(SMP_UNMAPPED), -XEN_EFAULT,
		   "the old form, unmapped");
}

/* An answer that cannot be written: -EFAULT, yet the port was allocated (Xen: "a mess"). */
void case_evtchn_readonly_answer(void)
{
	struct evtchn_alloc_unbound *ro;
	struct evtchn_status st;
	evtchn_port_t next, p;
	unsigned long pfn;

	EXPECT(ev_setup(), "set-up");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &next), 0, "alloc");
	EXPECT_EQ(ev_close(next), 0, "close");
	EXPECT((pfn = pool_alloc(true)) != 0, "a frame for the argument");
	ro = win_map(RO_WINDOW, pfn_mfn(pfn), DATA_RW);
	EXPECT(ro, "mapping it");
	ro->dom = DOMID_SELF;
	ro->remote_dom = 9;
	ro->port = 0xdead;
	EXPECT(win_map(RO_WINDOW, pfn_mfn(pfn), DATA_RO), "mapping it read-only");
	test_check(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, ro), -XEN_EFAULT,
		   "alloc_unbound into a read-only argument");
	test_check(ro->port, 0xdead, "nothing written");
	test_check(ev_status(DOMID_SELF, next, &st), 0, "status of the next free port");
	test_check(st.status, EVTCHNSTAT_unbound, "it was allocated all the same");
	test_check(st.u.unbound.dom, 9, "for domain 9");
	test_check(ev_close(next), 0, "close it");
	/* status of port 0 (fine), answered into a read-only page: the same. */
	struct evtchn_status *rs = win_map(RO_WINDOW, pfn_mfn(pfn), DATA_RW);
	EXPECT(rs, "mapping it again");
	memset(rs, 0, sizeof(*rs));
	rs->dom = DOMID_SELF;
	rs->status = 0x77;
	EXPECT(win_map(RO_WINDOW, pfn_mfn(pfn), DATA_RO), "mapping it read-only again");
	test_check(HYPERVISOR_event_channel_op(EVTCHNOP_status, rs), -XEN_EFAULT,
		   "status into a read-only argument");
	test_check(rs->status, 0x77, "nothing written");
	/* close only reads: a read-only page is fine, and its first word names no port. */
	test_check(HYPERVISOR_event_channel_op(EVTCHNOP_close, ro), -XEN_EINVAL,
		   "close from a read-only argument");
	win_unmap(RO_WINDOW);
	pool_free(pfn);
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0, "alloc");
	test_check(p, next, "the port is free again");
	test_check(ev_close(p), 0, "close");
}

/* The FIFO commands for a 2-level guest, set_priority, the internal reset_cont. */
void case_evtchn_other_commands(void)
{
	struct evtchn_expand_array ex = { .array_gfn = 0 };
	struct evtchn_set_priority pr = { .port = 4096, .priority = 7 };
	struct evtchn_reset rs = { .dom = DOMID_SELF };
	evtchn_port_t a;

	EXPECT(ev_setup(), "set-up");
	test_check(HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &ex), -XEN_EOPNOTSUPP,
		   "expand_array without FIFO");
	test_check(HYPERVISOR_event_channel_op(EVTCHNOP_set_priority, &pr), -XEN_EINVAL,
		   "set_priority(4096)");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0, "alloc");
	pr.port = a;
	test_check(HYPERVISOR_event_channel_op(EVTCHNOP_set_priority, &pr), -XEN_ENOSYS,
		   "set_priority of a 2-level port");
	pr.port = 63;
	test_check(HYPERVISOR_event_channel_op(EVTCHNOP_set_priority, &pr), -XEN_ENOSYS,
		   "set_priority of a free port");
	/* Xen's continuation of a reset: none is in progress. */
	test_check(HYPERVISOR_event_channel_op(14, &rs), -XEN_EBUSY, "reset_cont");
	test_check(ev_state(a), EVTCHNSTAT_unbound, "reset_cont closed nothing");
	test_check(ev_close(a), 0, "close");
}

/* The old form (hypercall 16): the command in the argument, its structure after it. */
void case_evtchn_compat(void)
{
	struct evtchn_op op;
	long self = ev_own_domid();

	EXPECT(ev_setup(), "set-up");
	memset(&op, 0, sizeof(op));
	op.cmd = EVTCHNOP_alloc_unbound;
	op.u.alloc_unbound.dom = DOMID_SELF;
	op.u.alloc_unbound.remote_dom = DOMID_SELF;
	EXPECT_EQ(HYPERVISOR_event_channel_op_compat(&op), 0, "alloc_unbound");
	evtchn_port_t p = op.u.alloc_unbound.port;
	EXPECT(p > 0, "port %u", p);
	memset(&op, 0, sizeof(op));
	op.cmd = EVTCHNOP_status;
	op.u.status.dom = DOMID_SELF;
	op.u.status.port = p;
	EXPECT_EQ(HYPERVISOR_event_channel_op_compat(&op), 0, "status");
	test_check(op.u.status.status, EVTCHNSTAT_unbound, "unbound");
	test_check(op.u.status.u.unbound.dom, self, "for us");
	/* Only the ten first commands exist in that form. */
	op.cmd = EVTCHNOP_reset;
	op.u.close.port = DOMID_SELF;	/* a reset's dom, were it read */
	test_check(HYPERVISOR_event_channel_op_compat(&op), -XEN_ENOSYS, "reset");
	op.cmd = EVTCHNOP_init_control;
	test_check(HYPERVISOR_event_channel_op_compat(&op), -XEN_ENOSYS, "init_control");
	op.cmd = EVTCHNOP_close;
	op.u.close.port = p;
	test_check(HYPERVISOR_event_channel_op_compat(&op), 0, "close");
	test_check(ev_state(p), EVTCHNSTAT_closed, "closed");
}

/* Every port used: -ENOSPC at 4096, the last port 4095; all closed again after. */
void case_evtchn_exhaust(void)
{
	static evtchn_port_t taken[EV_PORTS];
	unsigned int n = 0;
	evtchn_port_t p, last = 0;
	long rc;

	EXPECT(ev_setup(), "set-up");
	while ((rc = ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &p)) == 0 && n < EV_PORTS) {
		taken[n++] = p;
		last = p > last ? p : last;
	}
	test_check(rc, -XEN_ENOSPC, "once every port is used");
	test_check(last, EV_PORTS - 1, "the last port");
	test_check(ev_state(EV_PORTS - 1), EVTCHNSTAT_unbound, "port 4095 unbound");
	test_check(ev_state(EV_PORTS), -XEN_EINVAL, "port 4096");
	/* Full: the other binding commands fail the same way. */
	test_check(ev_bind_ipi(0, &p), -XEN_ENOSPC, "bind_ipi");
	test_check(ev_bind_virq(VIRQ_DEBUG, 0, &p), -XEN_ENOSPC, "bind_virq");
	test_check(ev_bind_interdomain(DOMID_SELF, taken[0], &p), -XEN_ENOSPC,
		   "bind_interdomain: no local port before the remote one is looked at");
	TEST_NOTE("evtchn: %u ports allocated, up to %u\n", n, last);
	for (unsigned int i = 0; i < n; i++)
		if (ev_close(taken[i]))
			test_check(ev_close(taken[i]), 0, "close");
	test_check(ev_state(EV_PORTS - 1), EVTCHNSTAT_closed, "4095 closed; its bucket stays");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0, "alloc after");
	test_check(p, taken[0], "the lowest port again");
	test_check(ev_close(p), 0, "close");
}

/* reset: every port closed, whatever its binding; only our own domain. */
void case_evtchn_reset(void)
{
	evtchn_port_t a, b, ipi, virq, u, p;

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);
	if (!ev_loopback(&a, &b))
		return;
	EXPECT_EQ(ev_bind_ipi(1, &ipi), 0, "bind_ipi");
	EXPECT_EQ(ev_bind_virq(VIRQ_DOM_EXC, 0, &virq), 0, "bind_virq");
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 5, &u), 0, "alloc_unbound");
	EXPECT_EQ(ev_send(ipi), 0, "send(ipi)");
	test_check(ev_is_pending(b), 1, "b pending (from its binding)");
	test_check(ev_reset(0x7fef), -XEN_ESRCH, "reset of no domain");
	EXPECT_EQ(ev_reset(DOMID_SELF), 0, "reset(self)");
	test_check(ev_state(a), EVTCHNSTAT_closed, "a closed");
	test_check(ev_state(b), EVTCHNSTAT_closed, "b closed");
	test_check(ev_state(ipi), EVTCHNSTAT_closed, "ipi closed");
	test_check(ev_state(virq), EVTCHNSTAT_closed, "virq closed");
	test_check(ev_state(u), EVTCHNSTAT_closed, "unbound closed");
	test_check(ev_is_pending(b), 0, "b's pending bit cleared");
	test_check(ev_is_pending(ipi), 0, "the IPI's pending bit cleared");
	test_check(ev_state(0), EVTCHNSTAT_closed, "port 0 stays reserved");
	EXPECT_EQ(ev_bind_virq(VIRQ_DOM_EXC, 0, &p), 0, "the VIRQ binds again");
	test_check(ev_close(p), 0, "close");
	test_check(ev_reset((domid_t)ev_own_domid()), 0, "reset by our own id");
}
