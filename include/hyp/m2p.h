/* SPDX-License-Identifier: MIT */
/*
 * The machine-to-physical table: entry m is the guest pseudo-physical frame
 * that machine frame m holds, or M2P_INVALID.  Guests read it at
 * MACH2PHYS_VIRT_START (read-only, user); the hypervisor writes it through a
 * supervisor-only alias of the same tables.
 */
#ifndef KOAN_HYP_M2P_H
#define KOAN_HYP_M2P_H

#include <hyp/types.h>

#define M2P_INVALID (~0UL)

void m2p_init(mfn_t max_mfn);
void m2p_set(mfn_t mfn, pfn_t pfn);
pfn_t m2p_get(mfn_t mfn);
/* Mark the M2P's frames as hypervisor pages guests may map read-only (DOMID_XEN). */
void m2p_share_frames(void);
/* XENMEM_machphys_mfn_list: the frames backing the M2P, one per 2 MiB. */
long m2p_mfn_list(uint64_t arg);

#endif
