/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's segment state: FS base, the kernel's and the user's GS bases,
 * and the data selectors; and the segments the instruction emulator uses.  While a vCPU runs, its state is live in the CPU
 * (FS_BASE, GS_BASE = the current mode's GS, SHADOW_GS_BASE = the other
 * mode's); segments_save/segments_load move it on a vCPU switch.
 */
#ifndef KOAN_HYP_SEGMENTS_H
#define KOAN_HYP_SEGMENTS_H

#include <hyp/domain.h>

/* set_segment_base for v (the running vCPU): 0, -EINVAL, or -EFAULT (bad selector). */
long pv_set_segment_base(struct vcpu *v, unsigned which, uint64_t base);
void segments_save(struct vcpu *v);
/* false if a saved selector no longer loads (null was loaded instead). */
bool segments_load(struct vcpu *v);
/* Load a selector into the user's GS (kernel mode): 0, or -1 if it faulted (null loaded). */
int load_user_gs_selector(uint16_t sel);
/* Load ds, es, fs, gs: 0, or -1 if one faulted (then all are null). */
int load_data_selectors(uint16_t ds, uint16_t es, uint16_t fs, uint16_t gs);

struct x86_emulate_ctxt;
/*
 * For emulating the instruction the running vCPU v trapped on (regs): the
 * code mode from its CS descriptor (L, D), the CS limit and the segment
 * bases (FS and GS live from the CPU; in the compatibility modes CS, SS, DS
 * and ES from their descriptors).  false if CS is not a present code
 * segment: then nothing may be emulated.
 */
bool pv_emul_segments(struct vcpu *v, const struct cpu_user_regs *regs,
                      struct x86_emulate_ctxt *c);

#endif
