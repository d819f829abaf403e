/* SPDX-License-Identifier: MIT */
/*
 * Guest time (docs/time.md): system time, each vCPU's pvclock
 * (vcpu_time_info), the wallclock, and the guest memory areas a vCPU may
 * register for its time and runstate.
 *
 * System time is nanoseconds since time_init, by the pvclock formula
 * itself: every vCPU of every domain gets one vcpu_time_info, fixed at
 * boot (tsc_timestamp = the TSC at time_init, system_time = 0, one scale),
 * so a guest computes exactly what Koan does, on any CPU, and its clock
 * never steps -- nothing is rewritten while a guest reads it.  This relies
 * on a TSC that ticks at one rate on every CPU (include/hyp/clock.h), which
 * is also what sets PVCLOCK_TSC_STABLE (time_tsc_stable).
 * The wallclock is the CMOS RTC's reading at boot, as the Unix time of
 * system time 0.
 */
#ifndef KOAN_HYP_TIME_H
#define KOAN_HYP_TIME_H

#include <hyp/types.h>
#include <xen/xen.h>

struct vcpu;

/* After clock_calibrate, before any domain: the scale, system time 0, the wallclock. */
void time_init(void);
/* System time (ns) of a TSC stamp; 0 for stamps before time_init. */
uint64_t time_system_ns(uint64_t tsc);
/* The TSC stamp at which system time reaches ns (for timers). */
uint64_t time_system_to_tsc(uint64_t ns);
/* System time now. */
uint64_t time_now(void);
/* Does every vCPU's pvclock carry XEN_PVCLOCK_TSC_STABLE_BIT? */
bool time_tsc_stable(void);

/* The pvclock every vCPU gets (version even). */
void time_fill_vcpu_time(struct vcpu_time_info *t);
/* The wallclock fields of a new domain's shared_info (wc_version even). */
void time_fill_wallclock(shared_info_t *si);

/* VCPUOP_register_vcpu_time_memory_area / _runstate_memory_area for v: 0 or -EFAULT. */
long time_register_time_area(struct vcpu *v, uint64_t arg);
long time_register_runstate_area(struct vcpu *v, uint64_t arg);
/*
 * v is loaded (its page tables in CR3) on its way onto or off this CPU:
 * refresh the areas it registered.  A vCPU in guest user mode has them
 * written through its kernel tables, as Xen does.
 */
void time_vcpu_areas_update(struct vcpu *v);

#endif
