/* SPDX-License-Identifier: MIT */
/* Guest GDTs (hyp/pv/gdt.c). */
#ifndef KOAN_HYP_GDT_H
#define KOAN_HYP_GDT_H

#include <hyp/domain.h>

/*
 * Give v the GDT of `entries` entries in these frames (set_gdt, and
 * VCPUOP_initialise for a vCPU not running): each frame becomes a
 * descriptor page; the old frames are dropped.  0 or -EINVAL (too many
 * entries, a frame that is not v's domain's or cannot be a descriptor page).
 */
long pv_set_gdt(struct vcpu *v, const unsigned long *frames, uint64_t entries);
/* Drop the vCPU's GDT frames (domain teardown). */
void gdt_release(struct vcpu *v);
/* Show v's GDT in the CPU's window (vCPU switch); NULL: Koan's entries only. */
void gdt_switch_to(struct vcpu *v);
/* May iretq load `sel` as ring-3 code (code) or stack (!code) for v?  Requires v running. */
bool gdt_selector_ok(const struct vcpu *v, uint16_t sel, bool code);

#endif
