/* SPDX-License-Identifier: MIT */
/*
 * Where the other CPUs start.  A start-up IPI makes a CPU run in real mode
 * at the start of a page below 1 MiB (CS = page >> 4, IP = 0); smpboot.c
 * copies the blob between trampoline_start and trampoline_end there.  It
 * works out its own physical address from CS, so it runs wherever it is
 * copied: protected mode on its own small GDT, then long mode on the boot
 * page tables (boot.S: the first GiB identity-mapped and at the image's
 * link address), then into the image at ap_start64, which moves to the
 * idle page tables and the CPU's own stack and calls smp_ap_start.
 *
 * Only the CPU whose APIC id is in the parameter block goes on; any other
 * (one that answers a start-up meant for an earlier CPU, after the boot CPU
 * gave up on it) halts at once for good, before it writes anything, so it
 * can never use the trampoline's stack or another CPU's.
 */
#include <asm/layout.h>
#include <asm/trampoline.h>

#define MSR_EFER  0xc0000080
#define EFER_SCE  (1 << 0)
#define EFER_LME  (1 << 8)
#define EFER_NXE  (1 << 11)
#define CR0_PE    (1 << 0)
#define CR0_MP    (1 << 1)
#define CR0_ET    (1 << 4)
#define CR0_NE    (1 << 5)
#define CR0_WP    (1 << 16)
#define CR0_PG    (1 << 31)
#define CR4_PAE   (1 << 5)
#define TR_CS32   0x08
#define TR_DS     0x10
#define TR_CS64   0x18
#define OFF(label) ((label) - trampoline_start)

    .section .rodata
    .balign 16
    .globl trampoline_start, trampoline_end, trampoline_params
    .code16
trampoline_start:
    cli
    cld
    mov     %cs, %ax
    mov     %ax, %ds
    /* Before anything is written: is this the CPU being started? */
    mov     $1, %eax
    cpuid                               /* EBX[31:24]: this CPU's APIC id */
    shr     $24, %ebx
    cmp     OFF(trampoline_params) + TRAMP_P_APIC_ID, %ebx
    jne     tr_halt
    mov     %cs, %ax
    mov     %ax, %ss
    mov     $TRAMP_STACK_TOP, %sp
    movzwl  %ax, %esi
    shl     $4, %esi                    /* %esi: the page's physical address */
    lea     OFF(tr_gdt)(%esi), %eax
    mov     %eax, OFF(tr_gdt_desc) + 2
    lgdtl   OFF(tr_gdt_desc)
    mov     %cr0, %eax
    or      $CR0_PE, %eax
    mov     %eax, %cr0
    lea     OFF(tr_32)(%esi), %eax
    pushl   $TR_CS32
    pushl   %eax
    lretl
tr_halt:
    cli
    hlt
    jmp     tr_halt

    .code32
tr_32:
    mov     $TR_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    lea     TRAMP_STACK_TOP(%esi), %esp
    /* PAE alone, as boot.S: the boot tables are 4-level. */
    mov     $CR4_PAE, %eax
    mov     %eax, %cr4
    mov     OFF(trampoline_params) + TRAMP_P_BOOT_CR3(%esi), %eax
    mov     %eax, %cr3
    mov     $MSR_EFER, %ecx
    rdmsr
    or      $(EFER_LME | EFER_NXE | EFER_SCE), %eax
    wrmsr
    /* A known CR0, caches on (INIT leaves CD and NW set). */
    mov     $(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE), %eax
    mov     %eax, %cr0
    lea     OFF(tr_64)(%esi), %eax
    push    $TR_CS64
    push    %eax
    lret

    .code64
tr_64:
    mov     %esi, %esi                  /* upper halves are undefined after the mode switch */
    /* CPU 0's GDT in the image: mapped by the boot and the idle tables alike. */
    lgdt    OFF(trampoline_params) + TRAMP_P_GDTR(%rsi)
    mov     OFF(trampoline_params) + TRAMP_P_CPU(%rsi), %edi
    mov     OFF(trampoline_params) + TRAMP_P_IDLE_CR3(%rsi), %rdx
    mov     OFF(trampoline_params) + TRAMP_P_STACK(%rsi), %rcx
    movabs  $ap_start64, %rax
    jmp     *%rax

    .balign 8
tr_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff            /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff            /* 0x10: data */
    .quad 0x00af9a000000ffff            /* 0x18: 64-bit code */
tr_gdt_end:
tr_gdt_desc:
    .word tr_gdt_end - tr_gdt - 1
    .long 0                             /* the physical address, filled in above */
    .balign 8
trampoline_params:
    .fill TRAMP_P_SIZE, 1, 0
trampoline_end:

/*
 * In the image, still on the boot tables and CPU 0's GDT: %edi = CPU
 * number, %rdx = the idle tables, %rcx = the CPU's stack (mapped only in
 * the idle tables, so loaded after the switch).
 */
    .text
    .globl ap_start64
ap_start64:
    mov     %rdx, %cr3
    mov     %rcx, %rsp
    pushq   $HYP_CS64
    lea     1f(%rip), %rax
    push    %rax
    lretq
1:  mov     $HYP_DS, %eax
    mov     %eax, %ss
    mov     %eax, %ds
    mov     %eax, %es
    xor     %eax, %eax
    mov     %eax, %fs
    mov     %eax, %gs
    xor     %ebp, %ebp
    call    smp_ap_start
    ud2

/* The stack blocks' alias area, as a symbol: entry.S's syscall stubs reach it RIP-relative. */
    .globl percpu_stacks_virt
    .set percpu_stacks_virt, PERCPU_STACKS_VIRT
