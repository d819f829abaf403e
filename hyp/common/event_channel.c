/* SPDX-License-Identifier: MIT */
/*
 * Event-channel ports and their bindings (include/hyp/event.h): allocate,
 * bind, close, send, ask about, unmask, move to another vCPU, reset; the
 * VIRQs the hypervisor raises; a domain's first bucket and its teardown.
 * Every check, its order and its error code are Xen 4.17's (docs/events.md).
 * Locks as the header says: one domain's lock, or two in address order.
 */
#include <asm/nospec.h>
#include <asm/percpu.h>
#include <hyp/bounce.h>
#include <hyp/errno.h>
#include <hyp/sched.h>

#include "evtchn_internal.h"

/* Xen's per-vCPU VIRQs; every other one (and every arch one on x86) is global. */
bool evtchn_virq_is_per_vcpu(unsigned int virq)
{
    return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
           virq == VIRQ_XENPMU;
}

static void lock_one(struct domain *d) { spin_lock(&d->evtchn.lock); }
static void unlock_one(struct domain *d) { spin_unlock(&d->evtchn.lock); }

/* Both domains' locks, the lower address first (a == b: one lock). */
static void lock_two(struct domain *a, struct domain *b)
{
    if (a == b) {
        lock_one(a);
        return;
    }
    lock_one(a < b ? a : b);
    lock_one(a < b ? b : a);
}

static void unlock_two(struct domain *a, struct domain *b)
{
    unlock_one(a);
    if (a != b)
        unlock_one(b);
}

/* A free port of d to bind, or -EINVAL (d dying), -ENOSPC, -ENOMEM.  d's lock held. */
static int get_free_port(struct domain *d)
{
    if (domain_is_dying(d) || d->evtchn.closed)
        return -EINVAL;
    return evtchn_table_free_port(evtchn_tab(d));
}

void evtchn_mark_pending(struct domain *d, const struct evtchn *chn, evtchn_port_t p)
{
    struct vcpu *v = domain_vcpu(d, __atomic_load_n(&chn->notify_vcpu, __ATOMIC_RELAXED));

    if (!v)
        return;   /* notify ids are checked when set: only a domain being built */
    unsigned r = evtchn_2l_set_pending(evtchn_shared_info(d), pv_vcpu_info(v), p);
    if (r & EVTCHN_2L_KICK)
        sched_vcpu_kick(v);
    if (r & EVTCHN_2L_NEWLY_PENDING)
        evtchn_wake_pollers(d, p);
}

/* The port goes back to free: no pending bit left for its next binding, vCPU 0. */
static void free_port(struct domain *d, struct evtchn *chn, evtchn_port_t p)
{
    if (evtchn_usable(chn))
        evtchn_2l_clear_pending(evtchn_shared_info(d), p);
    chn->state = ECS_FREE;
    __atomic_store_n(&chn->notify_vcpu, 0, __ATOMIC_RELAXED);
}

/* ---- Binding ---- */

long evtchn_alloc_unbound(struct evtchn_alloc_unbound *a)
{
    struct domain *cur = current_domain();
    struct domain *d = domain_by_any_id(cur, a->dom);
    long rc;

    if (!d)
        return -ESRCH;
    lock_one(d);
    int port = get_free_port(d);
    if (port < 0) {
        rc = port;
    } else if (!domain_may_use(cur, d)) {
        rc = -EPERM;   /* Xen's XSM_TARGET, checked after the port is found */
    } else {
        struct evtchn *chn = evtchn_from_port(evtchn_tab(d), (evtchn_port_t)port);
        chn->state = ECS_UNBOUND;
        chn->u.unbound_remote = a->remote_dom == DOMID_SELF ? cur->id : a->remote_dom;
        a->port = (evtchn_port_t)port;
        rc = 0;
    }
    unlock_one(d);
    return rc;
}

/* Join local port lport of ld to rport of rd (both locks held); 0 or -EINVAL. */
static long join(struct domain *ld, evtchn_port_t lport, struct domain *rd, evtchn_port_t rport)
{
    struct evtchn *rchn = evtchn_lookup(rd, rport);

    /* A dying rd's ports are as good as closed (Xen closes them as it dies). */
    if (!rchn || rchn->state != ECS_UNBOUND || rchn->u.unbound_remote != ld->id ||
        domain_is_dying(rd))
        return -EINVAL;
    struct evtchn *lchn = evtchn_from_port(evtchn_tab(ld), lport);
    lchn->u.peer.dom = rd;
    lchn->u.peer.port = rport;
    lchn->state = ECS_INTERDOMAIN;
    rchn->u.peer.dom = ld;
    rchn->u.peer.port = lport;
    rchn->state = ECS_INTERDOMAIN;
    /* Sends to the unbound end were dropped: Xen makes up for them here. */
    evtchn_mark_pending(ld, lchn, lport);
    return 0;
}

