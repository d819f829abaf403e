/* SPDX-License-Identifier: MIT */
/* Thin wrappers for x86-64 instructions: control registers, MSRs, port I/O. */
#ifndef KOAN_ASM_X86_H
#define KOAN_ASM_X86_H

#include <hyp/types.h>

#define X86_CR0_WP    (1UL << 16)
#define X86_CR0_TS    (1UL << 3)
#define X86_CR0_MP    (1UL << 1)
#define X86_CR0_NE    (1UL << 5)
#define X86_CR0_PE    (1UL << 0)
#define X86_CR0_ET    (1UL << 4)
#define X86_CR0_PG    (1UL << 31)
#define X86_CR4_TSD   (1UL << 2)
#define X86_CR4_DE    (1UL << 3)
#define X86_CR4_PAE   (1UL << 5)
#define X86_CR4_MCE   (1UL << 6)
#define X86_CR4_PGE   (1UL << 7)
#define X86_CR4_OSFXSR     (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define X86_CR4_FSGSBASE   (1UL << 16)
#define X86_CR4_OSXSAVE    (1UL << 18)
#define X86_CR4_SMEP  (1UL << 20)
#define X86_CR4_SMAP  (1UL << 21)

#define X86_EFLAGS_TF  (1UL << 8)
#define X86_EFLAGS_IF  (1UL << 9)
#define X86_EFLAGS_DF  (1UL << 10)
#define X86_EFLAGS_IOPL (3UL << 12)
#define X86_EFLAGS_NT  (1UL << 14)
#define X86_EFLAGS_RF  (1UL << 16)
#define X86_EFLAGS_VM  (1UL << 17)
#define X86_EFLAGS_AC  (1UL << 18)

#define MSR_EFER          0xc0000080
#define MSR_STAR          0xc0000081
#define MSR_LSTAR         0xc0000082
#define MSR_CSTAR         0xc0000083
#define MSR_SFMASK        0xc0000084
#define MSR_FS_BASE       0xc0000100
#define MSR_GS_BASE       0xc0000101
#define MSR_SHADOW_GS_BASE 0xc0000102
#define MSR_APIC_BASE     0x1b
#define MSR_TSC_AUX       0xc0000103
#define EFER_SCE  (1UL << 0)
#define EFER_NXE  (1UL << 11)

static inline uint64_t read_cr0(void) { uint64_t v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { asm volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline uint64_t read_cr2(void) { uint64_t v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline uint64_t read_cr4(void) { uint64_t v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
                               uint32_t *c, uint32_t *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline void invlpg(uint64_t va) { asm volatile("invlpg (%0)" :: "r"(va) : "memory"); }
static inline void cpu_relax(void) { asm volatile("pause"); }
__attribute__((noreturn)) static inline void halt_forever(void) { for (;;) asm volatile("cli; hlt"); }

static inline uint64_t read_rflags(void)
{
    uint64_t f;
    asm volatile("pushf; pop %0" : "=r"(f));
    return f;
}

#endif
