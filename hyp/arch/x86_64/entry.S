/* SPDX-License-Identifier: MIT */
/*
 * Entry and exit stubs.  Every entry from the guest -- exception, interrupt
 * or syscall -- leaves the guest's registers in this CPU's
 * cpu_info.guest_regs (a struct cpu_user_regs), and every return to a guest
 * restores from there with iretq.  The hypervisor runs with interrupts off.
 *
 * SMAP: each entry executes CLAC (when the CPU has SMAP) so that a guest
 * cannot enter with EFLAGS.AC set and have us touch its memory by accident;
 * only the guest-access helpers (uaccess.S) open the window with STAC.
 */
#include <asm/layout.h>
#include <asm/spec_ctrl.h>

#define REGS_ERROR     120
#define REGS_VECTOR    124
#define REGS_RIP       128
#define REGS_CS        136
#define REGS_RSP       152
#define REGS_SS        160
#define TRAP_SYSCALL   256

/* Where guest_regs.rsp lies in a stack block, and CPU 0's (see SYSCALL_ENTRY). */
#define FRAME_RSP_OFF  (STACK_SIZE - CPU_INFO_SIZE + CPU_INFO_GUEST_REGS + REGS_RSP)
#define CPU0_FRAME_RSP (cpu0_stack + FRAME_RSP_OFF)

.macro CLAC_IF_SMAP
    testb   $1, cpu_has_smap(%rip)
    jz      1f
    clac
1:
.endm

.macro SAVE_ALL
    push    %rdi
    push    %rsi
    push    %rdx
    push    %rcx
    push    %rax
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %rbx
    push    %rbp
    push    %r12
    push    %r13
    push    %r14
    push    %r15
.endm

.macro RESTORE_ALL
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbp
    pop     %rbx
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rax
    pop     %rcx
    pop     %rdx
    pop     %rsi
    pop     %rdi
.endm

    .text

/* Exception and interrupt vectors: normalise to "error code pushed". */
.macro VECTOR vec, has_err
    .balign 16
vector_\vec:
    .if \has_err == 0
    push    $0
    .endif
    movl    $\vec, 4(%rsp)
    jmp     exception_common
.endm

.macro ERR_VECTOR vec
    VECTOR \vec, 1
.endm
.macro NOERR_VECTOR vec
    VECTOR \vec, 0
.endm

NOERR_VECTOR 0
NOERR_VECTOR 1
NOERR_VECTOR 2
NOERR_VECTOR 3
NOERR_VECTOR 4
NOERR_VECTOR 5
NOERR_VECTOR 6
NOERR_VECTOR 7
ERR_VECTOR 8
NOERR_VECTOR 9
ERR_VECTOR 10
ERR_VECTOR 11
ERR_VECTOR 12
ERR_VECTOR 13
ERR_VECTOR 14
NOERR_VECTOR 15
NOERR_VECTOR 16
ERR_VECTOR 17
NOERR_VECTOR 18
NOERR_VECTOR 19
NOERR_VECTOR 20
ERR_VECTOR 21
.irp v, 22,23,24,25,26,27,28
NOERR_VECTOR \v
.endr
ERR_VECTOR 29
ERR_VECTOR 30
NOERR_VECTOR 31
.altmacro
.set v, 32
.rept 224
    NOERR_VECTOR %v
    .set v, v + 1
.endr
.noaltmacro

exception_common:
    cld
    CLAC_IF_SMAP
    SAVE_ALL
    SPEC_CTRL_ENTRY_FROM_GUEST cs=REGS_CS(%rsp)
    mov     %rsp, %rdi
    call    do_exception
    /* From the guest, do_exception returns only on the main stack (IST frames move there). */
    testb   $3, REGS_CS(%rsp)
    jnz     return_to_guest_from_frame
    RESTORE_ALL
    add     $8, %rsp
    iretq

/*
 * syscall from the guest: from its kernel a hypercall, from its user mode a
 * system call to bounce (do_syscall_entry decides).  SFMASK has cleared IF,
 * TF, DF, AC and NT.  There is no stack and no register is free, so each
 * CPU's LSTAR (and CSTAR) names a stub of its own (lstar_stubs[cpu]) that
 * stores the guest %rsp straight into that CPU's frame by a RIP-relative
 * address and points %rsp there: CPU 0's frame is in the image, the other
 * CPUs' stack blocks are mapped within reach of it (asm/layout.h).  CPU 0's
 * stub falls through into the rest of the entry, which builds the frame
 * and calls the handler; the others jump to it.  Never through GS, which
 * is the guest's.
 */
.macro SYSCALL_ENTRY name, guest_cs, handler
    .balign 16
    .globl \name
\name:
    mov     %rsp, CPU0_FRAME_RSP(%rip)
    lea     CPU0_FRAME_RSP(%rip), %rsp
\name\()_frame:
    push    %r11                        /* rflags */
    push    $\guest_cs                  /* cs */
    push    %rcx                        /* rip */
    push    $0
    movl    $TRAP_SYSCALL, 4(%rsp)
    SAVE_ALL
    SPEC_CTRL_ENTRY_FROM_GUEST
    movq    $GUEST_DS, REGS_SS(%rsp)
    mov     %rsp, %rdi
    call    \handler
    jmp     return_to_guest_from_frame
