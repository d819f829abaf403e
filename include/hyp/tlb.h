/* SPDX-License-Identifier: MIT */
/* TLB maintenance requested by guests (flushes the hypervisor needs are in frame_table). */
#ifndef KOAN_HYP_TLB_H
#define KOAN_HYP_TLB_H

#include <hyp/types.h>

enum tlb_flush_kind { TLB_FLUSH_ALL_ENTRIES, TLB_FLUSH_ONE_PAGE };

/*
 * Flush for the vCPUs `target` names: UVMF_LOCAL (0), UVMF_ALL, or the guest
 * address of a vCPU bitmap (an unsigned long).  0, or -EFAULT if the bitmap
 * cannot be read.
 */
long tlb_flush_vcpus(uint64_t target, enum tlb_flush_kind kind, uint64_t va);

#endif
