/* SPDX-License-Identifier: MIT */
/*
 * xenpmu_op: Koan offers guests no virtual PMU, which is also Xen 4.17's
 * default (vpmu=off): every operation is refused with -EOPNOTSUPP, the
 * answer Linux expects there ("VPMU disabled by hypervisor").
 */
#include <hyp/errno.h>
#include <hyp/pv.h>

long do_xenpmu_op(uint64_t op, uint64_t arg)
{
    (void)op;
    (void)arg;
    return -EOPNOTSUPP;
}