long evtchn_bind_interdomain(struct evtchn_bind_interdomain *b)
{
    struct domain *ld = current_domain();
    struct domain *rd = domain_by_any_id(ld, b->remote_dom);

    if (!rd)
        return -ESRCH;
    lock_two(ld, rd);
    int lport = get_free_port(ld);
    long rc = lport < 0 ? lport : join(ld, (evtchn_port_t)lport, rd, b->remote_port);
    if (!rc)
        b->local_port = (evtchn_port_t)lport;
    unlock_two(ld, rd);
    return rc;
}

long evtchn_bind_virq(struct evtchn_bind_virq *b)
{
    struct domain *d = current_domain();
    uint32_t virq = b->virq;
    struct vcpu *v;
    long rc = 0;

    if (virq >= NR_VIRQS)
        return -EINVAL;
    virq = (uint32_t)array_index_nospec(virq, NR_VIRQS);
    if (!evtchn_virq_is_per_vcpu(virq) && b->vcpu != 0)
        return -EINVAL;
    if (!(v = domain_vcpu(d, b->vcpu)))
        return -ENOENT;
    lock_one(d);
    int port = v->evtchn.virq_port[virq] ? -EEXIST : get_free_port(d);
    if (port < 0) {
        rc = port;
    } else {
        struct evtchn *chn = evtchn_from_port(evtchn_tab(d), (evtchn_port_t)port);
        chn->state = ECS_VIRQ;
        chn->u.virq = virq;
        __atomic_store_n(&chn->notify_vcpu, (uint16_t)v->id, __ATOMIC_RELAXED);
        __atomic_store_n(&v->evtchn.virq_port[virq], (evtchn_port_t)port, __ATOMIC_RELEASE);
        b->port = (evtchn_port_t)port;
    }
    unlock_one(d);
    return rc;
}

long evtchn_bind_ipi(struct evtchn_bind_ipi *b)
{
    struct domain *d = current_domain();
    struct vcpu *v = domain_vcpu(d, b->vcpu);

    if (!v)
        return -ENOENT;
    lock_one(d);
    int port = get_free_port(d);
    if (port >= 0) {
        struct evtchn *chn = evtchn_from_port(evtchn_tab(d), (evtchn_port_t)port);
        chn->state = ECS_IPI;
        __atomic_store_n(&chn->notify_vcpu, (uint16_t)v->id, __ATOMIC_RELAXED);
        b->port = (evtchn_port_t)port;
    }
    unlock_one(d);
    return port < 0 ? port : 0;
}

int evtchn_alloc_hypervisor(struct domain *d, evtchn_hyp_fn notify)
{
    lock_one(d);
    int port = get_free_port(d);
    if (port >= 0) {
        struct evtchn *chn = evtchn_from_port(evtchn_tab(d), (evtchn_port_t)port);
        chn->state = ECS_HYPERVISOR;
        chn->u.hyp_notify = notify;
    }
    unlock_one(d);
    return port;
}

void evtchn_hypervisor_notify(struct domain *d, evtchn_port_t p, evtchn_hyp_fn owner)
{
    lock_one(d);
    struct evtchn *chn = evtchn_lookup(d, p);
    if (chn && chn->state == ECS_HYPERVISOR && chn->u.hyp_notify == owner)
        evtchn_mark_pending(d, chn, p);
    unlock_one(d);
}

/* ---- Closing ---- */

/* Close a port that is not interdomain (d's lock held). */
static long close_local(struct domain *d, struct evtchn *chn, evtchn_port_t p)
{
    switch (chn->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        return -EINVAL;
    case ECS_VIRQ: {
        uint32_t virq = chn->u.virq;
        struct vcpu *v = domain_vcpu(d, evtchn_virq_is_per_vcpu(virq) ? chn->notify_vcpu : 0);
        if (v)
            __atomic_store_n(&v->evtchn.virq_port[virq % NR_VIRQS], 0, __ATOMIC_RELEASE);
        break;
    }
    default:   /* unbound, IPI, hypervisor */
        break;
    }
    free_port(d, chn, p);
    return 0;
}

/* Close interdomain port p of d1, whose peer in d2 becomes unbound (both locks held). */
static void close_interdomain(struct domain *d1, struct evtchn *chn1, evtchn_port_t p)
{
    struct domain *d2 = chn1->u.peer.dom;
    struct evtchn *chn2 = evtchn_from_port(evtchn_tab(d2), chn1->u.peer.port);

    free_port(d1, chn1, p);
    chn2->state = ECS_UNBOUND;
    chn2->u.unbound_remote = d1->id;
}

