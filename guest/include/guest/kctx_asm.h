/* SPDX-License-Identifier: MIT */
/*
 * Assembler macros for leaving C through a guest context and coming back
 * (guest/traps.S: user mode; guest/fuzz_excursion.S: the delivery fuzzer's
 * excursions).  A kernel context is the callee-saved registers and rsp:
 * KCTX_SIZE bytes in .bss.
 */
#ifndef GUEST_KCTX_ASM_H
#define GUEST_KCTX_ASM_H

#define KCTX_SIZE 56
#define CPU_REGS_SIZE 176	/* sizeof(struct cpu_regs) */

.macro KCTX_SAVE ctx
	mov	%rbx, \ctx+0(%rip)
	mov	%rbp, \ctx+8(%rip)
	mov	%r12, \ctx+16(%rip)
	mov	%r13, \ctx+24(%rip)
	mov	%r14, \ctx+32(%rip)
	mov	%r15, \ctx+40(%rip)
	mov	%rsp, \ctx+48(%rip)
.endm

/* Back on the saved stack with the saved registers: `ret` then returns. */
.macro KCTX_RESTORE ctx
	mov	\ctx+0(%rip), %rbx
	mov	\ctx+8(%rip), %rbp
	mov	\ctx+16(%rip), %r12
	mov	\ctx+24(%rip), %r13
	mov	\ctx+32(%rip), %r14
	mov	\ctx+40(%rip), %r15
	mov	\ctx+48(%rip), %rsp
.endm

/*
 * The trap frame's registers under the hypervisor's bounce frame, pushed
 * so that %rsp points at a struct cpu_regs (rcx and r11 first: the bounce
 * frame's own order), the direction flag cleared for C.
 */
.macro PUSH_CPU_REGS
	push	%rcx
	push	%r11
	push	%rax
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	cld
.endm

/* Copy the struct cpu_regs at %rdi onto the stack and return to it. */
.macro RETURN_TO_REGS
	sub	$CPU_REGS_SIZE, %rsp
	mov	%rdi, %rsi
	mov	%rsp, %rdi
	mov	$(CPU_REGS_SIZE / 8), %ecx
	rep movsq
	jmp	cpu_return_regs
.endm

#endif /* GUEST_KCTX_ASM_H */
