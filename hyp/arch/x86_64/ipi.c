/* SPDX-License-Identifier: MIT */
/*
 * IPIs between CPUs (asm/smp.h): a fixed vector or an NMI to one CPU or to
 * all the others, and smp_call_function, the way one CPU makes others run
 * a function.  Only online CPUs are ever sent anything: a CPU that never
 * came online may sit in the trampoline with no IDT, where an interrupt
 * would bring the machine down.
 *
 * Hypervisor code runs with interrupts off, so a CPU that waits for others
 * never takes their requests by interrupt.  While it waits -- for the
 * request slot or for the answers -- it runs what was asked of it itself
 * (smp_call_function_run_pending), so two CPUs calling each other at once
 * do not deadlock.  One request is in flight at a time.  Every wait here
 * also serves TLB shootdowns (tlb_flush_serve, hyp/mm/tlb.c): the CPU
 * waited for may itself be waiting for this one to flush.
 */
#include <asm/apic.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <asm/delay.h>
#include <asm/x86.h>
#include <hyp/machine.h>
#include <hyp/tlb.h>

#define CALL_ANSWER_US 1000000   /* a CPU that takes longer is stuck: panic */

struct call_request {
    void (*fn)(void *);
    void *arg;
    bool wait;
    cpumask_t pending;  /* CPUs that have not yet taken it (wait false) or finished it (wait true) */
};

static struct call_request call;
static bool call_busy;   /* a CPU owns `call`; taken with an atomic exchange */

static void send(unsigned cpu, uint32_t icr_low)
{
    if (!cpu_online(cpu) || cpu == smp_processor_id())
        return;
    if (!apic_send_ipi(smp_apic_id(cpu), icr_low))
        panic("ipi: the local APIC is still busy with the last IPI; none sent to CPU%u\n", cpu);
}

void ipi_send(unsigned cpu, unsigned vector)
{
    send(cpu, APIC_DM_FIXED | APIC_LEVEL_ASSERT | (vector & 0xff));
}

void ipi_send_all_but_self(unsigned vector)
{
    /* One by one, not the APIC's all-but-self shorthand: that would reach CPUs never online. */
    unsigned cpu;

    for_each_cpu(cpu, cpu_online_now() & ~cpumask_of(smp_processor_id()))
        ipi_send(cpu, vector);
}

void ipi_send_nmi(unsigned cpu)
{
    send(cpu, APIC_DM_NMI | APIC_LEVEL_ASSERT);
}

/* One turn of a wait with interrupts off: answer shootdowns, then pause. */
static void wait_step(void)
{
    tlb_flush_serve();
    cpu_relax();
}

void smp_call_function_run_pending(void)
{
    cpumask_t me = cpumask_of(smp_processor_id());

    if (!(__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE) & me))
        return;
    /* The request is stable until our bit goes: the sender waits for it. */
    void (*fn)(void *) = call.fn;
    void *arg = call.arg;
    bool wait = call.wait;
    if (!wait)
        __atomic_and_fetch(&call.pending, ~me, __ATOMIC_RELEASE);
    fn(arg);
    if (wait)
        __atomic_and_fetch(&call.pending, ~me, __ATOMIC_RELEASE);
}

static void wait_for_answers(void)
{
    struct time_limit limit = time_limit_us(CALL_ANSWER_US);
    cpumask_t left;

    while ((left = __atomic_load_n(&call.pending, __ATOMIC_ACQUIRE)) != 0) {
        if (time_limit_passed(&limit))
            panic("smp: CPU%u did not answer a call-function IPI in %u ms\n",
                  cpumask_first(left), CALL_ANSWER_US / 1000);
        wait_step();
    }
}

void smp_call_function(cpumask_t mask, void (*fn)(void *), void *arg, bool wait)
{
    unsigned cpu;

    mask &= cpu_online_now() & ~cpumask_of(smp_processor_id());
    if (!mask)
        return;
    while (__atomic_exchange_n(&call_busy, true, __ATOMIC_ACQUIRE)) {
        smp_call_function_run_pending();
        wait_step();
    }
    call.fn = fn;
    call.arg = arg;
    call.wait = wait;
    __atomic_store_n(&call.pending, mask, __ATOMIC_RELEASE);
    for_each_cpu(cpu, mask)
        ipi_send(cpu, IPI_CALL_VECTOR);
    wait_for_answers();
    __atomic_store_n(&call_busy, false, __ATOMIC_RELEASE);
}

/* ---- Parking the other CPUs ---- */

static bool parked_release;
static cpumask_t parked;

static void park_here(void *arg)
{
    (void)arg;
    __atomic_or_fetch(&parked, cpumask_of(smp_processor_id()), __ATOMIC_ACQ_REL);
    while (!__atomic_load_n(&parked_release, __ATOMIC_ACQUIRE))
        wait_step();
    __atomic_and_fetch(&parked, ~cpumask_of(smp_processor_id()), __ATOMIC_ACQ_REL);
}

void smp_park_others(void)
{
    cpumask_t others = cpu_online_now() & ~cpumask_of(smp_processor_id());

    __atomic_store_n(&parked_release, false, __ATOMIC_RELEASE);
    smp_call_function(others, park_here, NULL, false);
    /* Started is not yet spinning: wait until each says it is. */
    while ((__atomic_load_n(&parked, __ATOMIC_ACQUIRE) & others) != others)
        wait_step();
}

void smp_unpark_others(void)
{
    __atomic_store_n(&parked_release, true, __ATOMIC_RELEASE);
    while (__atomic_load_n(&parked, __ATOMIC_ACQUIRE))
        wait_step();
}
