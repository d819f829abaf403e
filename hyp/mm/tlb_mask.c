/* SPDX-License-Identifier: MIT */
/*
 * Which CPUs a guest's flush must reach (include/hyp/tlb.h): from a vCPU
 * bitmap to the CPUs those vCPUs run on, and every CPU that may hold a
 * domain's translations.  Pure logic over the domain and vCPU structures
 * (tests/unit/test_tlb_mask.c); the scheduler changes the fields read here
 * on other CPUs, so each is read once, atomically.
 */
#include <hyp/domain.h>
#include <hyp/tlb.h>

/* The CPU v runs on, as a mask; empty if it is not running. */
static cpumask_t running_on(const struct vcpu *v)
{
    if (!v || !__atomic_load_n(&v->running, __ATOMIC_SEQ_CST))
        return 0;
    unsigned cpu = __atomic_load_n(&v->processor, __ATOMIC_RELAXED);
    return cpu < NR_CPUS_MAX ? cpumask_of(cpu) : 0;
}

cpumask_t tlb_vcpus_cpus(const struct domain *d, uint64_t vcpu_bits)
{
    cpumask_t cpus = 0;

    /* Xen stops at the first bit beyond the domain's vCPUs: the same as dropping them. */
    if (d->max_vcpus < 64)
        vcpu_bits &= (1ULL << d->max_vcpus) - 1;
    /* The index comes from the masked bits, never past max_vcpus <= 64: no speculation. */
    for (; vcpu_bits; vcpu_bits &= vcpu_bits - 1)
        cpus |= running_on(d->vcpu[__builtin_ctzll(vcpu_bits)]);
    return cpus;
}

cpumask_t tlb_domain_cpus(const struct domain *d)
{
    /*
     * The dirty mask alone would do if a CPU's bit were always set before
     * its CR3 load; the running vCPUs cover a CPU caught between the two.
     */
    return __atomic_load_n(&d->dirty_cpus, __ATOMIC_SEQ_CST) | tlb_vcpus_cpus(d, ~0ULL);
}
