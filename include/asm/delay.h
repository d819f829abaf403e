/* SPDX-License-Identifier: MIT */
/*
 * Short waits and time limits in microseconds, on the hypervisor's clock
 * (the TSC calibrated against the PIT, include/hyp/clock.h; start_koan
 * calibrates it before the other CPUs are started).  For the CPUs'
 * start-up sequence and the time-outs of IPIs, never for guest time.
 */
#ifndef KOAN_ASM_DELAY_H
#define KOAN_ASM_DELAY_H

#include <asm/x86.h>
#include <hyp/clock.h>

struct time_limit {
    uint64_t start;   /* TSC */
    uint64_t ns;
};

static inline struct time_limit time_limit_us(uint64_t us)
{
    return (struct time_limit){ clock_tsc(), us * 1000 };
}

static inline bool time_limit_passed(const struct time_limit *t)
{
    return clock_ticks_to_ns(clock_tsc() - t->start) >= t->ns;
}

static inline void udelay(uint64_t us)
{
    struct time_limit t = time_limit_us(us);

    while (!time_limit_passed(&t))
        cpu_relax();
}

#endif
