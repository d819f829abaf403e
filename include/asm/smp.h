/* SPDX-License-Identifier: MIT */
/*
 * The machine's CPUs (docs/boot.md, "Starting the other CPUs").  CPU 0 is
 * the boot CPU; the others are numbered in the order the CPU list gives
 * them (smp_cpus.c) and started by smp_boot_cpus.  Per-CPU data is the
 * struct cpu_info at the top of each CPU's stack (asm/percpu.h,
 * smp_processor_id()).  Once up, each CPU enters the scheduler
 * (sched_start_cpu) and runs vCPUs like the boot CPU.
 */
#ifndef KOAN_ASM_SMP_H
#define KOAN_ASM_SMP_H

#include <asm/layout.h>
#include <asm/percpu.h>
#include <hyp/cpumask.h>
#include <hyp/types.h>

struct acpi_machine;
struct boot_info;

/* The CPU list (smp_cpus.c): the boot CPU, then the MADT's others (none
 * without a MADT).  smp_apic_id(cpu) is ~0 beyond smp_cpu_count(). */
void smp_cpus_find(const struct acpi_machine *madt);
unsigned smp_cpu_count(void);
uint32_t smp_apic_id(unsigned cpu);

/* Bit n set: CPU n has finished its set-up and answers IPIs.  Changed with
 * atomic operations only; read it with cpu_online_now(). */
extern cpumask_t cpu_online_mask;
static inline cpumask_t cpu_online_now(void)
{
    return __atomic_load_n(&cpu_online_mask, __ATOMIC_ACQUIRE);
}
static inline bool cpu_online(unsigned cpu)
{
    return cpu < NR_CPUS_MAX && cpumask_test(cpu_online_now(), cpu);
}
static inline unsigned cpu_online_count(void)
{
    return cpumask_weight(cpu_online_now());
}

/* Start every other CPU of the list (madt: the MADT read at boot, or NULL
 * if there is none); those that do not answer are left out. */
void smp_boot_cpus(const struct boot_info *bi, const struct acpi_machine *madt);

/* IPIs (vectors in asm/traps.h).  Only online CPUs are ever sent one. */
void ipi_send(unsigned cpu, unsigned vector);
void ipi_send_all_but_self(unsigned vector);
void ipi_send_nmi(unsigned cpu);
/*
 * Run fn(arg) on every online CPU of mask other than this one, in interrupt
 * context there, and return once each has started it (wait false) or
 * finished it (wait true).  Safe with interrupts off: while waiting this
 * CPU runs requests sent to it.  An fn may call smp_call_function itself
 * only when it was sent with wait false (with wait true the request is
 * still held).  A CPU that does not answer in 1 s is a hypervisor bug: panic.
 */
void smp_call_function(cpumask_t mask, void (*fn)(void *), void *arg, bool wait);
/*
 * Stop every other online CPU where it takes interrupts (in a guest, or
 * halted) -- never inside the hypervisor's own work, which runs with
 * interrupts off -- until smp_unpark_others: for work that must see the
 * machine still, such as the invariant check.  Not for hot paths.
 */
void smp_park_others(void);
void smp_unpark_others(void);
/* Run what was asked of this CPU, if anything: the IPI_CALL_VECTOR handler,
 * and any loop that waits for another CPU with interrupts off. */
void smp_call_function_run_pending(void);

/*
 * A panic or fatal exception: stop every other online CPU (by NMI, which
 * reaches a CPU whatever it is doing), then print each one's state.  The
 * stopped CPUs print nothing themselves, so no two CPUs ever write to the
 * console at once.  Only the first CPU to panic gets here; a second one
 * waits to be stopped.
 */
void smp_stop_others(void);
void smp_report_stopped_cpus(void);
/* An NMI: if a stop was requested, record this CPU's state and halt for good. */
void smp_stop_nmi(const struct cpu_user_regs *regs);

/* selftest=ipi, =panic-smp and =tlb-shootdown, once the CPUs are up (smp_selftest.c). */
void smp_selftests(void);

#endif
