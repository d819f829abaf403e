/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's part of every address space: L4 slots 256-271
 * (HYPERVISOR_VIRT_START..HYPERVISOR_VIRT_END), shared by all guests.
 *
 *   slot 256  0xffff800000000000  read-only M2P, guest readable (ABI address)
 *   slot 257  0xffff808000000000  writable alias of the M2P, hypervisor only
 *   slot 261  0xffff828000000000  hypervisor image (virtual = base + physical),
 *                                 and 1 GiB above it the other CPUs' stack blocks
 *   slot 262  0xffff830000000000  direct map of machine memory (NX)
 *   other slots up to 271         unused, reserved
 *
 * Usable from assembly as well as C.
 */
#ifndef KOAN_ASM_LAYOUT_H
#define KOAN_ASM_LAYOUT_H

#ifdef __ASSEMBLY__
#define _UL(x) x
#else
#define _UL(x) x##UL
#endif

#define HYP_SLOT_FIRST      256
#define HYP_SLOT_LAST       271

#define M2P_RO_VIRT_START   _UL(0xffff800000000000)
#define M2P_RW_VIRT_START   _UL(0xffff808000000000)
#define M2P_SLOT_RO         256
#define M2P_SLOT_RW         257
#define M2P_MAX_BYTES       _UL(0x4000000000)   /* 256 GiB: room for 2^35 frames */

#define HYP_VIRT_OFFSET     _UL(0xffff828000000000)
#define HYP_IMAGE_SLOT      261
#define HYP_PHYS_BASE       _UL(0x200000)        /* where multiboot loads us */

#define DIRECTMAP_START     _UL(0xffff830000000000)
#define DIRECTMAP_SLOT      262
#define DIRECTMAP_MAX_BYTES _UL(0x8000000000)    /* one slot: 512 GiB */

#define STACK_ORDER         3                    /* 8 pages per CPU stack */
#define STACK_SIZE          (_UL(4096) << STACK_ORDER)
#define IST_STACK_SIZE      _UL(4096)
#define CPU_INFO_SIZE       256                  /* struct cpu_info at each stack top */
/* cpu_info.guest_regs offset: makes &guest_regs.es (= TSS.RSP0) 16-byte aligned,
 * as the CPU aligns the stack before pushing an exception frame. */
#define CPU_INFO_GUEST_REGS 8

/*
 * Physical CPUs: a compile-time cap (docs/boot.md, "Starting the other
 * CPUs"), the same as include/hyp/cpumask.h's for C (this one is for
 * assembly too).  CPU 0, the boot CPU, runs on cpu0_stack in the image.  CPU n >= 1
 * runs on a stack block from the frame allocator, mapped (also) at
 * PERCPU_STACKS_VIRT + n * PERCPU_STACK_STRIDE: close enough to the image
 * that its syscall entry stub reaches the block RIP-relative, and with the
 * STACK_SIZE below every block left unmapped as a guard.
 */
#define NR_CPUS_MAX         64
#define PERCPU_STACKS_VIRT  (HYP_VIRT_OFFSET + _UL(0x40000000))
#define PERCPU_STACK_STRIDE (2 * STACK_SIZE)

/* Reserved GDT entries, identical to Xen's: FIRST_RESERVED_GDT_ENTRY = 7168. */
#define GDT_ENTRIES          8192
#define HYP_CS64             0xe008
#define HYP_DS               0xe010
#define GUEST_CS32           0xe023   /* FLAT_RING3_CS32 */
#define GUEST_DS             0xe02b   /* FLAT_RING3_DS64 / SS */
#define GUEST_CS64           0xe033   /* FLAT_RING3_CS64 */
#define HYP_TSS              0xe040
#define HYP_LDT              0xe050   /* the running vCPU's LDT (16-byte descriptor) */
#define SYSRET_CS_BASE       0xe020   /* sysret: CS = base+16, SS = base+8 */

#endif
