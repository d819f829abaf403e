/* SPDX-License-Identifier: MIT */
/*
 * physdev_op: the virtual IOPL and the I/O bitmap of a vCPU.  The IOPL only
 * lets a domain with I/O rights (the privileged one) reach ports through
 * Koan's port-I/O emulation; others may set it, to no effect, as on Xen.
 */
#include <asm/percpu.h>
#include <hyp/domain.h>
#include <hyp/hypercall.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/pv.h>
#include <xen/physdev.h>

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
    default:
        return hypercall_subop_missing(__HYPERVISOR_physdev_op, (uint32_t)cmd);
    }
}
