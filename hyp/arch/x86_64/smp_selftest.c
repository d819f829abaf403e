/* SPDX-License-Identifier: MIT */
/*
 * Boot-time self-tests of the CPUs' cooperation, asked for on the command
 * line (hyp/common/options.c) and checked by tests/system/test_koan_smp_boot.py:
 *
 *   selftest=ipi        call-function round trips from CPU 0 to the first
 *                       other CPU, to all others, and from that CPU back to
 *                       CPU 0 (a call made inside a call, CPU 0 idling), then
 *                       both calling each other at once with interrupts off
 *                       (each serves the other while it waits); every call
 *                       is counted where it ran; logs the average costs
 *   selftest=panic-smp  the first other CPU panics as soon as CPU 0 runs a
 *                       vCPU; CPU 0 goes on booting until the NMI stops it
 *   selftest=tlb-shootdown  remote TLB flushes from CPU 0 (hyp/mm/tlb.c):
 *                       of the first other CPU and of all others; each
 *                       must show on the TLB-flush clock; logs the
 *                       average costs
 */
#include <asm/smp.h>
#include <asm/traps.h>
#include <asm/delay.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/machine.h>
#include <hyp/options.h>
#include <hyp/tlb.h>
#include <hyp/tlbflush.h>

#define ROUND_TRIPS 1000
#define CROSSFIRE   100

static uint64_t ran_on[NR_CPUS_MAX];
static uint64_t back_ticks;
static bool back_done, cross_done;

static void count_here(void *arg)
{
    __atomic_add_fetch(&ran_on[smp_processor_id()], 1, __ATOMIC_RELAXED);
}

/* Average TSC ticks of a waited-for call to the CPUs of mask, n times. */
static uint64_t round_trips(cpumask_t mask, unsigned n)
{
    uint64_t start = clock_tsc();

    for (unsigned i = 0; i < n; i++)
        smp_call_function(mask, count_here, NULL, true);
    return (clock_tsc() - start) / n;
}

/* On the other CPU, in its IPI handler: round trips back to CPU 0, which idles. */
static void call_cpu0_back(void *arg)
{
    back_ticks = round_trips(cpumask_of(0), ROUND_TRIPS);
    __atomic_store_n(&back_done, true, __ATOMIC_RELEASE);
    ipi_send(0, IPI_WAKE_VECTOR);   /* CPU 0 may have halted after its last look */
}

/* On the other CPU: calls to CPU 0 while CPU 0 calls it, both with interrupts off. */
static void crossfire(void *arg)
{
    round_trips(cpumask_of(0), CROSSFIRE);
    __atomic_store_n(&cross_done, true, __ATOMIC_RELEASE);
}

static bool counts_right(cpumask_t others, unsigned first)
{
    bool ok = ran_on[0] == ROUND_TRIPS + CROSSFIRE;

    for (unsigned cpu = 1; cpu < NR_CPUS_MAX; cpu++) {
        uint64_t want = !cpumask_test(others, cpu) ? 0 :
                        cpu == first ? 2 * ROUND_TRIPS + CROSSFIRE : ROUND_TRIPS;
        if (ran_on[cpu] != want) {
            log_error("selftest: ipi: CPU%u ran %lu calls, not %lu\n", cpu, ran_on[cpu], want);
            ok = false;
        }
    }
    if (ran_on[0] != ROUND_TRIPS + CROSSFIRE)
        log_error("selftest: ipi: CPU0 ran %lu calls, not %u\n", ran_on[0],
                  ROUND_TRIPS + CROSSFIRE);
    return ok;
}

