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
/* Interrupt at TIMER_VECTOR every `count` timer ticks (no calibration: a
 * tick is 1 ns under QEMU, a bus clock on hardware). */
void apic_timer_start_periodic(uint32_t count);
void apic_eoi(void);
/*
 * Send an IPI to the APIC with id dest: icr_low is a delivery mode, the
 * level bit and a vector.  Waits (at most 1 ms, needs the calibrated TSC)
 * for the previous IPI to leave first; false if it never did.
 */
bool apic_send_ipi(uint32_t dest, uint32_t icr_low);

#endif
