/* SPDX-License-Identifier: MIT */
/*
 * The evtchn suite's infrastructure (docs/test-guest.md, "The evtchn
 * suite"): event_channel_op and its old form, one helper per command,
 * loopback channels (a port allocated for ourselves and bound to by
 * ourselves: what a lone dom0 on Xen can referee), the pending and mask
 * bits of shared_info, and the upcall: guest/evtchn_entry.S enters
 * evtchn_upcall() on whichever vCPU it arrives, which records the frame
 * and consumes the events the way Linux does.
 */
#ifndef GUEST_EVTCHN_H
#define GUEST_EVTCHN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

#include <guest/cpu.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/smp.h>

static inline long HYPERVISOR_event_channel_op(unsigned long cmd, const void *arg)
{
	return guest_hypercall3(__HYPERVISOR_event_channel_op, cmd,
				(unsigned long)arg, 0);
}

static inline long HYPERVISOR_event_channel_op_compat(const void *op)
{
	return guest_hypercall3(__HYPERVISOR_event_channel_op_compat,
				(unsigned long)op, 0, 0);
}

#define EV_PORTS 4096u			/* the 2-level ABI's ports */
#define EV_HYP_ADDR ((void *)0xffff830000000000UL)	/* the hypervisor's half */

/* One helper per command; the port, where one comes back, in *port. */
long ev_alloc_unbound(domid_t dom, domid_t remote, evtchn_port_t *port);
long ev_bind_interdomain(domid_t remote, evtchn_port_t rport, evtchn_port_t *port);
long ev_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
long ev_bind_ipi(uint32_t vcpu, evtchn_port_t *port);
long ev_close(evtchn_port_t port);
long ev_send(evtchn_port_t port);
long ev_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st);
long ev_unmask(evtchn_port_t port);
long ev_bind_vcpu(evtchn_port_t port, uint32_t vcpu);
long ev_reset(domid_t dom);

/* A loopback channel: *a allocated for ourselves, *b bound to it.  false (test_fail) if not. */
bool ev_loopback(evtchn_port_t *a, evtchn_port_t *b);
/* Our own domain id, as the hypervisor resolves DOMID_SELF (status of an unbound port). */
long ev_own_domid(void);
/* status(DOMID_SELF, port).status, or the error. */
long ev_state(evtchn_port_t port);

/* Sleep in SCHEDOP_poll (no upcall: the port may be masked) until port is pending; clear it. */
void ev_wait_port(evtchn_port_t port);
/*
 * (Privileged: status of another domain's ports.)  The first port of domain
 * peer left unbound for domain self, yielding up to `yields` times for it
 * to appear; 0 (never a valid port) if it did not.
 */
evtchn_port_t ev_find_peer_port(domid_t peer, domid_t self, unsigned long yields);

/* shared_info bits (cpu_init maps shared_info); atomic, as the guest must. */
bool ev_is_pending(evtchn_port_t port);
bool ev_is_masked(evtchn_port_t port);
void ev_set_mask(evtchn_port_t port);
void ev_clear_mask(evtchn_port_t port);
void ev_clear_pending(evtchn_port_t port);
/* Mask every port and clear every pending bit and vCPU id's selector and flag. */
void ev_quiesce(unsigned int id);

/* ---- The upcall ---- */

/* What the upcalls on one vCPU saw (the vCPU that ran the handler). */
struct ev_upcall_rec {
	unsigned long count;		/* upcalls since ev_rec_reset */
	uint64_t rip, cs, rflags;	/* the last frame */
	uint8_t mask_at_entry;		/* evtchn_upcall_mask in the handler */
	uint64_t tsc;			/* when the last one entered the handler */
	unsigned long events;		/* ports consumed in all */
	evtchn_port_t last_port;
	uint64_t seen[EV_PORTS / 64];	/* ports consumed, as a bitmap */
};
extern volatile struct ev_upcall_rec ev_rec[SMP_MAX_VCPUS];

/*
 * Called first in every upcall with the frame (may change it); true: it
 * dealt with the events itself.  Reset by ev_rec_reset.
 */
typedef bool (*ev_hook_t)(unsigned int vcpu, struct cpu_regs *r);
extern volatile ev_hook_t ev_hook;

extern char evtchn_upcall_entry[];
/* Register evtchn_upcall_entry as the calling vCPU's event callback. */
long ev_register_callback(void);
void ev_rec_reset(void);
/* Has vCPU id's handler seen `port`? */
bool ev_seen(unsigned int id, evtchn_port_t port);
/* Consume vCPU id's pending events as the handler would (with events masked). */
void ev_consume(unsigned int id, struct cpu_regs *r);

/* The address after the `syscall` of the last marked hypercall. */
extern volatile unsigned long ev_after_syscall;
/*
 * Hypercall nr (a1, a2), noting in ev_after_syscall where it returns to:
 * an upcall delivered on its way back has that rip in its frame.
 */
long ev_hypercall_marked(unsigned long nr, unsigned long a1, unsigned long a2);
/* EVTCHNOP_send, marked. */
long ev_send_marked(evtchn_port_t port);

/* Set up once: cpu_init, our callback on vCPU 0, vCPU 1 as a worker with ours. */
bool ev_setup(void);

#endif /* GUEST_EVTCHN_H */
