/* SPDX-License-Identifier: MIT */
/*
 * What a guest kernel registers for the hypervisor to call: the trap table
 * (set_trap_table), the event/failsafe/syscall/NMI callbacks (callback_op,
 * legacy set_callbacks) and the kernel stack for entries from user mode
 * (stack_switch).  Addresses must be canonical guest addresses.
 */
#include <asm/percpu.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/hypercall.h>
#include <hyp/pv.h>
#include <hyp/string.h>
#include <xen/callback.h>

static bool guest_code_address(uint64_t a)
{
    return guest_range_ok(a, 1);
}

long do_set_trap_table(uint64_t traps)
{
    struct vcpu *v = current_vcpu();
    trap_info_t t;

    if (!traps) {
        memset(v->pv.traps, 0, sizeof(v->pv.traps));
        return 0;
    }
    for (unsigned i = 0;; i++) {
        if (i && hypercall_preempt_check())
            return hypercall_create_continuation(__HYPERVISOR_set_trap_table, 1,
                                                 traps + i * sizeof(t));
        if (copy_from_guest(&t, traps + i * sizeof(t), sizeof(t)))
            return -EFAULT;
        if (t.address == 0)
            return 0;
        if (!guest_code_address(t.address))
            return -EINVAL;
        t.cs = FLAT_KERNEL_CS;   /* on x86-64 the selector is fixed */
        v->pv.traps[t.vector] = t;
    }
}

static struct pv_callback *callback_slot(struct vcpu *v, unsigned type)
{
    switch (type) {
    case CALLBACKTYPE_event: return &v->pv.event;
    case CALLBACKTYPE_failsafe: return &v->pv.failsafe;
    case CALLBACKTYPE_syscall: return &v->pv.syscall;
    case CALLBACKTYPE_syscall32: return &v->pv.syscall32;
    case CALLBACKTYPE_sysenter: return &v->pv.sysenter;
    case CALLBACKTYPE_nmi: return &v->pv.nmi;
    default: return NULL;
    }
}

static long register_callback(struct vcpu *v, const struct callback_register *r)
{
    struct pv_callback *slot = callback_slot(v, r->type);

    if (!slot)
        return -ENOSYS;   /* Xen's answer to an unknown type */
    if (!guest_code_address(r->address))
        return -EINVAL;
    slot->address = r->address;
    slot->mask_events = r->flags & CALLBACKF_mask_events;
    return 0;
}

long do_callback_op(uint64_t cmd, uint64_t arg)
{
    struct vcpu *v = current_vcpu();

    switch ((int)cmd) {
    case CALLBACKOP_register: {
        struct callback_register r;
        if (copy_from_guest(&r, arg, sizeof(r)))
            return -EFAULT;
        return register_callback(v, &r);
    }
    case CALLBACKOP_unregister: {
        struct callback_unregister u;
        if (copy_from_guest(&u, arg, sizeof(u)))
            return -EFAULT;
        if (u.type != CALLBACKTYPE_nmi)
            return -EINVAL;
        v->pv.nmi.address = 0;
        return 0;
    }
    default:
        return -ENOSYS;
    }
}

long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall)
{
    struct vcpu *v = current_vcpu();
    const struct callback_register regs[3] = {
        { .type = CALLBACKTYPE_event, .address = event },
        { .type = CALLBACKTYPE_failsafe, .address = failsafe },
        { .type = CALLBACKTYPE_syscall, .address = syscall },
    };

    for (unsigned i = 0; i < 3; i++) {
        long rc = register_callback(v, &regs[i]);
        if (rc)
            return rc;
    }
    return 0;
}

long do_stack_switch(uint64_t ss, uint64_t sp)
{
    struct vcpu *v = current_vcpu();

    v->pv.kernel_ss = ss | 3;   /* the guest kernel runs in ring 3 */
    v->pv.kernel_sp = sp;
    return 0;
}