/*
 * Close p of d.  An interdomain port needs the peer's lock too, taken in
 * order: if the peer's comes first, let go and take both, then look
 * again.  The peer domain stays (a domain slot is reused only once its
 * teardown, which unbinds this port under both locks, is over).
 */
long evtchn_close(struct domain *d, evtchn_port_t p)
{
    for (;;) {
        lock_one(d);
        struct evtchn *chn = evtchn_lookup(d, p);
        if (!chn || chn->state != ECS_INTERDOMAIN) {
            long rc = chn ? close_local(d, chn, p) : -EINVAL;
            unlock_one(d);
            return rc;
        }
        struct domain *peer = chn->u.peer.dom;
        if (peer != d && peer < d) {
            unlock_one(d);
            lock_two(d, peer);
        } else if (peer != d) {
            lock_one(peer);
        }
        if (chn->state == ECS_INTERDOMAIN && chn->u.peer.dom == peer) {
            close_interdomain(d, chn, p);
            unlock_two(d, peer);
            return 0;
        }
        unlock_two(d, peer);   /* it changed while unlocked: look again */
    }
}

/* ---- Sending, asking, unmasking ---- */

long evtchn_send(struct domain *d, evtchn_port_t p)
{
    evtchn_hyp_fn hyp_notify = NULL;
    long rc = 0;

    lock_one(d);
    struct evtchn *chn = evtchn_lookup(d, p);
    switch (chn ? chn->state : ECS_FREE) {
    case ECS_INTERDOMAIN: {
        /* The far end cannot change while we hold our lock (unbinding takes both). */
        struct domain *rd = chn->u.peer.dom;
        evtchn_port_t rport = chn->u.peer.port;
        evtchn_mark_pending(rd, evtchn_from_port(evtchn_tab(rd), rport), rport);
        break;
    }
    case ECS_IPI:
        evtchn_mark_pending(d, chn, p);
        break;
    case ECS_HYPERVISOR:
        hyp_notify = chn->u.hyp_notify;   /* called unlocked: it may signal back */
        break;
    case ECS_UNBOUND:
        break;   /* nobody to tell: dropped, as on Xen */
    default:
        rc = -EINVAL;
    }
    unlock_one(d);
    if (hyp_notify)
        hyp_notify(d);
    return rc;
}

static void fill_status(const struct evtchn *chn, struct evtchn_status *s)
{
    switch (chn->state) {
    case ECS_UNBOUND:
        s->status = EVTCHNSTAT_unbound;
        s->u.unbound.dom = chn->u.unbound_remote;
        break;
    case ECS_INTERDOMAIN:
        s->status = EVTCHNSTAT_interdomain;
        s->u.interdomain.dom = chn->u.peer.dom->id;
        s->u.interdomain.port = chn->u.peer.port;
        break;
    case ECS_VIRQ:
        s->status = EVTCHNSTAT_virq;
        s->u.virq = chn->u.virq;
        break;
    case ECS_IPI:
        s->status = EVTCHNSTAT_ipi;
        break;
    case ECS_HYPERVISOR:   /* on Xen a console port is bound to dom0's daemon */
        s->status = EVTCHNSTAT_interdomain;
        s->u.interdomain.dom = DOMID_XEN;
        s->u.interdomain.port = 0;
        break;
    default:   /* free, reserved: the rest of the answer is left as the guest wrote it */
        s->status = EVTCHNSTAT_closed;
    }
    s->vcpu = chn->notify_vcpu;
}

long evtchn_status(struct evtchn_status *s)
{
    struct domain *cur = current_domain();
    struct domain *d = domain_by_any_id(cur, s->dom);
    long rc = 0;

    if (!d)
        return -ESRCH;
    lock_one(d);
    struct evtchn *chn = evtchn_lookup(d, s->port);
    if (!chn)
        rc = -EINVAL;
    else if (!domain_may_use(cur, d))
        rc = -EPERM;
    else
        fill_status(chn, s);
    unlock_one(d);
    return rc;
}

