/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data lives in a block at the top of each CPU's hypervisor stack and
 * is found from %rsp, never through GS: the guest owns both GS bases.
 *
 * Stack block (STACK_SIZE, aligned to its size; CPU 0's is cpu0_stack, the
 * others' come from the frame allocator and run at their alias in
 * asm/layout.h):
 *   page 0..3  IST stacks for NMI, #DF, #MC, #DB (so they find cpu_info too)
 *   page 4..7  the main stack; struct cpu_info sits at its very top, and
 *              TSS.RSP0 points just past cpu_info.guest_regs.ss, so an entry
 *              from the guest pushes its frame straight into guest_regs.
 */
#ifndef KOAN_ASM_PERCPU_H
#define KOAN_ASM_PERCPU_H

#include <asm/layout.h>
#include <hyp/types.h>
#include <hyp/xen_public.h>

struct vcpu;

struct cpu_info {
    uint64_t align_pad;               /* see CPU_INFO_GUEST_REGS */
    struct cpu_user_regs guest_regs;  /* the interrupted guest context */
    struct vcpu *current;             /* vCPU whose state is in guest_regs */
    uint32_t cpu_id;                  /* 0 .. NR_CPUS_MAX - 1; 0 is the boot CPU */
    uint32_t apic_id;                 /* its local APIC's id, which IPIs name */
    uint32_t iret_fault_vector;       /* the fault iretq raised (iret_to_guest_fixup) */
    uint32_t iret_fault_error;
    vaddr_t ldt_window;               /* this CPU's LDT window (asm/paging.h): on every guest #PF */
    uint8_t pad[CPU_INFO_SIZE - CPU_INFO_GUEST_REGS - sizeof(struct cpu_user_regs) - 8 - 16 - 8];
};

_Static_assert(sizeof(struct cpu_info) == CPU_INFO_SIZE, "cpu_info size");
_Static_assert(offsetof(struct cpu_user_regs, rsp) == 152, "cpu_user_regs.rsp");
_Static_assert(offsetof(struct cpu_user_regs, ss) == 160, "cpu_user_regs.ss");
_Static_assert(offsetof(struct cpu_user_regs, es) == 168, "hardware frame ends at es");
_Static_assert(offsetof(struct cpu_info, guest_regs) == CPU_INFO_GUEST_REGS, "guest_regs offset");
_Static_assert((CPU_INFO_SIZE - CPU_INFO_GUEST_REGS - 168) % 16 == 0, "TSS.RSP0 16-byte aligned");

enum ist_index { IST_NMI = 1, IST_DF = 2, IST_MC = 3, IST_DB = 4 };

static inline struct cpu_info *get_cpu_info(void)
{
    uint64_t sp;

    /*
     * Not volatile: every %rsp in a stack block gives the same cpu_info, so
     * the compiler may reuse one reading within a function (C never
     * switches stacks; entry.S does, between functions).
     */
    asm("mov %%rsp, %0" : "=r"(sp));
    return (struct cpu_info *)((sp | (STACK_SIZE - 1)) + 1 - CPU_INFO_SIZE);
}

static inline struct vcpu *current_vcpu(void) { return get_cpu_info()->current; }
static inline unsigned smp_processor_id(void) { return get_cpu_info()->cpu_id; }
static inline struct cpu_user_regs *guest_cpu_regs(void) { return &get_cpu_info()->guest_regs; }

extern uint8_t cpu0_stack[STACK_SIZE];

/* The stack block CPU `cpu` runs on (mapped once that CPU was started). */
static inline uint8_t *cpu_stack_block(unsigned cpu)
{
    return cpu ? (uint8_t *)(PERCPU_STACKS_VIRT + cpu * PERCPU_STACK_STRIDE) : cpu0_stack;
}

static inline struct cpu_info *cpu_info_of(unsigned cpu)
{
    return (struct cpu_info *)(cpu_stack_block(cpu) + STACK_SIZE - CPU_INFO_SIZE);
}

#endif
