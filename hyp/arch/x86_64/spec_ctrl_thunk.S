/* SPDX-License-Identifier: MIT */
/*
 * Retpoline thunks (docs/security.md, "Spectre v2").  The hypervisor is
 * built with -mindirect-branch=thunk-extern -mindirect-branch-register, so
 * every indirect call or jump through %reg becomes a call or jump to
 * __x86_indirect_thunk_<reg>.  The thunk reaches the target with a `ret`
 * whose return address it has just overwritten: the CPU predicts that
 * `ret` from the return stack buffer -- the call below, into a pause/lfence
 * loop -- and never from the indirect-branch predictor a guest can train.
 */

.macro INDIRECT_THUNK reg
    .section .text.__x86_indirect_thunk_\reg, "ax", @progbits
    .globl __x86_indirect_thunk_\reg
    .hidden __x86_indirect_thunk_\reg
    .type __x86_indirect_thunk_\reg, @function
__x86_indirect_thunk_\reg:
    call    .Lset_target_\reg
.Lcapture_\reg:
    pause
    lfence
    jmp     .Lcapture_\reg
.Lset_target_\reg:
    mov     %\reg, (%rsp)
    ret
    .size __x86_indirect_thunk_\reg, . - __x86_indirect_thunk_\reg
.endm

.irp reg, rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15
INDIRECT_THUNK \reg
.endr
