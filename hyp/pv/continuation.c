/* SPDX-License-Identifier: MIT */
/*
 * Preemption points and continuations of long hypercalls (see
 * include/hyp/hypercall.h), and the batch protocol mmu_update and
 * mmuext_op share.
 */
#include <stdarg.h>
#include <asm/percpu.h>
#include <hyp/guest_access.h>
#include <hyp/hypercall.h>
#include <hyp/sched.h>
#include <hyp/errno.h>

struct multicall_state multicall_state;
static unsigned preempt_work;

void hypercall_preempt_reset(void)
{
    preempt_work = 0;
}

bool hypercall_preempt_check(void)
{
    if (++preempt_work < HYPERCALL_PREEMPT_BUDGET)
        return false;
    preempt_work = 0;
    return true;
}

long hypercall_create_continuation(unsigned nr, unsigned nargs, ...)
{
    uint64_t args[6] = { 0 };
    va_list ap;

    va_start(ap, nargs);
    for (unsigned i = 0; i < nargs && i < 6; i++)
        args[i] = va_arg(ap, uint64_t);
    va_end(ap);
    if (multicall_state.active) {
        multicall_state.preempted = true;
        for (unsigned i = 0; i < 6; i++)
            multicall_state.args[i] = args[i];
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
    /* Let another vCPU run before the batch goes on. */
    sched_request();
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

