/* SPDX-License-Identifier: MIT */
/*
 * Low-level helpers of the delivery fuzzer (guest/fuzz_delivery.c): leave
 * the C world through HYPERVISOR_iret to an arbitrary frame, directly or
 * as an entry of a multicall, and come back through fuzz_excursion_end() from
 * whatever trap, syscall or landing ends the excursion.
 *
 * long fuzz_excursion(const struct cpu_regs *regs)
 *	Save the callee-saved registers and rsp, then return to *regs the
 *	way every trap handler does (cpu_return_regs in guest/traps.S).
 * long fuzz_excursion_multicall(const void *list, unsigned long n,
 *			       void *frame)
 *	Save as above, point rsp at frame (a struct iret_context) and issue
 *	multicall(list, n): an iret entry in the list returns to the frame.
 *	If the multicall returns instead, its result is the value.
 * void fuzz_excursion_end(long value)
 *	Back to the caller of either, which returns value.
 * fuzz_excursion_land
 *	A kernel-mode landing for iret frames: resumes with value 1.
 */

#define HYPERCALL_MULTICALL 13

	.text

.macro SAVE_CONTEXT
	mov	%rbx, fuzz_excursion_ctx+0(%rip)
	mov	%rbp, fuzz_excursion_ctx+8(%rip)
	mov	%r12, fuzz_excursion_ctx+16(%rip)
	mov	%r13, fuzz_excursion_ctx+24(%rip)
	mov	%r14, fuzz_excursion_ctx+32(%rip)
	mov	%r15, fuzz_excursion_ctx+40(%rip)
	mov	%rsp, fuzz_excursion_ctx+48(%rip)
.endm

	.globl fuzz_excursion
fuzz_excursion:
	SAVE_CONTEXT
	sub	$176, %rsp	/* sizeof(struct cpu_regs) */
	mov	%rdi, %rsi
	mov	%rsp, %rdi
	mov	$22, %ecx
	rep movsq
	jmp	cpu_return_regs

	.globl fuzz_excursion_multicall
fuzz_excursion_multicall:
	SAVE_CONTEXT
	mov	%rdx, %rsp
	mov	$HYPERCALL_MULTICALL, %eax
	syscall
	mov	%rax, %rdi
	jmp	fuzz_excursion_end

	.globl fuzz_excursion_land
fuzz_excursion_land:
	mov	$1, %edi
	/* fall through */

	.globl fuzz_excursion_end
fuzz_excursion_end:
	mov	%rdi, %rax
	mov	fuzz_excursion_ctx+0(%rip), %rbx
	mov	fuzz_excursion_ctx+8(%rip), %rbp
	mov	fuzz_excursion_ctx+16(%rip), %r12
	mov	fuzz_excursion_ctx+24(%rip), %r13
	mov	fuzz_excursion_ctx+32(%rip), %r14
	mov	fuzz_excursion_ctx+40(%rip), %r15
	mov	fuzz_excursion_ctx+48(%rip), %rsp
	pushq	$2		/* DF, AC, TF, NT as C expects them: clear */
	popfq
	ret

	.bss
	.balign 8
fuzz_excursion_ctx:
	.skip 56
