/* SPDX-License-Identifier: MIT */
/*
 * Local APIC bring-up: map its registers uncached in the fixmap, software
 * enable it with SPURIOUS_VECTOR, mask the local interrupt sources, and run
 * its timer periodically as the scheduler's preemption tick.
 */
#include <asm/apic.h>
#include <asm/paging.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/console.h>

#define APIC_BASE_ENABLE  (1UL << 11)
#define APIC_BASE_ADDR    0xfffff000UL
#define APIC_SVR          0xf0
#define APIC_SVR_ENABLE   (1u << 8)
#define APIC_LVT_TIMER    0x320
#define APIC_LVT_LINT0    0x350
#define APIC_LVT_LINT1    0x360
#define APIC_LVT_ERROR    0x370
#define APIC_LVT_MASKED   (1u << 16)
#define APIC_LVT_PERIODIC (1u << 17)
#define APIC_EOI          0xb0
#define APIC_TIMER_INIT   0x380
#define APIC_TIMER_DIVIDE 0x3e0
#define APIC_DIVIDE_BY_1  0xb

static volatile uint32_t *apic_reg(unsigned off)
{
    return (volatile uint32_t *)(fixmap_va(FIX_LAPIC) + off);
}

void apic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

    wrmsr(MSR_APIC_BASE, base);
    paging_map_fixmap(FIX_LAPIC, base & APIC_BASE_ADDR);
    *apic_reg(APIC_LVT_TIMER) = APIC_LVT_MASKED;
    *apic_reg(APIC_LVT_LINT0) = APIC_LVT_MASKED;
    *apic_reg(APIC_LVT_LINT1) = APIC_LVT_MASKED;
    *apic_reg(APIC_LVT_ERROR) = APIC_LVT_MASKED;
    *apic_reg(APIC_SVR) = APIC_SVR_ENABLE | SPURIOUS_VECTOR;
    log_info("apic: local APIC at %#lx enabled, spurious vector %#x\n",
             base & APIC_BASE_ADDR, SPURIOUS_VECTOR);
}

void apic_timer_start_periodic(uint32_t count)
{
    *apic_reg(APIC_TIMER_DIVIDE) = APIC_DIVIDE_BY_1;
    *apic_reg(APIC_LVT_TIMER) = APIC_LVT_PERIODIC | TIMER_VECTOR;
    *apic_reg(APIC_TIMER_INIT) = count;
}

void apic_eoi(void)
{
    *apic_reg(APIC_EOI) = 0;
}
