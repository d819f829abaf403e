/* SPDX-License-Identifier: MIT */
/*
 * Trap and callback entry of the cpu suite (guest/include/guest/cpu.h).
 *
 * The hypervisor bounces to us with rsp -> rcx, r11, [error code], rip,
 * cs (old event mask in bits 32-39), rflags, rsp, ss.  Each stub pops rcx
 * and r11, pushes a zero error code if the vector has none and the vector
 * number, and the common code pushes the other registers, building a
 * struct cpu_regs, and calls cpu_trap_dispatch(regs).  On the way out the
 * registers are reloaded from that struct and the frame is rewritten in
 * place into an iret_context {rax, r11, rcx, flags = 0, rip, cs, rflags,
 * rsp, ss} for HYPERVISOR_iret (number 23), so whatever the handler left
 * in the struct is where we return to.
 */

#include <guest/kctx_asm.h>

#define HYPERCALL_IRET 23

	.text

/* Vectors with an error code: 8, 10-14, 17, 21. */
.macro STUB vec
	.balign 16
cpu_stub_\vec:
	pop	%rcx
	pop	%r11
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21)
	.else
	push	$0
	.endif
	push	$\vec
	jmp	cpu_trap_common
.endm

	.globl cpu_stubs_0_31
cpu_stubs_0_31:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \v
	.endr
	.irp v, 128,129,130,131
	STUB \v
	.endr

	/* Stub addresses for C: vectors 0-31 then 0x80-0x83. */
	.section .rodata
	.balign 8
	.globl cpu_stub_table
cpu_stub_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,128,129,130,131
	.quad cpu_stub_\v
	.endr
	.text

	/* syscall from guest user mode: rcx, r11, rip, cs, rflags, rsp, ss. */
	.balign 16
	.globl cpu_entry_syscall
cpu_entry_syscall:
	pop	%rcx
	pop	%r11
	push	$0
	push	$0x100
	jmp	cpu_trap_common

	/* Event upcall: same frame as an exception without error code. */
	.balign 16
	.globl cpu_entry_event
cpu_entry_event:
	pop	%rcx
	pop	%r11
	push	$0
	push	$0x101
	jmp	cpu_trap_common

	/* Failsafe: rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss. */
	.balign 16
	.globl cpu_entry_failsafe
cpu_entry_failsafe:
	pop	%rcx
	pop	%r11
	popq	cpu_failsafe_seg(%rip)
	popq	cpu_failsafe_seg+8(%rip)
	popq	cpu_failsafe_seg+16(%rip)
	popq	cpu_failsafe_seg+24(%rip)
	push	$0
	push	$0x102
	jmp	cpu_trap_common

cpu_trap_common:
	PUSH_CPU_REGS
	mov	%rsp, %rdi
	call	cpu_trap_dispatch
	.globl cpu_return_regs
cpu_return_regs:		/* rsp -> struct cpu_regs: return to it */
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rax
	pop	%r11
	pop	%rcx
	add	$16, %rsp	/* vector, error code: rsp -> rip */
	push	$0		/* flags: not VGCF_in_syscall, restore rcx/r11 */
	push	%rcx
	push	%r11
	push	%rax
	mov	$HYPERCALL_IRET, %eax
	syscall
	ud2			/* iret does not return here */

/*
 * long cpu_enter_user(const struct cpu_regs *regs): save our callee-saved
 * registers and stack, then return (HYPERVISOR_iret) to the context in
 * *regs.  Comes back as the return value of cpu_kernel_resume(value),
 * which a trap handler calls on its own stack.
 */
	.globl cpu_enter_user
cpu_enter_user:
	KCTX_SAVE cpu_kctx
	RETURN_TO_REGS

	.globl cpu_kernel_resume
cpu_kernel_resume:
	mov	%rdi, %rax
	KCTX_RESTORE cpu_kctx
	ret

	.bss
	.balign 8
	.globl cpu_failsafe_seg
cpu_failsafe_seg:
	.skip 32
cpu_kctx:
	.skip KCTX_SIZE
