/* SPDX-License-Identifier: MIT */
/*
 * vm_assist: guests switch on hypervisor assists.  Koan accepts the types a
 * 64-bit PV guest of Xen 4.17 may use; writable_pagetables turns on the
 * emulation of writes to read-only L1 tables (hyp/pv/ptwr.c).
 */
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/pv.h>

#define VM_ASSIST_VALID ((1UL << VMASST_TYPE_4gb_segments) |            \
                         (1UL << VMASST_TYPE_4gb_segments_notify) |     \
                         (1UL << VMASST_TYPE_writable_pagetables) |     \
                         (1UL << VMASST_TYPE_pae_extended_cr3) |        \
                         (1UL << VMASST_TYPE_architectural_iopl) |      \
                         (1UL << VMASST_TYPE_runstate_update_flag) |    \
                         (1UL << VMASST_TYPE_m2p_strict))

long do_vm_assist(uint64_t cmd, uint64_t type)
{
    struct domain *d = current_domain();

    if (type >= 64 || !(VM_ASSIST_VALID & (1UL << type)))
        return -EINVAL;
    switch ((uint32_t)cmd) {
    case VMASST_CMD_enable:
        d->vm_assist |= 1UL << type;
        return 0;
    case VMASST_CMD_disable:
        d->vm_assist &= ~(1UL << type);
        return 0;
    default:
        return -ENOSYS;
    }
}
