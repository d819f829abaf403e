/* SPDX-License-Identifier: MIT */
/*
 * FPU/SSE/AVX state of vCPUs, switched eagerly: every switch between vCPUs
 * saves the old one's registers with XSAVE and restores the new one's with
 * XRSTOR, so no state (and no timing) leaks between domains.  The area is
 * the standard (non-compacted) XSAVE layout sized from CPUID leaf 0xD.
 */
#ifndef KOAN_HYP_FPU_H
#define KOAN_HYP_FPU_H

#include <hyp/domain.h>

/* Enable XSAVE in the CPU with every user state the CPU has (x87, SSE, AVX, ...). */
void fpu_init(void);
/* The same on another CPU at its start (the boot CPU's choice of states). */
void fpu_cpu_init(void);
/*
 * Bytes of a vCPU's area (64-byte aligned; the vCPU's allocation holds it,
 * hyp/common/domain.c).  A zeroed area is valid: its first XRSTOR loads
 * the initial state.
 */
uint64_t fpu_area_bytes(void);
/* Save prev's registers (if prev), load next's. */
void fpu_switch(struct vcpu *prev, struct vcpu *next);
/* Save v's registers, which this CPU holds: v is leaving it (and may run elsewhere next). */
void fpu_save_vcpu(struct vcpu *v);

#endif
