/* SPDX-License-Identifier: MIT */
/*
 * The evtchn suite's event callback (guest/include/guest/evtchn.h).  The
 * hypervisor bounces here as for an interrupt: rsp -> rcx, r11, rip, cs
 * (old event mask in bits 32-39), rflags, rsp, ss, with events masked.
 * Like the cpu suite's stubs (guest/traps.S) it pops rcx and r11, pushes
 * a zero error code and a pseudo vector, saves the other registers as a
 * struct cpu_regs and calls evtchn_upcall(regs); the way out is the cpu
 * suite's HYPERVISOR_iret, whose IF (from the frame) unmasks events again.
 */

#include <guest/kctx_asm.h>

	.text
	.balign 16
	.globl evtchn_upcall_entry
evtchn_upcall_entry:
	pop	%rcx
	pop	%r11
	push	$0
	push	$0x101
	PUSH_CPU_REGS
	mov	%rsp, %rdi
	call	evtchn_upcall
	jmp	cpu_return_regs
