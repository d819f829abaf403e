/* SPDX-License-Identifier: MIT */
/*
 * Exceptions raised by a guest.  Trap bouncing (delivery to the guest's own
 * handlers) is not there yet, so an exception crashes the guest that raised
 * it, with a message that says what and where; the other domains go on.
 */
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/domain.h>
#include <hyp/pv.h>
#include <hyp/ptwr.h>

void pv_guest_exception(struct cpu_user_regs *regs)
{
    struct domain *d = current_domain();
    unsigned vector = regs->entry_vector;
    /* First: a fault on a guest access while handling this would change CR2. */
    uint64_t cr2 = vector == X86_EXC_PF ? read_cr2() : 0;

    if (vector == X86_EXC_PF && ptwr_do_page_fault(regs, cr2))
        return;
    if (vector == X86_EXC_PF)
        domain_crash(d, "unhandled %s at rip %#lx, address %#lx, error %#x",
                     exception_name(vector), regs->rip, cr2, regs->error_code);
    else
        domain_crash(d, "unhandled %s at rip %#lx, error %#x",
                     exception_name(vector), regs->rip, regs->error_code);
}
