/* SPDX-License-Identifier: MIT */
/*
 * User-mode programs of the cpu suite.  These pages (section .text.user,
 * page aligned and padded) are mapped read-only at USER_CODE_VA in every
 * user address space, so the code is position independent and names user
 * memory by absolute address (guest/include/guest/cpu.h).  Entry: rdi =
 * argument.  Syscall: rax = number, rdi = argument (SYS_* in cpu.h).
 * Labels named user_f_* mark the instruction a case expects to trap.
 */

#define SYS_EXIT 0
#define SYS_YIELD 1
#define SYS_REPORT 2
#define SYS_GETPID 3
#define SYS_HYP_YIELD 4
#define USER_DATA 0x500000
#define USER_SHARED 0x501000
#define USER_DZ 0x510000

.macro SYS n
	mov	$\n, %eax
	syscall
.endm
.macro REPORT reg
	mov	\reg, %rdi
	SYS	SYS_REPORT
.endm
.macro EXIT val
	mov	\val, %rdi
	SYS	SYS_EXIT
.endm
/* Known values in rcx and r11, for the frame checks. */
.macro MARK
	mov	$0x1111111111111111, %rcx
	mov	$0x2222222222222222, %r11
.endm
.macro G name
	.globl \name
\name:
.endm

	.section .text.user, "ax", @progbits
	.balign 4096
	G user_text_start

/* Report pid, cs, ss, rsp, a TSC delta; exit with the argument. */
G user_prog_hello
	mov	%rdi, %r12
	SYS	SYS_GETPID
	REPORT	%rax
	mov	%cs, %rax
	REPORT	%rax
	mov	%ss, %rax
	REPORT	%rax
	REPORT	%rsp
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r13
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	sub	%r13, %rdx
	REPORT	%rdx
	EXIT	%r12

/* One syscall whose frame the case inspects, with rdi = 0x5ca11. */
G user_prog_sysframe
	mov	$0x5ca11, %rdi
	mov	$SYS_REPORT, %eax
	mov	$0x3333, %r12
	std				/* DF set: Xen clears it for the callback */
G user_f_syscall
	syscall
G user_f_syscall_after
	cld
	/* A "hypercall" from user mode is only a syscall to our kernel. */
	mov	$17, %eax		/* xen_version */
	xor	%edi, %edi
	syscall
	REPORT	%rax
	EXIT	$0

/* Faulting instructions: each is the first thing after MARK. */
G user_prog_de
	xor	%edx, %edx
	mov	$1, %eax
	xor	%ebx, %ebx
	MARK
G user_f_de
	div	%rbx
	EXIT	$0

G user_prog_db
	MARK
	pushfq
	orq	$0x100, (%rsp)
	popfq
G user_f_db
	nop
G user_f_db_after
	nop
	EXIT	$0

G user_prog_bp
	MARK
G user_f_bp
	int3
G user_f_bp_after
	EXIT	$0

G user_prog_int4
	MARK
G user_f_int4
	int	$4
G user_f_int4_after
	EXIT	$0

G user_prog_int5
	MARK
G user_f_int5
	int	$5
G user_f_int5_after
	EXIT	$0

G user_prog_ud
	MARK
G user_f_ud
	ud2
	EXIT	$0

G user_prog_nm
	MARK
G user_f_nm
	xorps	%xmm0, %xmm0
	EXIT	$0

G user_prog_gp
	mov	$0x8000000000000000, %rax
	MARK
G user_f_gp
	mov	(%rax), %rax
	EXIT	$0

/* Read a guest-kernel address: not mapped in the user address space. */
G user_prog_pf_kernel
	mov	$0xffffffff80001000, %rax
	MARK
G user_f_pf_kernel
	mov	(%rax), %rax
	EXIT	$0

/* Write to our own (read-only) code page. */
G user_prog_pf_code
	lea	user_text_start(%rip), %rax
	MARK
G user_f_pf_code
	movq	$0, (%rax)
	EXIT	$0

G user_prog_int80
	MARK
G user_f_int80
	int	$0x80
G user_f_int80_after
	EXIT	$0

G user_prog_int81
	MARK
G user_f_int81
	int	$0x81
	EXIT	$0

G user_prog_int82
	MARK
G user_f_int82
	int	$0x82
	EXIT	$0

G user_prog_in80
	MARK
G user_f_in80
	inb	$0x80, %al
	EXIT	$0

G user_prog_hlt
	MARK
G user_f_hlt
	hlt
	EXIT	$0

/*
 * Context switch: rdi = V.  Keep V in the private page (same address in
 * every process) and in r12-r15 across 20 yields; exit V, or -1 if
 * anything changed.
 */
G user_prog_switch
	mov	%rdi, %r12
	mov	%rdi, USER_DATA
	mov	%rdi, %r13
	not	%r13
	mov	%rdi, %r15
	xor	$0x5a5a, %r15
	mov	$20, %r14
1:	SYS	SYS_YIELD
	cmp	USER_DATA, %r12
	jne	2f
	mov	%r12, %rax
	not	%rax
	cmp	%rax, %r13
	jne	2f
	mov	%r12, %rax
	xor	$0x5a5a, %rax
	cmp	%rax, %r15
	jne	2f
	dec	%r14
	jnz	1b
	EXIT	%r12
2:	EXIT	$-1

/*
 * Copy-on-write and demand-zero: rdi = V.  Reports: shared word 0 before,
 * after our write (V), shared word 1 (copied), word 0 again after the
 * other process ran (V), a demand-zero read (0), a demand-zero write
 * read back (V).
 */
G user_prog_cow
	mov	%rdi, %r12
	mov	USER_SHARED, %rax
	REPORT	%rax
	SYS	SYS_YIELD
	mov	%r12, USER_SHARED
	mov	USER_SHARED, %rax
	REPORT	%rax
	mov	USER_SHARED+8, %rax
	REPORT	%rax
	SYS	SYS_YIELD
	mov	USER_SHARED, %rax
	REPORT	%rax
	mov	USER_DZ, %rax
	REPORT	%rax
	mov	%r12, USER_DZ+0x3008
	mov	USER_DZ+0x3008, %rax
	REPORT	%rax
	EXIT	$0

/* Segment bases: report gs:0, fs:0, hypervisor yield, report them again. */
G user_prog_seg
	mov	%gs:0, %rax
	REPORT	%rax
	mov	%fs:0, %rax
	REPORT	%rax
	SYS	SYS_HYP_YIELD
	mov	%gs:0, %rax
	REPORT	%rax
	mov	%fs:0, %rax
	REPORT	%rax
	EXIT	$0

/* gs-relative load at an absolute offset (after GS_USER_SEL: base 0). */
/* The descriptor cases' user programs (guest/cases_cpu_desc.c). */
#include "cpu_desc_user.inc"

G user_prog_gsabs
	mov	%gs:USER_DATA+8, %rax
	REPORT	%rax
	EXIT	$0

/* A syscall on the (unmapped) kernel stack: the domain must crash. */
G user_prog_syscall_only
	SYS	SYS_GETPID
	EXIT	%rax

/* The decoder cases' compatibility-mode programs (guest/cases_cpu_decode.c). */
#include "cpu_decode_user.inc"

/* The privileged-instruction cases' programs (guest/cases_cpu_priv.c). */
#include "cpu_priv_user.inc"

/* The bench suite's user programs (guest/bench_cpu.c). */
#include "bench_cpu_user.inc"

/* The evtchn suite's user program (guest/cases_evtchn_upcall.c). */
#include "evtchn_user.inc"

	.balign 4096
	G user_text_end
