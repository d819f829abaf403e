/* SPDX-License-Identifier: MIT */
/*
 * multicall: run a list of 64-byte entries {op, result, args[6]} as if each
 * were called directly, writing each result back.  The multicall itself
 * returns 0 unless the list cannot be read or written (-EFAULT).  A nested
 * multicall is refused (-EINVAL in its result); an `iret` entry ends the
 * batch, and so does one that ends the domain.  A preempted entry keeps its
 * new arguments in the list and the multicall continues from it.
 */
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/hypercall.h>
#include <hyp/pv.h>

_Static_assert(sizeof(struct multicall_entry) == 64, "multicall entry layout");

static long run_entry(struct multicall_entry *e)
{
    if (e->op == __HYPERVISOR_multicall)
        return -EINVAL;
    return hypercall_call(e->op, (const uint64_t *)e->args);
}

long do_multicall(uint64_t call_list, uint64_t nr_calls)
{
    uint32_t n = (uint32_t)nr_calls;
    struct multicall_state *mc = this_multicall_state();
    struct multicall_entry e;

    if (mc->active)
        return -EINVAL;   /* reached through hypercall_call: nesting */
    if (!guest_range_ok(call_list, (uint64_t)n * sizeof(e)))
        return -EFAULT;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t addr = call_list + (uint64_t)i * sizeof(e);
        if (i && hypercall_preempt_check())
            return hypercall_create_continuation(__HYPERVISOR_multicall, 2, addr,
                                                 (uint64_t)(n - i));
        if (copy_from_guest(&e, addr, sizeof(e)))
            return -EFAULT;
        mc->active = true;
        mc->preempted = false;
        e.result = (uint64_t)run_entry(&e);
        mc->active = false;
        if (domain_is_dying(current_domain()))
            return 0;   /* an entry ended the domain: nothing more is done for it */
        if (mc->preempted) {
            /* Re-run this entry later with the arguments it left us. */
            if (copy_to_guest(addr + offsetof(struct multicall_entry, args),
                              mc->args, sizeof(mc->args)))
                return -EFAULT;
            return hypercall_create_continuation(__HYPERVISOR_multicall, 2, addr,
                                                 (uint64_t)(n - i));
        }
        if (e.op == __HYPERVISOR_iret) {
            /*
             * The guest now runs in the context iret restored (perhaps in
             * user mode, where the list may not even be mapped): best-effort
             * result, and the call "returns" the restored rax, as on Xen.
             */
            (void)copy_to_guest(addr + offsetof(struct multicall_entry, result), &e.result,
                                sizeof(e.result));
            return (long)e.result;
        }
        if (copy_to_guest(addr + offsetof(struct multicall_entry, result), &e.result,
                          sizeof(e.result)))
            return -EFAULT;
    }
    return 0;
}
