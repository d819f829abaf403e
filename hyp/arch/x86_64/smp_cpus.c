/* SPDX-License-Identifier: MIT */
/*
 * The list of the machine's CPUs: how many there are and each one's APIC
 * id.  CPU 0 is the boot CPU (its id read from its own APIC); the others
 * are the enabled CPUs of the ACPI MADT, in the MADT's order (docs/boot.md,
 * "Finding the CPUs").  CPUs the MADT lists only as online-capable (not
 * present) are left out.  Without a usable MADT the boot CPU is alone, as
 * acpi_find_cpus has already said in the log.
 */
#include <asm/apic.h>
#include <asm/smp.h>
#include <hyp/acpi.h>
#include <hyp/console.h>
#include <hyp/options.h>

_Static_assert(ACPI_MAX_CPUS <= NR_CPUS_MAX, "the MADT reader keeps no more CPUs than Koan runs");

static unsigned nr_cpus = 1;
static uint32_t apic_ids[NR_CPUS_MAX];

unsigned smp_cpu_count(void)
{
    return nr_cpus;
}

uint32_t smp_apic_id(unsigned cpu)
{
    return cpu < nr_cpus ? apic_ids[cpu] : ~0u;
}

/* Append a CPU (the boot CPU is already entry 0); repeats and overflow are dropped. */
static void list_add(uint32_t apic_id)
{
    for (unsigned i = 0; i < nr_cpus; i++)
        if (apic_ids[i] == apic_id)
            return;
    if (nr_cpus == NR_CPUS_MAX) {
        log_warn("smp: more than %u CPUs; APIC id %u left out\n", NR_CPUS_MAX, apic_id);
        return;
    }
    apic_ids[nr_cpus++] = apic_id;
}

void smp_cpus_find(const struct acpi_machine *madt)
{
    uint32_t boot_id = apic_id();
    bool boot_listed = false;

    nr_cpus = 1;
    apic_ids[0] = boot_id;
    for (unsigned i = 0; madt && i < madt->nr_cpus; i++) {
        if (!madt->cpus[i].enabled)
            continue;
        if (madt->cpus[i].apic_id == boot_id)
            boot_listed = true;
        else
            list_add(madt->cpus[i].apic_id);
    }
    if (madt && !boot_listed)
        log_warn("smp: the MADT does not list the boot CPU (APIC id %u)\n", boot_id);
    /* selftest=smp-phantom-cpu: one more CPU that no processor answers. */
    if (koan_options.selftest_phantom_cpu)
        list_add(APIC_ID_MAX);
}
