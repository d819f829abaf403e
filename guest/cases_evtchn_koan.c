// SPDX-License-Identifier: MIT
/*
 * The evtchn suite's Koan-only cases (K(...) in guest/tests.c, run with
 * the word `koan-only`): what a lone dom0 on Xen cannot show -- another
 * domain's ports (`peer-domid=N` names it) -- and Koan's one deliberate
 * difference, the FIFO ABI it does not offer (docs/events.md).
 */
#include <xen/errno.h>

#include <guest/evtchn.h>
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/test.h>

/* EVTCHNOP_init_control: -ENOSYS, so that guests (Linux) keep the 2-level ABI. */
void case_evtchn_fifo_refused(void)
{
	struct evtchn_init_control ic = { .control_gfn = 0, .offset = 0, .vcpu = 0 };

	EXPECT(ev_setup(), "set-up");
	test_check(HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic), -XEN_ENOSYS,
		   "init_control");
	struct evtchn_expand_array ex = { .array_gfn = 0 };
	test_check(HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &ex), -XEN_EOPNOTSUPP,
		   "expand_array still as for a 2-level guest");
}

/*
 * Another domain's ports: a privileged domain may ask about them and is
 * refused a reset (it never pauses the domain); an unprivileged one gets
 * -EPERM after the port is checked, as Xen's XSM default answers.
 */
void case_evtchn_other_domain(void)
{
	domid_t peer = (domid_t)guest_cmdline_ulong("peer-domid", 0);
	struct evtchn_status st;
	evtchn_port_t p;

	EXPECT(ev_setup(), "set-up");
	EXPECT(peer != ev_own_domid(), "peer-domid=%u is our own id", peer);
	test_check(ev_status(peer, 4096, &st), -XEN_EINVAL, "status of the peer's port 4096");
	if (guest_privileged()) {
		test_check(ev_status(peer, 0, &st), 0, "status of the peer's port 0");
		test_check(st.status, EVTCHNSTAT_closed, "reserved: closed");
		test_check(ev_reset(peer), -XEN_EINVAL, "reset of a domain that is not paused");
	} else {
		test_check(ev_status(peer, 0, &st), -XEN_EPERM, "status of the peer's port 0");
		test_check(ev_alloc_unbound(peer, DOMID_SELF, &p), -XEN_EPERM,
			   "alloc_unbound in the peer");
		test_check(ev_reset(peer), -XEN_EPERM, "reset of the peer");
	}
	/* A port reserved for the peer cannot be bound by us, nor ours by it here. */
	EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, peer, &p), 0, "alloc for the peer");
	evtchn_port_t q;
	test_check(ev_bind_interdomain(DOMID_SELF, p, &q), -XEN_EINVAL,
		   "binding to our own port reserved for the peer");
	test_check(ev_close(p), 0, "close");
}