.endm

/* CPU n's stub (n >= 1): `prefix` n is its label, `frame` the common part. */
.set ap_frame_rsp_off, FRAME_RSP_OFF
.set ap_stack_stride, PERCPU_STACK_STRIDE
.macro AP_SYSCALL_STUB prefix, frame, n
    .balign 16
\prefix\n:
    mov     %rsp, percpu_stacks_virt + \n * ap_stack_stride + ap_frame_rsp_off(%rip)
    lea     percpu_stacks_virt + \n * ap_stack_stride + ap_frame_rsp_off(%rip), %rsp
    jmp     \frame
.endm
.macro STUB_REF prefix, n
    .quad   \prefix\n
.endm

.altmacro
.set cpu, 1
.rept NR_CPUS_MAX - 1
    AP_SYSCALL_STUB lstar_cpu, lstar_entry_frame, %cpu
    AP_SYSCALL_STUB cstar_cpu, cstar_entry_frame, %cpu
    .set cpu, cpu + 1
.endr
.noaltmacro

SYSCALL_ENTRY lstar_entry, GUEST_CS64, do_syscall_entry
/* 32-bit compatibility-mode syscall: not part of the 64-bit PV ABI we offer. */
SYSCALL_ENTRY cstar_entry, GUEST_CS32, do_compat_syscall_entry

/*
 * An IST exception from the guest, its frame already copied into
 * cpu_info.guest_regs (%rdi): handle it on the main stack, which is empty
 * while a guest runs, so that the IST stack is free for a nested one.
 */
    .globl guest_exception_on_main_stack
guest_exception_on_main_stack:
    lea     -CPU_INFO_GUEST_REGS(%rdi), %rsp    /* just below cpu_info, 16-byte aligned */
    call    pv_guest_exception
    jmp     return_to_guest

/*
 * Resume the guest context in this CPU's cpu_info.guest_regs.  Callable
 * from anywhere on this CPU's stack block (main or IST stack); never returns.
 * The entries whose handler returned, with %rsp back at that frame, come in
 * at return_to_guest_from_frame.
 */
    .globl return_to_guest
return_to_guest:
    mov     %rsp, %rax
    or      $(STACK_SIZE - 1), %rax
    lea     1 - CPU_INFO_SIZE + CPU_INFO_GUEST_REGS(%rax), %rsp
return_to_guest_from_frame:
    mov     %rsp, %rdi
    call    prepare_return_to_guest
    test    %al, %al                    /* a C bool: only %al is defined */
    jnz     return_with_sysret
    SPEC_CTRL_EXIT_TO_GUEST
    RESTORE_ALL
    add     $8, %rsp
    .globl iret_to_guest
iret_to_guest:
    iretq

/*
 * The CPU refused the frame.  The checks in C (iret.c, bounce.c) should
 * make that impossible; if one is missing, the guest gets the fault the CPU
 * raised, never the hypervisor.  do_exception noted the fault and resumed
 * here with the guest's registers live and %rsp at cpu_info.guest_regs.rip,
 * whose hardware frame is intact: put the rest back and deliver it.
 */
iret_to_guest_fixup:
    push    $0                          /* error code / vector */
    SAVE_ALL
    mov     %rsp, %rdi
    call    pv_iret_to_guest_faulted
    jmp     return_to_guest

    .pushsection .ex_table, "a"
    .balign 8
    .quad iret_to_guest, iret_to_guest_fixup
    .popsection

/*
 * The fast way back when sysretq loads exactly what iretq would: rcx = rip
 * and r11 = rflags (true after a hypercall), Xen's flat selectors, a
 * canonical rip (checked in C: a non-canonical one would fault in ring 0 on
 * Intel CPUs with the guest's stack, XSA-7).  Interrupts are off; an NMI
 * arriving after the stack switch runs on its own IST stack.
 */
return_with_sysret:
    SPEC_CTRL_EXIT_TO_GUEST
    RESTORE_ALL
    add     $8, %rsp                    /* error code / vector */
    mov     REGS_RSP - REGS_RIP(%rsp), %rsp
    sysretq

    .section .rodata
    .balign 8
/* Each CPU's LSTAR and CSTAR value (cpu.c). */
    .globl lstar_stubs, cstar_stubs
lstar_stubs:
    .quad   lstar_entry
.altmacro
.set cpu, 1
.rept NR_CPUS_MAX - 1
    STUB_REF lstar_cpu, %cpu
    .set cpu, cpu + 1
.endr
.noaltmacro
cstar_stubs:
    .quad   cstar_entry
.altmacro
.set cpu, 1
.rept NR_CPUS_MAX - 1
    STUB_REF cstar_cpu, %cpu
    .set cpu, cpu + 1
.endr
.noaltmacro

    .balign 8
    .globl vector_table
vector_table:
.macro VECTOR_REF n
    .quad vector_\n
.endm
.altmacro
.set v, 0
.rept 256
    VECTOR_REF %v
    .set v, v + 1
.endr
.noaltmacro
