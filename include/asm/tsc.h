/* SPDX-License-Identifier: MIT */
/*
 * The TSC as Koan's clock for short waits (hyp/arch/x86_64/tsc.c): it is
 * calibrated once against the legacy PIT, only when something needs real
 * time (starting other CPUs); before that tsc_khz() is 0 and nothing waits.
 */
#ifndef KOAN_ASM_TSC_H
#define KOAN_ASM_TSC_H

#include <hyp/types.h>

/* Measure the TSC's rate against the PIT's channel 2; 0, or -1 without a PIT. */
int tsc_calibrate(void);
/* TSC ticks per millisecond; 0 until calibrated. */
uint64_t tsc_khz(void);
/* The TSC value `us` microseconds from now. */
uint64_t tsc_deadline_us(uint64_t us);
void udelay(uint64_t us);
uint64_t tsc_ticks_to_ns(uint64_t ticks);

static inline uint64_t read_tsc(void)
{
    uint32_t lo, hi;

    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline bool tsc_passed(uint64_t deadline)
{
    return read_tsc() >= deadline;
}

#endif
