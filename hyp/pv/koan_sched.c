/* SPDX-License-Identifier: MIT */
/*
 * Koan's scheduler operation (include/hyp/koan_sched.h): dom0 reads and
 * sets a domain's BVT parameters and the context-switch allowance.  Every
 * argument comes from the guest: the caller's rights are checked first
 * (-EPERM before anything is read), then the command, the copy, the
 * padding, the domain and the values.  A domain being set is entered
 * (domain_mm_enter) so that its vCPUs cannot be torn down meanwhile.
 */
#include <asm/percpu.h>
#include <hyp/bvt.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/koan_sched.h>
#include <hyp/pv.h>
#include <hyp/sched.h>

/* The domain `domid` names, entered (the caller leaves it), or NULL. */
static struct domain *enter_domain(domid_t domid)
{
    struct domain *d = domid == DOMID_SELF ? current_domain() : domain_from_id(domid);

    return d && domain_mm_enter(d) ? d : NULL;
}

static long bvt_op(unsigned cmd, uint64_t arg)
{
    struct koan_sched_bvt a;
    struct bvt_params p;

    if (copy_from_guest(&a, arg, sizeof(a)))
        return -EFAULT;
    if (a.pad)
        return -EINVAL;
    if (cmd == KOAN_SCHED_set_bvt) {
        p = (struct bvt_params){ .mcu_advance = a.mcu_advance, .warp = a.warp,
                                 .warp_limit_ns = a.warp_limit_ns, .unwarp_ns = a.unwarp_ns };
        if (bvt_params_check(&p, NULL))
            return -EINVAL;
    }
    struct domain *d = enter_domain(a.domid);
    if (!d)
        return -ESRCH;
    if (cmd == KOAN_SCHED_set_bvt)
        sched_set_params(d, &p);
    else
        sched_get_params(d, &p);
    domain_mm_exit(d);
    if (cmd == KOAN_SCHED_set_bvt)
        return 0;
    a.mcu_advance = p.mcu_advance;
    a.warp = p.warp;
    a.warp_limit_ns = p.warp_limit_ns;
    a.unwarp_ns = p.unwarp_ns;
    return copy_to_guest(arg, &a, sizeof(a)) ? -EFAULT : 0;
}

static long ctx_allow_op(unsigned cmd, uint64_t arg)
{
    uint64_t ns;

    if (cmd == KOAN_SCHED_get_ctx_allow) {
        ns = sched_ctx_allow();
        return copy_to_guest(arg, &ns, sizeof(ns)) ? -EFAULT : 0;
    }
    if (copy_from_guest(&ns, arg, sizeof(ns)))
        return -EFAULT;
    if (bvt_ctx_allow_check(ns, NULL))
        return -EINVAL;
    sched_set_ctx_allow(ns);
    return 0;
}

long do_koan_sched_op(uint64_t cmd, uint64_t arg)
{
    if (!current_domain()->is_dom0)
        return -EPERM;
    switch (cmd) {
    case KOAN_SCHED_get_bvt:
    case KOAN_SCHED_set_bvt:
        return bvt_op((unsigned)cmd, arg);
    case KOAN_SCHED_get_ctx_allow:
    case KOAN_SCHED_set_ctx_allow:
        return ctx_allow_op((unsigned)cmd, arg);
    default:
        return -ENOSYS;
    }
}
