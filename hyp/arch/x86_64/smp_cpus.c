/* SPDX-License-Identifier: MIT */
/*
 * The list of the machine's CPUs: how many there are and each one's APIC
 * id, the boot CPU first (CPU 0), the others in the order the source
 * gives them.  The source is to be the firmware's ACPI MADT (docs/boot.md,
 * "Finding the CPUs"); until its parser is merged a stand-in reads CPUID
 * (cpus_from_cpuid).  Only find_cpus() names the source, so swapping it is
 * a change of that one function.
 */
#include <asm/apic.h>
#include <asm/smp.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/options.h>

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

/*
 * TEMPORARY stand-in for the MADT.  CPUID tells how many logical
 * processors the boot CPU's package has (leaf 0xb's widest level, else
 * leaf 1's count) and how many low bits of the APIC id number them; the
 * stand-in assumes every id in that range exists.  True of QEMU with one
 * socket (its default for -smp N), not of machines with several sockets or
 * gaps in their ids, which only the MADT describes.
 */
static void cpus_from_cpuid(uint32_t boot_id)
{
    uint32_t a, b, c, d, count = 1, shift = 0;

    cpuid_count(0, 0, &a, &b, &c, &d);
    if (a >= 0xb) {
        for (uint32_t level = 0; level < 8; level++) {
            cpuid_count(0xb, level, &a, &b, &c, &d);
            if (((c >> 8) & 0xff) == 0)
                break;   /* no such level */
            count = b & 0xffff;
            shift = a & 0x1f;
        }
    } else {
        cpuid_count(1, 0, &a, &b, &c, &d);
        if (d & (1u << 28)) {   /* HTT: EBX[23:16] is meaningful */
            count = (b >> 16) & 0xff;
            while ((1u << shift) < count)
                shift++;
        }
    }
    uint32_t first = shift < 32 ? boot_id & ~((1u << shift) - 1) : 0;
    for (uint32_t i = 0; i < count && i < (1u << MIN(shift, 31u)); i++)
        list_add(first + i);
    log_info("smp: %u CPU(s) from CPUID (a stand-in until the MADT is read)\n", nr_cpus);
}

static void find_cpus(uint32_t boot_id)
{
    cpus_from_cpuid(boot_id);
}

void smp_cpus_find(void)
{
    uint32_t boot_id = apic_id();

    nr_cpus = 1;
    apic_ids[0] = boot_id;
    find_cpus(boot_id);
    /* selftest=smp-phantom-cpu: one more CPU that no processor answers. */
    if (koan_options.selftest_phantom_cpu)
        list_add(APIC_ID_MAX);
}
