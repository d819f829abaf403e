/* SPDX-License-Identifier: MIT */
/*
 * Trap stubs of the smp suite (guest/include/guest/smp.h).  Each (owner,
 * vector) pair has its own stub, which pushes (owner << 8) | vector where
 * the cpu suite's stubs push the vector, so a handler knows whose trap
 * table sent it there; the vCPU that runs it is known from its stack.  The
 * frame is the cpu suite's struct cpu_regs, and the way out is the cpu
 * suite's (cpu_return_regs in guest/traps.S: HYPERVISOR_iret).
 */

#include <guest/kctx_asm.h>

	.text

/* Vectors with an error code among ours: 13 and 14. */
.macro SMP_STUB owner, vec
	.balign 16
smp_stub_\owner\()_\vec:
	pop	%rcx
	pop	%r11
	.if (\vec != 13) && (\vec != 14)
	push	$0
	.endif
	push	$((\owner << 8) | \vec)
	jmp	smp_trap_common
.endm

.macro SMP_OWNER owner
	.irp v, 3,6,7,13,14
	SMP_STUB \owner, \v
	.endr
.endm

	SMP_OWNER 0
	SMP_OWNER 1
	SMP_OWNER 2
	SMP_OWNER 3

smp_trap_common:
	PUSH_CPU_REGS
	mov	%rsp, %rdi
	call	smp_trap_dispatch
	jmp	cpu_return_regs

/*
 * First instructions of a worker vCPU: rdi = its id, rsp = the top of its
 * stack (16-byte aligned).  Note what the context gave us, before any C
 * code changes it, in smp_entry[id] {cs, ss, rsp, rflags, rdi}, then call
 * smp_worker_main(id), which never returns.
 */
	.balign 16
	.globl smp_worker_entry
smp_worker_entry:
	mov	%rdi, %rax
	shl	$3, %rax
	lea	(%rax, %rax, 4), %rax		/* id * 40 */
	lea	smp_entry(%rip), %rdx
	add	%rax, %rdx
	mov	%cs, %rax
	mov	%rax, 0(%rdx)
	mov	%ss, %rax
	mov	%rax, 8(%rdx)
	mov	%rsp, 16(%rdx)
	pushfq
	popq	24(%rdx)
	mov	%rdi, 32(%rdx)
	call	smp_worker_main
	ud2

	.section .rodata
	.balign 8
	.globl smp_stub_table
smp_stub_table:
	.irp o, 0,1,2,3
	.irp v, 3,6,7,13,14
	.quad smp_stub_\o\()_\v
	.endr
	.endr
