/* SPDX-License-Identifier: MIT */
/*
 * The only code that dereferences guest pointers.  raw_copy_guest copies n
 * bytes with SMAP opened (STAC) and closed again (CLAC); a #PF or #GP on the
 * copy lands in the exception table, which resumes at the fix-up: it returns
 * the number of bytes NOT copied.  Callers (hyp/mm/guest_access.c) check the
 * range before calling, because addresses in the hypervisor's slots or the
 * non-canonical hole either do not fault at CPL 0 or are ours.
 */

.macro STAC_IF_SMAP
    testb   $1, cpu_has_smap(%rip)
    jz      1f
    stac
1:
.endm
.macro CLAC_IF_SMAP
    testb   $1, cpu_has_smap(%rip)
    jz      1f
    clac
1:
.endm

    .text
/* size_t raw_copy_guest(void *dst, const void *src, size_t n) */
    .globl raw_copy_guest
raw_copy_guest:
    mov     %rdx, %rcx
    STAC_IF_SMAP
copy_insn:
    rep movsb
    CLAC_IF_SMAP
    mov     %rcx, %rax
    ret
copy_fixup:
    CLAC_IF_SMAP
    mov     %rcx, %rax
    ret

/* size_t raw_clear_guest(void *dst, size_t n) */
    .globl raw_clear_guest
raw_clear_guest:
    mov     %rsi, %rcx
    xor     %eax, %eax
    STAC_IF_SMAP
clear_insn:
    rep stosb
    CLAC_IF_SMAP
    mov     %rcx, %rax
    ret
clear_fixup:
    CLAC_IF_SMAP
    mov     %rcx, %rax
    ret

    .section .ex_table, "a"
    .balign 8
    .quad copy_insn, copy_fixup
    .quad clear_insn, clear_fixup
