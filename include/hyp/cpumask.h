/* SPDX-License-Identifier: MIT */
/*
 * Sets of physical CPUs: one 64-bit word, so at most NR_CPUS_MAX CPUs
 * (docs/boot.md, "Finding the CPUs").  A word keeps the masks that the TLB
 * code copies and tests on hot paths cheap; a machine with more CPUs would
 * need an array here and nothing else changed.
 */
#ifndef KOAN_HYP_CPUMASK_H
#define KOAN_HYP_CPUMASK_H

#include <hyp/types.h>

#define NR_CPUS_MAX 64

typedef uint64_t cpumask_t;

static inline cpumask_t cpumask_of(unsigned cpu) { return (cpumask_t)1 << cpu; }
static inline bool cpumask_test(cpumask_t m, unsigned cpu) { return (m >> cpu) & 1; }
static inline bool cpumask_empty(cpumask_t m) { return m == 0; }
/* Counted by clearing bits: the hypervisor links no libgcc for popcount. */
static inline unsigned cpumask_weight(cpumask_t m)
{
    unsigned n = 0;

    for (; m; m &= m - 1)
        n++;
    return n;
}

/* The lowest CPU in m, or NR_CPUS_MAX if m is empty. */
static inline unsigned cpumask_first(cpumask_t m)
{
    return m ? (unsigned)__builtin_ctzll(m) : NR_CPUS_MAX;
}

/* for_each_cpu(cpu, m): every CPU of m, lowest first. */
#define for_each_cpu(cpu, m)                                                 \
    for (cpumask_t _left = (m);                                          \
         _left && ((cpu) = cpumask_first(_left), 1); _left &= _left - 1)

#endif
