/* SPDX-License-Identifier: MIT */
/*
 * Multiboot entry: QEMU (or GRUB) enters start32 in 32-bit protected mode with
 * paging off.  We map the first GiB twice -- identity, and at HYP_VIRT_OFFSET
 * where the image is linked -- enter long mode and jump to the linked address.
 * The real page tables are built in C (paging_init); these boot tables are
 * used only until then.
 */
#include <asm/layout.h>

#define MB_MAGIC       0x1BADB002
#define MB_PAGE_ALIGN  (1 << 0)      /* modules page aligned */
#define MB_MEMORY_INFO (1 << 1)      /* give us mem_* and the mmap */
#define MB_ADDRESSES   (1 << 16)     /* load by the header's address fields */
#define MB_FLAGS       (MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_ADDRESSES)

#define MSR_EFER       0xc0000080
#define EFER_LME       (1 << 8)
#define EFER_NXE       (1 << 11)
#define CR0_PE         (1 << 0)
#define CR0_WP         (1 << 16)
#define CR0_PG         (1 << 31)
#define CR4_PAE        (1 << 5)

    .section .boot.header, "a"
    .balign 4
multiboot_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long multiboot_header          /* header_addr (we are linked physical here) */
    .long __image_phys_start        /* load_addr */
    .long __load_end_phys           /* load_end_addr */
    .long __bss_end_phys            /* bss_end_addr: the loader zeroes the bss */
    .long start32                   /* entry_addr */

    .section .boot.text, "ax"
    .code32
    .globl start32
start32:
    cli
    cld
    mov     %eax, %edi              /* multiboot magic */
    mov     %ebx, %esi              /* multiboot info (physical) */

    /* boot_l2: 512 x 2 MiB pages covering the first GiB. */
    mov     $boot_l2, %edx
    xor     %ecx, %ecx
1:  mov     %ecx, %eax
    shl     $21, %eax
    or      $0x83, %eax             /* present, writable, 2 MiB */
    mov     %eax, (%edx, %ecx, 8)
    movl    $0, 4(%edx, %ecx, 8)
    inc     %ecx
    cmp     $512, %ecx
    jne     1b

    lgdt    boot_gdt_desc
    /* PAE alone, not ORed in: a loader's LA57 would make our tables 5-level. */
    mov     $CR4_PAE, %eax
    mov     %eax, %cr4
    mov     $boot_l4, %eax
    mov     %eax, %cr3
    mov     $MSR_EFER, %ecx
    rdmsr
    or      $(EFER_LME | EFER_NXE), %eax
    wrmsr
    mov     %cr0, %eax
    or      $(CR0_PG | CR0_WP | CR0_PE), %eax
    mov     %eax, %cr0
    ljmp    $8, $start64_low

    .code64
start64_low:
    mov     $16, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    xor     %eax, %eax
    mov     %eax, %fs
    mov     %eax, %gs
    movabs  $start64, %rax
    jmp     *%rax

    .section .boot.data, "aw"
    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .balign 4096
boot_l4:
    .quad boot_l3 + 0x3             /* slot 0: identity */
    .fill HYP_IMAGE_SLOT - 1, 8, 0
    .quad boot_l3 + 0x3             /* slot 261: linked addresses */
    .fill 511 - HYP_IMAGE_SLOT, 8, 0
boot_l3:
    .quad boot_l2 + 0x3
    .fill 511, 8, 0
boot_l2:
    .fill 512, 8, 0

    .text
    .code64
start64:
    lea     cpu0_stack + STACK_SIZE - CPU_INFO_SIZE(%rip), %rsp
    xor     %ebp, %ebp
    mov     %edi, %edi              /* upper halves are undefined after the mode switch */
    mov     %esi, %esi
    call    start_koan
    ud2

/* The image's physical extent, for the frame allocator (absolute values). */
    .section .rodata
    .balign 8
    .globl image_phys_start, image_phys_end, boot_l4_phys
image_phys_start:
    .quad __image_phys_start
image_phys_end:
    .quad __bss_end_phys
/* The boot page tables, which the other CPUs start on too (trampoline.S). */
boot_l4_phys:
    .quad boot_l4
