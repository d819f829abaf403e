/* SPDX-License-Identifier: MIT */
/*
 * Guest-requested TLB flushes.  Every vCPU runs on the one CPU, and a switch
 * between domains reloads CR3 (which flushes: no global pages are used), so
 * flushing "other vCPUs" needs no IPI: flushing here covers them all.
 */
#include <asm/x86.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/tlb.h>
#include <hyp/xen_public.h>

long tlb_flush_vcpus(uint64_t target, enum tlb_flush_kind kind, uint64_t va)
{
    if (target != UVMF_LOCAL && target != UVMF_ALL) {
        unsigned long mask;
        if (copy_from_guest(&mask, target, sizeof(mask)))
            return -EFAULT;
    }
    if (kind == TLB_FLUSH_ONE_PAGE)
        invlpg(va);
    else
        write_cr3(read_cr3());
    return 0;
}
