/* SPDX-License-Identifier: MIT */
/*
 * The grant tables' hooks into the running machine (include/hyp/grant_table.h):
 * finding the L1 that maps a guest address in the current vCPU's tables,
 * as update_va_mapping does, and the TLB flushes.  Unit tests on the fake
 * arch provide their own.
 */
#include <asm/percpu.h>
#include <hyp/domain.h>
#include <hyp/grant_table.h>
#include <hyp/guest_range.h>
#include <hyp/guest_walk.h>
#include <hyp/tlb.h>

bool grant_find_l1(struct domain *ld, uint64_t va, mfn_t *l1)
{
    struct vcpu *v = current_vcpu();
    struct guest_walk w;

    if (v->domain != ld || !guest_range_ok(va, 1) || !v->kernel_l4)
        return false;
    guest_walk(v->kernel_l4, va, &w);
    *l1 = w.l1_table;
    return w.l1_table != 0;
}

void grant_flush_domain_tlb(struct domain *d)
{
    (void)tlb_flush_cpus(tlb_domain_cpus(d), TLB_FLUSH_ALL_ENTRIES, 0);
}

void grant_flush_for_transfer(void)
{
    tlb_flush_for_frame();
}
