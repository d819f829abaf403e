/* SPDX-License-Identifier: MIT */
/*
 * The pvclock scale: how a guest turns TSC ticks into nanoseconds from a
 * vcpu_time_info (Xen's public xen.h): ns = ((ticks << shift) * mul) >> 32,
 * with a negative shift meaning a right shift.  pvclock_scale_for picks
 * the shift that puts mul in [2^31, 2^32), the most precise 32-bit
 * multiplier, for any rate from 1 kHz to 2^40 Hz; pvclock_scale_ticks is
 * the guest's side of the formula, for Koan's own use and the tests.
 */
#ifndef KOAN_HYP_PVCLOCK_H
#define KOAN_HYP_PVCLOCK_H

#include <hyp/types.h>

struct pvclock_scale {
    uint32_t mul;
    int8_t shift;
};

#define PVCLOCK_MIN_HZ 1000ull
#define PVCLOCK_MAX_HZ (1ull << 40)

/* The scale for a TSC of tsc_hz (clamped into [PVCLOCK_MIN_HZ, PVCLOCK_MAX_HZ]). */
struct pvclock_scale pvclock_scale_for(uint64_t tsc_hz);
/* ticks as nanoseconds by the guest's formula (exact 128-bit product). */
uint64_t pvclock_scale_ticks(uint64_t ticks, struct pvclock_scale s);

#endif
