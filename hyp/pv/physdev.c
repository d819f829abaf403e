/* SPDX-License-Identifier: MIT */
/*
 * physdev_op: the virtual IOPL and the I/O bitmap of a vCPU.  The IOPL only
 * lets a domain with I/O rights (the privileged one) reach ports through
 * Koan's port-I/O emulation; others may set it, to no effect, as on Xen.
 * And the PIRQ EOI map that Linux registers at boot: Koan routes no
 * physical IRQs to guests, but takes the page as Xen does (a writable
 * type reference, held until the domain dies; once per domain).
 */
#include <asm/percpu.h>
#include <hyp/domain.h>
#include <hyp/hypercall.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/pv.h>
#include <xen/physdev.h>

/* PHYSDEVOP_pirq_eoi_gmfn_v1/_v2: Xen's checks and answers. */
static long register_pirq_eoi_map(struct domain *d, uint64_t arg)
{
    struct physdev_pirq_eoi_gmfn info;

    if (copy_from_guest(&info, arg, sizeof(info)))
        return -EFAULT;
    mfn_t mfn = info.gmfn;   /* a PV guest names machine frames */
    if (!mfn_valid(mfn) || get_page_and_type(mfn_to_page(mfn), d, PGT_writable))
        return -EINVAL;
    mfn_t none = 0;
    if (!__atomic_compare_exchange_n(&d->pirq_eoi_mfn, &none, mfn, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        put_page_and_type(mfn_to_page(mfn));
        return -EBUSY;
    }
    return 0;
}

long do_physdev_op(uint64_t cmd, uint64_t arg)
{
    struct vcpu *v = current_vcpu();

    switch ((int)cmd) {
    case PHYSDEVOP_set_iopl: {
        struct physdev_set_iopl s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        if (s.iopl > 3)
            return -EINVAL;
        v->pv.iopl = s.iopl;
        return 0;
    }
    case PHYSDEVOP_set_iobitmap: {
        struct physdev_set_iobitmap s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        if (s.nr_ports > 65536)
            return -EINVAL;
        return 0;   /* recorded by Xen; Koan grants ports by IOPL only */
    }
    case PHYSDEVOP_pirq_eoi_gmfn_v1:
    case PHYSDEVOP_pirq_eoi_gmfn_v2:
        return register_pirq_eoi_map(v->domain, arg);
    default:
        return hypercall_subop_missing(__HYPERVISOR_physdev_op, (uint32_t)cmd);
    }
}
