/* SPDX-License-Identifier: MIT */
/*
 * sched_op: yield, block, poll and shutdown.  Yield, block and poll act
 * on the calling vCPU only; shutdown ends the whole domain.  A blocked or
 * polling vCPU is woken by an event (sched_vcpu_kick, from the event
 * channels); the hypercall has returned 0 by then, and the upcall, if
 * events are unmasked, is delivered as it resumes.
 */
#include <asm/percpu.h>
#include <hyp/bounce.h>
#include <hyp/hypercall.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/event.h>
#include <hyp/guest_access.h>
#include <hyp/pv.h>
#include <hyp/sched.h>

static long sched_shutdown(uint64_t arg)
{
    struct sched_shutdown s;

    if (copy_from_guest(&s, arg, sizeof(s)))
        return -EFAULT;
    if (s.reason > SHUTDOWN_MAX)
        return -EINVAL;
    domain_shutdown(current_domain(), s.reason);
    return 0;
}

/*
 * "Enable events and halt", as on Xen: the vCPU's event mask is cleared,
 * and unless an event is already pending the vCPU sleeps until one comes.
 * Blocked before it looks: a sender on another CPU sets the event first
 * and then clears `blocked` (sched_vcpu_kick), so one of the two sees the
 * other.
 */
static long sched_block(struct vcpu *v)
{
    struct vcpu_info *vi = pv_vcpu_info(v);

    __atomic_store_n(&vi->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->blocked, true, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST)) {
        __atomic_store_n(&v->blocked, false, __ATOMIC_SEQ_CST);
        return 0;
    }
    sched_vcpu_update(v);
    return 0;
}

/* Sleep until one of the ports is pending or the deadline passes (hyp/common/evtchn_poll.c). */
static long sched_poll(struct vcpu *v, uint64_t arg)
{
    struct sched_poll p;

    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    return evtchn_poll(v, (uint64_t)(uintptr_t)p.ports.p, p.nr_ports, p.timeout);
}

long do_sched_op(uint64_t cmd, uint64_t arg)
{
    switch ((int)cmd) {
    case SCHEDOP_yield:
        sched_yield();
        return 0;
    case SCHEDOP_block:
        return sched_block(current_vcpu());
    case SCHEDOP_poll:
        return sched_poll(current_vcpu(), arg);
    case SCHEDOP_shutdown:
        return sched_shutdown(arg);
    default:
        return hypercall_subop_missing(__HYPERVISOR_sched_op, (uint32_t)cmd);
    }
}
