/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's clock: the TSC, calibrated once against the PIT, read as
 * nanoseconds since boot.  Runstate accounting (vcpu_op's
 * get_runstate_info) is its first user; guest time (pvclock, timers) will
 * build on it.  Times are kept in TSC ticks and turned into nanoseconds
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

/* Measure the TSC's rate (about 20 ms, with the PIT's channel 2); logs it. */
void clock_calibrate(void);
/* TSC ticks as nanoseconds (1 GHz is assumed until calibrated). */
uint64_t clock_ticks_to_ns(uint64_t ticks);
/* A TSC stamp as nanoseconds since the TSC's zero (the machine's reset). */
uint64_t clock_stamp_to_ns(uint64_t tsc);

#endif
