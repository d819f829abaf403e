/* SPDX-License-Identifier: MIT */
/*
 * The real-mode trampoline the other CPUs start in (trampoline.S): a blob
 * copied to a page below 1 MiB, with a parameter block the boot CPU fills
 * in before each start-up.  Usable from assembly as well as C.
 */
#ifndef KOAN_ASM_TRAMPOLINE_H
#define KOAN_ASM_TRAMPOLINE_H

/* Parameter block offsets. */
#define TRAMP_P_BOOT_CR3   0    /* 32 bits: the boot page tables (boot.S) */
#define TRAMP_P_APIC_ID    4    /* 32 bits: the only APIC id that may go on */
#define TRAMP_P_CPU        8    /* 32 bits: that CPU's number */
#define TRAMP_P_IDLE_CR3   16   /* 64 bits: the idle page tables */
#define TRAMP_P_STACK      24   /* 64 bits: its first %rsp (below its cpu_info) */
#define TRAMP_P_GDTR       32   /* 2 + 8 bytes: CPU 0's GDT in the image */
#define TRAMP_P_SIZE       48
/* The trampoline's own stack grows down from the end of its page. */
#define TRAMP_STACK_TOP    0x1000

#ifndef __ASSEMBLY__
#include <hyp/types.h>

struct trampoline_params {
    uint32_t boot_cr3;
    uint32_t apic_id;
    uint32_t cpu;
    uint32_t pad;
    uint64_t idle_cr3;
    uint64_t stack;
    uint16_t gdt_limit;
    uint64_t gdt_base;
    uint8_t pad2[6];
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct trampoline_params, boot_cr3) == TRAMP_P_BOOT_CR3, "");
_Static_assert(__builtin_offsetof(struct trampoline_params, apic_id) == TRAMP_P_APIC_ID, "");
_Static_assert(__builtin_offsetof(struct trampoline_params, cpu) == TRAMP_P_CPU, "");
_Static_assert(__builtin_offsetof(struct trampoline_params, idle_cr3) == TRAMP_P_IDLE_CR3, "");
_Static_assert(__builtin_offsetof(struct trampoline_params, stack) == TRAMP_P_STACK, "");
_Static_assert(__builtin_offsetof(struct trampoline_params, gdt_limit) == TRAMP_P_GDTR, "");
_Static_assert(sizeof(struct trampoline_params) == TRAMP_P_SIZE, "");

extern const char trampoline_start[], trampoline_end[], trampoline_params[];
#endif

#endif