static void selftest_ipi(void)
{
    cpumask_t others = cpu_online_now() & ~cpumask_of(0);
    unsigned first = cpumask_first(others);

    uint64_t one = round_trips(cpumask_of(first), ROUND_TRIPS);
    uint64_t all = round_trips(others, ROUND_TRIPS);
    /* Sent without waiting, so that the handler may call CPU 0 in turn. */
    smp_call_function(cpumask_of(first), call_cpu0_back, NULL, false);
    while (!__atomic_load_n(&back_done, __ATOMIC_ACQUIRE))
        asm volatile("sti; hlt; cli" ::: "memory");   /* as an idle CPU waits */
    smp_call_function(cpumask_of(first), crossfire, NULL, false);
    round_trips(cpumask_of(first), CROSSFIRE);
    while (!__atomic_load_n(&cross_done, __ATOMIC_ACQUIRE)) {
        smp_call_function_run_pending();
        cpu_relax();
    }
    log_info("selftest: ipi: %u round trips CPU0 -> CPU%u: %lu ns each\n",
             ROUND_TRIPS, first, clock_ticks_to_ns(one));
    log_info("selftest: ipi: %u round trips CPU0 -> %u CPUs: %lu ns each\n",
             ROUND_TRIPS, cpu_online_count() - 1, clock_ticks_to_ns(all));
    log_info("selftest: ipi: %u round trips CPU%u -> CPU0: %lu ns each\n",
             ROUND_TRIPS, first, clock_ticks_to_ns(back_ticks));
    log_info("selftest: ipi: %u calls each way between CPU0 and CPU%u at once\n",
             CROSSFIRE, first);
    if (counts_right(others, first))
        log_info("selftest: ipi: every call ran once on each CPU it was sent to\n");
    else
        log_error("selftest: ipi: FAILED\n");
}

/*
 * Average TSC ticks of n flushes of the CPUs of mask (none of them this
 * one).  *recorded: after each, every CPU of mask had flushed since it began.
 */
static uint64_t shootdowns(cpumask_t mask, unsigned n, bool *recorded)
{
    uint64_t start = clock_tsc();

    for (unsigned i = 0; i < n; i++) {
        tlb_time_t stamp = tlbflush_now();
        if (tlb_flush_cpus(mask, TLB_FLUSH_ALL_ENTRIES, 0) != cpumask_weight(mask) ||
            tlbflush_not_since(mask, stamp))
            *recorded = false;
    }
    return (clock_tsc() - start) / n;
}

static void selftest_tlb_shootdown(void)
{
    cpumask_t others = cpu_online_now() & ~cpumask_of(0);
    unsigned first = cpumask_first(others);
    bool recorded = true;

    uint64_t one = shootdowns(cpumask_of(first), ROUND_TRIPS, &recorded);
    uint64_t all = shootdowns(others, ROUND_TRIPS, &recorded);
    log_info("selftest: tlb-shootdown: %u flushes CPU0 -> CPU%u: %lu ns each\n",
             ROUND_TRIPS, first, clock_ticks_to_ns(one));
    log_info("selftest: tlb-shootdown: %u flushes CPU0 -> %u CPUs: %lu ns each\n",
             ROUND_TRIPS, cpu_online_count() - 1, clock_ticks_to_ns(all));
    if (recorded)
        log_info("selftest: tlb-shootdown: every remote flush is on the clock\n");
    else
        log_error("selftest: tlb-shootdown: FAILED (a CPU was not flushed)\n");
}

/* Once CPU 0 runs a vCPU (or after 5 s), so that its NMI finds a guest's state. */
static void panic_here(void *arg)
{
    struct time_limit limit = time_limit_us(5000000);

    while (!__atomic_load_n(&cpu_info_of(0)->current, __ATOMIC_ACQUIRE) &&
           !time_limit_passed(&limit))
        cpu_relax();
    panic("selftest: panic on CPU%u\n", smp_processor_id());
}

void smp_selftests(void)
{
    if (!koan_options.selftest_ipi && !koan_options.selftest_panic_smp &&
        !koan_options.selftest_tlb_shootdown)
        return;
    if (cpu_online_count() < 2) {
        log_warn("selftest: the SMP self-tests need a second CPU online\n");
        return;
    }
    if (koan_options.selftest_ipi)
        selftest_ipi();
    if (koan_options.selftest_tlb_shootdown)
        selftest_tlb_shootdown();
    if (koan_options.selftest_panic_smp) {
        unsigned first = cpumask_first(cpu_online_now() & ~cpumask_of(0));
        log_info("selftest: asking CPU%u to panic\n", first);
        smp_call_function(cpumask_of(first), panic_here, NULL, false);
    }
}
