/* SPDX-License-Identifier: MIT */
/* The local APIC: enabled, with a spurious vector, nothing else yet. */
#ifndef KOAN_ASM_APIC_H
#define KOAN_ASM_APIC_H

void apic_init(void);

#endif
