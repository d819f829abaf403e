/* SPDX-License-Identifier: MIT */
/*
 * SCHEDOP_poll: a vCPU sleeps until one of a list of its domain's ports
 * is pending (or any event reaches it), as on Xen.  The poller marks
 * itself blocked and polling (its bit in the domain's poll_mask) before
 * it looks at the ports; a sender sets the pending bit before it looks
 * at poll_mask.  Both sides use sequentially consistent atomics, so at
 * least one of them sees the other: no wake-up is lost.
 *
 * Timeouts: a deadline already past wakes at once (Xen's timer fires at
 * once; the call returns 0 either way); a future one arms the vCPU's poll
 * timer (hyp/common/vcpu_timer.c), which wakes it as an event would.
 */
#include <asm/percpu.h>
#include <hyp/bounce.h>
#include <hyp/clock.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/sched.h>
#include <hyp/time.h>
#include <hyp/vcpu_timer.h>

#include "evtchn_internal.h"

#define POLL_MAX_PORTS 128   /* Xen's "fairly arbitrary limit" */

_Static_assert(MAX_VCPUS_PER_DOMAIN <= 64, "poll_mask has a bit per vCPU");

void evtchn_wake_pollers(struct domain *d, evtchn_port_t p)
{
    uint64_t polling = __atomic_load_n(&d->evtchn.poll_mask, __ATOMIC_SEQ_CST);

    while (polling) {
        unsigned id = (unsigned)__builtin_ctzll(polling);
        uint64_t bit = 1UL << id;
        polling &= polling - 1;
        struct vcpu *v = domain_vcpu(d, id);
        if (!v)
            continue;
        int32_t want = __atomic_load_n(&v->evtchn.poll_port, __ATOMIC_SEQ_CST);
        if ((want <= 0 || (evtchn_port_t)want == p) &&
            (__atomic_fetch_and(&d->evtchn.poll_mask, ~bit, __ATOMIC_SEQ_CST) & bit)) {
            __atomic_store_n(&v->evtchn.poll_port, 0, __ATOMIC_SEQ_CST);
            sched_vcpu_kick(v);
        }
    }
}

/* 1 if port p of d is pending, 0 if not, -EINVAL if it names no bound port. */
static int port_poll(struct domain *d, evtchn_port_t p)
{
    spin_lock(&d->evtchn.lock);
    struct evtchn *chn = evtchn_lookup(d, p);
    int rc = !chn || !evtchn_usable(chn) ? -EINVAL :
             evtchn_2l_is_pending(evtchn_shared_info(d), p);
    spin_unlock(&d->evtchn.lock);
    return rc;
}

/* Has a SCHEDOP_poll deadline (system time in ns) passed?  0 is "none". */
static bool deadline_passed(uint64_t timeout)
{
    return timeout && timeout <= time_now();
}

/* An event the upcall would deliver now: Xen's local_events_need_delivery. */
static bool events_need_delivery(struct vcpu *v)
{
    const struct vcpu_info *vi = pv_vcpu_info(v);

    return __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST) &&
           !__atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_SEQ_CST);
}

/* 0 (go to sleep), or why not: 1 something is pending, -EFAULT, -EINVAL. */
static long scan_ports(struct vcpu *v, uint64_t ports, uint32_t nr_ports, evtchn_port_t *last)
{
    if (events_need_delivery(v))
        return 1;
    for (uint32_t i = 0; i < nr_ports; i++) {
        if (copy_from_guest(last, ports + i * sizeof(*last), sizeof(*last)))
            return -EFAULT;
        int rc = port_poll(v->domain, *last);
        if (rc)
            return rc;
    }
    return 0;
}

/* The poll's deadline passed (its timer's callback): wake v as an event would, if it still polls. */
void evtchn_poll_timeout(struct vcpu *v)
{
    uint64_t bit = 1UL << v->id;

    if (__atomic_fetch_and(&v->domain->evtchn.poll_mask, ~bit, __ATOMIC_SEQ_CST) & bit) {
        __atomic_store_n(&v->evtchn.poll_port, 0, __ATOMIC_SEQ_CST);
        sched_vcpu_kick(v);
    }
}

long evtchn_poll(struct vcpu *v, uint64_t ports, uint32_t nr_ports, uint64_t timeout)
{
    struct domain *d = v->domain;
    uint64_t bit = 1UL << v->id;
    evtchn_port_t last = 0;

    if (nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    if (!guest_range_ok(ports, (uint64_t)nr_ports * sizeof(evtchn_port_t)))
        return -EFAULT;
    /* Blocked and polling first, then look: see the comment at the top. */
    __atomic_store_n(&v->blocked, true, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->evtchn.poll_port, -1, __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&d->evtchn.poll_mask, bit, __ATOMIC_SEQ_CST);
    long rc = scan_ports(v, ports, nr_ports, &last);
    if (!rc && !deadline_passed(timeout)) {
        if (nr_ports == 1)
            __atomic_store_n(&v->evtchn.poll_port, (int32_t)last, __ATOMIC_SEQ_CST);
        vcpu_poll_deadline(v, timeout);
        sched_vcpu_update(v);   /* off the CPU on the way back, unless woken meanwhile */
        return 0;
    }
    __atomic_store_n(&v->evtchn.poll_port, 0, __ATOMIC_SEQ_CST);
    __atomic_fetch_and(&d->evtchn.poll_mask, ~bit, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->blocked, false, __ATOMIC_SEQ_CST);
    return rc > 0 ? 0 : rc;
}
