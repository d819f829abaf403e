/* SPDX-License-Identifier: MIT */
/*
 * sched_op: yield, block and shutdown.  Yield and block act on the calling
 * vCPU only; shutdown ends the whole domain.
 */
#include <asm/percpu.h>
#include <hyp/bounce.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
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
 * Koan has no event channels yet, so nothing wakes it but the domain's end:
 * a guest that blocks its last runnable vCPU waits for good, as it would
 * on Xen without an event source.
 */
static long sched_block(struct vcpu *v)
{
    struct vcpu_info *vi = pv_vcpu_info(v);

    vi->evtchn_upcall_mask = 0;
    v->blocked = true;
    /* Blocked before looking: an event raised meanwhile on another CPU sees
     * the flag and wakes it, or is seen here. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (vi->evtchn_upcall_pending) {
        v->blocked = false;
        return 0;
    }
    sched_vcpu_update(v);
    return 0;
}

long do_sched_op(uint64_t cmd, uint64_t arg)
{
    switch ((int)cmd) {
    case SCHEDOP_yield:
        sched_yield();
        return 0;
    case SCHEDOP_block:
        return sched_block(current_vcpu());
    case SCHEDOP_shutdown:
        return sched_shutdown(arg);
    default:
        return -ENOSYS;
    }
}
