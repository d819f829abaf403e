/* SPDX-License-Identifier: MIT */
/*
 * The local APIC: enabled with a spurious vector, its timer as the
 * scheduler's tick, and its interrupt command register for IPIs (the
 * start-up sequence, call-function and stop requests; asm/smp.h).
 */
#ifndef KOAN_ASM_APIC_H
#define KOAN_ASM_APIC_H

#include <hyp/types.h>

/* ICR low word: delivery modes and the level bit (Intel SDM 10.6.1). */
#define APIC_DM_FIXED      0x000u
#define APIC_DM_NMI        0x400u
#define APIC_DM_INIT       0x500u
#define APIC_DM_STARTUP    0x600u
#define APIC_LEVEL_ASSERT  0x4000u
/* The highest APIC id an xAPIC ICR can name (0xff is the broadcast id). */
#define APIC_ID_MAX        0xfe

/* Boot CPU: map the registers, then as apic_cpu_init, and log. */
void apic_init(void);
/* This CPU's own APIC (the other CPUs at start-up): enable, mask, spurious vector. */
void apic_cpu_init(void);
/* This CPU's APIC id, from its APIC. */
uint32_t apic_id(void);
/* Boot CPU, after clock_calibrate: measure the APIC timer's rate against the TSC (10 ms); logs it. */
void apic_timer_calibrate(void);
/* One interrupt at TIMER_VECTOR after about tsc_ticks (at least one APIC tick, at most 2^32). */
void apic_timer_oneshot_tsc(uint64_t tsc_ticks);
/* No timer interrupt until the next apic_timer_oneshot_tsc. */
void apic_timer_stop(void);
void apic_eoi(void);
/*
 * Send an IPI to the APIC with id dest: icr_low is a delivery mode, the
 * level bit and a vector.  Waits (at most 1 ms, needs the calibrated TSC)
 * for the previous IPI to leave first; false if it never did.
 */
bool apic_send_ipi(uint32_t dest, uint32_t icr_low);

#endif
