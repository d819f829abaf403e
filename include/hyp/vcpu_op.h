/* SPDX-License-Identifier: MIT */
/*
 * vcpu_op (hypercall 24): a domain's vCPUs named by id -- bringing them up
 * with a context (VCPUOP_initialise, VCPUOP_up), down, asking about them,
 * their runstate, where their vcpu_info lives.  docs/cpu.md, "vCPU
 * operations", has each op, its checks and where Koan differs from Xen.
 */
#ifndef KOAN_HYP_VCPU_OP_H
#define KOAN_HYP_VCPU_OP_H

#include <hyp/domain.h>

long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg);
/*
 * VCPUOP_initialise: load v's first context from the guest's
 * vcpu_guest_context at `arg` (hyp/pv/vcpu_context.c).  0, -EFAULT,
 * -EEXIST (v has a context already), -EINVAL (a field Xen refuses),
 * -ENOMEM, or -ERESTART (its page tables are still being validated: the
 * caller continues the hypercall).
 */
long pv_vcpu_initialise(struct vcpu *v, uint64_t arg);

#endif
