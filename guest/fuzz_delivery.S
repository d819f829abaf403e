/* SPDX-License-Identifier: MIT */
/*
 * Low-level helpers of the delivery fuzzer (guest/fuzz_delivery.c): leave
 * the C world through HYPERVISOR_iret to an arbitrary frame, directly or
 * as an entry of a multicall, and come back through fuzz_dl_resume() from
 * whatever trap, syscall or landing ends the excursion.
 *
 * long fuzz_dl_enter(const struct cpu_regs *regs)
 *	Save the callee-saved registers and rsp, then return to *regs the
 *	way every trap handler does (cpu_return_regs in guest/traps.S).
 * long fuzz_dl_multicall_iret(const void *list, unsigned long n,
 *			       void *frame)
 *	Save as above, point rsp at frame (a struct iret_context) and issue
 *	multicall(list, n): an iret entry in the list returns to the frame.
 *	If the multicall returns instead, its result is the value.
 * void fuzz_dl_resume(long value)
 *	Back to the caller of either, which returns value.
 * fuzz_dl_land
 *	A kernel-mode landing for iret frames: resumes with value 1.
 */

#define HYPERCALL_MULTICALL 13

	.text

.macro SAVE_CONTEXT
	mov	%rbx, fuzz_dl_ctx+0(%rip)
	mov	%rbp, fuzz_dl_ctx+8(%rip)
	mov	%r12, fuzz_dl_ctx+16(%rip)
	mov	%r13, fuzz_dl_ctx+24(%rip)
	mov	%r14, fuzz_dl_ctx+32(%rip)
	mov	%r15, fuzz_dl_ctx+40(%rip)
	mov	%rsp, fuzz_dl_ctx+48(%rip)
.endm

	.globl fuzz_dl_enter
fuzz_dl_enter:
	SAVE_CONTEXT
	sub	$176, %rsp	/* sizeof(struct cpu_regs) */
	mov	%rdi, %rsi
	mov	%rsp, %rdi
	mov	$22, %ecx
	rep movsq
	jmp	cpu_return_regs

	.globl fuzz_dl_multicall_iret
fuzz_dl_multicall_iret:
	SAVE_CONTEXT
	mov	%rdx, %rsp
	mov	$HYPERCALL_MULTICALL, %eax
	syscall
	mov	%rax, %rdi
	jmp	fuzz_dl_resume

	.globl fuzz_dl_land
fuzz_dl_land:
	mov	$1, %edi
	/* fall through */

	.globl fuzz_dl_resume
fuzz_dl_resume:
	mov	%rdi, %rax
	mov	fuzz_dl_ctx+0(%rip), %rbx
	mov	fuzz_dl_ctx+8(%rip), %rbp
	mov	fuzz_dl_ctx+16(%rip), %r12
	mov	fuzz_dl_ctx+24(%rip), %r13
	mov	fuzz_dl_ctx+32(%rip), %r14
	mov	fuzz_dl_ctx+40(%rip), %r15
	mov	fuzz_dl_ctx+48(%rip), %rsp
	ret

	.bss
	.balign 8
fuzz_dl_ctx:
	.skip 56
