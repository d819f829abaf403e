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

#include <guest/kctx_asm.h>

#define HYPERCALL_MULTICALL 13

	.text

	.globl fuzz_excursion
fuzz_excursion:
	KCTX_SAVE fuzz_excursion_ctx
	RETURN_TO_REGS

	.globl fuzz_excursion_multicall
fuzz_excursion_multicall:
	KCTX_SAVE fuzz_excursion_ctx
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
	KCTX_RESTORE fuzz_excursion_ctx
	pushq	$2		/* DF, AC, TF, NT as C expects them: clear */
	popfq
	ret

	.bss
	.balign 8
fuzz_excursion_ctx:
	.skip KCTX_SIZE
