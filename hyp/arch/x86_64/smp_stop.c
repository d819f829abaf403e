/* SPDX-License-Identifier: MIT */
/*
 * Stopping the other CPUs when one panics (asm/smp.h).  The panicking CPU
 * sends each other online CPU an NMI -- the one interrupt that reaches a
 * CPU whatever it does, interrupts off and spinning included -- and waits
 * a little for it to answer.  The NMI handler of a stopped CPU records
 * where it was (rip, rsp, guest or hypervisor, its vCPU) and halts for
 * good; it never returns, so NMIs stay blocked and nothing wakes it.  The
 * panicking CPU then prints every stopped CPU's state after its own
 * report: only one CPU ever writes to the console during a panic.
 *
 * Without a stop request an NMI means what it meant before (docs/cpu.md).
 */
#include <asm/apic.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <asm/delay.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/domain.h>

#define STOP_ANSWER_US 100000   /* per CPU */
#define NO_CPU 0xffffffffu

struct stopped_cpu {
    uint64_t rip, rsp;
    uint16_t cs;
    const struct vcpu *vcpu;
};

static uint32_t stopping_cpu = NO_CPU;   /* the CPU that panicked first */
static cpumask_t stopped_mask;
static struct stopped_cpu stopped[NR_CPUS_MAX];

void smp_stop_others(void)
{
    unsigned me = smp_processor_id();
    uint32_t first = NO_CPU;

    if (!__atomic_compare_exchange_n(&stopping_cpu, &first, me, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        if (first == me)
            return;   /* a panic within the panic: the others are stopped or stopping */
        for (;;)
            cpu_relax();   /* another CPU panicked first: its NMI stops this one */
    }
    unsigned cpu;
    for_each_cpu(cpu, cpu_online_now() & ~cpumask_of(me)) {
        /* Not ipi_send_nmi: that panics when the APIC is stuck, and this is the panic. */
        if (!apic_send_ipi(smp_apic_id(cpu), APIC_DM_NMI | APIC_LEVEL_ASSERT))
            continue;
        struct time_limit limit = time_limit_us(STOP_ANSWER_US);
        while (!cpumask_test(__atomic_load_n(&stopped_mask, __ATOMIC_ACQUIRE), cpu) &&
               !time_limit_passed(&limit))
            cpu_relax();
    }
}

void smp_stop_nmi(const struct cpu_user_regs *regs)
{
    unsigned me = smp_processor_id();
    uint32_t stopper = __atomic_load_n(&stopping_cpu, __ATOMIC_ACQUIRE);

    if (stopper == NO_CPU || stopper == me)
        return;   /* no stop request for this CPU: an ordinary NMI */
    stopped[me] = (struct stopped_cpu){ regs->rip, regs->rsp, regs->cs, current_vcpu() };
    __atomic_or_fetch(&stopped_mask, cpumask_of(me), __ATOMIC_RELEASE);
    halt_forever();
}

void smp_report_stopped_cpus(void)
{
    unsigned me = smp_processor_id();
    cpumask_t others = cpu_online_now() & ~cpumask_of(me);
    cpumask_t done = __atomic_load_n(&stopped_mask, __ATOMIC_ACQUIRE);
    unsigned cpu;

    if (cpumask_empty(others))
        return;
    console_printf("koan: the panic was on CPU%u\n", me);
    for_each_cpu(cpu, others) {
        const struct stopped_cpu *s = &stopped[cpu];
        if (!cpumask_test(done, cpu)) {
            console_printf("koan: CPU%u did not stop (no answer to its NMI)\n", cpu);
            continue;
        }
        console_printf("koan: CPU%u stopped: rip %016lx rsp %016lx in %s, ",
                       cpu, s->rip, s->rsp, (s->cs & 3) ? "the guest" : "the hypervisor");
        if (s->vcpu)
            console_printf("vCPU %u of %s\n", s->vcpu->id, s->vcpu->domain->name);
        else
            console_printf("no vCPU\n");
    }
}
