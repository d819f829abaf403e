/* SPDX-License-Identifier: MIT */
/*
 * The event_channel_op hypercall (32) and its old form (16), one line
 * per command: copy the argument in (-EFAULT), act (event_channel.c),
 * copy it back for the commands that answer in it.  As on Xen, a copy
 * back that faults gives -EFAULT although the command took effect (the
 * port stays allocated).  The FIFO ABI is not offered: init_control
 * answers -ENOSYS, so guests keep the 2-level ABI (docs/events.md).
 */
#include <asm/percpu.h>
#include <hyp/errno.h>
#include <hyp/hypercall.h>
#include <hyp/guest_access.h>

#include "evtchn_internal.h"

/* Xen's own continuation of a reset, which a guest may also call (Xen keeps the name). */
#define EVTCHNOP_reset_cont 14

/* Copy in, run op, copy back if it succeeded (an op with nothing to answer: out false). */
#define OP_INOUT(type, arg, out, call)                                      \
    ({                                                                      \
        type _a;                                                            \
        long _rc = copy_from_guest(&_a, (arg), sizeof(_a)) ? -EFAULT : 0;   \
        if (!_rc) {                                                         \
            type *a = &_a;                                                  \
            (void)a;                                                        \
            _rc = (call);                                                   \
            if (!_rc && (out) && copy_to_guest((arg), &_a, sizeof(_a)))     \
                _rc = -EFAULT;                                              \
        }                                                                   \
        _rc;                                                                \
    })

static long unsupported_pirq(struct evtchn_bind_pirq *b)
{
    (void)b;
    return -EPERM;   /* no domain is given physical IRQs (Xen: no access to the IRQ) */
}

static long no_fifo(void)
{
    return -ENOSYS;   /* Koan's difference: guests fall back to the 2-level ABI */
}

long do_event_channel_op(uint64_t cmd, uint64_t arg)
{
    struct domain *d = current_domain();

    switch ((int)cmd) {
    case EVTCHNOP_alloc_unbound:
        return OP_INOUT(struct evtchn_alloc_unbound, arg, true, evtchn_alloc_unbound(a));
    case EVTCHNOP_bind_interdomain:
        return OP_INOUT(struct evtchn_bind_interdomain, arg, true, evtchn_bind_interdomain(a));
    case EVTCHNOP_bind_virq:
        return OP_INOUT(struct evtchn_bind_virq, arg, true, evtchn_bind_virq(a));
    case EVTCHNOP_bind_ipi:
        return OP_INOUT(struct evtchn_bind_ipi, arg, true, evtchn_bind_ipi(a));
    case EVTCHNOP_bind_pirq:
        return OP_INOUT(struct evtchn_bind_pirq, arg, true, unsupported_pirq(a));
    case EVTCHNOP_close:
        return OP_INOUT(struct evtchn_close, arg, false, evtchn_close(d, a->port));
    case EVTCHNOP_send:
        return OP_INOUT(struct evtchn_send, arg, false, evtchn_send(d, a->port));
    case EVTCHNOP_status:
        return OP_INOUT(struct evtchn_status, arg, true, evtchn_status(a));
    case EVTCHNOP_bind_vcpu:
        return OP_INOUT(struct evtchn_bind_vcpu, arg, false, evtchn_bind_vcpu(a->port, a->vcpu));
    case EVTCHNOP_unmask:
        return OP_INOUT(struct evtchn_unmask, arg, false, evtchn_unmask(a->port));
    case EVTCHNOP_reset:
        return OP_INOUT(struct evtchn_reset, arg, false, evtchn_reset(a->dom, false));
    case EVTCHNOP_reset_cont:
        return OP_INOUT(struct evtchn_reset, arg, false, evtchn_reset(a->dom, true));
    case EVTCHNOP_init_control:
        return OP_INOUT(struct evtchn_init_control, arg, true, no_fifo());
    case EVTCHNOP_expand_array:
        /* Xen's answer to a domain that never set up FIFO. */
        return OP_INOUT(struct evtchn_expand_array, arg, false, -EOPNOTSUPP);
    case EVTCHNOP_set_priority:
        return OP_INOUT(struct evtchn_set_priority, arg, false, evtchn_set_priority(a));
    default:
        return hypercall_subop_missing(__HYPERVISOR_event_channel_op, (uint32_t)cmd);
    }
}

long do_event_channel_op_compat(uint64_t arg)
{
    struct evtchn_op op;

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -EFAULT;
    switch (op.cmd) {
    case EVTCHNOP_bind_interdomain:
    case EVTCHNOP_bind_virq:
    case EVTCHNOP_bind_pirq:
    case EVTCHNOP_close:
    case EVTCHNOP_send:
    case EVTCHNOP_status:
    case EVTCHNOP_alloc_unbound:
    case EVTCHNOP_bind_ipi:
    case EVTCHNOP_bind_vcpu:
    case EVTCHNOP_unmask:
        /* The command's own structure is the union inside the guest's copy. */
        return do_event_channel_op(op.cmd, arg + offsetof(struct evtchn_op, u));
    default:
        return -ENOSYS;
    }
}
