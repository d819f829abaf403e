/* SPDX-License-Identifier: MIT */
/* Exception entry points called from entry.S, and the CPU tables they use. */
#ifndef KOAN_ASM_TRAPS_H
#define KOAN_ASM_TRAPS_H

#include <hyp/types.h>
#include <hyp/xen_public.h>

#define X86_EXC_DE   0
#define X86_EXC_DB   1
#define X86_EXC_NMI  2
#define X86_EXC_BP   3
#define X86_EXC_OF   4
#define X86_EXC_BR   5
#define X86_EXC_UD   6
#define X86_EXC_NM   7
#define X86_EXC_DF   8
#define X86_EXC_TS   10
#define X86_EXC_NP   11
#define X86_EXC_SS   12
#define X86_EXC_GP   13
#define X86_EXC_PF   14
#define X86_EXC_MF   16
#define X86_EXC_AC   17
#define X86_EXC_MC   18
#define X86_EXC_XM   19
/* Koan's interrupt vectors (docs/boot.md, "Starting the other CPUs"). */
#define SPURIOUS_VECTOR 0xff
#define TIMER_VECTOR    0xf0   /* the local APIC timer: the scheduler's tick */
#define IPI_CALL_VECTOR 0xf1   /* smp_call_function: run the requested function */
#define IPI_WAKE_VECTOR 0xf2   /* only wakes a halted CPU, which then looks for work */
#define IPI_TLB_VECTOR  0xf3   /* a TLB shootdown: flush if asked to (hyp/mm/tlb.c) */
#define LEGACY_SYSCALL_VECTOR 0x80
#define TRAP_SYSCALL 256

void do_exception(struct cpu_user_regs *regs);
void do_syscall_entry(struct cpu_user_regs *regs);
void do_compat_syscall_entry(struct cpu_user_regs *regs);
bool prepare_return_to_guest(struct cpu_user_regs *regs);
__attribute__((noreturn)) void return_to_guest(void);
/* The iretq of return_to_guest, and what its fix-up calls with the frame it refused. */
extern const char iret_to_guest[];
void pv_iret_to_guest_faulted(struct cpu_user_regs *regs);
/* From an IST stack: pv_guest_exception(frame) on this CPU's main stack, then back to the guest. */
__attribute__((noreturn)) void guest_exception_on_main_stack(struct cpu_user_regs *frame);

/* True if regs were interrupted in the guest (ring 3). */
static inline int guest_mode(const struct cpu_user_regs *regs) { return (regs->cs & 3) == 3; }

const char *exception_name(unsigned vector);
/* Resume at the fix-up for a faulting guest-access instruction; false if none. */
int exception_fixup(struct cpu_user_regs *regs);
__attribute__((noreturn)) void fatal_exception(const struct cpu_user_regs *regs);

/* The boot CPU's GDT, TSS and IDT (before paging), then its GDT window. */
void cpu_tables_init(void);
/* After paging: run on the GDT window (see cpu.c). */
void cpu_gdt_window_init(void);
/* On the boot CPU, before starting CPU cpu: its TSS, reserved GDT entries
 * and GDT window (its stack block must be mapped).  0 or -ENOMEM. */
int cpu_prepare(unsigned cpu);
/* On a starting CPU: load what cpu_prepare made, and the shared IDT. */
void cpu_tables_init_ap(void);
/* CPU 0's GDT in the image, which starting CPUs use until cpu_tables_init_ap. */
void cpu_boot_gdtr(uint16_t *limit, uint64_t *base);
/* Show these guest GDT frames (up to 14) in the window, zero pages after them. */
void cpu_gdt_load_frames(const mfn_t *frames, unsigned nr);
/* Point Koan's LDT descriptor (HYP_LDT) at base/limit. */
void cpu_set_ldt_descriptor(uint64_t base, uint32_t limit);
/* The descriptor a selector names in the current GDT. */
const uint64_t *cpu_gdt_entry(uint16_t sel);
/* Boot CPU: choose CR4 from what the CPU has, log it, as cpu_features_this_cpu. */
void cpu_features_init(void);
/* CR0, CR4, EFER and the syscall MSRs (this CPU's own entry stubs). */
void cpu_features_this_cpu(void);
extern uint8_t cpu_has_smap;

#endif
