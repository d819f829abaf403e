/* SPDX-License-Identifier: MIT */
/*
 * Event channels, Xen's 2-level ABI (docs/events.md).  A domain has up to
 * 4096 ports (the 2-level limit for 64-bit guests: 64 selector bits x 64
 * pending bits); a port is bound to a VIRQ of one of its vCPUs, to an IPI
 * between its vCPUs, or to a port of another domain (or of itself: a
 * loopback), or waits unbound for a named domain to bind to it.  Sending
 * on a port marks its peer pending in the receiver's shared_info, sets
 * the selector bit and evtchn_upcall_pending in the vcpu_info of the vCPU
 * the port notifies, and kicks that vCPU: woken if blocked, its CPU
 * interrupted if it runs elsewhere.  On its way back to the guest the
 * vCPU gets the upcall (hyp/pv/event_upcall.c).
 *
 * Ports live in buckets of 64 allocated on demand (evtchn_table.h); a
 * new domain has the first (port 0 reserved, as on Xen).
 *
 * Locks: each domain's evtchn.lock covers the state of all its ports
 * (binding, notify vCPU, the bucket table) and the VIRQ tables of its
 * vCPUs.  An operation on two domains (bind_interdomain, closing an
 * interdomain port) takes both locks, the lower-addressed domain's first.
 * A send holds only the sender's lock: the peer's end cannot change while
 * it is held (unbinding either end takes both locks), and the receiver's
 * pending bits are set with atomic operations.  A run-queue lock may be
 * taken under an evtchn lock (the kick), never the other way round.  The
 * shared_info bits and vcpu_info fields are the guest's memory too: only
 * atomic read-modify-writes, in Xen's order (evtchn_2l.c).
 */
#ifndef KOAN_HYP_EVENT_H
#define KOAN_HYP_EVENT_H

#include <hyp/evtchn_table.h>
#include <hyp/spinlock.h>
#include <hyp/types.h>
#include <hyp/xen_public.h>
#include <xen/event_channel.h>

struct domain;
struct vcpu;

/* A domain's event channels (struct domain.evtchn). */
struct evtchn_domain {
    spinlock_t lock;
    struct evtchn_table table;
    uint64_t poll_mask;          /* vCPUs (by id) in SCHEDOP_poll; atomic operations */
    bool resetting;              /* an EVTCHNOP_reset is running (atomic exchange) */
    bool closed;                 /* torn down: no port may be allocated any more */
};

/* A vCPU's (struct vcpu.evtchn). */
struct evtchn_vcpu {
    /* The port each VIRQ of this vCPU is bound to, 0 = none; global VIRQs
     * are recorded on vCPU 0.  Written under the domain's lock. */
    evtchn_port_t virq_port[NR_VIRQS];
    /* SCHEDOP_poll: the one port waited for, -1 = any, 0 = not polling. */
    int32_t poll_port;
};

/*
 * A new domain's table: the first bucket, port 0 reserved.  0 or -ENOMEM.
 * Called once, before the domain runs.
 */
int evtchn_domain_init(struct domain *d);
/*
 * d is dying and none of its vCPUs runs: close every port (each
 * interdomain peer becomes unbound, as on Xen), refuse new ones, free the
 * buckets, then tell dom0 (VIRQ_DOM_EXC).  Before the vCPUs are freed.
 */
void evtchn_domain_destroy(struct domain *d);

/*
 * Raise VIRQ `virq` for v.  A per-vCPU VIRQ (TIMER, DEBUG, XENOPROF,
 * XENPMU) goes to v's own binding; a global one to the domain's binding,
 * delivered to the vCPU the guest chose (EVTCHNOP_bind_vcpu).  Unbound:
 * nothing happens.  Any context that may take a spinlock (the hypervisor
 * never holds one where interrupts are enabled).
 */
void evtchn_send_virq(struct vcpu *v, unsigned int virq);
/* Raise a global VIRQ (CONSOLE, DOM_EXC, ...) of d. */
void evtchn_send_virq_global(struct domain *d, unsigned int virq);
/* Is virq one of the per-vCPU VIRQs (Xen's list)? */
bool evtchn_virq_is_per_vcpu(unsigned int virq);

/*
 * A port of d (notifying vCPU 0) whose far end is the hypervisor: a guest
 * send on it calls `notify` (hyp/common/dom_console.c serves consoles
 * this way).  For a domain being built.  The port, or -ENOSPC / -ENOMEM.
 */
int evtchn_alloc_hypervisor(struct domain *d, evtchn_hyp_fn notify);
/* The hypervisor's end of such a port signals it; nothing if the guest closed or rebound it. */
void evtchn_hypervisor_notify(struct domain *d, evtchn_port_t p, evtchn_hyp_fn owner);

/* Hypercalls 32 and 16 (the old form with the command in the argument). */
long do_event_channel_op(uint64_t cmd, uint64_t arg);
long do_event_channel_op_compat(uint64_t arg);

/* SCHEDOP_poll's deadline passed: wake v if it still polls (hyp/common/vcpu_timer.c). */
void evtchn_poll_timeout(struct vcpu *v);
/*
 * SCHEDOP_poll for the current vCPU v (hyp/pv/sched_op.c has copied the
 * request): 0 -- having blocked v unless an event was already there --,
 * or -EINVAL / -EFAULT as Xen answers.  `ports` is the guest's array.
 */
long evtchn_poll(struct vcpu *v, uint64_t ports, uint32_t nr_ports, uint64_t timeout);

#endif
