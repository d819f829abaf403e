// SPDX-License-Identifier: MIT
/*
 * Which CPUs a guest's TLB flush must reach (hyp/mm/tlb_mask.c): a vCPU
 * bitmap becomes the CPUs those vCPUs run on, bits beyond the domain's
 * vCPUs are ignored (as on Xen), vCPUs that are not running (or do not
 * exist) reach no CPU, and a domain's CPUs are its dirty mask plus the
 * CPUs its vCPUs run on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/domain.h>
#include <hyp/tlb.h>

static struct domain dom;
static struct vcpu vcpus[MAX_VCPUS_PER_DOMAIN];

/* A domain of n vCPUs, none running. */
static void make_domain(unsigned n)
{
    memset(&dom, 0, sizeof(dom));
    memset(vcpus, 0, sizeof(vcpus));
    dom.max_vcpus = n;
    for (unsigned i = 0; i < n; i++) {
        vcpus[i].id = i;
        vcpus[i].domain = &dom;
        dom.vcpu[i] = &vcpus[i];
    }
}

static void run_on(unsigned vcpu, unsigned cpu)
{
    vcpus[vcpu].running = true;
    vcpus[vcpu].processor = cpu;
}

static void test_running_vcpus_name_their_cpus(void **state)
{
    make_domain(4);
    run_on(0, 3);
    run_on(2, 1);
    assert_int_equal(tlb_vcpus_cpus(&dom, 1u << 0), cpumask_of(3));
    assert_int_equal(tlb_vcpus_cpus(&dom, 1u << 2), cpumask_of(1));
    assert_int_equal(tlb_vcpus_cpus(&dom, 0xf), cpumask_of(1) | cpumask_of(3));
}

static void test_vcpus_not_running_reach_no_cpu(void **state)
{
    make_domain(4);
    vcpus[1].processor = 2;   /* queued on CPU 2, not running: its TLB entries went with its CR3 */
    assert_int_equal(tlb_vcpus_cpus(&dom, 1u << 1), 0);
    assert_int_equal(tlb_vcpus_cpus(&dom, 0), 0);
    run_on(0, 0);
    assert_int_equal(tlb_vcpus_cpus(&dom, 1u << 1), 0);
    assert_int_equal(tlb_vcpus_cpus(&dom, 0), 0);
}

static void test_bits_beyond_the_domain_are_ignored(void **state)
{
    make_domain(2);
    run_on(1, 5);
    /* Stale pointers past max_vcpus must never be looked at. */
    vcpus[2].running = true;
    vcpus[2].processor = 6;
    dom.vcpu[2] = &vcpus[2];
    assert_int_equal(tlb_vcpus_cpus(&dom, ~0ULL), cpumask_of(5));
    assert_int_equal(tlb_vcpus_cpus(&dom, 1ULL << 63), 0);
}

static void test_all_64_vcpus(void **state)
{
    make_domain(MAX_VCPUS_PER_DOMAIN);
    run_on(63, 63);
    run_on(0, 7);
    assert_int_equal(tlb_vcpus_cpus(&dom, 1ULL << 63), cpumask_of(63));
    assert_int_equal(tlb_vcpus_cpus(&dom, ~0ULL), cpumask_of(63) | cpumask_of(7));
}

static void test_holes_in_the_vcpu_table(void **state)
{
    make_domain(3);
    run_on(2, 4);
    dom.vcpu[1] = NULL;   /* being built or torn down */
    assert_int_equal(tlb_vcpus_cpus(&dom, 0x7), cpumask_of(4));
}

static void test_a_bad_processor_is_dropped(void **state)
{
    make_domain(1);
    run_on(0, NR_CPUS_MAX);   /* a hypervisor bug: never a shift past the mask */
    assert_int_equal(tlb_vcpus_cpus(&dom, 1), 0);
}

static void test_domain_cpus_are_dirty_and_running(void **state)
{
    make_domain(2);
    assert_int_equal(tlb_domain_cpus(&dom), 0);
    dom.dirty_cpus = cpumask_of(2);   /* a CPU that still has the tables loaded */
    run_on(1, 9);                     /* one whose bit is not set yet */
    assert_int_equal(tlb_domain_cpus(&dom), cpumask_of(2) | cpumask_of(9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_running_vcpus_name_their_cpus),
        cmocka_unit_test(test_vcpus_not_running_reach_no_cpu),
        cmocka_unit_test(test_bits_beyond_the_domain_are_ignored),
        cmocka_unit_test(test_all_64_vcpus),
        cmocka_unit_test(test_holes_in_the_vcpu_table),
        cmocka_unit_test(test_a_bad_processor_is_dropped),
        cmocka_unit_test(test_domain_cpus_are_dirty_and_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
