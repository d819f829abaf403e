/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's clock: the TSC, calibrated once against the PIT, read as
 * nanoseconds since boot.  Runstate accounting (vcpu_op's
 * get_runstate_info) and guest time (hyp/common/time.c) build on it.  Times are kept in TSC ticks and turned into nanoseconds
 * only when reported, so stamps taken before the calibration are good too.
 * Assumes an invariant TSC, the same rate on every CPU (what QEMU and
 * every x86-64 CPU of the last decade give).
 */
#ifndef KOAN_HYP_CLOCK_H
#define KOAN_HYP_CLOCK_H

#include <hyp/types.h>

static inline uint64_t clock_tsc(void)
{
    uint32_t lo, hi;

    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* Measure the TSC's rate (five 10 ms rounds of the PIT's channel 2); logs it. */
void clock_calibrate(void);
/* The TSC's rate in Hz (1 GHz until calibrated). */
uint64_t clock_tsc_hz(void);
/* Take a rate known better than the PIT's measure (CPUID: hyp/common/time.c). */
void clock_set_tsc_hz(uint64_t hz);
/* Nanoseconds as TSC ticks. */
uint64_t clock_ns_to_ticks(uint64_t ns);
/* TSC ticks as nanoseconds (1 GHz is assumed until calibrated). */
uint64_t clock_ticks_to_ns(uint64_t ticks);

#endif
