/* SPDX-License-Identifier: MIT */
/* sched_op: yield, block (as yield until events exist) and shutdown. */
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/pv.h>
#include <hyp/sched.h>

static long sched_shutdown(uint64_t arg)
{
    struct sched_shutdown s;

    if (copy_from_guest(&s, arg, sizeof(s)))
        return -EFAULT;
    if (s.reason > SHUTDOWN_MAX)
        return -EINVAL;
    domain_shutdown(current_domain(), s.reason);
    return 0;
}

long do_sched_op(uint64_t cmd, uint64_t arg)
{
    switch ((int)cmd) {
    case SCHEDOP_yield:
    case SCHEDOP_block:
        sched_request();
        return 0;
    case SCHEDOP_shutdown:
        return sched_shutdown(arg);
    default:
        return -ENOSYS;
    }
}
