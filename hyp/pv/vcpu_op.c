/* SPDX-License-Identifier: MIT */
/*
 * vcpu_op (include/hyp/vcpu_op.h).  The vCPU id is checked before anything
 * else, as on Xen: an id the domain has no vCPU for is -ENOENT whatever the
 * op, an unknown op on a good id -ENOSYS.  The id is the low 32 bits of the
 * argument register and the op its low 32 bits taken as signed, Xen's
 * (int cmd, unsigned int vcpuid) prototype.  An op may act on any vCPU of
 * the caller's own domain; none reaches another domain.
 */
#include <asm/page.h>
#include <asm/percpu.h>
#include <hyp/bounce.h>
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/hypercall.h>
#include <hyp/sched.h>
#include <hyp/string.h>
#include <hyp/time.h>
#include <hyp/vcpu_timer.h>
#include <hyp/vcpu_op.h>

static long vcpu_up(struct vcpu *v)
{
    if (!v->initialised)
        return -EINVAL;
    if (v->down) {
        v->down = false;
        sched_vcpu_update(v);
    }
    return 0;
}

/* Taking down the domain's last vCPU that is up powers the domain off (Xen's rule). */
static long vcpu_down(struct vcpu *v)
{
    struct domain *d = v->domain;
    struct vcpu *other;
    bool others_up = false;

    for_each_vcpu(d, other)
        others_up |= other != v && !other->down;
    if (!others_up) {
        /* Xen's rule.  Linux's panic ends this way: say so, the domain then counts as stopped. */
        log_info("domain %s: its last vCPU that was up went down (VCPUOP_down): "
                 "powering it off, as Xen does\n", d->name);
        domain_shutdown(d, SHUTDOWN_poweroff);
        return 0;
    }
    if (!v->down) {
        v->down = true;   /* if v is the caller, it stops on the way back */
        sched_vcpu_update(v);
    }
    return 0;
}

static long get_runstate_info(const struct vcpu *v, uint64_t arg)
{
    struct vcpu_runstate_info info;

    sched_runstate_get(v, &info, true);
    return copy_to_guest(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * Move v's vcpu_info to a frame of the domain, for good (Xen 4.17's rules
 * and answers): the offset must keep the 64 bytes inside the page and be
 * 8-byte aligned (-ENXIO); only once per vCPU, and only for the caller
 * itself or a vCPU that is down (-EINVAL); the frame must be the domain's
 * and may become writable (-EINVAL), and it keeps a writable type
 * reference until the domain ends.  The old contents are carried over, and
 * every event marked pending so that the guest looks again.
 */
static long register_vcpu_info(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_vcpu_info info;
    struct vcpu_info *old, *new;

    if (copy_from_guest(&info, arg, sizeof(info)))
        return -EFAULT;
    if (info.offset > PAGE_SIZE - sizeof(struct vcpu_info) || (info.offset & 7))
        return -ENXIO;
    if (v->vcpu_info_mfn)
        return -EINVAL;
    if (v != current_vcpu() && !v->down)
        return -EINVAL;
    if (!mfn_valid(info.mfn) ||
        get_page_and_type(mfn_to_page(info.mfn), v->domain, PGT_writable))
        return -EINVAL;
    old = pv_vcpu_info(v);
    new = (struct vcpu_info *)((uint8_t *)mfn_to_virt(info.mfn) + info.offset);
    memcpy(new, old, sizeof(*new));   /* the dummy's is all zero but the mask */
    v->vcpu_info_mfn = info.mfn;
    v->vcpu_info_offset = info.offset;
    /* Other CPUs send v events through this pointer (pv_vcpu_info). */
    __atomic_store_n(&v->vcpu_info, new, __ATOMIC_RELEASE);
    new->evtchn_pending_sel = ~0UL;
    new->evtchn_upcall_pending = 1;
    return 0;
}

long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg)
{
    struct vcpu *v = domain_vcpu(current_domain(), (uint32_t)vcpuid);

    if (!v)
        return -ENOENT;
    switch ((int)cmd) {
    case VCPUOP_initialise: {
        long rc = pv_vcpu_initialise(v, arg);
        if (rc == -ERESTART)
            return hypercall_create_continuation(__HYPERVISOR_vcpu_op, 3, cmd, vcpuid, arg);
        return rc;
    }
    case VCPUOP_up:
        return vcpu_up(v);
    case VCPUOP_down:
        return vcpu_down(v);
    case VCPUOP_is_up:
        return !v->down;
    case VCPUOP_get_runstate_info:
        return get_runstate_info(v, arg);
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, arg);
    case VCPUOP_get_physid:
        return -EINVAL;   /* Xen's answer for a vCPU not pinned to a physical CPU */
    case VCPUOP_register_runstate_memory_area:
        return time_register_runstate_area(v, arg);
    case VCPUOP_register_vcpu_time_memory_area:
        return time_register_time_area(v, arg);
    case VCPUOP_set_periodic_timer:
    case VCPUOP_stop_periodic_timer:
    case VCPUOP_set_singleshot_timer:
    case VCPUOP_stop_singleshot_timer:
        return vcpu_timer_op(v, (int)cmd, arg);
    default:
        /* Unknown ops, and send_nmi: -ENOSYS, Xen's answer to an op it lacks. */
        return hypercall_subop_missing(__HYPERVISOR_vcpu_op, (uint32_t)cmd);
    }
}
