/* SPDX-License-Identifier: MIT */
/*
 * Koan's scheduler operation, the ABI (docs/scheduler.md, "Setting
 * the parameters"): hypercall KOAN_HYPERCALL_sched, number 54 (Xen's unused
 * arch-specific slot 6, where Xen answers -ENOSYS), `op(cmd, arg)`.  Only
 * dom0 may call it: any other domain gets -EPERM, whatever it passes.
 *
 *   KOAN_SCHED_get_bvt       arg: struct koan_sched_bvt; domid in, the rest out
 *   KOAN_SCHED_set_bvt       arg: struct koan_sched_bvt, all in
 *   KOAN_SCHED_get_ctx_allow arg: uint64_t out, the context-switch allowance in ns
 *   KOAN_SCHED_set_ctx_allow arg: uint64_t in
 *
 * Errors: -EFAULT for an argument the guest cannot read or write, -EINVAL
 * for pad not 0 or a value bvt_params_check / bvt_ctx_allow_check refuses,
 * -ESRCH for a domain that does not exist or is dying, -ENOSYS for another
 * cmd.  The test guest keeps its own copy (guest/include/guest/hypercall.h).
 */
#ifndef KOAN_HYP_KOAN_SCHED_H
#define KOAN_HYP_KOAN_SCHED_H

#include <hyp/types.h>

#define KOAN_SCHED_get_bvt       0
#define KOAN_SCHED_set_bvt       1
#define KOAN_SCHED_get_ctx_allow 2
#define KOAN_SCHED_set_ctx_allow 3

/* A domain's BVT parameters (include/hyp/bvt.h, struct bvt_params): 32 bytes. */
struct koan_sched_bvt {
    uint16_t domid;          /* the domain, or DOMID_SELF */
    uint16_t pad;            /* must be 0 */
    uint32_t mcu_advance;    /* virtual time per 100 us of run: 1 to 1000, the inverse of a weight */
    uint64_t warp;           /* virtual time taken off while warped; 0: never warps */
    uint64_t warp_limit_ns;  /* most warped run without a break of unwarp_ns; 0: no limit */
    uint64_t unwarp_ns;      /* a break this long makes the warp limit whole again */
};
_Static_assert(sizeof(struct koan_sched_bvt) == 32, "the ABI's size");

#endif
