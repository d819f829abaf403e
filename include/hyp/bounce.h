/* SPDX-License-Identifier: MIT */
/*
 * Delivering to the guest kernel ("bouncing"): exceptions, software
 * interrupts, system calls from guest user mode, and the failsafe callback
 * all become a frame on the guest kernel's stack and a jump to the handler
 * it registered.  The frame, from low to high addresses:
 *
 *     rcx, r11, [error code], rip, cs (bits 32-39: old event mask), rflags, rsp, ss
 *
 * Entering from guest user mode switches to guest kernel mode first: the
 * kernel's L4, the kernel's GS base, and the stack from stack_switch.
 */
#ifndef KOAN_HYP_BOUNCE_H
#define KOAN_HYP_BOUNCE_H

#include <hyp/domain.h>

struct bounce {
    uint64_t handler;
    bool has_error_code;
    uint64_t error_code;
    bool mask_events;
};

/* Does the CPU push an error code for exception `vector` (#DF, #TS-#PF, #AC, #CP)? */
static inline bool pv_exception_has_error_code(unsigned vector)
{
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}
/* Build the frame from regs and resume at the handler; false if the domain was crashed. */
bool pv_bounce(struct vcpu *v, struct cpu_user_regs *regs, const struct bounce *b);
/* Deliver exception `vector` through the trap table; crashes the domain without a handler. */
void pv_inject_exception(struct vcpu *v, struct cpu_user_regs *regs, unsigned vector,
                         bool has_error_code, uint64_t error_code);
/* A data selector failed to reload on return to v: the failsafe callback (or a crash). */
void pv_bounce_failsafe(struct vcpu *v, struct cpu_user_regs *regs);
/* Switch between guest kernel and user mode (CR3 and GS bases). */
void pv_toggle_guest_mode(struct vcpu *v);
/*
 * The vCPU's live vcpu_info: the one it registered (VCPUOP_register_vcpu_info),
 * else its slot of the domain's shared_info page, else (ids beyond the 32
 * legacy slots) a private dummy, as on Xen.  Any CPU may ask (an event for
 * v); the answer is kept in v->vcpu_info, which a registration replaces
 * (release): every way back to a guest looks at it.
 */
struct vcpu_info *pv_vcpu_info_slow(struct vcpu *v);
static inline struct vcpu_info *pv_vcpu_info(struct vcpu *v)
{
    struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);

    return likely(vi) ? vi : pv_vcpu_info_slow(v);
}

/*
 * On the way back to v (prepare_return_to_guest): if an event is pending
 * and v's events are not masked, bounce to its event callback with events
 * masked, as Xen does.  False if that crashed the domain (a kernel stack
 * it cannot write): the caller must switch away.  The test is inline (it
 * runs on every return); the delivery is hyp/pv/event_upcall.c.
 */
bool pv_upcall_deliver(struct vcpu *v, struct cpu_user_regs *regs);
/*
 * Has pv_upcall anything to do for v: an event pending and not masked, or
 * no vcpu_info pointer kept yet (it looks it up)?  The return path's test.
 */
static inline bool pv_upcall_due(struct vcpu *v)
{
    const struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);

    return !vi || (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_RELAXED) &&
                   !__atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED));
}
static inline bool pv_upcall(struct vcpu *v, struct cpu_user_regs *regs)
{
    const struct vcpu_info *vi = pv_vcpu_info(v);

    if (likely(!__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_RELAXED) ||
               __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED)))
        return true;
    return pv_upcall_deliver(v, regs);
}

#endif