long evtchn_bind_vcpu(evtchn_port_t p, uint32_t vcpu)
{
    struct domain *d = current_domain();
    struct vcpu *v = domain_vcpu(d, vcpu);
    long rc = 0;

    if (!v)
        return -ENOENT;
    lock_one(d);
    struct evtchn *chn = evtchn_lookup(d, p);
    switch (chn ? chn->state : ECS_FREE) {
    case ECS_VIRQ:
        if (evtchn_virq_is_per_vcpu(chn->u.virq))
            rc = -EINVAL;
        else
            __atomic_store_n(&chn->notify_vcpu, (uint16_t)v->id, __ATOMIC_RELAXED);
        break;
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
    case ECS_HYPERVISOR:
        __atomic_store_n(&chn->notify_vcpu, (uint16_t)v->id, __ATOMIC_RELAXED);
        break;
    default:   /* free, reserved, and IPIs, which stay with their vCPU */
        rc = -EINVAL;
    }
    unlock_one(d);
    return rc;
}

long evtchn_unmask(evtchn_port_t p)
{
    struct domain *d = current_domain();

    lock_one(d);
    struct evtchn *chn = evtchn_lookup(d, p);
    if (chn && evtchn_usable(chn)) {
        struct vcpu *v = domain_vcpu(d, chn->notify_vcpu);
        if (v && (evtchn_2l_unmask(evtchn_shared_info(d), pv_vcpu_info(v), p) & EVTCHN_2L_KICK))
            sched_vcpu_kick(v);
    }
    unlock_one(d);
    return chn ? 0 : -EINVAL;
}

long evtchn_set_priority(const struct evtchn_set_priority *s)
{
    struct domain *d = current_domain();

    lock_one(d);
    bool valid = evtchn_lookup(d, s->port) != NULL;
    unlock_one(d);
    return valid ? -ENOSYS : -EINVAL;   /* 2-level ports have no priority */
}

/* Close every port of d from 1 on; a closed (or never bound) port is skipped. */
static void close_all(struct domain *d)
{
    uint32_t valid = __atomic_load_n(&evtchn_tab(d)->valid, __ATOMIC_ACQUIRE);

    for (evtchn_port_t p = 1; p < valid; p++)
        (void)evtchn_close(d, p);
}

long evtchn_reset(domid_t dom, bool continuing)
{
    struct domain *cur = current_domain();
    struct domain *d = domain_by_any_id(cur, dom);

    if (!d)
        return -ESRCH;
    if (!domain_may_use(cur, d))
        return -EPERM;
    /* Xen resets another domain only while its controller has it paused: Koan never pauses. */
    if (d != cur)
        return -EINVAL;
    /* Koan resets in one go: there is never one to continue, nor one running
     * on another vCPU of the domain (Xen's "in progress") for long. */
    if (continuing || __atomic_exchange_n(&d->evtchn.resetting, true, __ATOMIC_ACQUIRE))
        return -EBUSY;
    close_all(d);
    __atomic_store_n(&d->evtchn.resetting, false, __ATOMIC_RELEASE);
    return 0;
}

/* ---- VIRQs ---- */

/* Raise the VIRQ bound at virq_port of `holder` (d's lock taken here). */
static void send_virq_from(struct domain *d, struct vcpu *holder, unsigned int virq)
{
    lock_one(d);
    evtchn_port_t p = holder->evtchn.virq_port[virq];
    struct evtchn *chn = p ? evtchn_lookup(d, p) : NULL;
    if (chn && chn->state == ECS_VIRQ)
        evtchn_mark_pending(d, chn, p);
    unlock_one(d);
}

void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
    if (virq >= NR_VIRQS)
        return;
    if (!evtchn_virq_is_per_vcpu(virq)) {
        evtchn_send_virq_global(v->domain, virq);
        return;
    }
    send_virq_from(v->domain, v, virq);
}

void evtchn_send_virq_global(struct domain *d, unsigned int virq)
{
    struct vcpu *v0 = domain_vcpu(d, 0);

    if (virq < NR_VIRQS && !evtchn_virq_is_per_vcpu(virq) && v0)
        send_virq_from(d, v0, virq);
}

/* ---- A domain's life ---- */

int evtchn_domain_init(struct domain *d)
{
    /* No smaller per-domain limit than the ABI's: the buckets come as used. */
    return evtchn_table_init(evtchn_tab(d), EVTCHN_2L_PORTS - 1);
}

void evtchn_domain_destroy(struct domain *d)
{
    lock_one(d);
    d->evtchn.closed = true;   /* from now on no port can be allocated */
    unlock_one(d);
    close_all(d);
    lock_one(d);
    evtchn_table_destroy(evtchn_tab(d));
    unlock_one(d);
    /* Xen tells the hardware domain of a domain's death with VIRQ_DOM_EXC. */
    struct domain *dom0 = domain_from_id(0);
    if (dom0 && dom0 != d && !domain_is_dying(dom0))
        evtchn_send_virq_global(dom0, VIRQ_DOM_EXC);
}
