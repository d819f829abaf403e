/* SPDX-License-Identifier: MIT */
/* Emulation of guest writes to read-only L1 page tables (hyp/pv/ptwr.c). */
#ifndef KOAN_HYP_PTWR_H
#define KOAN_HYP_PTWR_H

#include <hyp/xen_public.h>

/*
 * A page fault at cr2 with this frame: if it is a write to one of the
 * guest's own validated L1 tables and the guest enabled writable page
 * tables, emulate it as a validated entry update and return true (regs
 * advanced past the instruction).  False: the fault is the guest's.
 */
bool ptwr_do_page_fault(struct cpu_user_regs *regs, uint64_t cr2);

#endif
