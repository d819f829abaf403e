/* SPDX-License-Identifier: MIT */
/*
 * Local APIC bring-up: map its registers uncached in the fixmap (every CPU
 * sees its own APIC at that one address), software enable it with
 * SPURIOUS_VECTOR, mask the local interrupt sources, run its timer in
 * one-shot mode for the timers of hyp/common/timer.c (its rate measured
 * against the TSC once, at boot), and send IPIs.
 */
#include <asm/apic.h>
#include <asm/paging.h>
#include <asm/traps.h>
#include <asm/delay.h>
#include <asm/x86.h>
#include <hyp/clock.h>
#include <hyp/console.h>

#define APIC_BASE_ENABLE  (1UL << 11)
#define APIC_BASE_ADDR    0xfffff000UL
#define APIC_ID           0x20
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
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0
#define APIC_DIVIDE_BY_1  0xb
#define APIC_ICR_LOW      0x300
#define APIC_ICR_HIGH     0x310
#define APIC_ICR_BUSY     (1u << 12)   /* delivery status: the last IPI is not sent yet */
#define ICR_IDLE_WAIT_US  1000

static volatile uint32_t *apic_reg(unsigned off)
{
    return (volatile uint32_t *)(fixmap_va(FIX_LAPIC) + off);
}

void apic_cpu_init(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
    *apic_reg(APIC_LVT_TIMER) = APIC_LVT_MASKED;
    *apic_reg(APIC_LVT_LINT0) = APIC_LVT_MASKED;
    *apic_reg(APIC_LVT_LINT1) = APIC_LVT_MASKED;
    *apic_reg(APIC_LVT_ERROR) = APIC_LVT_MASKED;
    *apic_reg(APIC_SVR) = APIC_SVR_ENABLE | SPURIOUS_VECTOR;
}

void apic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

    paging_map_fixmap(FIX_LAPIC, base & APIC_BASE_ADDR);
    apic_cpu_init();
    log_info("apic: local APIC at %#lx enabled, spurious vector %#x\n",
             base & APIC_BASE_ADDR, SPURIOUS_VECTOR);
}

uint32_t apic_id(void)
{
    return *apic_reg(APIC_ID) >> 24;
}

/* APIC timer counts per TSC tick, as 32.32 fixed point (the same on every CPU). */
static uint64_t apic_per_tsc = 1ull << 31;
#define APIC_CALIBRATE_US 5000u
#define APIC_CALIBRATE_ROUNDS 3u

/* APIC timer counts per TSC tick (32.32) over one short round, or 0. */
static uint64_t apic_round(void)
{
    struct time_limit limit = time_limit_us(APIC_CALIBRATE_US);
    uint32_t start = 0xffffffffu, left;
    uint64_t t0, t1;

    *apic_reg(APIC_TIMER_DIVIDE) = APIC_DIVIDE_BY_1;
    *apic_reg(APIC_LVT_TIMER) = APIC_LVT_MASKED | TIMER_VECTOR;   /* one-shot, silent */
    t0 = clock_tsc();
    *apic_reg(APIC_TIMER_INIT) = start;
    while (!time_limit_passed(&limit))
        ;
    left = *apic_reg(APIC_TIMER_CURRENT);
    t1 = clock_tsc();
    *apic_reg(APIC_TIMER_INIT) = 0;
    if (!left || left >= start || t1 <= t0)
        return 0;
    return ((uint64_t)(start - left) << 32) / (t1 - t0);   /* < 2^64: no 128-bit division */
}

/*
 * The slowest of a few rounds: an emulator's APIC time may jump ahead on a
 * loaded host, and a rate measured too high would make every timer late
 * (too low only makes one fire early, and the queue reprograms it).
 */
void apic_timer_calibrate(void)
{
    uint64_t best = 0;

    for (unsigned round = 0; round < APIC_CALIBRATE_ROUNDS; round++) {
        uint64_t r = apic_round();
        if (r && (!best || r < best))
            best = r;
    }
    if (best)
        apic_per_tsc = best;
    uint64_t hz = (uint64_t)(((unsigned __int128)clock_tsc_hz() * apic_per_tsc) >> 32);
    log_info("apic: timer at %lu.%03lu MHz\n", hz / 1000000, (hz / 1000) % 1000);
}

void apic_timer_oneshot_tsc(uint64_t tsc_ticks)
{
    uint64_t count = (uint64_t)(((unsigned __int128)tsc_ticks * apic_per_tsc) >> 32);

    if (count == 0)
        count = 1;   /* 0 would stop it */
    if (count > 0xffffffffu)
        count = 0xffffffffu;   /* further off: it fires early, and the next is programmed */
    *apic_reg(APIC_TIMER_DIVIDE) = APIC_DIVIDE_BY_1;
    *apic_reg(APIC_LVT_TIMER) = TIMER_VECTOR;   /* one-shot */
    *apic_reg(APIC_TIMER_INIT) = (uint32_t)count;
}

void apic_timer_stop(void)
{
    *apic_reg(APIC_TIMER_INIT) = 0;
}

void apic_eoi(void)
{
    *apic_reg(APIC_EOI) = 0;
}

bool apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
    struct time_limit limit = time_limit_us(ICR_IDLE_WAIT_US);

    while (*apic_reg(APIC_ICR_LOW) & APIC_ICR_BUSY) {
        if (time_limit_passed(&limit))
            return false;
        cpu_relax();
    }
    /* The write of the low word sends the IPI: the destination goes first. */
    *apic_reg(APIC_ICR_HIGH) = dest << 24;
    *apic_reg(APIC_ICR_LOW) = icr_low;
    return true;
}
