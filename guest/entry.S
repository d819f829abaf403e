/* SPDX-License-Identifier: MIT */
/*
 * Entry point, boot stack, hypercall page and the Xen ELF notes of the test
 * guest.  The domain builder starts us in guest kernel mode (ring 3) at
 * _start with rsi = start_info; we switch to our own stack and call C.
 * No trap table is registered, so any fault crashes the domain.
 */
#include <xen/elfnote.h>

#define GUEST_VIRT_BASE 0xffffffff80000000
#define XENFEAT_DOM0_BIT 11

/* One Xen note: name "Xen", 4-byte aligned name and descriptor. */
.macro XEN_NOTE_BEGIN type
	.balign 4
	.long 2f - 1f		/* namesz */
	.long 4f - 3f		/* descsz */
	.long \type
1:	.asciz "Xen"
2:	.balign 4
3:
.endm
.macro XEN_NOTE_END
4:	.balign 4
.endm
.macro XEN_NOTE_STR type, str
	XEN_NOTE_BEGIN \type
	.asciz "\str"
	XEN_NOTE_END
.endm
.macro XEN_NOTE_QUAD type, value
	XEN_NOTE_BEGIN \type
	.quad \value
	XEN_NOTE_END
.endm

	.section .note.Xen, "a", @note
	XEN_NOTE_STR XEN_ELFNOTE_GUEST_OS, koan-test
	XEN_NOTE_STR XEN_ELFNOTE_GUEST_VERSION, 0.1
	XEN_NOTE_STR XEN_ELFNOTE_XEN_VERSION, xen-3.0
	XEN_NOTE_STR XEN_ELFNOTE_LOADER, generic
	XEN_NOTE_QUAD XEN_ELFNOTE_VIRT_BASE, GUEST_VIRT_BASE
	XEN_NOTE_QUAD XEN_ELFNOTE_PADDR_OFFSET, 0
	XEN_NOTE_QUAD XEN_ELFNOTE_ENTRY, _start
	XEN_NOTE_QUAD XEN_ELFNOTE_HYPERCALL_PAGE, hypercall_page
	/* Xen refuses a dom0 kernel that does not claim XENFEAT_dom0. */
	XEN_NOTE_BEGIN XEN_ELFNOTE_SUPPORTED_FEATURES
	.long (1 << XENFEAT_DOM0_BIT)
	XEN_NOTE_END

	.section .text.entry, "ax", @progbits
	.globl _start
_start:
	cld
	lea	boot_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	mov	%rsi, %rdi		/* start_info */
	call	guest_main
	/* guest_main shuts the domain down; never return to the builder's rip. */
1:	ud2
	jmp	1b

	/*
	 * The builder fills this page with 32-byte hypercall stubs.  We issue
	 * hypercalls with inline syscall; only the hypercall_page test case
	 * calls through it, to prove it was written.
	 */
	.section .hypercall_page, "ax", @progbits
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0

	.section .bss
	.balign 4096
boot_stack:
	.skip 16384
boot_stack_top:
