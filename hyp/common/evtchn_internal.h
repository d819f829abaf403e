/* SPDX-License-Identifier: MIT */
/*
 * What the event-channel files share and nobody else should use:
 * hyp/common/event_channel.c (ports and their bindings),
 * hyp/common/event_channel_op.c (the hypercall) and
 * hyp/common/evtchn_poll.c (SCHEDOP_poll and its wake-ups).
 */
#ifndef KOAN_HYP_COMMON_EVTCHN_INTERNAL_H
#define KOAN_HYP_COMMON_EVTCHN_INTERNAL_H

#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/event.h>
#include <hyp/evtchn_2l.h>

static inline struct evtchn_table *evtchn_tab(struct domain *d) { return &d->evtchn.table; }

static inline shared_info_t *evtchn_shared_info(const struct domain *d)
{
    return mfn_to_virt(d->shared_info_mfn);
}

/* Bound to something a guest may be told about (Xen's "usable"). */
static inline bool evtchn_usable(const struct evtchn *chn)
{
    return chn->state > ECS_RESERVED;
}

/* d's port p if it has storage, else NULL; d's lock held. */
static inline struct evtchn *evtchn_lookup(struct domain *d, evtchn_port_t p)
{
    return evtchn_port_valid(evtchn_tab(d), p) ? evtchn_from_port(evtchn_tab(d), p) : NULL;
}

/*
 * Port p of d becomes pending for the vCPU it notifies: bits in d's
 * shared_info and that vCPU's vcpu_info, the vCPU kicked if it must look,
 * pollers of d woken.  The caller holds a lock that keeps chn bound: d's,
 * or for the far end of an interdomain channel the sender's.
 */
void evtchn_mark_pending(struct domain *d, const struct evtchn *chn, evtchn_port_t p);
/* p of d just became pending: wake the vCPUs polling for it (evtchn_poll.c). */
void evtchn_wake_pollers(struct domain *d, evtchn_port_t p);

/* The operations behind the hypercall (event_channel.c); Xen's checks and answers. */
long evtchn_alloc_unbound(struct evtchn_alloc_unbound *a);
long evtchn_bind_interdomain(struct evtchn_bind_interdomain *b);
long evtchn_bind_virq(struct evtchn_bind_virq *b);
long evtchn_bind_ipi(struct evtchn_bind_ipi *b);
long evtchn_close(struct domain *d, evtchn_port_t p);
long evtchn_send(struct domain *d, evtchn_port_t p);
long evtchn_status(struct evtchn_status *s);
long evtchn_bind_vcpu(evtchn_port_t p, uint32_t vcpu);
long evtchn_unmask(evtchn_port_t p);
/* continuing: Xen's EVTCHNOP_reset_cont, which finds no reset to continue here (-EBUSY). */
long evtchn_reset(domid_t dom, bool continuing);
long evtchn_set_priority(const struct evtchn_set_priority *s);

#endif
