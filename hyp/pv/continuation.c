/* SPDX-License-Identifier: MIT */
/*
 * Preemption points and continuations of long hypercalls (see
 * include/hyp/hypercall.h), and the batch protocol mmu_update and
 * mmuext_op share.
 */
#include <stdarg.h>
#include <asm/percpu.h>
#include <hyp/cpumask.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/hypercall.h>
#include <hyp/frame_table.h>
#include <hyp/work_budget.h>

static struct multicall_state multicall_states[NR_CPUS_MAX];

struct multicall_state *this_multicall_state(void)
{
    return &multicall_states[smp_processor_id()];
}

long hypercall_create_continuation(unsigned nr, unsigned nargs, ...)
{
    uint64_t args[6] = { 0 };
    va_list ap;

    va_start(ap, nargs);
    for (unsigned i = 0; i < nargs && i < 6; i++)
        args[i] = va_arg(ap, uint64_t);
    va_end(ap);
    struct multicall_state *mc = this_multicall_state();
    if (mc->active) {
        mc->preempted = true;
        for (unsigned i = 0; i < 6; i++)
            mc->args[i] = args[i];
        return nr;
    }
    struct cpu_user_regs *regs = guest_cpu_regs();
    regs->rip -= 2;   /* back onto the guest's 2-byte `syscall` */
    regs->rdi = args[0];
    regs->rsi = args[1];
    regs->rdx = args[2];
    regs->r10 = args[3];
    regs->r8 = args[4];
    regs->r9 = args[5];
    /*
     * No switch is asked for: the guest re-enters at once, unless the
     * preemption tick arrived meanwhile -- it is delivered as soon as the
     * guest runs with interrupts on, and the slice ends there.
     */
    return nr;   /* becomes rax: the call is issued again */
}

uint32_t batch_begin(struct batch *b, uint64_t count)
{
    b->count = (uint32_t)count;
    b->done = 0;
    if (b->count & MMU_UPDATE_PREEMPTED) {
        b->count &= ~MMU_UPDATE_PREEMPTED;
        if (b->pdone)
            (void)copy_from_guest(&b->done, b->pdone, sizeof(b->done));
    }
    return b->count;
}

int batch_drain_queues(struct domain *d, struct domain *other)
{
    int rc = frame_table_drain(d);

    if (rc == 0 && other != d)
        rc = frame_table_drain(other);
    return rc;
}

long batch_finish_queues(struct domain *d, struct domain *other, long rc)
{
    if (rc == 0)
        return batch_drain_queues(d, other);   /* -ERESTART: continued with nothing left but this */
    /* Refused: what it had validated goes back as far as the budget allows, the rest next time. */
    if (rc != -ERESTART)
        (void)batch_drain_queues(d, other);
    return rc;
}

long batch_end(const struct batch *b, uint32_t i, long rc)
{
    uint32_t done = b->done + i;

    if (rc == -ERESTART)
        rc = hypercall_create_continuation(b->nr, 4, b->list + (uint64_t)i * b->entry_size,
                                           (uint64_t)((b->count - i) | MMU_UPDATE_PREEMPTED),
                                           b->pdone, b->foreigndom);
    /* As on Xen, a `done` that cannot be written does not change the result. */
    if (b->pdone)
        (void)copy_to_guest(b->pdone, &done, sizeof(done));
    return rc;
}

