/* SPDX-License-Identifier: MIT */
/* The local APIC: enabled, with a spurious vector, nothing else yet. */
#ifndef KOAN_ASM_APIC_H
#define KOAN_ASM_APIC_H

#include <hyp/types.h>

void apic_init(void);
/* Interrupt at TIMER_VECTOR every `count` timer ticks (no calibration: a
 * tick is 1 ns under QEMU, a bus clock on hardware). */
void apic_timer_start_periodic(uint32_t count);
void apic_eoi(void);

#endif
