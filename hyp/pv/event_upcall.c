/* SPDX-License-Identifier: MIT */
/*
 * The event upcall (include/hyp/bounce.h): on every way back to a guest,
 * after any vCPU switch, a vCPU with evtchn_upcall_pending set and
 * evtchn_upcall_mask clear is sent to the event callback it registered
 * (set_callbacks, callback_op CALLBACKTYPE_event) through a bounce frame
 * like an interrupt's: the frame holds the old mask (0) and IF set, and
 * the mask is set, so no second upcall comes until the guest clears it
 * (its iret with IF set does, and the next way back delivers what came
 * meanwhile).  The guest clears upcall_pending itself.
 *
 * A vCPU with no event callback keeps its events pending (Xen would
 * bounce to address 0 and crash the guest).  The test for an upcall due
 * is inline in include/hyp/bounce.h; this is the delivery.
 */
#include <hyp/bounce.h>
#include <hyp/domain.h>

bool pv_upcall_deliver(struct vcpu *v, struct cpu_user_regs *regs)
{
    if (!v->pv.event.address)
        return true;
    struct bounce b = { .handler = v->pv.event.address, .mask_events = true };
    return pv_bounce(v, regs, &b);
}
