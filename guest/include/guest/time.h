/* SPDX-License-Identifier: MIT */
/*
 * Guest time as a PV kernel reads it: the pvclock of a vcpu_time_info
 * (read under its version, as a seqlock) and the wallclock in shared_info.
 */
#ifndef GUEST_TIME_H
#define GUEST_TIME_H

#include <guest/lib.h>
#include <xen/xen.h>

/* One consistent copy of *t (retried while the hypervisor updates it). */
void time_info_read(const volatile struct vcpu_time_info *t, struct vcpu_time_info *out);
/* System time (ns) now by t's formula. */
uint64_t time_info_now(const struct vcpu_time_info *t);
/* The TSC rate t's scale implies, in Hz. */
uint64_t time_info_hz(const struct vcpu_time_info *t);
/* Unix time (ns) of system time 0, from shared_info's wallclock. */
uint64_t time_wallclock_base(const volatile struct shared_info *si);

#endif
