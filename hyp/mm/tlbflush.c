/* SPDX-License-Identifier: MIT */
/*
 * The TLB-flush clock (include/hyp/tlbflush.h).  Pure logic over one
 * counter and one time per CPU; the flushes themselves are the caller's.
 */
#include <hyp/tlbflush.h>

/* Time 0 means "before any flush": a CPU that never flushed needs one. */
static tlb_time_t clock = 1;
static tlb_time_t flush_time[NR_CPUS_MAX];
static struct tlbflush_stats stats;

tlb_time_t tlbflush_now(void)
{
    return __atomic_load_n(&clock, __ATOMIC_SEQ_CST);
}

tlb_time_t tlbflush_begin(void)
{
    return __atomic_add_fetch(&clock, 1, __ATOMIC_SEQ_CST);
}

void tlbflush_end(unsigned cpu, tlb_time_t began)
{
    /* Only ever forward: an older flush finishing late must not hide a newer one. */
    tlb_time_t seen = __atomic_load_n(&flush_time[cpu], __ATOMIC_RELAXED);

    while (seen < began &&
           !__atomic_compare_exchange_n(&flush_time[cpu], &seen, began, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        ;
}

cpumask_t tlbflush_not_since(cpumask_t mask, tlb_time_t stamp)
{
    cpumask_t need = 0;
    unsigned cpu;

    for_each_cpu(cpu, mask)
        if (__atomic_load_n(&flush_time[cpu], __ATOMIC_SEQ_CST) <= stamp)
            need |= cpumask_of(cpu);
    return need;
}

cpumask_t tlbflush_filter(cpumask_t mask, tlb_time_t stamp)
{
    cpumask_t need = tlbflush_not_since(mask, stamp);

    __atomic_add_fetch(&stats.requests, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&stats.cpus_spared, cpumask_weight(mask & ~need), __ATOMIC_RELAXED);
    if (!need)
        __atomic_add_fetch(&stats.avoided, 1, __ATOMIC_RELAXED);
    return need;
}

void tlbflush_get_stats(struct tlbflush_stats *out)
{
    out->requests = __atomic_load_n(&stats.requests, __ATOMIC_RELAXED);
    out->avoided = __atomic_load_n(&stats.avoided, __ATOMIC_RELAXED);
    out->cpus_spared = __atomic_load_n(&stats.cpus_spared, __ATOMIC_RELAXED);
}
